"""Redraw the README's pictures of the workbench. Drives Debian's Chromium (/usr/bin/chromium) through Playwright,
as the browser tests do.

    .venv/bin/python scripts/workbench_screenshot.py [check|radar] [OUT.png]

check  docs/workbench-check.png: the broken sample checked, one bad cell's note open.
radar  docs/workbench-radar.png: the Radar page against a sandbox whose actions lock a day ago, within hours, in
       2 days and in 10 days, in three currencies, after "Sync now" and a reversals file dropped on the page.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from batchkit.sandbox import Sandbox
from batchkit.web.serve import start_in_thread
from batchkit.web.settings import ServeSettings

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "samples" / "broken" / "acme_order-modifications_broken.csv"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
TOKEN = "screenshot-token"
#          id suffix, hours to the lock, currency, partner, amount, payout
ACTIONS = [("01", -30, "USD", ("12345", "Cashback World"), "200.00", "20.00"),
           ("02", 5, "USD", ("23456", "Loyalty Hub"), "100.00", "10.00"),
           ("03", 20, "USD", ("12345", "Cashback World"), "60.00", "6.00"),
           ("04", 50, "EUR", ("34567", "Deal Finder"), "50.00", "7.50"),
           ("05", 60, "EUR", ("23456", "Loyalty Hub"), "90.00", "13.50"),
           ("06", 130, "GBP", ("12345", "Cashback World"), "80.00", "8.00"),
           ("07", 260, "USD", ("34567", "Deal Finder"), "150.00", "15.00")]


@contextmanager
def _workbench(env: dict[str, str] | None = None) -> Iterator[tuple[str, Path]]:
    """A workbench on a free port with `env` set for its lifetime; (its URL, its folder)."""
    saved = {k: os.environ.get(k) for k in env or {}}
    os.environ.update(env or {})
    with tempfile.TemporaryDirectory() as tmp:
        running = start_in_thread(ServeSettings(Path(tmp) / "state", 0, 64 << 20, 1, Path(tmp) / "batchkit.toml"))
        try:
            yield running.url, Path(tmp)
        finally:
            running.stop()
            for k, v in saved.items():
                os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)


def _shoot(url: str, out: Path, steps: Callable[[Any], None]) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        steps(page)
        page.screenshot(path=str(out), full_page=True, caret="initial")
        browser.close()


def check(out: Path) -> None:
    def steps(page: Any) -> None:
        page.set_input_files("#check-files", str(BROKEN))
        page.wait_for_url(re.compile(r"/check/[0-9a-f]{20}$"))
        page.wait_for_selector("#check-area [data-state=done]")
        page.locator("tr[data-row='2'] td.cell-error", has_text="$12.50").focus()

    with _workbench() as (url, _):
        _shoot(url, out, steps)


def _seeded(sb: Sandbox, now: datetime) -> bytes:
    """The actions of ACTIONS in the sandbox; a reversals file for all of them."""
    made = (now - timedelta(days=5)).isoformat()
    ids = []
    for suffix, hours, currency, (pid, name), amount, payout in ACTIONS:
        ids.append(f"1000.4636.7200{suffix}")
        sb.store.add_action({"Id": ids[-1], "Oid": f"W-{suffix}", "MediaPartnerId": pid, "MediaPartnerName": name,
                             "Currency": currency, "Amount": amount, "Payout": payout, "UpdatedDaysAgo": "1",
                             "LockingDate": (now + timedelta(hours=hours)).isoformat(), "CreationDate": made,
                             "EventDate": made})
    return ("ActionId,Amount,Reason\n" + "".join(f"{i},0,ITEM_RETURNED\n" for i in ids)).encode()


def radar(out: Path) -> None:
    with Sandbox(auth_token=TOKEN) as sb:
        body = _seeded(sb, datetime.now(UTC))
        env = {"BATCHKIT_API_URL": sb.url, "IMPACT_ACCOUNT_SID": "IRSANDBOXACME1", "IMPACT_AUTH_TOKEN": TOKEN,
               "BATCHKIT_CAMPAIGN_ID": "4636"}
        with _workbench(env) as (url, folder):
            batch = folder / "acme_order-reversals_returns.csv"
            batch.write_bytes(body)

            def steps(page: Any) -> None:
                page.get_by_role("link", name="Radar").click()
                page.get_by_role("button", name="Sync now").click()
                page.wait_for_selector("#radar-account [data-synced]")
                page.set_input_files("#radar-files", str(batch))
                page.get_by_role("button", name="Show the radar").click()
                page.wait_for_url(re.compile(r"/radar/[0-9a-f]{20}$"))
                page.wait_for_selector("#radar-area [data-state=done]")

            _shoot(url, out, steps)


def main(argv: list[str]) -> None:
    which = argv[0] if argv else "check"
    if which not in ("check", "radar"):
        raise SystemExit("usage: workbench_screenshot.py [check|radar] [OUT.png]")
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / f"workbench-{which}.png"
    {"check": check, "radar": radar}[which](out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
