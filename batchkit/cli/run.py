"""`batchkit run`: the scheduled job (build -> validate -> deliver -> archive), with its exit codes."""

from __future__ import annotations

import sys

import click

from batchkit.cli.base import Command, examples, out
from batchkit.render.escape import printable

EXAMPLES = examples("batchkit run --config samples/run/batchkit.toml --dry-run",
                    "batchkit run --config samples/run/batchkit.toml")


@click.command("run", cls=Command, epilog=EXAMPLES)
@click.option("--config", "config_path", required=True, type=click.Path(path_type=str), help="The job's batchkit.toml.")
@click.option("--dry-run", is_flag=True, help="Build and validate, show what would be delivered; send and archive nothing.")
def run_command(config_path: str, dry_run: bool) -> None:
    """The scheduled job: build -> validate -> deliver -> archive (exit 0 ok, 1 invalid, 2 config, 3 delivery)."""
    from batchkit.core.config import load_config
    from batchkit.jobs.run import Log, run_job

    log = Log()
    log(f"run: start ({config_path}{', dry run' if dry_run else ''})")
    summary = run_job(load_config(config_path), dry_run=dry_run, log=log)
    out(summary.line())
    if summary.attention:
        out(f"needs a person ({len(summary.attention)}; `batchkit status` shows them, with what to do):")
    for line in summary.attention:
        out(printable(f"  {line}"))
    if summary.radar:
        out(printable(summary.radar))
    sys.exit(summary.exit_code)
