"""The Status page in a real Chromium: a journal prepared with the library (a folder delivery, a drop the sandbox
judges, API writes with one refused and one unknown), the page showing them, "ask the platform again" with its
progress then the verdicts at their rows, and an unknown write marked applied with the confirm."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest_api import CAMPAIGN, SID, TOKEN, api_env
from conftest_web import Served, open_page, served, shot  # noqa: F401

import batchkit
from batchkit.delivery.errors import RefusedWrites, UncertainDelivery
from batchkit.sandbox import Sandbox
from batchkit.state.ledger import Ledger

ROOT = Path(__file__).resolve().parent.parent
BATCH = ROOT / "samples" / "batch"
ITEMS = ("ActionId,OrderId,ActionTrackerId,Sku,Amount,Quantity,Category,Reason,Sku2,Amount2,Quantity2,Category2,"
         "Reason2\n"
         ",ORD-0100248,2240,SKU-2001,15.00,1,Hats,ITEM_RETURNED,,,,,\n"
         ",ORD-0100249,2240,SKU-3001,59.97,3,Shirts,ITEM_RETURNED,SKU-NOPE,12.50,1,Shirts,ITEM_RETURNED\n"
         ",ORD-NOPE-77,2240,SKU-1,10.00,1,Hats,ITEM_RETURNED,,,,,\n"
         ",ORD-0100242,2240,SKU-1001,39.98,2,Shoes,ITEM_RETURNED,,,,,\n")


@pytest.fixture
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, process_seconds=0.2,
                 drop=tmp_path / "drop") as sb:
        for key, value in api_env(sb.url, tmp_path).items():
            monkeypatch.setenv(key, value)
        yield sb


def _prepare(served: Served, box: Sandbox, tmp_path: Path) -> None:
    """A folder delivery, a drop delivery the sandbox will judge, API writes: one refused, one unknown."""
    state = str(served.bench.settings.state_dir)
    (tmp_path / "out").mkdir()
    batchkit.deliver([BATCH / "acme_order-reversals_2026-11-22.csv"], to=str(tmp_path / "out"), state_dir=state)
    items = tmp_path / "files" / "acme_item-modifications.csv"
    items.parent.mkdir()
    items.write_text(ITEMS)
    batchkit.deliver([items], to=str(box.drop.folder), state_dir=state)
    box.faults.fail(422, times=1, path_contains="Actions")
    with pytest.raises(RefusedWrites):
        batchkit.deliver([BATCH / "acme_order-modifications_2026-11-22.csv"], to="api", state_dir=state)
    box.faults.fail(503, times=1, path_contains="Actions")
    with pytest.raises(UncertainDelivery):
        batchkit.deliver([BATCH / "acme_item-reversals_2026-11-22.csv"], to="api", state_dir=state)
    box.settle()


def _unknown_id(served: Served) -> int:
    ledger = Ledger(served.bench.settings.state_dir)
    try:
        (entry,) = ledger.journal.entries(states=("unknown",))
        return entry.id
    finally:
        ledger.close()


def test_status_in_chromium_verdicts_at_their_rows_and_a_confirmed_mark(open_page: Any, served: Served, box: Sandbox,
                                                                         tmp_path: Path) -> None:
    page = open_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text + repr(m.location)) if m.type == "error" else None)
    _prepare(served, box, tmp_path)
    unknown = _unknown_id(served)
    _see_the_journal(page, served, unknown, tmp_path)
    _ask_the_platform_again(page, box, tmp_path)
    _see_the_rows(page, tmp_path)
    _mark_applied(page, served, unknown, tmp_path)
    assert errors == []


def _see_the_journal(page: Any, served: Served, unknown: int, tmp_path: Path) -> None:
    page.goto(f"{served.base}/status")
    deliveries = page.locator("#status-deliveries")
    for name in ("acme_order-reversals_2026-11-22.csv", "acme_item-modifications.csv",
                 "acme_order-modifications_2026-11-22.csv"):
        assert deliveries.get_by_role("link", name=name).is_visible()
    refused = page.locator("#status-attention tr.attention-refused")
    assert "422: The service answered 422 (an injected fault)" in refused.locator(".reason").inner_text()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served.base)
    refused.get_by_role("button", name="Copy what impact.com said").click()
    assert "(422: The service answered 422 (an injected fault))" in page.evaluate("navigator.clipboard.readText()")
    page.context.clear_permissions()
    assert "unknown since" in page.locator(f"#write-{unknown}").inner_text()
    shot(page, tmp_path, "status-journal")


def _ask_the_platform_again(page: Any, box: Sandbox, tmp_path: Path) -> None:
    box.faults.stall(2.0, times=1)  # the first request waits: the progress is seen
    page.get_by_label("Request budget (at most)").fill("7")
    page.get_by_role("button", name="Ask the platform again").click()
    running = page.locator("#ask-result [data-state=running]")
    running.wait_for()
    assert "budget 7 requests" in running.inner_text()
    shot(page, tmp_path, "status-asking")
    done = page.locator("#ask-result [data-state=done]")
    done.wait_for(timeout=30_000)
    text = done.inner_text()
    assert "of 7 request(s) spent" in text and "row 3, Sku2" in text and "row 4, OrderId" in text
    page.locator("#status-deliveries .tally .rejected").first.wait_for()  # the list refreshed with the tallies
    shot(page, tmp_path, "status-verdicts")
    assert page.get_by_role("button", name="Ask the platform again").is_enabled()  # back for the next ask
    done.get_by_role("link", name="acme_item-modifications.csv").click()


def _see_the_rows(page: Any, tmp_path: Path) -> None:
    page.wait_for_url("**/status/delivery/*")
    cell = page.locator("#row-3 td.cell-error")
    assert cell.inner_text().startswith("SKU-NOPE")
    cell.focus()
    assert "NO_ITEM" in cell.locator(".cell-note").inner_text()  # the note opens on focus (keyboard)
    assert page.locator("#row-2").count() == 0
    shot(page, tmp_path, "status-delivery-grid")


def _mark_applied(page: Any, served: Served, unknown: int, tmp_path: Path) -> None:
    page.goto(f"{served.base}/status")
    row = page.locator(f"#write-{unknown}")
    row.locator("summary").click()
    shot(page, tmp_path, "status-confirm")
    row.get_by_role("button", name=f"record #{unknown} applied").click()
    page.get_by_role("status").filter(has_text=f"#{unknown} recorded applied").wait_for()
    assert page.locator(f"#write-{unknown}").count() == 0
    shot(page, tmp_path, "status-marked")


def test_status_is_usable_by_keyboard_and_at_200_percent_zoom(open_page: Any, served: Served, box: Sandbox,
                                                               tmp_path: Path) -> None:
    page = open_page
    _prepare(served, box, tmp_path)
    page.set_viewport_size({"width": 640, "height": 900})  # a 1280-pixel window at 200%
    page.goto(f"{served.base}/status")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "the page scrolls sideways"
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Ask the platform again":
            break
    else:
        pytest.fail("the ask button is not reachable by Tab")
    unnamed = page.evaluate("""[...document.querySelectorAll('main button, main input:not([type=hidden]), main summary, main a')]
        .filter(e => !(e.getAttribute('aria-label') || e.textContent.trim() || (e.labels && e.labels.length)))
        .map(e => e.outerHTML)""")
    assert unnamed == [], unnamed
    shot(page, tmp_path, "status-200-percent")
