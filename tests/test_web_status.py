"""The Status page through Starlette's TestClient: the journal as `batchkit status` holds it (deliveries, refused and
unknown writes, a person's word on them under the lock), and the platform's verdicts (`batchkit results`) at each
delivery's rows, asked again within a request budget; everything from the platform shown as text."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from conftest_api import CAMPAIGN, SID, TOKEN, api_env
from conftest_web import Web, make_web, serve_settings_for, web  # noqa: F401
from markupsafe import escape

import batchkit
from batchkit.core.change import action_change
from batchkit.delivery.errors import RefusedWrites, UncertainDelivery
from batchkit.sandbox import Sandbox
from batchkit.state.journal import Origin
from batchkit.state.ledger import Ledger

ROOT = Path(__file__).resolve().parent.parent
BATCH = ROOT / "samples" / "batch"
MODS = BATCH / "acme_order-modifications_2026-11-22.csv"
REVERSALS = BATCH / "acme_order-reversals_2026-11-22.csv"
ITEM_REVERSALS = BATCH / "acme_item-reversals_2026-11-22.csv"
ITEMS = ("ActionId,OrderId,ActionTrackerId,Sku,Amount,Quantity,Category,Reason,Sku2,Amount2,Quantity2,Category2,"
         "Reason2\n"
         ",ORD-0100248,2240,SKU-2001,15.00,1,Hats,ITEM_RETURNED,,,,,\n"
         ",ORD-0100249,2240,SKU-3001,59.97,3,Shirts,ITEM_RETURNED,SKU-NOPE,12.50,1,Shirts,ITEM_RETURNED\n"
         ",ORD-NOPE-77,2240,SKU-1,10.00,1,Hats,ITEM_RETURNED,,,,,\n"
         ",ORD-0100242,2240,SKU-1001,39.98,2,Shoes,ITEM_RETURNED,,,,,\n")
HOSTILE = "<script>alert('x')</script> =cmd|' /C calc'!A0"


def _state(w: Web) -> Path:
    return w.bench.settings.state_dir


def _section(text: str, ident: str) -> str:
    """The HTML of the <section id=ident> (to the next </section>)."""
    start = text.index(f'id="{ident}"')
    return text[start:text.index("</section>", start)]


@pytest.fixture
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The sandbox with its watched drop, the environment pointing batchkit at it (as a CLI run would be)."""
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, process_seconds=0.2,
                 drop=tmp_path / "drop") as sb:
        for key, value in api_env(sb.url, tmp_path).items():
            monkeypatch.setenv(key, value)
        yield sb


def test_an_empty_journal_says_nothing_was_delivered_yet_and_creates_no_ledger(web: Web) -> None:
    got = web.get("/status")
    assert got.status_code == 200
    assert "Nothing delivered yet" in got.text
    assert 'href="/check"' in got.text and 'href="/build"' in got.text
    assert 'nav' in got.text and 'aria-current="page">Status' in got.text
    assert not (_state(web) / "ledger.sqlite3").exists()  # looking creates nothing
    assert web.get("/status/delivery/1").status_code == 404


def test_file_deliveries_are_listed_with_their_files_records_and_rows(web: Web, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    batchkit.deliver([REVERSALS, MODS], to=str(tmp_path / "out"), state_dir=str(_state(web)))
    got = web.get("/status")
    deliveries = _section(got.text, "status-deliveries")
    assert deliveries.index(MODS.name) < deliveries.index(REVERSALS.name)  # newest first
    assert deliveries.count("4 delivered") == 2 and "folder" in deliveries and str(tmp_path / "out") in deliveries
    assert "Nothing needs you" in _section(got.text, "status-attention")
    assert "no verdict yet" in deliveries  # nothing asked: no request was made to show the page
    one = web.get("/status/delivery/2?show=all")
    assert one.status_code == 200 and MODS.name in one.text
    header = MODS.read_text().splitlines()[0].split(",")
    assert all(f"<th scope=\"col\">{h}</th>" in one.text for h in header)  # the file's own columns
    assert re.search(r'<tr id="row-5"', one.text) and "1000.4636.158204" in one.text


def _refused_and_unknown(w: Web, box: Sandbox) -> None:
    """Through the sandbox's API: row 2 of MODS refused (422), row 2 of ITEM_REVERSALS answered 503 (unknown)."""
    sb_state = str(_state(w))
    box.faults.fail(422, times=1, path_contains="Actions")
    with pytest.raises(RefusedWrites):
        batchkit.deliver([MODS], to="api", state_dir=sb_state)
    box.faults.fail(503, times=1, path_contains="Actions")
    with pytest.raises(UncertainDelivery):
        batchkit.deliver([ITEM_REVERSALS], to="api", state_dir=sb_state)


def test_a_refused_write_shows_the_platforms_reason_and_an_unknown_one_since_when(web: Web, box: Sandbox) -> None:
    _refused_and_unknown(web, box)
    attention = _section(web.get("/status").text, "status-attention")
    refused = attention[attention.index('id="write-1"'):]
    assert "refused" in refused and "422: The service answered 422 (an injected fault)" in refused
    assert 'data-copy="reason-1"' in refused and 'id="reason-1"' in refused  # copyable
    assert "Dismiss #1" in refused
    unknown = attention[attention.index('id="write-5"'):]
    assert "unknown since 20" in unknown and "answered HTTP 503" in unknown and "Record #5 applied" in unknown
    deliveries = _section(web.get("/status").text, "status-deliveries")
    assert "API" in deliveries and f"account {SID}" in deliveries and "1 refused" in deliveries
    assert TOKEN not in web.get("/status").text


def test_marking_an_unknown_write_applied_needs_the_confirm_moves_it_and_a_second_mark_is_one_line(
        web: Web, box: Sandbox) -> None:
    _refused_and_unknown(web, box)
    unconfirmed = web.post("/status/mark", data={"id": "5", "state": "applied"})
    assert unconfirmed.status_code == 400 and "confirm first" in unconfirmed.text
    assert Ledger(_state(web)).journal.entries(states=("unknown",))[0].id == 5
    done = web.post("/status/mark", data={"id": "5", "state": "applied", "confirm": "yes"})
    assert done.status_code == 200 and "#5 recorded applied" in done.text
    assert 'id="write-5"' not in _section(done.text, "status-attention")
    assert 'hx-swap-oob="true"' in done.text and "1 applied" in done.text  # the delivery's records moved too
    (entry,) = [e for e in Ledger(_state(web)).journal.entries() if e.id == 5]
    assert entry.state == "applied"
    again = web.post("/status/mark", data={"id": "5", "state": "applied", "confirm": "yes"})
    assert again.status_code == 409 and 'role="alert"' in again.text
    problem = re.search(r'class="problem" role="alert">(.*?)</div>', again.text, re.DOTALL)
    assert problem and "#5 is not an unknown write" in problem.group(1) and "\n" not in problem.group(1)
    assert "Traceback" not in again.text
    assert "is not a refused write" in web.post("/status/mark", data={"id": "5", "state": "dismissed",
                                                                      "confirm": "yes"}).text
    dismissed = web.post("/status/mark", data={"id": "1", "state": "dismissed", "confirm": "yes"})
    assert "#1 recorded dismissed" in dismissed.text and "Nothing needs you" in dismissed.text


def test_asking_the_platform_again_shows_rejections_at_their_rows_and_the_requests_spent(web: Web,
                                                                                          box: Sandbox) -> None:
    path = web.bench.settings.state_dir.parent / "files" / "acme_item-modifications.csv"
    path.parent.mkdir()
    path.write_text(ITEMS)
    batchkit.deliver([path], to=str(box.drop.folder), state_dir=str(_state(web)))
    box.settle()
    page = web.get("/status").text
    assert 'name="budget"' in page and 'value="200"' in page and "1,000 an hour" in page
    box.faults.stall(1.0, times=1)  # the ask is still running when it is clicked again
    started = web.post("/status/ask", data={"budget": "5"})
    task = re.search(r'id="task-([0-9a-f]+)"', started.text)
    assert task, started.text
    assert f'id="task-{task.group(1)}"' in web.post("/status/ask", data={"budget": "5"}).text  # joins it
    done = web.wait(f"/status/task/{task.group(1)}")
    assert 'data-state="done"' in done.text, done.text
    assert "2 of 5 request(s) spent" in done.text  # the listing, then the ErrorDetails
    assert re.search(r"BK801</span>\s*<strong>row 3, Sku2</strong>", done.text)
    assert re.search(r"BK801</span>\s*<strong>row 4, OrderId</strong>", done.text)
    assert "NO_ITEM" in done.text and "4 record(s): 2 accepted, 2 rejected, 0 pending" in done.text
    grid = web.get("/status/delivery/1").text
    row3 = grid[grid.index('<tr id="row-3"'):grid.index("</tr>", grid.index('<tr id="row-3"'))]
    assert re.search(r'<td class="cell-error"[^>]*>SKU-NOPE', row3) and "NO_ITEM" in row3
    assert '<tr id="row-2"' not in grid  # only the rows with a verdict, unless every row is asked for
    assert "2 rejected" in _section(web.get("/status").text, "status-deliveries")
    before = len(box.requests)
    again = web.post("/status/ask", data={"budget": "5"})
    again_id = re.search(r'id="task-([0-9a-f]+)"', again.text).group(1)  # type: ignore[union-attr]
    assert "0 of 5 request(s) spent" in web.wait(f"/status/task/{again_id}").text and len(box.requests) == before


def test_a_budget_out_of_bounds_is_refused_in_one_line(web: Web) -> None:
    for budget in ("0", "1001", "many"):
        got = web.post("/status/ask", data={"budget": budget})
        assert got.status_code == 400 and "from 1 to 1,000" in got.text and "task-" not in got.text


def test_an_api_error_is_one_line_without_the_token(web: Web, box: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    batchkit.deliver([MODS], to="api", state_dir=str(_state(web)))
    monkeypatch.setenv("IMPACT_AUTH_TOKEN", "wrong-token-5c1a")
    started = web.post("/status/ask", data={"budget": "3"})
    task = re.search(r'id="task-([0-9a-f]+)"', started.text).group(1)  # type: ignore[union-attr]
    failed = web.wait(f"/status/task/{task}")
    assert 'data-state="failed"' in failed.text
    message = re.search(r'class="copyable">(.*?)</span>', failed.text, re.DOTALL).group(1)  # type: ignore[union-attr]
    assert message and "\n" not in message and "Traceback" not in failed.text
    assert "wrong-token-5c1a" not in failed.text and TOKEN not in failed.text


def _hostile_refusal(state_dir: Path, url: str) -> None:
    """A refused write whose reason carries markup and a spreadsheet formula (as the platform may word it)."""
    ledger = Ledger(state_dir)
    try:
        did = ledger.begin("acme_order-modifications.csv", "0" * 64, 10, f"{url}/Advertisers/{SID}/Actions"
                           f"?CampaignId={CAMPAIGN}")
        form = {"ActionId": "1000.4636.158201", "Amount": "1.00", "Reason": "ORDER_UPDATE"}
        entry = ledger.journal.sending(action_change(SID, "PUT", form), "api", f"{url}/x", "PUT", urlencode(form),
                                       Origin("0" * 64, "acme_order-modifications.csv", 2, 2), did)
        ledger.journal.settle(entry, "refused", status=422, reason=f"impact.com refused it (422: {HOSTILE})")
        ledger.update(did, "failed")
    finally:
        ledger.close()


def test_the_platforms_words_are_shown_as_text_never_markup(web: Web, box: Sandbox) -> None:
    _hostile_refusal(_state(web), box.url)
    page = web.get("/status").text
    assert "<script>alert" not in page and str(escape(HOSTILE)) in page
    assert "=cmd|&#39; /C calc&#39;!A0" in page
    box.faults.submission_error("<script>alert(2)</script>", "=cmd|' /C calc'!A0 <img src=x>", times=10)
    batchkit.deliver([REVERSALS], to="api", state_dir=str(_state(web)))
    box.settle()
    started = web.post("/status/ask", data={"budget": "10"})
    task = re.search(r'id="task-([0-9a-f]+)"', started.text).group(1)  # type: ignore[union-attr]
    done = web.wait(f"/status/task/{task}").text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in done and "<script>alert(2)" not in done
    # impact.com's reason is read as its codes, each shown as given
    assert "=cmd|&#39; (not a reason" in done and "calc&#39;!A0 (not a reason" in done
    assert "&lt;img (not a reason" in done and "<img" not in done
    detail = web.get("/status/delivery/2").text
    assert "<script>alert" not in detail and "<img" not in detail and "&lt;script&gt;alert(2)" in detail


def test_a_long_journal_is_paged_on_the_server(web: Web) -> None:
    ledger = Ledger(_state(web))
    try:
        for n in range(45):
            did = ledger.begin(f"file-{n:02d}.csv", f"{n:064d}", 10, "file:///tmp/out")
            ledger.update(did, "delivered")
    finally:
        ledger.close()
    first = _section(web.get("/status").text, "status-deliveries")
    assert first.count('<tr id="delivery-') == 20 and "file-44.csv" in first and "file-24.csv" not in first
    assert "Page 1 of 3" in first and 'href="?page=2"' in first
    last = _section(web.get("/status?page=3").text, "status-deliveries")
    assert last.count('<tr id="delivery-') == 5 and "file-00.csv" in last and "Page 3 of 3" in last
    assert "Page 3 of 3" in web.get("/status?page=99").text  # clamped


def test_without_the_delivered_file_the_verdicts_are_listed_by_row_number_with_the_reason(web: Web,
                                                                                          box: Sandbox) -> None:
    path = web.bench.settings.state_dir.parent / "files" / "acme_item-modifications.csv"
    path.parent.mkdir()
    path.write_text(ITEMS)
    batchkit.deliver([path], to=str(box.drop.folder), state_dir=str(_state(web)))
    box.settle()
    started = web.post("/status/ask", data={"budget": "5"})
    web.wait(f"/status/task/{re.search(r'id=.task-([0-9a-f]+)', started.text).group(1)}")  # type: ignore[union-attr]
    path.unlink()  # the file that was sent is gone (and the drop's copy was picked up)
    for left in box.drop.folder.rglob("*.csv"):  # wherever the sandbox keeps what it picked up
        left.unlink()
    got = web.get("/status/delivery/1").text
    assert "is not at hand" in got and "verdict-grid" not in got
    listed = got[got.index("Verdicts by row number"):]
    assert listed.count("<li>") == 2 and "row not known" in listed  # a drop's detail has only impact.com's Line
    assert "impact.com&#39;s Line 2)" in listed and "impact.com&#39;s Line 3)" in listed  # rows 3 and 4
    assert "NO_ITEM" in listed and "ACTION_REF_NOT_FOUND" in listed and 'data-copy="listed-1"' in listed


def test_a_file_delivery_cut_during_its_final_step_needs_a_person(web: Web) -> None:
    ledger = Ledger(_state(web))
    try:
        did = ledger.begin("acme_order-reversals.csv", "1" * 64, 10, "sftp://partner@drop.example/in")
        ledger.update(did, "unknown", error="interrupted during the final rename: the partner may have the file")
    finally:
        ledger.close()
    page = web.get("/status").text
    attention = _section(page, "status-attention")
    assert "Nothing needs you" not in attention
    assert "File acme_order-reversals.csv" in attention and "interrupted during its final step" in attention
    assert "SFTP" in _section(page, "status-deliveries") and "partner@drop.example/in" in page


def test_a_mark_waits_for_the_ledgers_lock_and_says_so_in_one_line_when_a_delivery_holds_it(web: Web,
                                                                                             box: Sandbox) -> None:
    _refused_and_unknown(web, box)
    holder = Ledger(_state(web))
    with holder.locked():  # a delivery is running (the CLI's `batchkit status --applied` would wait the same way)
        busy = web.post("/status/mark", data={"id": "5", "state": "applied", "confirm": "yes"})
    holder.close()
    assert busy.status_code == 409 and "another batchkit delivery is running" in busy.text
    assert [e.id for e in Ledger(_state(web)).journal.entries(states=("unknown",))] == [5]  # nothing recorded
    assert "#5 recorded applied" in web.post("/status/mark", data={"id": "5", "state": "applied",
                                                                   "confirm": "yes"}).text


def test_a_damaged_ledger_is_one_line_in_the_page_and_never_replaced(web: Web) -> None:
    _state(web).mkdir(parents=True, exist_ok=True)
    (_state(web) / "ledger.sqlite3").write_bytes(b"not a database at all" * 100)
    got = web.get("/status")
    assert got.status_code == 200 and 'aria-current="page">Status' in got.text
    problem = re.search(r'role="alert"><strong>The journal cannot be read:</strong> <span class="copyable">(.*?)</span>',
                        got.text, re.DOTALL)
    assert problem and "is damaged" in problem.group(1) and "\n" not in problem.group(1)
    assert (_state(web) / "ledger.sqlite3").read_bytes() == b"not a database at all" * 100
    assert "Traceback" not in got.text


def test_a_long_file_s_rows_are_paged_on_the_server(web: Web, tmp_path: Path) -> None:
    path = tmp_path / "files" / "acme_order-modifications_2026-11-30.csv"
    path.parent.mkdir()
    path.write_text("ActionId,Amount,CurrencyCode,Reason\n"
                    + "".join(f"1000.4636.{170000 + n},{n}.00,USD,ORDER_UPDATE\n" for n in range(1, 121)))
    (tmp_path / "out").mkdir()
    batchkit.deliver([path], to=str(tmp_path / "out"), state_dir=str(_state(web)))
    first = web.get("/status/delivery/1?show=all").text
    assert first.count('<tr id="row-') == 50 and 'id="row-51"' in first and 'id="row-52"' not in first
    assert "Page 1 of 3" in first and 'href="?page=2&amp;show=all"' in first
    last = web.get("/status/delivery/1?show=all&page=3").text
    assert last.count('<tr id="row-') == 20 and 'id="row-121"' in last and "1000.4636.170120" in last
