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

from batchkit.cli.base import CONFIG_HELP, Command, TerminalLine, told_failures

if TYPE_CHECKING:
    from batchkit.deliver.settings import DeliverySettings
    from batchkit.deliver.viaapi.run import ApiProgress


@click.command("deliver", cls=Command)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--to", "to", metavar="DEST",
              help="A folder (default ./outbox), sftp://user@host[:port]/dir, or api: each record through "
              "impact.com's API [env BATCHKIT_TO].")
@click.option("--key-file", metavar="PATH", help="SSH private key [env BATCHKIT_KEY_FILE].")
@click.option("--known-hosts", metavar="PATH",
              help="known_hosts file pinning the server's host key [env BATCHKIT_KNOWN_HOSTS].")
@click.option("--state-dir", metavar="DIR",
              help="Where the ledger lives (default $XDG_STATE_HOME/batchkit) [env BATCHKIT_STATE_DIR].")
@click.option("--resend", is_flag=True, help="Send even content the ledger says was delivered.")
@click.option("--dry-run", is_flag=True, help="Validate and show what would be sent, without connecting.")
@click.option("--preflight", is_flag=True, help="Also check every record against the account's live actions first "
              "(BK701-BK710); errors stop the delivery.")
@click.option("--resend-unknown", is_flag=True, help="--to api: send again the records whose answer was lost and "
              "whose change does not show on the action (default: only after [api] settle_seconds).")
@click.option("--api-url", metavar="URL", help="--to api: the API's root [env BATCHKIT_API_URL].")
@click.option("--account-sid", metavar="SID", help="--to api: the account [env IMPACT_ACCOUNT_SID]; the token "
              "comes only from IMPACT_AUTH_TOKEN.")
@click.option("--campaign-id", metavar="ID", help="--to api: the campaign [env BATCHKIT_CAMPAIGN_ID].")
@click.option("--config", "config_path", type=click.Path(path_type=str), help=CONFIG_HELP)
def deliver(files: tuple[Path, ...], to: str | None, key_file: str | None, known_hosts: str | None,
            state_dir: str | None, resend: bool, dry_run: bool, preflight: bool, resend_unknown: bool,
            api_url: str | None, account_sid: str | None, campaign_id: str | None, config_path: str | None) -> None:
    """Validate FILES, then deliver each exactly once to a folder, an SFTP drop, or through the API."""
    from batchkit.core.config import load_config
    from batchkit.core.errors import UsageError
    from batchkit.deliver.delivery import deliver_files
    from batchkit.deliver.ledger import Ledger
    from batchkit.deliver.settings import API, resolve_settings
    from batchkit.deliver.targets import parse_destination
    from batchkit.jobs.preflight import preflight_check

    config = load_config(config_path)  # path flags stay text: an empty one is an error, never "."
    flags = {"to": to, "key_file": key_file, "known_hosts": known_hosts, "state_dir": state_dir}
    settings = resolve_settings(config, flags, os.environ)
    if settings.to.strip() == API:
        api_flags = {"url": api_url, "account_sid": account_sid, "campaign_id": campaign_id, "state_dir": state_dir}
        if resend:
            raise UsageError("--resend does not apply to --to api (records already queued are never sent twice); "
                             "--resend-unknown sends again those whose answer was lost and whose change does not show")
        _via_api(list(files), settings, api_flags, resend_unknown, dry_run, preflight)
        return
    dest = parse_destination(settings.to)
    check = preflight_check(config, lambda text: click.echo(text, err=True)) if preflight else None
    ledger = Ledger(settings.state_dir)
    try:
        with told_failures():
            results = deliver_files(list(files), dest, settings, ledger, resend=resend, dry_run=dry_run, check=check)
    finally:
        ledger.close()
    for result in results:
        click.echo(result.describe())


def _via_api(files: list[Path], settings: DeliverySettings, flags: dict[str, str | None], resend_unknown: bool,
             dry_run: bool, preflight: bool) -> None:
    """deliver --to api: one line per file, the plan's time with --dry-run, a progress line on a terminal."""
    from batchkit.api.settings import api_settings
    from batchkit.deliver.ledger import Ledger
    from batchkit.deliver.viaapi.send import (
        deliver_via_api,
        describe_plan,
        preview_via_api,
    )
    from batchkit.jobs.preflight import preflight_validated

    assert settings.config is not None
    api = api_settings(settings.config, flags, os.environ)
    api.need_campaign()
    say = lambda text: click.echo(f"\rbatchkit: {text}", err=True)  # noqa: E731
    check = preflight_validated(settings.config, say) if preflight else None
    ledger, bar = Ledger(settings.state_dir), _Bar()
    try:
        with told_failures(before=bar.done):
            if dry_run:
                results, requests, hours, advice = preview_via_api(files, api, settings, ledger, check=check)
            else:
                results = deliver_via_api(files, api, settings, ledger, resend_unknown=resend_unknown, check=check,
                                          progress=bar, notify=say)
    finally:
        ledger.close()
    bar.done()
    for result in results:
        click.echo(result.describe())
    if dry_run:
        click.echo(describe_plan(requests, hours, api))
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
