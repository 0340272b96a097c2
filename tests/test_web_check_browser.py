"""The Check page in a real Chromium: pick the broken sample, read the marked cells' notes (hover, focus),
download the fixed file, check it in one click, and preflight against the sandbox marks a locked action."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest_api import api_env, sandbox  # noqa: F401
from conftest_web import Served, open_page, served, shot  # noqa: F401

import batchkit

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "samples" / "broken" / "acme_order-modifications_broken.csv"
DONE = ("() => { const a = document.querySelector('#check-area');"
        " return a && a.querySelector('[data-state=done]') && !a.querySelector('[data-state=running]'); }")


def marks(page: Any) -> list[tuple[str, int]]:
    got = page.eval_on_selector_all("#check-area .badge[data-code]",
                                    "els => els.map(e => [e.dataset.code, e.dataset.row])")
    return sorted((code, int(row or 0)) for code, row in got)


def library(path: Path) -> list[tuple[str, int]]:
    report = batchkit.validate([path], max_samples=0)
    return sorted((f.code, f.row or 0) for f in report.files[0].findings())


def pick(page: Any, served: Served, path: Path) -> None:
    page.goto(f"{served.base}/check")
    page.set_input_files("#check-files", str(path))
    page.wait_for_url(re.compile(r"/check/[0-9a-f]{20}$"))
    page.wait_for_function(DONE)


def test_pick_read_the_notes_fix_and_check_again(open_page: Any, served: Served, tmp_path: Path) -> None:
    page, errors = open_page, []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pick(page, served, BROKEN)
    shot(page, tmp_path, "1-checked")
    assert page.evaluate("document.querySelector('#check-files').files.length") == 0  # the same file can go again
    assert marks(page) == library(BROKEN)
    cell = page.locator("tr[data-row='2'] td.cell-error", has_text="$12.50")
    assert cell.locator(".badge").inner_text() == "BK201"
    note = cell.locator(".cell-note")
    assert not note.is_visible()
    cell.focus()  # keyboard: focus opens the note
    assert note.is_visible() and "currency sign" in note.inner_text() and "Fix BK201" in note.inner_text()
    shot(page, tmp_path, "2-note-focused")
    other = page.locator("tr[data-row='8'] td.cell-error", has_text="XXQ")
    other.hover()
    assert other.locator(".cell-note").is_visible() and "ISO 4217" in other.locator(".cell-note").inner_text()
    page.get_by_label("Filter by code", exact=True).select_option("BK302")
    page.wait_for_function("() => [...document.querySelectorAll('#grid-0 .badge')].every(b => b.dataset.code === 'BK302')")
    assert {c for c, _ in marks(page) if c != "BK007"} == {"BK302"}
    page.get_by_role("button", name="Fix what is safe to fix").click()
    page.wait_for_selector("[data-fix]")
    shot(page, tmp_path, "3-fixed")
    with page.expect_download() as got:
        page.click("[data-download-fixed]")
    fixed = tmp_path / BROKEN.name
    got.value.save_as(fixed)
    assert got.value.suggested_filename == "acme_order-modifications_broken_fixed.csv"
    assert fixed.read_bytes() != BROKEN.read_bytes()
    before = page.url
    page.get_by_role("button", name="Check the fixed file").click()
    page.wait_for_function(f"() => location.href !== {before!r}")
    page.wait_for_function(DONE)
    shot(page, tmp_path, "4-fixed-checked")
    assert marks(page) == library(fixed) and len(library(fixed)) < len(library(BROKEN))
    assert errors == []


def test_preflight_marks_a_locked_action(open_page: Any, served: Served, sandbox: Any, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in api_env(sandbox.url, served.bench.settings.state_dir.parent).items():
        monkeypatch.setenv(key, value)
    path = tmp_path / "acme_order-modifications_pf.csv"
    path.write_text("ActionId,OrderId,ActionTrackerId,Amount,CurrencyCode,CustomerStatus,Reason\n"
                    ",PF-LOCKED,2240,50.00,USD,,ORDER_UPDATE\n1000.4636.158201,,,84.50,USD,,ORDER_UPDATE\n")
    page = open_page
    pick(page, served, path)
    assert marks(page) == [] and "never synced" in page.inner_text("[data-mirror-age]")
    page.get_by_role("button", name="Sync now").click()
    page.wait_for_selector("#check-area p.good:has-text('synced:')")
    assert "ago" in page.inner_text("[data-mirror-age]")
    page.get_by_role("button", name="Check against the account").click()
    page.wait_for_selector("[data-preflighted]")
    shot(page, tmp_path, "preflight")
    cell = page.locator("tr[data-row='2'] td.cell-error", has_text="PF-LOCKED")
    assert cell.locator(".badge").inner_text() == "BK702"
    cell.focus()
    assert "APPROVED" in cell.locator(".cell-note").inner_text() or "lock" in cell.locator(".cell-note").inner_text()
    assert ("BK702", 2) in marks(page) and not [m for m in marks(page) if m[1] == 3]


def test_a_dropped_file_at_200_percent_zoom_fits_and_works_by_keyboard(open_page: Any, served: Served,
                                                                 tmp_path: Path) -> None:
    page = open_page
    page.set_viewport_size({"width": 640, "height": 900})  # a 1280-pixel window at 200% zoom
    page.goto(f"{served.base}/check")
    page.evaluate("""([name, text]) => {  // a file dropped on the drop zone (app.js fills the input, fires change)
        const dt = new DataTransfer();
        dt.items.add(new File([text], name, {type: "text/csv"}));
        document.querySelector("[data-drop]").dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true,
                                                                                 cancelable: true}));
    }""", [BROKEN.name, BROKEN.read_text()])
    page.wait_for_url(re.compile(r"/check/[0-9a-f]{20}$"))
    page.wait_for_function(DONE)
    assert marks(page) == library(BROKEN)
    shot(page, tmp_path, "zoom-200")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    cell = page.locator("tr[data-row='3'] td.cell-error", has_text="usd")
    cell.focus()
    page.keyboard.press("Enter")  # Enter keeps the note open (app.js), focus opens it (CSS)
    assert "open" in (cell.get_attribute("class") or "")
    assert "ISO 4217" in cell.locator(".cell-note").inner_text()
    page.keyboard.press("Tab")  # into the note: its copy button
    assert page.evaluate("document.activeElement.dataset.copy") == cell.locator("[data-copy]").get_attribute("data-copy")
