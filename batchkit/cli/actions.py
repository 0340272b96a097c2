"""`batchkit actions sync|show`: the account's actions, mirrored locally (README "The mirror").

Exit codes: 0 done, 1 no such action (show), 2 configuration or credentials, 3 the API failed.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from batchkit.cli.base import (SANDBOX_NOTE, Command, TerminalLine, api_options, examples, load_api_settings, out,
                               parse_date)


def _notify(text: str) -> None:
    click.echo(f"\rbatchkit: {text}", err=True)


class _Bar(TerminalLine):
    """The sync's window, page, requests and time left."""

    def __call__(self, p: Any) -> None:
        left = f", {p.left:,} left this hour" if p.left is not None else ""
        per = p.seconds / max(p.requests, 1)
        todo = max(p.pages - p.page, 0) + (p.windows - p.window) * max(p.pages, 1)
        self.show(f"sync: window {p.window}/{p.windows}, page {p.page}/{p.pages}, {p.requests:,} requests{left}, "
                  f"~{per * todo:,.0f} s left")


@click.group("actions", epilog=examples("batchkit actions sync", "batchkit actions show 1000.4636.158201 --items",
                                        note=SANDBOX_NOTE))
def actions() -> None:
    """The account's actions, mirrored locally from the impact.com API."""


@actions.command("sync", cls=Command, epilog=examples(
    "batchkit actions sync", "batchkit actions sync --days 30 --format json",
    "batchkit actions sync --api-url http://127.0.0.1:8089 --account-sid IRSANDBOXACME1 --campaign-id 4636",
    note=SANDBOX_NOTE))
@click.option("--days", type=click.IntRange(1, 3 * 365), help="Sync this many days back (last-updated time).")
@click.option("--since", metavar="DATE", help="Sync from this date (last-updated time) ...")
@click.option("--until", metavar="DATE", help="... to this date (default now).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@api_options
def sync(days: int | None, since: str | None, until: str | None, fmt: str, **params: Any) -> None:
    """Bring the mirror up to date: the first time [api] sync_days back, then only what changed."""
    from batchkit.api.actions import sync_actions
    from batchkit.core.errors import UsageError

    if days is not None and since is not None:
        raise UsageError("give --days or --since, not both")
    if until is not None and since is None:
        raise UsageError("--until needs --since")
    start, end = parse_date(since, "--since"), parse_date(until, "--until")
    if start and end and start >= end:
        raise UsageError("--since must be before --until")
    settings = load_api_settings(params)
    bar = _Bar()
    try:
        summary = sync_actions(settings, days=days, since=start, until=end, progress=bar, notify=_notify)
    finally:
        bar.done()
    if fmt == "json":
        out(json.dumps(summary.as_dict(), indent=2))
        return
    kind = "incremental sync" if summary.incremental else "sync"
    out(f"{kind} {summary.since:%Y-%m-%d %H:%M} .. {summary.until:%Y-%m-%d %H:%M} UTC: {summary.new:,} new, "
        f"{summary.updated:,} updated, {summary.same:,} unchanged; {summary.windows} window(s), {summary.pages} "
        f"page(s), {summary.requests:,} request(s), waited {summary.waited:,.0f} s for the rate limit")
    out(f"mirror: {summary.actions:,} actions in {summary.mirror}")
    for note in summary.notes:
        out(f"note: {note}")


@actions.command("show", cls=Command, epilog=examples(
    "batchkit actions show 1000.4636.158201", "batchkit actions show 1000.4636.158201 --items --format json",
    note=SANDBOX_NOTE))
@click.argument("action_id")
@click.option("--items", "with_items", is_flag=True, help="Also the action's items (fetched once, then mirrored).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@api_options
def show(action_id: str, with_items: bool, fmt: str, **params: Any) -> None:
    """One action, from the mirror (fetched with one request when it is not mirrored yet)."""
    from batchkit.api.actions import ActionLookup

    lookup = ActionLookup(load_api_settings(params))
    try:
        action = lookup.action(action_id.strip())
        if action is None:
            click.echo(f"batchkit: no action {action_id} in account {lookup.settings.account_sid}", err=True)
            sys.exit(1)
        if with_items:
            action = {**action, "Items": lookup.items(action_id.strip())}
    finally:
        lookup.close()
    if fmt == "json":
        out(json.dumps(action, indent=2, ensure_ascii=False))
        return
    _show_text(action)


def _show_text(action: dict[str, Any]) -> None:
    from batchkit.render.escape import printable

    for key, value in action.items():
        if key != "Items":
            out(f"{key:18} {printable(str(value))}")
    for number, item in enumerate(action.get("Items", []), 1):
        fields = ", ".join(f"{k} {printable(str(v))}" for k, v in item.items() if str(v).strip())
        out(f"item {number:<13} {fields}")


