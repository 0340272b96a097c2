"""The Radar page through Starlette's TestClient, against the sandbox on a clock with actions locking in the past,
within 24 h, within 3 days and later: the buckets and totals on the page are the library's Radar for the same
inputs, sorting by deadline and by commission gives the library's order page after page (50 rows a page), each row
links to where its correction lives, a partner's name is shown as text, and without an account one line says what
to set."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from conftest_api import Clock, api_env, clocked_sandbox, make_settings  # noqa: F401 (fixtures)
from conftest_web import Web, make_web, serve_settings_for, web  # noqa: F401
from markupsafe import escape

from batchkit.api.actions import sync_actions
from batchkit.core.config import load_config
from batchkit.deadlines.model import Correction, Radar
from batchkit.deadlines.run import radar_paths
from batchkit.delivery.errors import DeliveryError
from batchkit.delivery.settings import DeliverySettings
from batchkit.delivery.viaapi.send import deliver_via_api
from batchkit.sandbox import Sandbox
from batchkit.state.ledger import Ledger

SCRIPT, FORMULA = "<script>alert(1)</script>", "=cmd|' /C calc'!A0"
IDS = {"past": "1000.4636.720001", "2h": "1000.4636.720002", "2d": "1000.4636.720003", "10d": "1000.4636.720004",
       "3h": "1000.4636.720005"}
MISSING = "1000.4636.729999"
REVERSALS = "acme_order-reversals_radar.csv"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def clock() -> Clock:
    """Now, as the page's radar takes it (whole seconds)."""
    return Clock(datetime.now(UTC).replace(microsecond=0))


def seed(sb: Sandbox, now: datetime) -> None:
    """Actions locking a day ago, in 2 and 3 hours, in 2 days and in 10 days; three currencies and a yen; partners
    named like markup and like a spreadsheet formula."""
    made = (now - timedelta(days=5)).isoformat()
    actions = [("past", -24, "USD", ("12345", "Cashback World"), "200.00", "20.00"),
               ("2h", 2, "USD", ("23456", SCRIPT), "100.00", "10.00"),
               ("3h", 3, "JPY", ("12345", "Cashback World"), "10000", "1000"),
               ("2d", 48, "EUR", ("34567", FORMULA), "50.00", "7.50"),
               ("10d", 240, "GBP", ("12345", "Cashback World"), "80.00", "8.00")]
    for key, hours, currency, (pid, name), amount, payout in actions:
        sb.store.add_action({"Id": IDS[key], "Oid": f"W-{key}", "MediaPartnerId": pid, "MediaPartnerName": name,
                             "Currency": currency, "Amount": amount, "Payout": payout, "UpdatedDaysAgo": "1",
                             "LockingDate": (now + timedelta(hours=hours)).isoformat(), "CreationDate": made,
                             "EventDate": made})


def reversals(extra: int = 0) -> bytes:
    ids = [IDS["10d"], IDS["2h"], MISSING, IDS["2d"], IDS["past"], IDS["3h"]]
    ids += [f"1000.4636.73{n:04d}" for n in range(extra)]  # actions the mirror lacks: commission unknown
    return ("ActionId,Amount,Reason\n" + "".join(f"{i},0,ITEM_RETURNED\n" for i in ids)).encode()


@dataclass
class World:
    web: Web
    sb: Sandbox
    tmp: Path


@pytest.fixture
def world(clocked_sandbox: Sandbox, clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The workbench with the account in its environment, the actions seeded, and one journal write whose fate is
    unknown (a modification of the 10-day action that met a 503)."""
    sb = clocked_sandbox
    seed(sb, clock.now)
    for key, value in api_env(sb.url, tmp_path, token="tok").items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    api = replace(make_settings(sb.url, tmp_path, token="tok"), max_age=86_400.0)
    sync_actions(api)
    sent = tmp_path / "sent_order-modifications.csv"
    sent.write_text(f"ActionId,Amount,Reason\n{IDS['10d']},40.00,ORDER_UPDATE\n")
    sb.faults.fail(503, times=1, path_contains="Actions")
    ledger = Ledger(tmp_path / "state")
    try:
        deliver_via_api([sent], api, DeliverySettings(state_dir=tmp_path / "state",
                                                      config=load_config(None, cwd=tmp_path), lock_wait=1), ledger)
    except DeliveryError:
        pass
    finally:
        ledger.close()
    web = make_web(serve_settings_for(tmp_path))
    yield World(web, sb, tmp_path)
    web.bench.tasks.shutdown()


def run(web: Web, files: dict[str, bytes], **data: str) -> tuple[str, str]:
    """Start a radar over `files`; (its id, its part of the page once done)."""
    got = web.post("/radar/run", files=[("files", (n, d)) for n, d in files.items()] or None, data=data)
    assert got.status_code == 200, got.text
    rid = got.headers["hx-push-url"].rsplit("/", 1)[-1]
    return rid, web.wait(f"/radar/{rid}").text


def library(w: World, rid: str, preset: str | None = None) -> Radar:
    """The library's radar over the same upload (offline: the mirror the page's radar brought up to date)."""
    view = w.web.bench.kept[f"radar:{rid}"]
    return radar_paths(load_config(None, cwd=w.tmp), [str(u.path) for u in view.uploads],
                       state_dir=str(w.web.bench.settings.state_dir), offline=True, preset=preset)


ROW = re.compile(r'<tr data-place="(\d+)" data-bucket="(\w+)" data-action="([^"]*)" data-commission="([^"]*)" '
                 r'data-currency="([^"]*)" data-row="(\d*)" data-journal="(\d*)"')


def rows(html: str) -> list[tuple[str, str, str, int | None, int | None]]:
    """(bucket, action, commission, row, journal id) of each row of the table, in the page's order."""
    return [(b, a, c, int(r) if r else None, int(j) if j else None) for _, b, a, c, _, r, j in ROW.findall(html)]


def of(c: Correction) -> tuple[str, str, str, int | None, int | None]:
    return (c.bucket, c.action_id or "", "" if c.commission is None else str(c.commission), c.row, c.journal_id)


def buckets(html: str) -> dict[str, tuple[int, dict[str, Decimal], int]]:
    table = re.search(r'<table class="radar-buckets">(.*?)</table>', html, re.DOTALL)
    assert table, html[:2000]
    found = {}
    for key, count, unknown, body in re.findall(r'<tr data-bucket="(\w+)" data-count="(\d+)" data-unknown="(\d+)"'
                                                r'[^>]*>(.*?)</tr>', table.group(1), re.DOTALL):
        money = {cur: Decimal(a) for cur, a in re.findall(r'data-currency="(\w+)" data-amount="([^"]+)"', body)}
        found[key] = (int(count), money, int(unknown))
    return found


def every_page(web: Web, rid: str, sort: str) -> list[str]:
    first = web.get(f"/radar/{rid}?sort={sort}", headers={"HX-Request": "true"}).text
    pages = int(m.group(1)) if (m := re.search(r'data-pages="(\d+)"', first)) else 1
    return [first] + [web.get(f"/radar/{rid}?sort={sort}&page={p}", headers={"HX-Request": "true"}).text
                      for p in range(2, pages + 1)]


def by_commission(corrections: list[Correction]) -> list[Correction]:
    """The page's commission order, from the library's rows: known first, by currency A-Z, largest first; ties in
    deadline order (a stable sort of the deadline order)."""
    return sorted(corrections, key=lambda c: (c.commission is None, c.currency or "", -(c.commission or 0)))


def test_the_buckets_totals_and_rows_are_the_librarys(world: World) -> None:
    w = world
    rid, body = run(w.web, {REVERSALS: reversals()})
    radar = library(w, rid)
    assert buckets(body) == {k: (t.count, t.amounts, t.unknown) for k, t in radar.buckets.items()}
    assert buckets(body)["locked"] == (1, {"USD": Decimal("20.00")}, 0)
    assert buckets(body)["24h"] == (2, {"JPY": Decimal(1000), "USD": Decimal("10.00")}, 0)
    assert buckets(body)["3d"] == (1, {"EUR": Decimal("7.50")}, 0)
    assert buckets(body)["later"] == (2, {"GBP": Decimal("12.00")}, 0)  # the file's 8.00 and the journal's 4.00
    assert buckets(body)["unknown"] == (1, {}, 1)
    stake = dict(re.findall(r'<tr data-currency="(\w+)" data-amount="([^"]+)">', body))
    assert {c: Decimal(a) for c, a in stake.items()} == radar.currencies
    lost = re.findall(r'<tr data-month="([\d-]+)" data-count="(\d+)">', body)
    assert {m: int(n) for m, n in lost} == {m: t.count for m, t in radar.lost.items()} and lost
    assert len(re.findall(r"<tr data-partner ", body)) == len(radar.partners)
    assert rows(body) == [of(c) for c in radar.corrections()]  # the library's deadline order
    # the chart: an SVG bar per bucket, its label, count and money as text, no style attribute
    svg = body.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "style=" not in svg and all(radar.label(k) in svg for k in radar.buckets)
    assert re.findall(r'data-bucket="(\w+)" data-count="(\d+)">\s*<title>', svg) == [
        (k, str(t.count)) for k, t in radar.buckets.items()]
    assert "USD 20.00" in svg and "2: JPY 1,000 + USD 10.00" in svg


def test_deadlines_are_highlighted_and_said_in_words_and_rows_link_where_they_live(world: World) -> None:
    w = world
    rid, body = run(w.web, {REVERSALS: reversals()})
    upload = w.web.bench.kept[f"radar:{rid}"].uploads[0]
    trs = re.findall(r"(<tr data-place=.*?</tr>)", body, re.DOTALL)
    near = next(t for t in trs if f'data-action="{IDS["2h"]}"' in t)
    assert 'class="deadline-near"' in near and re.search(r"locks within 24 h: 0 d [12] h left", near)
    past = next(t for t in trs if f'data-action="{IDS["past"]}"' in t)
    assert 'class="deadline-past"' in past and "already locked (lost): locked" in past and "too late" in past
    assert "Send now" not in past  # too late: nothing to send
    later = next(t for t in trs if f'data-action="{IDS["10d"]}"' in t and 'data-journal=""' in t)
    assert "deadline-" not in later.split(">", 1)[0] and "locks later" in later
    assert f"file {REVERSALS} row 2" in later and f'href="/deliver?files={upload.id}"' in later
    assert f'hx-post="/radar/check/{upload.id}"' in later and str(upload.path) not in body
    journal = next(t for t in trs if 'data-journal=""' not in t)
    assert re.search(r'href="/status/delivery/\d+">journal #\d+</a>', journal) and "unknown" in journal
    assert "Send now" not in journal and "sent_order-modifications.csv row 2" in journal
    missing = next(t for t in trs if f"ActionId {MISSING}" in t)
    assert "lock date unknown" in missing and "unknown: the action is not in the mirror" in missing
    # "check this file" starts a check of that upload and sends the browser there
    got = w.web.post(f"/radar/check/{upload.id}")
    assert got.status_code == 204 and re.fullmatch(r"/check/[0-9a-f]{20}", got.headers["hx-redirect"])
    assert 'data-state="done"' in w.web.wait(got.headers["hx-redirect"]).text
    assert w.web.post("/radar/check/0123456789abcdef0123").status_code == 404
    # "send now" is only a way to Deliver's page with that file: its plan and confirmation do the sending
    deliver = w.web.get(f"/deliver?files={upload.id}")
    assert deliver.status_code == 200 and REVERSALS in deliver.text and "Plan the delivery" in deliver.text


def test_sorting_by_commission_and_by_deadline_gives_the_librarys_order_in_pages_of_50(world: World) -> None:
    w = world
    rid, body = run(w.web, {REVERSALS: reversals(extra=120)})
    radar = library(w, rid)
    assert radar.count == 127 and len(rows(body)) == 50 and "Sorted by deadline" in body
    assert 'aria-current="true" data-sort="deadline"' in body
    pages = every_page(w.web, rid, "deadline")
    assert len(pages) == 3 and [len(rows(p)) for p in pages] == [50, 50, 27]
    assert [r for p in pages for r in rows(p)] == [of(c) for c in radar.corrections()]
    pages = every_page(w.web, rid, "commission")
    assert "Sorted by commission: largest first within each currency" in pages[0]
    assert 'aria-current="true" data-sort="commission"' in pages[0]
    got = [r for p in pages for r in rows(p)]
    assert got == [of(c) for c in by_commission(radar.corrections())]
    assert [r[1] for r in got[:7]] == [IDS["2d"], IDS["10d"], IDS["10d"], IDS["3h"], IDS["past"], IDS["2h"], ""]
    clamp = w.web.get(f"/radar/{rid}?sort=nonsense&page=999", headers={"HX-Request": "true"}).text
    assert 'data-page="3"' in clamp and "Sorted by deadline" in clamp and len(rows(clamp)) == 27
    whole = w.web.get(f"/radar/{rid}?page=2")
    assert whole.text.startswith("<!doctype html>") and len(rows(whole.text)) == 50
    assert '/static/radar.css' in whole.text and not re.search(r"\sstyle=|\son[a-z]+=", whole.text)


def test_a_partner_named_like_markup_or_a_formula_is_shown_as_text(world: World) -> None:
    _, body = run(world.web, {REVERSALS: reversals()})
    assert SCRIPT not in body and str(escape(SCRIPT)) in body
    assert str(escape(FORMULA)) in body and FORMULA not in body  # the quote is escaped: text, never markup
    assert "<script" not in body.replace('<script src="/static/', "")


def test_the_journal_alone_an_export_with_a_preset_and_offline(world: World) -> None:
    w = world
    _, body = run(w.web, {}, offline="yes")
    assert rows(body) and all(r[4] is not None for r in rows(body))  # the journal's write only
    assert "1 correction" in body and "0 requests" in body
    (w.tmp / "batchkit.toml").write_text((ROOT / "samples" / "returns" / "batchkit.toml").read_text())
    export = ("Order Number,Action ID,Line SKU,Category,Qty Ordered,Unit Price,Qty Returned,Return Reason,Currency,"
              f"Customer Status\nW-2h,{IDS['2h']},SKU-1,Shoes,1,100.00,1,Changed mind,USD,NEW\n").encode()
    rid, body = run(w.web, {"returns.csv": export}, preset="returns")
    assert 'data-state="done"' in body and "(exports, preset returns)" in body
    assert "returns.csv: built in memory into 1 batch file(s), none written" in body
    built = next(t for t in re.findall(r"(<tr data-place=.*?</tr>)", body, re.DOTALL) if IDS["2h"] in t)
    assert "built in memory from returns.csv" in built and 'href="/build"' in built and "Send now" not in built
    assert rows(body) == [of(c) for c in library(w, rid, preset="returns").corrections()]
    assert str(w.web.bench.settings.folder) not in body
    _, body = run(w.web, {"garbage.xlsx": bytes(range(256)) * 4})  # no batch file at all: one line, no path
    assert re.search(r'data-state="(done|failed)"', body) and "Traceback" not in body
    assert str(w.web.bench.settings.folder) not in body and "garbage.xlsx" in body
    bad = w.web.post("/radar/run", data={"preset": "../../etc"})
    assert bad.status_code == 400 and "choose a preset" in bad.text


def test_without_an_account_one_line_says_what_to_set(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("IMPACT_ACCOUNT_SID", "IMPACT_AUTH_TOKEN", "BATCHKIT_CAMPAIGN_ID", "BATCHKIT_API_URL"):
        monkeypatch.delenv(key, raising=False)
    page = web.get("/radar").text
    said = re.search(r"data-no-account>(.*?)</p>", page, re.DOTALL)
    assert said and said.group(1).startswith("To see the radar, set IMPACT_ACCOUNT_SID") and "\n" not in said.group(1)
    assert "Sync now" not in page
    got = web.post("/radar/run", files=[("files", (REVERSALS, reversals()))])
    assert got.status_code == 400 and 'role="alert"' in got.text and "To see the radar, set IMPACT_ACCOUNT_SID" in got.text
    assert not list((web.bench.settings.folder / "uploads").glob("*/*.csv"))  # nothing kept for nothing
    assert web.post("/radar/sync").status_code == 400


def test_sync_now_brings_the_mirror_up_to_date_as_a_task(world: World) -> None:
    w = world
    got = w.web.post("/radar/sync")
    assert got.status_code == 200 and 'hx-get="/radar/account"' in got.text
    done = w.web.wait("/radar/account", until=r"data-synced>")
    assert re.search(r"data-synced>synced: [\d,]+ new", done.text) and re.search(r"data-mirror-age>synced", done.text)


def test_an_unknown_radar_is_a_404(web: Web) -> None:
    for url in ("/radar/0123456789abcdef0123", "/radar/..%2F..%2Fetc"):
        assert web.get(url).status_code == 404, url


def test_offline_without_a_mirror_is_one_line_and_no_path(clocked_sandbox: Sandbox, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in api_env(clocked_sandbox.url, tmp_path, token="tok").items():
        monkeypatch.setenv(key, value)
    w = make_web(serve_settings_for(tmp_path))
    try:
        _, body = run(w, {REVERSALS: reversals()}, offline="yes")
    finally:
        w.bench.tasks.shutdown()
    said = re.search(r'data-state="failed".*?copyable">(.*?)</span>', body, re.DOTALL)
    assert said and "batchkit actions sync" in said.group(1) and "\n" not in said.group(1)
    assert str(w.bench.settings.folder) not in body and "Traceback" not in body and not clocked_sandbox.requests
