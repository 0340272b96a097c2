"""Preflight against the sandbox: rule cases as data (tests/cases/preflight/*.toml) against a mirror synced
from the sandbox's seed, the budget, BK710 when the API is gone, and the command line."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest_api import CAMPAIGN, SID, TOKEN, api_env, make_settings

from batchkit.api.actions import sync_actions
from batchkit.api.settings import ApiSettings
from batchkit.cli.main import main
from batchkit.core.config import load_config
from batchkit.preflight import NoMirror, preflight_paths
from batchkit.sandbox import Sandbox

CASES = [case for path in sorted((Path(__file__).parent / "cases" / "preflight").glob("*.toml"))
         for case in tomllib.loads(path.read_text())["case"]]
CODES = [f"BK7{n:02d}" for n in range(1, 11)]


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, ApiSettings]]:
    """The shipped seed, synced once into a mirror every case of this module reads."""
    state = tmp_path_factory.mktemp("preflight")
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN) as sb:
        settings = replace(make_settings(sb.url, state), max_age=86_400.0)
        sync_actions(settings)
        yield sb, settings


def _run(tmp_path: Path, case: dict, settings: ApiSettings) -> list[list]:
    path = tmp_path / "case.csv"
    path.write_text(case["csv"].lstrip("\n"))
    report, _ = preflight_paths([str(path)], load_config(None, cwd=tmp_path), settings, kind=case.get("kind"),
                                max_samples=0, offline=case.get("offline", False))
    return sorted([f.row or 0, f.column or "", f.code] for fr in report.files for f in fr.findings())


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict, synced: tuple[Sandbox, ApiSettings], tmp_path: Path) -> None:
    assert _run(tmp_path, case, synced[1]) == sorted(case["expect"]), case.get("why", "")


def test_every_preflight_code_has_failing_and_passing_cases() -> None:
    failing = {e[2] for c in CASES for e in c["expect"]}
    passing = {code for c in CASES for code in c.get("passes", [])}
    assert set(CODES) <= failing and set(CODES) <= passing


def test_the_built_sample_files_are_clean_against_the_sandbox(synced: tuple[Sandbox, ApiSettings],
                                                               tmp_path: Path) -> None:
    from batchkit import build

    root = Path(__file__).resolve().parent.parent
    written = []
    for export, conf in (("returns/returns_export.csv", "returns/batchkit.toml"),
                         ("shopify/orders_export.csv", "shopify/batchkit.toml")):
        written += build(str(root / "samples" / export), str(tmp_path / "out"), str(root / "samples" / conf)).written
    paths = [str(p) for p in written] + [str(p) for p in sorted((root / "samples" / "batch").glob("*.csv"))]
    report, summary = preflight_paths(paths, load_config(None, cwd=tmp_path), synced[1], max_samples=0)
    codes = sorted({f.code for fr in report.files for f in fr.findings() if f.code >= "BK700"})
    assert codes == [] and summary.records >= 13 and summary.unchecked == 0


def test_unknown_ids_are_looked_up_within_the_budget(synced: tuple[Sandbox, ApiSettings], tmp_path: Path) -> None:
    sb, settings = synced
    rows = "".join(f"1000.4636.9{i:05d},,,10.00,USD,,ORDER_UPDATE\n" for i in range(12))
    case = {"csv": "ActionId,OrderId,ActionTrackerId,Amount,CurrencyCode,CustomerStatus,Reason\n" + rows,
            "kind": "order-modification"}
    before = len(sb.requests)
    got = _run(tmp_path, case, replace(settings, preflight_budget=5))
    assert len(sb.requests) - before == 5  # one request per unknown id, never more than the budget
    assert [c for _, _, c in got].count("BK701") == 5 and [c for _, _, c in got].count("BK710") == 7


def test_an_unreachable_api_is_bk710_with_a_mirror_and_exit_3_without(synced: tuple[Sandbox, ApiSettings],
                                                                       tmp_path: Path) -> None:
    _, settings = synced
    gone = replace(settings, url="http://127.0.0.1:9", retries=0)
    case = {"csv": "ActionId,Amount,Reason\n1000.4636.555555,0,ITEM_RETURNED\n1000.4636.158301,0,ITEM_RETURNED\n",
            "kind": "order-reversal"}
    got = _run(tmp_path, case, gone)
    assert got == [[2, "ActionId", "BK710"]]
    empty = replace(gone, state_dir=tmp_path / "no-mirror")
    with pytest.raises(NoMirror) as info:
        _run(tmp_path, case, empty)
    assert info.value.exit_code == 3 and "no mirror" in str(info.value)
    with pytest.raises(NoMirror, match="--offline"):
        _run(tmp_path, {**case, "offline": True}, replace(settings, state_dir=tmp_path / "none"))


def test_a_stale_mirror_is_brought_up_to_date_first(tmp_path: Path) -> None:
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN) as sb:
        settings = replace(make_settings(sb.url, tmp_path), max_age=0.0)
        sync_actions(settings)
        sb.store.touch("1000.4636.158301", State="REVERSED", Amount="0.00")
        import time

        time.sleep(1.1)  # the change must be older than the sync's window end (whole seconds)
        case = {"csv": "ActionId,Amount,Reason\n1000.4636.158301,0,ITEM_RETURNED\n", "kind": "order-reversal"}
        assert _run(tmp_path, case, settings) == [[2, "ActionId", "BK703"]]
        offline = _run(tmp_path, {**case, "offline": True}, settings)
    assert offline == [[2, "ActionId", "BK703"]]  # now mirrored: offline sees it too


def test_validate_preflight_on_the_command_line(synced: tuple[Sandbox, ApiSettings], tmp_path: Path) -> None:
    sb, settings = synced
    env = {**api_env(sb.url, tmp_path), "BATCHKIT_STATE_DIR": str(settings.state_dir)}
    bad = tmp_path / "acme_order-reversals.csv"
    bad.write_text("ActionId,OrderId,ActionTrackerId,Amount,Reason\n,PF-REVERSED,2240,0,ITEM_RETURNED\n")
    done = CliRunner().invoke(main, ["validate", str(bad), "--preflight", "--format", "json"], env=env)
    assert done.exit_code == 1 and '"BK703"' in done.stdout and "preflight: 1 record(s) checked" in done.stderr
    sarif = CliRunner().invoke(main, ["validate", str(bad), "--preflight", "--offline", "--format", "sarif"], env=env)
    assert sarif.exit_code == 1 and "BK703" in sarif.stdout
    report = tmp_path / "report.xlsx"
    xlsx = CliRunner().invoke(main, ["validate", str(bad), "--preflight", "--report", str(report)], env=env)
    assert xlsx.exit_code == 1 and report.exists()
    alone = CliRunner().invoke(main, ["validate", str(bad), "--offline"], env=env)
    assert alone.exit_code == 2 and "--offline goes with --preflight" in alone.output


def test_deliver_preflight_sends_nothing_when_a_record_fails(synced: tuple[Sandbox, ApiSettings],
                                                            tmp_path: Path) -> None:
    sb, settings = synced
    env = {**api_env(sb.url, tmp_path), "BATCHKIT_STATE_DIR": str(settings.state_dir)}
    bad = tmp_path / "files" / "acme_order-reversals.csv"
    bad.parent.mkdir()
    bad.write_text("ActionId,OrderId,ActionTrackerId,Amount,Reason\n,PF-LOCKED,2240,0,ITEM_RETURNED\n")
    outbox = tmp_path / "outbox"
    done = CliRunner().invoke(main, ["deliver", str(bad), "--to", str(outbox), "--preflight"], env=env)
    assert done.exit_code == 1 and "BK702" in done.stdout and not outbox.exists()
    good = tmp_path / "files" / "acme_order-modifications.csv"
    good.write_text("ActionId,OrderId,ActionTrackerId,Amount,CurrencyCode,CustomerStatus,Reason\n"
                    "1000.4636.158201,,,84.50,USD,,ORDER_UPDATE\n")
    sent = CliRunner().invoke(main, ["deliver", str(good), "--to", str(outbox), "--preflight"], env=env)
    assert sent.exit_code == 0, sent.output
    assert [p.name for p in outbox.iterdir()] == [good.name] and "preflight: 1 record(s)" in sent.stderr


def test_run_with_preflight_checks_the_built_files(tmp_path: Path) -> None:
    import shutil
    import time

    root = Path(__file__).resolve().parent.parent / "samples" / "returns"
    (tmp_path / "exports").mkdir()
    shutil.copy(root / "returns_export.csv", tmp_path / "exports" / "returns_export.csv")
    config = tmp_path / "batchkit.toml"
    config.write_text((root / "batchkit.toml").read_text() + '\n[run]\ninputs = ["exports/*.csv"]\n'
                      'archive = "archive"\npreflight = true\n\n[deliver]\nto = "outbox"\n\n[api]\nmax_age = 0\n')
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN) as sb:
        env = api_env(sb.url, tmp_path)
        sb.store.touch("1000.4636.160001", State="REVERSED", Amount="0.00")  # order 0001001 of the export, reversed
        time.sleep(1.1)  # older than the sync's window end
        refused = CliRunner().invoke(main, ["run", "--config", str(config)], env=env)
        assert refused.exit_code == 1, refused.output
        assert "BK703" in refused.stderr and "nothing was sent" in refused.stderr
        assert not (tmp_path / "outbox").exists() or not any((tmp_path / "outbox").iterdir())
        sb.store.touch("1000.4636.160001", State="PENDING", Amount="98.90")  # reset on the platform
        time.sleep(1.1)
        done = CliRunner().invoke(main, ["run", "--config", str(config)], env=env)
    assert done.exit_code == 0, done.output
    assert "preflight:" in done.stderr and len(list((tmp_path / "outbox").iterdir())) == 3


def test_dates_are_read_in_utc_whatever_their_offset_or_fraction() -> None:
    import pyarrow as pa

    from batchkit.preflight.match import utc_seconds

    got = utc_seconds(pa.array(["2026-12-31T11:56:46-08:00", "2026-12-31T19:56:46.123456+00:00", "",
                                "garbage", "2026-12-31T19:56Z", "2026-12-31T19:56:46Z"], type=pa.large_string()))
    same = 1798747006.0  # 2026-12-31T19:56:46Z
    assert list(got[[0, 1, 5]]) == [same, same, same] and got[4] == same - 46
    assert str(got[2]) == str(got[3]) == "nan"


@pytest.mark.parametrize("dates", [["2026-12-01T11:00:00-08:00", "2026-12-01T13:00:00-08:00", ""],
                                   ["2026-12-01T19:00:00Z", "2026-12-01T21:00:00Z", ""],
                                   ["2026-12-01T11:00:00-08:00", "2026-12-01T21:00:00Z", ""],
                                   ["2026-12-01T19:00:00.5Z", "2026-12-01T13:00:00.25-08:00", ""]])
def test_a_locking_date_has_passed_by_the_same_rule_however_it_is_written(dates: list[str]) -> None:
    from datetime import UTC, datetime

    import pyarrow as pa

    from batchkit.preflight.match import passed_by

    now = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)  # 12:00 at -08:00
    assert passed_by(pa.array(dates, type=pa.large_string()), now).tolist() == [True, False, False]


def test_the_key_cache_follows_the_mirror_by_what_was_mirrored_since(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from batchkit.state.mirror import Mirror
    from batchkit.preflight.keys import key_frame

    def action(i: int, state: str = "PENDING") -> dict:
        return {"Id": f"A{i}", "CampaignId": "1", "Oid": f"O{i}", "ActionTrackerId": "2240", "State": state}

    with Mirror(tmp_path / "m.sqlite3") as mirror:
        mirror.store([action(i) for i in range(3)], datetime.now(UTC))
        assert key_frame(mirror).column("Id").to_pylist() == ["A0", "A1", "A2"]
        mirror.store([action(1, "REVERSED"), action(3)], datetime.now(UTC))
        table = key_frame(mirror)
        states = dict(zip(table.column("Id").to_pylist(), table.column("State").to_pylist()))
        assert states == {"A0": "PENDING", "A1": "REVERSED", "A2": "PENDING", "A3": "PENDING"}
        assert (tmp_path / "m.keys.arrow").exists() and key_frame(mirror).num_rows == 4  # unchanged: the cache
    (tmp_path / "m.keys.arrow").write_bytes(b"not arrow")  # a damaged cache is rebuilt, never trusted
    with Mirror(tmp_path / "m.sqlite3") as mirror:
        assert key_frame(mirror).num_rows == 4


def test_the_library_api_syncs_and_preflights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import batchkit

    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN) as sb:
        for key, value in api_env(sb.url, tmp_path).items():
            monkeypatch.setenv(key, value)
        summary = batchkit.sync_actions(days=60)
        assert isinstance(summary, batchkit.SyncSummary) and summary.new > 10
        bad = tmp_path / "acme_order-reversals.csv"
        bad.write_text("ActionId,OrderId,ActionTrackerId,Amount,Reason\n,PF-REVERSED,2240,0,ITEM_RETURNED\n")
        report = batchkit.validate([bad], preflight=True, offline=True)
        plain = batchkit.validate([bad])
    assert [f.code for f in report.files[0].findings()] == ["BK703"] and plain.valid
