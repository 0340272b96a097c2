"""`batchkit deliver`: parse options, call the delivery library, print one line per file, exit.

Exit codes: 0 delivered or skipped, 1 invalid files (nothing sent), 2 usage/config, 3 delivery failed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from batchkit.cli.base import CONFIG_HELP, Command

if TYPE_CHECKING:
    pass


@click.command("deliver", cls=Command)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--to", "to", metavar="DEST",
              help="A folder (default ./outbox) or sftp://user@host[:port]/dir [env BATCHKIT_TO].")
@click.option("--key-file", metavar="PATH", help="SSH private key [env BATCHKIT_KEY_FILE].")
@click.option("--known-hosts", metavar="PATH",
              help="known_hosts file pinning the server's host key [env BATCHKIT_KNOWN_HOSTS].")
@click.option("--state-dir", metavar="DIR",
              help="Where the ledger lives (default $XDG_STATE_HOME/batchkit) [env BATCHKIT_STATE_DIR].")
@click.option("--resend", is_flag=True, help="Send even content the ledger says was delivered.")
@click.option("--dry-run", is_flag=True, help="Validate and show what would be sent, without connecting.")
@click.option("--preflight", is_flag=True, help="Also check every record against the account's live actions first "
              "(BK701-BK710); errors stop the delivery.")
@click.option("--config", "config_path", type=click.Path(path_type=str), help=CONFIG_HELP)
def deliver(files: tuple[Path, ...], to: str | None, key_file: str | None, known_hosts: str | None,
            state_dir: str | None, resend: bool, dry_run: bool, preflight: bool, config_path: str | None) -> None:
    """Validate FILES, then deliver each exactly once to a folder or an SFTP drop."""
    from batchkit.core.config import load_config
    from batchkit.deliver.delivery import deliver_files
    from batchkit.deliver.errors import DeliveryError, InvalidFiles
    from batchkit.deliver.ledger import Ledger
    from batchkit.deliver.settings import resolve_settings
    from batchkit.deliver.targets import parse_destination
    from batchkit.jobs.preflight import preflight_check
    from batchkit.render.text import render_text

    config = load_config(config_path)  # path flags stay text: an empty one is an error, never "."
    flags = {"to": to, "key_file": key_file, "known_hosts": known_hosts, "state_dir": state_dir}
    settings = resolve_settings(config, flags, os.environ)
    dest = parse_destination(settings.to)
    check = preflight_check(config, lambda text: click.echo(text, err=True)) if preflight else None
    ledger = Ledger(settings.state_dir)
    try:
        results = deliver_files(list(files), dest, settings, ledger, resend=resend, dry_run=dry_run, check=check)
    except InvalidFiles as exc:
        click.echo(render_text(exc.report, color=sys.stdout.isatty()))
        raise
    except DeliveryError as exc:
        for result in exc.results:
            click.echo(result.describe())
        raise
    finally:
        ledger.close()
    for result in results:
        click.echo(result.describe())
