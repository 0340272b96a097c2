"""Redraw docs/workbench-check.png, the README's picture of the workbench: the broken sample checked, one bad
cell's note open. Drives Debian's Chromium (/usr/bin/chromium) through Playwright, as the browser tests do.

    .venv/bin/python scripts/workbench_screenshot.py [OUT.png]
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from batchkit.web.serve import start_in_thread
from batchkit.web.settings import ServeSettings

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "samples" / "broken" / "acme_order-modifications_broken.csv"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        running = start_in_thread(ServeSettings(Path(tmp) / "state", 0, 64 << 20, 1, Path(tmp) / "batchkit.toml"))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(running.url)
                page.set_input_files("#check-files", str(BROKEN))
                page.wait_for_url(re.compile(r"/check/[0-9a-f]{20}$"))
                page.wait_for_selector("#check-area [data-state=done]")
                page.locator("tr[data-row='2'] td.cell-error", has_text="$12.50").focus()
                page.screenshot(path=str(out), full_page=True, caret="initial")
                browser.close()
        finally:
            running.stop()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "workbench-check.png")
