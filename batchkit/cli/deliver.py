"""`batchkit deliver`: parse options, call the delivery library, print one line per file, exit.

`--to api` sends each record through impact.com's API instead of a file to a drop (README "Delivering
through the API"). Exit codes: 0 delivered or skipped, 1 invalid files (nothing sent), 2 usage/config,
3 delivery failed (for the API also: a record unknown, refused or not accepted).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from batchkit.cli.base import (Command, TerminalLine, account_options, config_option, examples, state_dir_option,
                               told_failures)

if TYPE_CHECKING:
    from batchkit.delivery.prepare import Check
    from batchkit.delivery.settings import DeliverySettings
    from batchkit.delivery.viaapi.destination import ApiDestination
    from batchkit.delivery.viaapi.run import ApiProgress
    from batchkit.state.ledger import Ledger


EXAMPLES = examples(
    "batchkit deliver samples/batch/*.csv --to outbox --dry-run",
    "batchkit deliver samples/batch/*.csv --to outbox",
    "batchkit deliver samples/batch/acme_order-reversals_2026-11-22.csv --to api --preflight",
    note="the last talks to the API: try it against `batchkit sandbox`, with the export lines it prints",
)


@click.command("deliver", cls=Command, epilog=EXAMPLES)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--to", "to", metavar="DEST",
              help="A folder (default ./outbox), sftp://user@host[:port]/dir, or api: each record through "
              "impact.com's API [env BATCHKIT_TO].")
@click.option("--key-file", metavar="PATH", help="SSH private key [env BATCHKIT_KEY_FILE].")
@click.option("--known-hosts", metavar="PATH",
              help="known_hosts file pinning the server's host key [env BATCHKIT_KNOWN_HOSTS].")
@state_dir_option
@click.option("--resend", is_flag=True, help="Send again what the journal says reached impact.com (the lines name "
              "each file or record that goes again).")
@click.option("--dry-run", is_flag=True, help="Validate and show what would be sent, without connecting.")
@click.option("--preflight", is_flag=True, help="Also check every record against the account's live actions first "
              "(BK701-BK710); errors stop the delivery.")
@click.option("--resend-unknown", is_flag=True, help="--to api: send again the records whose outcome is unknown and "
              "whose change the action does not show (check them on impact.com first: batchkit status).")
@account_options
@config_option
def deliver(files: tuple[Path, ...], to: str | None, key_file: str | None, known_hosts: str | None,
            state_dir: str | None, resend: bool, dry_run: bool, preflight: bool, resend_unknown: bool,
            api_url: str | None, account_sid: str | None, campaign_id: str | None, config_path: str | None) -> None:
    """Validate FILES, then deliver each exactly once to a folder, an SFTP drop, or through the API.

    --api-url, --account-sid and --campaign-id name the account of --to api and of --preflight."""
    from batchkit.core.config import load_config
    from batchkit.delivery.channels import deliver_paths, destination_of
    from batchkit.delivery.settings import resolve_settings
    from batchkit.delivery.viaapi.destination import ApiDestination
    from batchkit.jobs.preflight import preflight_validated
    from batchkit.state.ledger import Ledger

    config = load_config(config_path)  # path flags stay text: an empty one is an error, never "."
    flags = {"to": to, "key_file": key_file, "known_hosts": known_hosts, "state_dir": state_dir}
    account = {"url": api_url, "account_sid": account_sid, "campaign_id": campaign_id}
    settings = resolve_settings(config, flags, os.environ, api_flags=account)
    dest = destination_of(settings)
    via_api = isinstance(dest, ApiDestination)
    say = lambda text: click.echo(f"\rbatchkit: {text}", err=True)  # noqa: E731
    check = preflight_validated(config, say, {**account, "state_dir": state_dir}) if preflight else None
    ledger, bar = Ledger(settings.state_dir), _Bar()
    try:
        with told_failures(before=bar.done):
            if isinstance(dest, ApiDestination) and dry_run:
                _preview(files, dest, settings, ledger, check, resend)
                return
            results = deliver_paths(list(files), dest, settings, ledger, resend=resend, resend_unknown=resend_unknown,
                                    dry_run=dry_run, check=check, progress=bar if via_api else None, notify=say)
    finally:
        ledger.close()
    bar.done()
    for result in results:
        click.echo(result.describe())


def _preview(files: tuple[Path, ...], dest: ApiDestination, settings: DeliverySettings, ledger: Ledger,
             check: Check | None, resend: bool) -> None:
    """deliver --to api --dry-run: one line per file, then the plan's requests and time (no request is made)."""
    from batchkit.delivery.viaapi.send import describe_plan, preview_via_api

    results, requests, hours, advice = preview_via_api(list(files), dest.settings, settings, ledger, check=check,
                                                       resend=resend)
    for result in results:
        click.echo(result.describe())
    click.echo(describe_plan(requests, hours, dest.settings))
    if advice:
        click.echo(f"advice: {advice}")


class _Bar(TerminalLine):
    """The records done, the requests, the time left."""

    def __call__(self, p: ApiProgress) -> None:
        width = 24
        filled = width * p.done // max(p.total, 1)
        self.show(f"[{'#' * filled}{'.' * (width - filled)}] {p.done:,}/{p.total:,} records, {p.requests:,} requests, "
                  f"~{_duration(p.left_seconds)} left")


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:,.1f} h"
    return f"{seconds / 60:,.0f} min" if seconds >= 120 else f"{seconds:,.0f} s"
