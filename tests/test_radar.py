"""The lock-date radar against the sandbox on a moved clock: actions locking in the past, in 2 hours, in 2 days and
in 10 days, in several currencies and for several partners, with corrections in each journal state made by real
deliveries through the sandbox's API; every bucket, total and state exact (Decimal), the lost column, a lock
extended since the last sync read again, the user's zone (TZ), and the command line."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest_api import CAMPAIGN, SID, Clock, clocked_sandbox, make_settings  # noqa: F401 (fixtures)

from batchkit.api.actions import sync_actions
from batchkit.api.settings import ApiSettings
from batchkit.cli.main import main
from batchkit.core.config import load_config
from batchkit.deadlines.model import Radar
from batchkit.deadlines.run import radar_for
from batchkit.delivery.errors import DeliveryError
from batchkit.delivery.settings import DeliverySettings
from batchkit.delivery.viaapi.send import deliver_via_api
from batchkit.sandbox import Sandbox
from batchkit.state.ledger import Ledger

TOKEN = "tok"  # the clocked sandbox's token
P1, P2, P3 = ("12345", "Cashback World"), ("23456", "Loyalty Hub"), ("34567", "Deal Finder")
IDS = {"past": "1000.4636.700001", "2h": "1000.4636.700002", "2d": "1000.4636.700003", "10d": "1000.4636.700004",
       "2h-b": "1000.4636.700005", "yen": "1000.4636.700006", "items": "1000.4636.700007", "ext": "1000.4636.700008", "yen2": "1000.4636.700009"}
MISSING = "1000.4636.799999"


@pytest.fixture
def clock() -> Clock:
    """The clock starts now (whole seconds): the mirror's copies are stamped with the real time, so that a lock
    passed after the sync is one the mirror's copy predates (and is read again)."""
    return Clock(datetime.now(UTC).replace(microsecond=0))


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _seed(sb: Sandbox, now: datetime) -> None:
    made = _iso(now - timedelta(days=5))
    actions = [("past", now - timedelta(days=1), "USD", P1, "200.00", "20.00"),
               ("2h", now + timedelta(hours=2), "USD", P1, "100.00", "10.00"),
               ("2d", now + timedelta(days=2), "EUR", P2, "50.00", "7.50"),
               ("10d", now + timedelta(days=10), "GBP", P3, "80.00", "8.00"),
               ("2h-b", now + timedelta(hours=2, minutes=30), "USD", P2, "300.00", "30.00"),
               ("yen", now + timedelta(days=2, hours=1), "JPY", P1, "10000", "1000"),
               ("ext", now + timedelta(hours=1), "USD", P1, "50.00", "5.00"),
               ("yen2", now + timedelta(days=2, hours=3), "JPY", P1, "10000", "1000")]
    for key, lock, currency, (pid, pname), amount, payout in actions:
        sb.store.add_action({"Id": IDS[key], "Oid": f"R-{key}", "MediaPartnerId": pid, "MediaPartnerName": pname,
                             "Currency": currency, "Amount": amount, "Payout": payout, "LockingDate": _iso(lock),
                             "CreationDate": made, "EventDate": made, "UpdatedDaysAgo": "1"})
    sb.store.add_action({"Id": IDS["items"], "Oid": "R-items", "MediaPartnerId": P3[0], "MediaPartnerName": P3[1],
                         "Currency": "USD", "LockingDate": _iso(now + timedelta(days=2, hours=2)),
                         "CreationDate": made, "EventDate": made, "UpdatedDaysAgo": "1"},
                        [{"Sku": "SKU-A", "SaleAmount": "60.00", "Payout": "6.00"},
                         {"Sku": "SKU-B", "SaleAmount": "40.00", "Payout": "4.00"}])


@dataclass
class World:
    sb: Sandbox
    clock: Clock
    api: ApiSettings
    tmp: Path
    files: dict[str, Path]

    def radar(self, *paths: Path, **kw: object) -> Radar:
        return radar_for(load_config(None, cwd=self.tmp), self.api, paths=[str(p) for p in paths],
                         now=self.clock.now, **kw)  # type: ignore[arg-type]


def _file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text.lstrip("\n"))
    return path


def _deliver(world_api: ApiSettings, tmp: Path, path: Path) -> None:
    settings = DeliverySettings(state_dir=tmp / "state", config=load_config(None, cwd=tmp), lock_wait=1)
    ledger = Ledger(settings.state_dir)
    try:
        deliver_via_api([path], world_api, settings, ledger)
    except DeliveryError:  # refused (exit 1) or unknown (exit 3): the journal keeps what happened
        pass
    finally:
        ledger.close()


MOD = "ActionId,Amount,Reason\n{id},{amount},ORDER_UPDATE\n"
REV = "ActionId,Amount,Reason\n{id},0,ITEM_RETURNED\n"


@pytest.fixture
def world(clocked_sandbox: Sandbox, clock: Clock, tmp_path: Path) -> Iterator[World]:
    """The actions synced into the mirror, then one correction in each journal state (through the sandbox's API),
    and a file of corrections not sent yet."""
    sb = clocked_sandbox
    _seed(sb, clock.now)
    api = replace(make_settings(sb.url, tmp_path, token=TOKEN), max_age=86_400.0)
    sync_actions(api)
    folder = tmp_path / "files"
    folder.mkdir()
    files = {
        "queued": _file(folder, "queued_order-reversals.csv", REV.format(id=IDS["2d"])),
        "refused": _file(folder, "refused_order-modifications.csv", MOD.format(id=IDS["2h"], amount="60.00")),
        "unknown": _file(folder, "unknown_order-modifications.csv", MOD.format(id=IDS["2h-b"], amount="150.00")),
        "applied": _file(folder, "applied_order-modifications.csv", MOD.format(id=IDS["yen"], amount="5000")),
        "late": _file(folder, "late_order-reversals.csv", REV.format(id=IDS["past"])),
        "unsent": _file(folder, "unsent_order-reversals.csv",
                        f"ActionId,Amount,Reason\n{IDS['10d']},0,ITEM_RETURNED\n{MISSING},0,ITEM_RETURNED\n"
                        f"{IDS['ext']},0,ITEM_RETURNED\n"),
        "yen": _file(folder, "unsent_order-modifications.csv", MOD.format(id=IDS["yen2"], amount="3333")),
        "items": _file(folder, "unsent_item-reversals.csv",
                       f"ActionId,Sku,Amount,Quantity,Reason\n{IDS['items']},SKU-A,0,0,ITEM_RETURNED\n"),
    }
    _deliver(api, tmp_path, files["queued"])
    sb.faults.fail(422, times=1, path_contains="Actions")
    _deliver(api, tmp_path, files["refused"])
    sb.faults.fail(503, times=1, path_contains="Actions")
    _deliver(api, tmp_path, files["unknown"])
    sb.faults.drop_after_apply(times=1)
    _deliver(api, tmp_path, files["applied"])  # unknown until the queue applies it and a read-back proves it
    sb.settle()
    _deliver(api, tmp_path, files["applied"])
    _deliver(api, tmp_path, files["late"])  # accepted (queued) though the action locked a day ago: too late
    states = sorted(e.state for e in Ledger(tmp_path / "state").journal.entries())
    assert states == ["applied", "queued", "queued", "refused", "unknown"]
    yield World(sb, clock, api, tmp_path, files)


def _by_action(radar: Radar) -> dict[str, tuple[str, str, Decimal | None, bool, bool]]:
    return {c.action_id or c.names: (c.state, c.bucket, c.commission, c.estimate, c.at_risk)
            for c in radar.corrections()}


def _totals(radar: Radar) -> dict[str, tuple[int, dict[str, Decimal], int]]:
    return {k: (t.count, t.amounts, t.unknown) for k, t in radar.buckets.items()}


def test_every_bucket_total_and_state_is_exact(world: World) -> None:
    w = world
    radar = w.radar(w.files["unsent"], w.files["items"], w.files["yen"], w.files["refused"], w.files["applied"])
    assert _by_action(radar) == {
        IDS["past"]: ("too late", "locked", Decimal("20.00"), False, True),  # queued a day after the lock
        IDS["2h"]: ("refused", "24h", Decimal("4.00"), True, True),  # 10.00 x (100 - 60) / 100, the file's row
        IDS["2h-b"]: ("unknown", "24h", Decimal("15.00"), True, True),  # 30.00 x (300 - 150) / 300
        IDS["ext"]: ("to send", "24h", Decimal("5.00"), False, True),
        IDS["2d"]: ("queued", "3d", Decimal("7.50"), False, True),
        IDS["yen"]: ("applied", "3d", Decimal("0"), True, False),  # applied: the mirror shows the new amount
        IDS["yen2"]: ("to send", "3d", Decimal("667"), True, True),  # 1000 x (10000 - 3333) / 10000, whole yen
        IDS["items"]: ("to send", "3d", Decimal("6.00"), False, True),  # SKU-A's own Payout
        IDS["10d"]: ("to send", "later", Decimal("8.00"), False, True),
        f"ActionId {MISSING}": ("to send", "unknown", None, False, True),  # never a zero
    }
    assert _totals(radar) == {
        "locked": (1, {"USD": Decimal("20.00")}, 0),
        "24h": (3, {"USD": Decimal("24.00")}, 0),
        "3d": (3, {"EUR": Decimal("7.50"), "JPY": Decimal("667"), "USD": Decimal("6.00")}, 0),
        "days": (0, {}, 0),
        "later": (1, {"GBP": Decimal("8.00")}, 0),
        "unknown": (1, {}, 1),
    }
    assert radar.currencies == {"EUR": Decimal("7.50"), "GBP": Decimal("8.00"), "JPY": Decimal("667"),
                                "USD": Decimal("30.00")}
    assert {p: (t.count, t.amounts, t.unknown) for p, t in radar.partners.items()} == {
        "Cashback World (12345)": (3, {"JPY": Decimal("667"), "USD": Decimal("9.00")}, 0),
        "Loyalty Hub (23456)": (2, {"EUR": Decimal("7.50"), "USD": Decimal("15.00")}, 0),
        "Deal Finder (34567)": (2, {"GBP": Decimal("8.00"), "USD": Decimal("6.00")}, 0),
        "(action not in the mirror)": (1, {}, 1)}
    month = (w.clock.now - timedelta(days=1)).astimezone(UTC) - timedelta(hours=8)
    assert {m: (t.count, t.amounts) for m, t in radar.lost.items()} == {f"{month:%Y-%m}": (1, {"USD": Decimal("20.00")})}
    assert radar.states == {"to send": 5, "queued": 1, "applied": 1, "refused": 1, "unknown": 1, "too late": 1}
    missing = next(c for c in radar.corrections() if c.action_id is None)
    assert missing.note == "the action is not in the mirror" and missing.commission is None
    refused = next(c for c in radar.corrections() if c.action_id == IDS["2h"])
    assert refused.origin == "file" and refused.row == 2 and "422" in (refused.reason or "")
    assert refused.locking_date and refused.locking_date.endswith("-08:00")  # as the platform gives it
    assert refused.seconds_left == 7200 and refused.left() == "0 d 2 h"


def test_a_correction_that_arrives_after_the_lock_is_lost_and_counted_per_month(world: World) -> None:
    w = world
    w.clock.advance(hours=3)  # the 2-hour actions lock: their refused and unknown corrections came too late
    radar = w.radar(w.files["refused"])
    got = _by_action(radar)
    assert got[IDS["2h"]][:2] == ("too late", "locked") and got[IDS["2h-b"]][:2] == ("too late", "locked")
    lost = radar.buckets["locked"]
    assert (lost.count, lost.amounts) == (3, {"USD": Decimal("39.00")})  # 20.00 + 4.00 + 15.00
    assert sum(t.count for t in radar.lost.values()) == 3
    late = next(c for c in radar.corrections() if c.action_id == IDS["2h"])
    assert late.note and "read again from impact.com" in late.note  # the mirror's copy predated the lock
    again = _by_action(w.radar(w.files["refused"], offline=True))  # the mirror now says APPROVED: no asking
    assert again[IDS["2h"]][:2] == ("too late", "locked")


def test_a_lock_extended_since_the_last_sync_is_read_again_before_it_is_called_lost(world: World) -> None:
    w = world
    w.sb.store.touch(IDS["ext"], LockingDate=_iso(w.clock.now + timedelta(days=5)))  # the platform extends it
    w.clock.advance(hours=2)  # the mirror's LockingDate (1 hour) has passed
    before = len(w.sb.requests)
    offline = w.radar(w.files["unsent"], offline=True)
    assert _by_action(offline)[IDS["ext"]][:2] == ("too late", "locked") and len(w.sb.requests) == before
    note = next(c for c in offline.corrections() if c.action_id == IDS["ext"]).note or ""
    assert "not read again (--offline): its lock may have been extended since" in note
    online = w.radar(w.files["unsent"])
    assert _by_action(online)[IDS["ext"]] == ("to send", "days", Decimal("5.00"), False, True)
    asked = [r.path for r in w.sb.requests[before:]]
    assert asked.count(f"/Advertisers/{SID}/Actions/{IDS['ext']}") == 1


def test_local_times_follow_tz_and_the_account_time_stays_as_given(world: World,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    try:
        radar = world.radar(world.files["unsent"])
        c = next(c for c in radar.corrections() if c.action_id == IDS["10d"])
        assert c.locks_local is not None and c.locks_local.utcoffset() == timedelta(hours=5, minutes=30)
        assert c.locks_local == c.locks_at and c.locking_date and c.locking_date.endswith("-08:00")
        assert c.locks_at == datetime.fromisoformat(c.locking_date)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_locking_date_with_z_or_an_offset_is_judged_alike(tmp_path: Path) -> None:
    from batchkit.deadlines.dates import lock_seconds
    from batchkit.deadlines.judge import locked_now

    import numpy as np
    import pyarrow as pa

    now = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
    dates = pa.array(["2026-12-01T11:59:59-08:00", "2026-12-01T12:00:01-08:00", "2026-12-01T19:59:59Z",
                      "2026-12-01T20:00:01Z", ""], type=pa.large_string())
    states = pa.array(["PENDING", "PENDING", "PENDING", "PENDING", "APPROVED"], type=pa.large_string())
    assert locked_now(np.ones(5, dtype=bool), states, lock_seconds(dates), now).tolist() == [True, False, True, False,
                                                                                          True]
    fractions = pa.array(["2026-12-01T11:59:59.5-08:00", "2026-12-01T20:00:01.25Z", "garbage"], type=pa.large_string())
    assert lock_seconds(fractions)[:2].tolist() == [1796155199.0, 1796155201.0] and np.isnan(lock_seconds(fractions)[2])


def test_the_command_line_text_json_and_exit_codes(world: World) -> None:
    w = world
    env = {"BATCHKIT_API_URL": w.sb.url, "IMPACT_ACCOUNT_SID": SID, "IMPACT_AUTH_TOKEN": TOKEN,
           "BATCHKIT_CAMPAIGN_ID": CAMPAIGN, "BATCHKIT_STATE_DIR": str(w.tmp / "state")}
    runner = CliRunner()
    text = runner.invoke(main, ["radar", str(w.files["unsent"]), "--offline"], env=env)
    assert text.exit_code == 0, text.output
    assert "already locked (lost)" in text.stdout and "locks within 24 h" in text.stdout
    assert "locks within 7 days" in text.stdout and "#" in text.stdout
    done = runner.invoke(main, ["radar", str(w.files["unsent"]), "--offline", "--format", "json", "--days", "14"],
                         env=env)
    got = json.loads(done.stdout)
    assert done.exit_code == 0 and got["days"] == 14
    assert {b["bucket"]: b["count"] for b in got["buckets"]}["days"] == 1  # 10 days is within 14
    assert all(isinstance(v, str) for b in got["buckets"] for v in b["commission"].values())  # exact, as text
    bad = runner.invoke(main, ["radar", "--report", str(w.tmp / "r.csv")], env=env)
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    nowhere = runner.invoke(main, ["radar", "--offline"], env={**env, "BATCHKIT_STATE_DIR": str(w.tmp / "none")})
    assert nowhere.exit_code == 3 and "batchkit actions sync" in nowhere.stderr
    no_account = runner.invoke(main, ["radar"], env={**env, "IMPACT_ACCOUNT_SID": ""})
    assert no_account.exit_code == 2 and "IMPACT_ACCOUNT_SID" in no_account.stderr


def test_text_from_files_and_servers_is_escaped(world: World) -> None:
    from batchkit.deadlines.present import text_lines

    w = world
    from batchkit.api.actions import open_mirror

    hostile = {**w.sb.store.get(IDS["10d"]), "MediaPartnerName": "Evil\x1b]8;;http://x\x07Partner"}
    with open_mirror(w.api) as mirror:  # as a sync would store what the platform says
        mirror.store([hostile], datetime.now(UTC))
    lines = text_lines(w.radar(w.files["unsent"], offline=True))
    assert not any("\x1b" in line or "\x07" in line for line in lines)
    assert any("Evil\\x1b]8;;http://x\\x07Partner" in line for line in lines)


def test_the_xlsx_report_reads_back_typed_with_its_chart(world: World) -> None:
    import openpyxl

    w = world
    env = {"BATCHKIT_API_URL": w.sb.url, "IMPACT_ACCOUNT_SID": SID, "IMPACT_AUTH_TOKEN": TOKEN,
           "BATCHKIT_CAMPAIGN_ID": CAMPAIGN, "BATCHKIT_STATE_DIR": str(w.tmp / "state")}
    target = w.tmp / "radar.xlsx"
    done = CliRunner().invoke(main, ["radar", str(w.files["unsent"]), str(w.files["yen"]), str(w.files["refused"]),
                                     "--report", str(target)], env=env)
    assert done.exit_code == 0, done.output
    book = openpyxl.load_workbook(target)
    sheet = book["Radar"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c for c in row))) for row in sheet.iter_rows(min_row=2)]
    by_action = {r["Action"].value or r["Named by"].value: r for r in rows}
    refused = by_action[IDS["2h"]]
    assert refused["Commission"].data_type == "n" and Decimal(str(refused["Commission"].value)) == Decimal("4.00")
    assert refused["Commission"].number_format == '#,##0.00 "USD"' and refused["Estimate"].value is True
    assert refused["Locks (local time)"].is_date and isinstance(refused["Locks (local time)"].value, datetime)
    assert refused["LockingDate (account time)"].data_type == "s" and refused["State"].value == "refused"
    assert refused["Row"].value == 2 and refused["Hours left"].value == 2
    assert refused["State"].fill.fgColor.rgb.endswith("F8CBAD")  # locks within 24 h: highlighted
    yen = by_action[IDS["yen2"]]
    assert yen["Commission"].value == 667 and yen["Commission"].number_format == '#,##0 "JPY"'
    missing = by_action[f"ActionId {MISSING}"]
    assert missing["Commission"].value is None and missing["Note"].value == "the action is not in the mirror"
    later = by_action[IDS["10d"]]
    assert later["Bucket"].value == "locks later" and later["State"].fill.fgColor.rgb in ("00000000", None)
    days = book["By day"]
    assert len(days._charts) == 1 and days._charts[0].tagname == "barChart"
    assert days["A2"].is_date and [c.value for c in days[1]][:1] == ["Day (LockingDate)"]
    totals = {days.cell(row=1, column=c).value: sum(Decimal(str(days.cell(row=r, column=c).value or 0))
                                                    for r in range(2, days.max_row + 1))
              for c in range(2, days.max_column + 1)}
    # not locked yet, the journal's writes included (queued 7.50 EUR, unknown 15.00 USD): currencies apart
    assert totals == {"EUR": Decimal("7.50"), "GBP": Decimal("8.00"), "JPY": Decimal("667"), "USD": Decimal("24.00")}


def test_the_library_function_gives_the_same_radar(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import batchkit

    w = world
    for name, value in {"BATCHKIT_API_URL": w.sb.url, "IMPACT_ACCOUNT_SID": SID, "IMPACT_AUTH_TOKEN": TOKEN,
                        "BATCHKIT_CAMPAIGN_ID": CAMPAIGN, "BATCHKIT_STATE_DIR": str(w.tmp / "state")}.items():
        monkeypatch.setenv(name, value)
    got = batchkit.radar([w.files["unsent"]], offline=True, now=w.clock.now)
    assert isinstance(got, batchkit.Radar) and "radar" in batchkit.__all__
    assert _totals(got)["later"] == (1, {"GBP": Decimal("8.00")}, 0)
    assert got.within(3).amounts == {"EUR": Decimal("7.50"), "USD": Decimal("24.00")}  # the journal's too
    assert got.unsent_within(1) == 3  # to send (ext), refused (2h), unknown (2h-b): not the queued one
    assert got.as_dict()["corrections"][0]["state"] == "too late"
