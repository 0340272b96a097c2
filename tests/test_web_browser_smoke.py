"""The harness itself in a real Chromium: the printed URL signs in, every page loads with no console error and no
request to another origin, and a page is usable by keyboard (the skip link, the nav)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest_web import Served, open_page, served, shot  # noqa: F401


def test_every_page_loads_in_chromium_with_no_console_error(open_page: Any, served: Served, tmp_path: Path) -> None:
    errors: list[str] = []
    foreign: list[str] = []
    open_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    open_page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(served.base) else None)
    for slug in ("check", "build", "deliver", "status", "radar", "inquiries"):
        open_page.goto(f"{served.base}/{slug}")
        assert open_page.locator("nav a[aria-current=page]").inner_text().lower() == slug
        assert open_page.evaluate("typeof htmx") == "object", "htmx did not load (CSP or path)"
        shot(open_page, tmp_path, slug)
    assert errors == [] and foreign == []


def test_the_address_bar_loses_the_key_after_the_first_visit(open_page: Any) -> None:
    assert "key=" not in open_page.url
    open_page.keyboard.press("Tab")
    assert open_page.evaluate("document.activeElement.className") == "skip"


UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea, button'))
  .filter(el => el.type !== 'hidden')
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')
                && !(el.tagName === 'BUTTON' && el.textContent.trim()))
  .map(el => el.outerHTML.slice(0, 120))"""


def test_every_control_has_a_label_and_200_percent_zoom_needs_no_sideways_scroll(open_page: Any,
                                                                                 served: Served) -> None:
    for slug in ("check", "build", "deliver", "status", "radar", "inquiries"):
        open_page.set_viewport_size({"width": 1280, "height": 900})
        open_page.goto(f"{served.base}/{slug}")
        assert open_page.evaluate(UNLABELLED) == [], slug
        open_page.set_viewport_size({"width": 640, "height": 450})  # 1280 px at 200%
        wide = open_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 1, f"/{slug} scrolls sideways by {wide}px at 200% zoom"


def test_every_page_is_reachable_by_keyboard_from_the_nav(open_page: Any, served: Served) -> None:
    open_page.goto(f"{served.base}/check")
    seen = []
    for _ in range(9):
        open_page.keyboard.press("Tab")
        seen.append(open_page.evaluate("document.activeElement.getAttribute('href')"))
    assert {"/check", "/build", "/deliver", "/status", "/radar", "/inquiries"} <= set(seen)
    open_page.focus("nav a[href='/status']")
    open_page.keyboard.press("Enter")
    open_page.wait_for_url(f"{served.base}/status")
