"""`batchkit deliver`: parse options, call batchkit.deliver, print one line per file, exit.

cli.py registers it with `main.add_command(make_deliver_command(Command))`; the factory takes the
command class so this module never imports cli.py (no import cycle).
Exit codes: 0 delivered or skipped, 1 invalid files (nothing sent), 2 usage/config, 3 delivery failed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


def make_deliver_command(command_cls: type[click.Command] = click.Command) -> click.Command:
    """The `deliver` command, built with the CLI's command class (its error handling and exit codes)."""

    @click.command("deliver", cls=command_cls)
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
    @click.option("--config", "config_path", type=click.Path(path_type=str),
                  help="Configuration file (default ./batchkit.toml).")
    def deliver(files: tuple[Path, ...], to: str | None, key_file: str | None, known_hosts: str | None,
                state_dir: str | None, resend: bool, dry_run: bool, config_path: str | None) -> None:
        """Validate FILES, then deliver each exactly once to a folder or an SFTP drop."""
        from batchkit import deliver as lib
        from batchkit.config import load_config
        from batchkit.render import render_text

        config = load_config(config_path)  # path flags stay text: an empty one is an error, never "."
        flags = {"to": to, "key_file": key_file, "known_hosts": known_hosts, "state_dir": state_dir}
        settings = lib.resolve_settings(config, flags, os.environ)
        ledger = lib.Ledger(settings.state_dir)
        try:
            results = lib.deliver_files(list(files), lib.parse_destination(settings.to), settings, ledger,
                                        resend=resend, dry_run=dry_run)
        except lib.InvalidFiles as exc:
            click.echo(render_text(exc.report, color=sys.stdout.isatty()))
            raise
        except lib.DeliveryError as exc:
            for result in exc.results:
                click.echo(result.describe())
            raise
        finally:
            ledger.close()
        for result in results:
            click.echo(result.describe())

    return deliver
