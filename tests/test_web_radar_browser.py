"""The Radar page in a real Chromium, against the sandbox with actions locking a day ago, in 2 and 3 hours, in 2 days
and in 10 days: sync now, upload a batch file, the chart (an SVG with the bucket labels) is there, the rows come in
the library's deadline order, a near deadline is highlighted and said in words, sorting by commission reorders
them, and "send now" leads to Deliver's plan (nothing sent). Each state is screenshotted; no console error."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest_api import Clock, api_env, clocked_sandbox  # noqa: F401 (fixtures)
from conftest_web import Served, open_page, served, shot  # noqa: F401
from test_web_radar import IDS, REVERSALS, by_commission, reversals, seed

from batchkit.core.config import load_config
from batchkit.deadlines.model import Radar
from batchkit.deadlines.run import radar_paths
from batchkit.sandbox import Sandbox

DONE = ("() => { const a = document.querySelector('#radar-area');"
        " return a && a.querySelector('[data-state=done]') && !a.querySelector('[data-state=running]'); }")
ROWS = "els => els.map(e => [e.dataset.action, e.dataset.row, e.dataset.journal])"


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC).replace(microsecond=0))


def _watch(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _library(served: Served, rid: str) -> Radar:
    view = served.bench.kept[f"radar:{rid}"]
    return radar_paths(load_config(None, cwd=served.bench.settings.state_dir.parent),
                       [str(u.path) for u in view.uploads], state_dir=str(served.bench.settings.state_dir),
                       offline=True)


def _expected(corrections: list[Any]) -> list[list[str]]:
    return [[c.action_id or "", "" if c.row is None else str(c.row), str(c.journal_id or "")] for c in corrections]


def _sync_and_show(page: Any, served: Served, tmp_path: Path) -> str:
    """Sync now, then the radar over the reversals file; the radar's id."""
    page.goto(f"{served.base}/radar")
    assert "never synced" in page.inner_text("[data-mirror-age]")
    shot(page, tmp_path, "1-radar-page")
    page.get_by_role("button", name="Sync now").click()
    page.wait_for_selector("#radar-account [data-synced]")
    assert "ago" in page.inner_text("[data-mirror-age]") and "synced:" in page.inner_text("[data-synced]")
    path = tmp_path / REVERSALS
    path.write_bytes(reversals())
    page.set_input_files("#radar-files", str(path))
    page.get_by_role("button", name="Show the radar").click()
    page.wait_for_url(re.compile(r"/radar/[0-9a-f]{20}$"))
    page.wait_for_function(DONE)
    shot(page, tmp_path, "2-radar-by-deadline")
    return str(page.url.rsplit("/", 1)[-1])


def _chart_and_deadlines(page: Any, radar: Radar) -> None:
    """The chart (an SVG drawn by the server, each bucket's label as text), the rows in the library's deadline
    order, a near deadline highlighted and said in words."""
    assert page.locator("figure.radar-chart svg").count() == 1
    labels = page.eval_on_selector_all("figure.radar-chart svg g.bar > text:first-of-type",
                                       "els => els.map(e => e.textContent)")
    assert labels == [radar.label(k) for k in radar.buckets]
    assert page.eval_on_selector_all("tr[data-place]", ROWS) == _expected(radar.corrections())
    assert "Sorted by deadline" in page.inner_text("[data-sorted]")
    near = page.locator(f"tr[data-action='{IDS['2h']}']")
    assert near.get_attribute("class") == "deadline-near"
    assert re.match(r"locks within 24 h: 0 d [12] h left", near.locator("[data-deadline]").inner_text())
    assert page.locator(f"tr[data-action='{IDS['past']}']").get_attribute("class") == "deadline-past"


def _by_commission(page: Any, radar: Radar, tmp_path: Path) -> None:
    """Sorting by commission reorders the rows (the server sorts; the current sort is said in words)."""
    page.get_by_role("link", name="By commission").click()
    page.wait_for_selector("[data-sort=commission][aria-current=true]")
    shot(page, tmp_path, "3-radar-by-commission")
    by_money = page.eval_on_selector_all("tr[data-place]", ROWS)
    assert by_money == _expected(by_commission(radar.corrections())) and by_money != _expected(radar.corrections())
    assert "Sorted by commission" in page.inner_text("[data-sorted]")


def _send_now(page: Any, sb: Sandbox, tmp_path: Path) -> None:
    """"Send now" opens Deliver with that file: its plan, never a delivery from the Radar page."""
    before = len(sb.applied_writes())
    page.locator(f"tr[data-action='{IDS['10d']}'] [data-send]").click()
    page.wait_for_url(re.compile(r"/deliver\?files=[0-9a-f]{20}$"))
    assert REVERSALS in page.inner_text(".deliver-files")
    page.get_by_label(re.compile("impact.com API")).check()
    page.get_by_role("button", name="Plan the delivery").click()
    page.locator(".deliver-plan[data-state=done]").wait_for()
    shot(page, tmp_path, "4-send-now-plan")
    assert "Nothing has been sent" in page.inner_text(".deliver-plan")
    assert page.locator("#confirm-button").count() == 1 and len(sb.applied_writes()) == before


def test_upload_see_the_chart_and_the_rows_sort_and_send_now(open_page: Any, served: Served,
                                                             clocked_sandbox: Sandbox, clock: Clock, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    sb = clocked_sandbox
    seed(sb, clock.now)
    for key, value in api_env(sb.url, served.bench.settings.state_dir.parent, token="tok").items():
        monkeypatch.setenv(key, value)
    page, errors = open_page, _watch(open_page)
    rid = _sync_and_show(page, served, tmp_path)
    radar = _library(served, rid)
    _chart_and_deadlines(page, radar)
    _by_commission(page, radar, tmp_path)
    _send_now(page, sb, tmp_path)
    assert errors == []


def test_the_radar_at_200_percent_zoom_needs_no_sideways_scroll(open_page: Any, served: Served,
                                                                clocked_sandbox: Sandbox, clock: Clock,
                                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sb = clocked_sandbox
    seed(sb, clock.now)
    for key, value in api_env(sb.url, served.bench.settings.state_dir.parent, token="tok").items():
        monkeypatch.setenv(key, value)
    page, errors = open_page, _watch(open_page)
    page.set_viewport_size({"width": 640, "height": 900})
    page.goto(f"{served.base}/radar")
    path = tmp_path / REVERSALS
    path.write_bytes(reversals())
    page.set_input_files("#radar-files", str(path))
    page.get_by_role("button", name="Show the radar").click()
    page.wait_for_function(DONE)
    shot(page, tmp_path, "zoom-200")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert errors == []
