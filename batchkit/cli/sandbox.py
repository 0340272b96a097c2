"""`batchkit sandbox`: serve a local impact.com Brand API on 127.0.0.1 until Ctrl-C or SIGTERM (exit 0)."""

from __future__ import annotations

import errno
import os
import re
import secrets
import shlex
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from batchkit.cli.base import Command, examples, out
from batchkit.core.errors import UsageError

if TYPE_CHECKING:
    from batchkit.sandbox import Sandbox

_RATE = re.compile(r"\s*([0-9]+)\s*/\s*([0-9]+(?:\.[0-9]+)?)\s*")


def parse_rate(text: str) -> tuple[int, float]:
    """`1000/3600` -> (1000, 3600.0): requests per window of seconds; UsageError otherwise."""
    match = _RATE.fullmatch(text)
    if not match or int(match.group(1)) < 1 or float(match.group(2)) <= 0:
        raise UsageError(f"--rate {text!r}: write REQUESTS/SECONDS with both above 0, such as 1000/3600 or 20/10")
    return int(match.group(1)), float(match.group(2))


EXAMPLES = examples("batchkit sandbox", "batchkit sandbox --port 0 --drop out/sandbox-drop --process-seconds 1",
                    note="then, in another shell, paste the export lines it prints, e.g. for batchkit validate "
                    "samples/batch/*.csv --preflight")


@click.command(cls=Command, epilog=EXAMPLES)
@click.option("--port", type=click.IntRange(0, 65535), default=8089, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--data", type=click.Path(path_type=Path, file_okay=False),
              help="Seed folder (account.toml, actions.csv, items.csv; default: the shipped seed).")
@click.option("--rate", default="1000/3600", show_default=True, help="Requests per window of seconds (REQUESTS/SECONDS).")
@click.option("--generate", type=click.IntRange(min=0), default=0, help="Add N synthetic actions (last 90 days).")
@click.option("--process-seconds", type=click.FloatRange(min=0), default=2.0, show_default=True,
              help="Seconds until a PUT/DELETE submission (or a dropped file) is Complete.")
@click.option("--drop", type=click.Path(path_type=Path, file_okay=False),
              help="Watch this folder (made if missing): batch files put there become FTPFileSubmissions.")
@click.option("--line-counts-header", is_flag=True,
              help="ErrorDetails count the header as Line 1 (default: Line 1 is the first record).")
def sandbox(port: int, data: Path | None, rate: str, generate: int, process_seconds: float, drop: Path | None,
            line_counts_header: bool) -> None:
    """Serve a local impact.com Brand API (the sandbox) to try batchkit without an account."""
    from batchkit.sandbox import Sandbox, load_account, seed_dir

    budget = parse_rate(rate)
    account = load_account(data if data is not None else seed_dir())
    if drop is not None:
        _make_drop(drop)
    token = os.environ.get("IMPACT_AUTH_TOKEN") or ""
    made_up = not token
    token = token or secrets.token_urlsafe(24)
    box = Sandbox(account_sid=account.sid, auth_token=token, campaign_id=account.campaign_id, data=data,
                  generated=generate, rate=budget, process_seconds=process_seconds, drop=drop,
                  line_counts_header=line_counts_header)
    try:
        url = box.start(port=port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} on 127.0.0.1 is in use: choose another with --port") from None
        raise
    watching = "" if drop is None else (f"; watching {drop} for batch files, ErrorDetails Line 1 = "
                                        f"{'the header' if line_counts_header else 'the first record'}")
    out(f"sandbox: {url} (account {account.sid}, campaign {account.campaign_id}, {len(box.store)} actions, "
        f"{len(box.inquiries)} inquiries{watching}); to use it, paste into your shell:")
    for line in export_lines(url, account.sid, account.campaign_id, token if made_up else None):
        out(line)
    sys.stdout.flush()
    _serve(box)


def export_lines(url: str, sid: str, campaign_id: str, made_up_token: str | None) -> list[str]:
    """The shell lines that point batchkit at the sandbox: everything `batchkit validate --preflight FILE` needs.
    The token is printed only when the sandbox made it up: one given in IMPACT_AUTH_TOKEN is already the shell's,
    and batchkit never prints a token it was given."""
    lines = [(f"export BATCHKIT_API_URL={shlex.quote(url)} IMPACT_ACCOUNT_SID={shlex.quote(sid)} "
              f"BATCHKIT_CAMPAIGN_ID={shlex.quote(campaign_id)}")]
    if made_up_token is not None:
        lines.append(f"export IMPACT_AUTH_TOKEN={shlex.quote(made_up_token)}")
    return lines


def _make_drop(folder: Path) -> None:
    """The drop folder, made if missing; UsageError when it cannot be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--drop {folder}: cannot make the folder ({exc.strerror or exc})") from None


def _serve(box: Sandbox) -> None:
    """Wait until Ctrl-C or SIGTERM, then stop the sandbox (the command then exits 0)."""
    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("sandbox: stopped", err=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        box.stop()


if __name__ == "__main__":  # pragma: no cover - `python -m batchkit.cli.sandbox` (the tests stop it with SIGTERM)
    sandbox()
