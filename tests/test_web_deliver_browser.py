"""Build, then Deliver, in a real Chromium: the Shopify sample built, taken to Deliver, delivered to a folder once
(a second delivery sends nothing), and through impact.com's API (the sandbox) with a double click on the
confirmation: one write per record; the platform's refusal shown at its row. Each state is screenshotted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest_api import api_env, sandbox  # noqa: F401
from conftest_web import Served, open_page, served, shot  # noqa: F401

from batchkit.sandbox import Sandbox
from batchkit.state.ledger import Ledger

ROOT = Path(__file__).resolve().parent.parent
SHOPIFY = ROOT / "samples" / "shopify"
REVERSALS = ROOT / "samples" / "batch" / "acme_order-reversals_2026-11-22.csv"
MODIFICATIONS = ROOT / "samples" / "batch" / "acme_order-modifications_2026-11-22.csv"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("IMPACT_ACCOUNT_SID", "IMPACT_AUTH_TOKEN", "BATCHKIT_CAMPAIGN_ID", "BATCHKIT_API_URL", "BATCHKIT_TO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BATCHKIT_STATE_DIR", str(tmp_path / "state"))


def _config(served: Served, text: str) -> None:  # noqa: F811
    path = served.bench.settings.config_path
    assert path is not None
    path.write_text(text)


def _watch(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _plan_and_deliver(page: Any, tmp_path: Path, destination: str, name: str, double: bool = False,
                      keyboard: bool = False) -> None:
    """On the Deliver page: pick `destination` by its label, plan, then confirm (a double click, or the keyboard:
    focus and Enter, when asked)."""
    page.get_by_label(destination).check()
    plan = page.get_by_role("button", name="Plan the delivery")
    plan.focus() if keyboard else plan.click()
    if keyboard:
        page.keyboard.press("Enter")
    page.locator(".deliver-plan[data-state=done]").wait_for()
    shot(page, tmp_path, f"{name}-plan")
    confirm = page.locator("#confirm-button")
    if keyboard:
        confirm.focus()
        page.keyboard.press("Enter")
    else:
        confirm.dblclick() if double else confirm.click()
    page.locator(".deliver-result[data-state=done]").wait_for()
    shot(page, tmp_path, f"{name}-done")


def test_build_the_shopify_sample_then_deliver_it_to_a_folder_once(open_page: Any, served: Served,  # noqa: F811
                                                                   tmp_path: Path) -> None:
    page, errors, drop = open_page, _watch(open_page), tmp_path / "drop"
    _config(served, (SHOPIFY / "batchkit.toml").read_text() + f'\n[serve]\ndestinations = ["{drop}"]\n')
    page.goto(f"{served.base}/build")
    page.set_input_files("#build-export", str(SHOPIFY / "orders_export.csv"))
    page.get_by_label("Preset").select_option("shopify")
    page.get_by_label("Action tracker id").fill("2240")
    shot(page, tmp_path, "build-form")
    page.get_by_role("button", name="Build").click()
    page.locator(".build-result[data-state=done][data-ok=yes]").wait_for()
    assert page.locator("table.kind-totals[data-kind=order-reversal] .kind-count").inner_text() == "2"
    shot(page, tmp_path, "build-done")
    page.locator("#go-deliver").click()
    page.wait_for_url("**/deliver?files=*")
    assert page.locator("table.deliver-files tbody tr").count() == 2
    deliver_url = page.url
    shot(page, tmp_path, "deliver-files")
    _plan_and_deliver(page, tmp_path, str(drop), "folder")
    assert page.locator(".file-results [data-outcome=delivered]").count() == 2
    delivered = sorted(p.name for p in drop.iterdir())
    assert len(delivered) == 2 and all(n.startswith("acme-shop_order-") for n in delivered)
    page.get_by_role("link", name="See everything the journal holds on the Status page").click()
    page.wait_for_url("**/status")
    shot(page, tmp_path, "status")
    assert all(n in page.locator("main").inner_text() for n in delivered)  # the Status page lists the deliveries
    page.goto(deliver_url)
    _plan_and_deliver(page, tmp_path, str(drop), "folder-again", keyboard=True)
    assert page.locator(".file-results [data-outcome=skipped]").count() == 2
    assert page.locator(".file-results [data-outcome=delivered]").count() == 0
    assert sorted(p.name for p in drop.iterdir()) == delivered
    ledger = Ledger(tmp_path / "state")
    assert [e.outcome for e in ledger.entries()] == ["delivered", "delivered"]  # the second delivery sent nothing
    ledger.close()
    _readable_at_200_percent(page, tmp_path)
    assert errors == []


def _readable_at_200_percent(page: Any, tmp_path: Path) -> None:
    """A 1280 px window at 200% zoom is 640 CSS px wide: the page wraps instead of scrolling sideways (wide tables
    scroll inside their own box)."""
    page.set_viewport_size({"width": 640, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, tmp_path, "deliver-at-200-percent")
    page.goto(page.url.split("/deliver")[0] + "/build")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _api_page(page: Any, served: Served, box: Sandbox, tmp_path: Path,  # noqa: F811
              monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    for name, value in api_env(box.url, tmp_path).items():
        monkeypatch.setenv(name, value)
    _config(served, "")
    upload = served.bench.uploads.add_file(path.name, path.read_bytes())
    page.goto(f"{served.base}/deliver?files={upload.id}")


def test_a_double_click_on_confirm_sends_each_record_once_through_the_api(
        open_page: Any, served: Served, sandbox: Sandbox, tmp_path: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    errors = _watch(open_page)
    _api_page(open_page, served, sandbox, tmp_path, monkeypatch, REVERSALS)
    _plan_and_deliver(open_page, tmp_path, "impact.com API", "api", double=True)
    assert open_page.locator(".records tr[data-status=sent]").count() == 4
    assert sandbox.applied_count() == 4 and len(sandbox.applied_writes()) == 4
    assert errors == []


def test_the_platforms_refusal_is_shown_at_its_row(open_page: Any, served: Served, sandbox: Sandbox,  # noqa: F811
                                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _api_page(open_page, served, sandbox, tmp_path, monkeypatch, REVERSALS)
    open_page.set_input_files("#deliver-batch", str(MODIFICATIONS))  # the page's own "add batch files"
    open_page.get_by_role("button", name="Add these files").click()
    open_page.wait_for_url("**/deliver?files=*&files=*")
    assert open_page.locator("table.deliver-files tbody tr").count() == 2
    sandbox.faults.fail(422, times=1, path_contains="Actions")
    _plan_and_deliver(open_page, tmp_path, "impact.com API", "api-refused")
    row = open_page.locator(f".records[data-file='{REVERSALS.name}'] tr[data-row='2']")  # the run's first record
    assert row.get_attribute("data-status") == "refused"
    assert "refused by impact.com" in row.inner_text() and "422" in row.inner_text()
    assert "impact.com refused 1 record(s)" in open_page.locator(".deliver-result [role=alert]").inner_text()
    assert open_page.locator(".records tr[data-status=sent]").count() == 7
    assert sandbox.applied_count() == 7  # every record but the refused one, once
