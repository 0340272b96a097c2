"""`batchkit inquiries pull` and `batchkit inquiries resolve` (the group and `match` are in cli/inquiries.py).

Exit codes: 0 done, 1 the resolution file has errors (nothing sent), 2 usage or configuration, 3 the API or the
delivery failed (running again is safe: the ledger knows what was sent).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from batchkit.cli.base import (SANDBOX_NOTE, Command, api_flags, api_options, examples, load_api_settings, out,
                               output_option, parse_date, told_failures)
from batchkit.render.escape import printable

PULLED = "inquiries.csv"  # the examples' inquiry files: never beside the batch files of out/, which deliver takes
RESOLUTIONS = "resolutions.csv"


def _say(text: str) -> None:
    """A note on stderr, its control characters escaped (it may quote a partner or the platform)."""
    click.echo(f"batchkit: {printable(text)}", err=True)


@click.command("pull", cls=Command, epilog=examples(
    f"batchkit inquiries pull -o {PULLED}", "batchkit inquiries pull --status all --since 2026-01-01 "
    "-o all-inquiries.xlsx", note=SANDBOX_NOTE))
@click.option("--status", default="UNRESOLVED", show_default=True,
              help="ResolutionStatus to pull (UNRESOLVED, VALID, DECLINED, INCOMPLETE; 'all' for every one).")
@click.option("--since", metavar="DATE", help="Only inquiries created or changed at or after DATE.")
@output_option("target", "The file to write: .csv or .xlsx (every field as text).", required=True,
               type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@api_options
def pull(status: str, since: str | None, target: Path, force: bool, **params: Any) -> None:
    """The campaign's action inquiries from impact.com into a file."""
    from batchkit.inquiries.pull import pull_inquiries

    settings = load_api_settings(params)
    got = pull_inquiries(settings, target, status=None if status.lower() == "all" else status,
                         since=parse_date(since, "--since"), overwrite=force, notify=_say)
    told = ", ".join(f"{n} {s}" for s, n in sorted(got.by_status.items())) or "none"
    out(printable(f"pulled {got.inquiries:,} inquiries ({told}) -> {got.path} ({got.requests} request(s))"))


@click.command("resolve", cls=Command, epilog=examples(
    f"batchkit inquiries resolve {RESOLUTIONS} --config samples/shopify/batchkit.toml --dry-run",
    f"batchkit inquiries resolve {RESOLUTIONS} --config samples/shopify/batchkit.toml",
    f"batchkit inquiries resolve {RESOLUTIONS} --to outbox/inquiries", note=SANDBOX_NOTE))
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--to", "to", default="api", show_default=True, metavar="DEST",
              help="api (one PUT /ActionInquiries per inquiry), or a folder / sftp://... for the bulk-upload CSV.")
@click.option("--dry-run", is_flag=True, help="Validate and show what would be sent, without sending.")
@click.option("--resend-unknown", is_flag=True, help="Send again the resolutions whose outcome is unknown and that the "
              "inquiry does not show (check them on impact.com first: batchkit status).")
@click.option("--approvals", type=click.Path(path_type=Path), metavar="OUT.csv",
              help="Also write the order-level modification file approving the accepted inquiries' orders.")
@click.option("--force", is_flag=True, help="Overwrite the --approvals file if it exists.")
@click.option("--key-file", metavar="PATH", help="SSH private key for an sftp:// destination.")
@click.option("--known-hosts", metavar="PATH", help="known_hosts file pinning an sftp:// server's host key.")
@api_options
def resolve(file: Path, to: str, dry_run: bool, resend_unknown: bool, approvals: Path | None, force: bool,
            key_file: str | None, known_hosts: str | None, **params: Any) -> None:
    """Resolve the inquiries of FILE (a resolution CSV, or the edited review XLSX) exactly once."""
    from batchkit.core.config import load_config
    from batchkit.delivery.channels import destination_of
    from batchkit.delivery.settings import resolve_settings
    from batchkit.inquiries.run import resolve_to
    from batchkit.io.write import require_suffix
    from batchkit.state.ledger import Ledger

    if approvals is not None:
        require_suffix(approvals, ".csv", "--approvals")
    config = load_config(params.pop("config_path", None))
    account = api_flags(params)
    delivery = resolve_settings(config, {"to": to, "key_file": key_file, "known_hosts": known_hosts,
                                         "state_dir": account.pop("state_dir")}, os.environ, account)
    dest = destination_of(delivery)
    ledger = Ledger(delivery.state_dir)
    try:
        with told_failures():
            got = resolve_to(file, config, dest, delivery, ledger, dry_run=dry_run, resend_unknown=resend_unknown,
                             notify=_say)
        for line in got.lines():
            out(printable(line))
        for note in got.summary.notes if got.summary is not None else ():
            _say(note)
        if approvals is not None and got.summary is not None and not dry_run:
            _approvals(got.summary, config, ledger, approvals, force)
    finally:
        ledger.close()


def _approvals(summary: Any, config: Any, ledger: Any, approvals: Path, force: bool) -> None:
    """--approvals: the order-level modification file approving the accepted inquiries' orders."""
    from batchkit.inquiries.upload import approvals_csv
    from batchkit.io.write import write_text_atomic

    text, notes = approvals_csv(summary.accepted, ledger.inquiries(summary.account), config)
    write_text_atomic(approvals, text, overwrite=force)
    out(printable(f"approvals: {text.count(chr(10)) - 1} order(s) -> {approvals}"))
    for note in notes:
        _say(note)
