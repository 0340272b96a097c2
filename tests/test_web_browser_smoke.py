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
    for slug in ("check", "build", "deliver", "status", "inquiries"):
        open_page.goto(f"{served.base}/{slug}")
        assert open_page.locator("nav a[aria-current=page]").inner_text().lower() == slug
        assert open_page.evaluate("typeof htmx") == "object", "htmx did not load (CSP or path)"
        shot(open_page, tmp_path, slug)
    assert errors == [] and foreign == []


def test_the_address_bar_loses_the_key_after_the_first_visit(open_page: Any) -> None:
    assert "key=" not in open_page.url
    open_page.keyboard.press("Tab")
    assert open_page.evaluate("document.activeElement.className") == "skip"
