"""Shared fixtures: the repository root, the samples, a CLI runner that keeps stdout and stderr apart, and each
browser test module's Chromium (`browser`: Debian's /usr/bin/chromium through Playwright's Python package; locally a
missing browser skips, under CI=true it FAILS — a CI run must not pass by testing nothing)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _no_browser(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but the browser tests cannot run: {reason} (scripts/test.sh installs Debian's "
                    "chromium)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (its own browser download is never used). One per test
    module, closed at its end: while Playwright's sync API lives it keeps an event loop running on the main thread,
    which later tests' asyncio.run would trip over; and two at once in one process fail."""
    if not os.access(CHROMIUM, os.X_OK):
        _no_browser(f"{CHROMIUM} not found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _no_browser(f"playwright is not installed ({exc})")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, headless=True,
                                                   args=CHROMIUM_ARGS, accept_downloads=True)
        yield ctx
        ctx.close()
