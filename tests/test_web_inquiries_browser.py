"""The Inquiries page in a real Chromium against the sandbox: pull -> upload the export and match -> edit a decision
with the drop-downs (by keyboard too) -> resolve with the confirmation -> the sandbox counted one resolution per
inquiry -> resolve a second time -> nothing sent. Each state is kept as a screenshot."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest_api import api_env, sandbox  # noqa: F401
from conftest_web import Served, open_page, served, shot  # noqa: F401

from batchkit.core.inquiry import OTHER_CHANNEL
from batchkit.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ROOT / "samples" / "shopify" / "orders_export.csv"
OPEN = [str(500001 + n) for n in range(8)]


@pytest.fixture
def env(sandbox: Sandbox, served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:  # noqa: F811
    """The sandbox's account in the environment and the sample Shopify configuration in the workbench's
    batchkit.toml, before anything is done (the server thread reads both on every use)."""
    for name, value in api_env(sandbox.url, tmp_path).items():
        monkeypatch.setenv(name, value)
    assert served.bench.config_path is not None
    served.bench.config_path.write_text((ROOT / "samples" / "shopify" / "batchkit.toml").read_text())
    return sandbox


def puts(sb: Sandbox) -> list[Any]:
    return [r for r in sb.requests if r.method == "PUT" and "ActionInquiries" in r.path]


def row(page: Any, inquiry: str) -> Any:
    return page.locator(f"tr.inq-row:has(.inq-id:text-is('Inquiry {inquiry}'))")


def pull_and_match(page: Any, base: str, tmp_path: Path) -> None:
    page.goto(f"{base}/inquiries")
    shot(page, tmp_path, "1-empty")
    page.get_by_label("Status", exact=True).select_option("UNRESOLVED")
    page.get_by_role("button", name="Pull").click()
    page.locator("#inq-work section.task[data-state=done]").wait_for()
    for inquiry in OPEN:
        assert page.locator("table.inq-list th[scope=row]", has_text=inquiry).count() == 1
    shot(page, tmp_path, "2-pulled")
    page.get_by_label("Order export (CSV or XLSX)").set_input_files(str(EXPORT))
    page.get_by_role("button", name="Match").click()
    page.locator("table.inq-grid").wait_for()
    assert page.locator("tr.inq-row").count() == 8
    shot(page, tmp_path, "3-matched")


def edit_by_keyboard(page: Any, tmp_path: Path) -> None:
    """500002's reason emptied with the keyboard (a finding at its row), then set with the drop-down."""
    target = row(page, "500002")
    reason = target.get_by_label("Reason", exact=True)
    reason_id = reason.get_attribute("id")
    reason.focus()
    page.keyboard.press("Home")  # the first option: (no reason) -> DECLINED without a reason
    target = row(page, "500002")
    target.locator("text=BK602").wait_for()
    assert page.evaluate("document.activeElement.id") == reason_id  # the answer keeps the focus where it was
    assert target.get_by_label("Reason", exact=True).get_attribute("aria-invalid") == "true"
    shot(page, tmp_path, "4-finding")
    row(page, "500002").get_by_label("Reason", exact=True).select_option(OTHER_CHANNEL)
    row(page, "500002").locator("text=No findings").wait_for()
    shot(page, tmp_path, "5-edited")


def resolve(page: Any) -> None:
    page.get_by_role("button", name="Show the plan").click()
    button = page.get_by_role("button", name="Resolve 8 inquiries now")
    button.wait_for()
    button.click()
    page.locator(".inq-plan section.task[data-state=done], section.task[data-state=done] .inq-outcomes").first.wait_for()


def test_pull_match_edit_resolve_once_in_chromium(open_page: Any, served: Served, env: Sandbox,
                                                   tmp_path: Path) -> None:
    errors: list[str] = []
    open_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pull_and_match(open_page, served.base, tmp_path)
    edit_by_keyboard(open_page, tmp_path)
    assert puts(env) == []
    open_page.get_by_role("button", name="Show the plan").wait_for()
    shot(open_page, tmp_path, "6-before-plan")
    resolve(open_page)
    open_page.locator("text=Done: 8 resolved now").wait_for()
    row(open_page, "500002").locator(".inq-outcome", has_text="resolved").wait_for()  # the grid says so too
    shot(open_page, tmp_path, "7-resolved")
    assert Counter(r.form["Id"] for r in puts(env)) == Counter(OPEN)
    assert env.inquiries.get("500002")["RejectReason"] == OTHER_CHANNEL
    open_page.get_by_role("button", name="Show the plan").click()
    open_page.locator("#inq-plan >> text=Already resolved").wait_for()
    assert open_page.get_by_role("button", name="Resolve 8 inquiries now").count() == 0
    shot(open_page, tmp_path, "8-again")
    assert len(puts(env)) == 8 and errors == []


def test_the_grid_reads_at_200_percent_zoom(open_page: Any, served: Served, env: Sandbox, tmp_path: Path) -> None:
    pull_and_match(open_page, served.base, tmp_path)
    open_page.set_viewport_size({"width": 640, "height": 900})  # 1280 px at 200%
    shot(open_page, tmp_path, "9-zoom-200")
    wide = open_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 1, f"the page scrolls sideways by {wide}px at 200%"
    status = row(open_page, "500006").get_by_label("Status", exact=True)
    assert status.is_visible() and status.bounding_box()["width"] > 100
    status.focus()
    for expected in ("Reason", "Action Tracker", "Transaction date", "Sale amount", "Notes for the partner"):
        open_page.keyboard.press("Tab")  # every control of a decision is reached by keyboard, in order
        label = open_page.evaluate("document.querySelector('label[for=\"' + document.activeElement.id + '\"]').textContent")
        assert label == expected
