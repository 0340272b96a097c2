"""`batchkit inquiries ...`: partners' action inquiries, decided from the brand's own records (README "Action
inquiries").

Exit codes: 0 done (proposals written), 2 usage, configuration or an unreadable input.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from batchkit.cli.base import SANDBOX_NOTE, SHEET_HELP, Command, api_flags, api_options, examples, output_option
from batchkit.cli.inquiry_commands import PULLED, RESOLUTIONS, pull, resolve

# ------------------------------------------------------------------ what the inquiries commands share

FORCE = click.option("--force", is_flag=True, help="Overwrite output files that exist.")
MATCH = (f"batchkit inquiries match {PULLED} --orders samples/shopify/orders_export.csv "
         f"--config samples/shopify/batchkit.toml -o {RESOLUTIONS}")


def warn(text: str) -> None:
    from batchkit.render.escape import printable

    click.echo(f"batchkit: warning: {printable(text)}", err=True)


def inquiry_command(name: str, epilog: str) -> Callable[[Callable[..., Any]], click.Command]:
    """A subcommand of `inquiries` with batchkit's error handling (one line, exit 2) and its examples."""
    return inquiries.command(name, cls=Command, epilog=epilog)


@click.group("inquiries", epilog=examples(
    f"batchkit inquiries pull -o {PULLED}", MATCH,
    f"batchkit inquiries resolve {RESOLUTIONS} --config samples/shopify/batchkit.toml --dry-run", note=SANDBOX_NOTE))
def inquiries() -> None:
    """Partners' action inquiries: decided from the brand's own records and the mirror."""


# ------------------------------------------------------------------ match


@inquiry_command("match", examples(MATCH, f"{MATCH} --review review.xlsx --force",
                                   note="INQUIRIES: a file of `batchkit inquiries pull`; the mirror of `batchkit "
                                   "actions sync`, when there is one, is read too"))
@click.argument("inquiries_path", metavar="INQUIRIES", type=click.Path(path_type=Path))
@click.option("--orders", "export", required=True, type=click.Path(path_type=Path), metavar="EXPORT",
              help="The brand's own records: an orders or returns export (CSV/XLSX).")
@click.option("--preset", type=click.Choice(["returns", "shopify", "woocommerce", "bigcommerce", "magento", "stripe",
                                            "orders"]),
              help="The export's format (default: [build] preset; orders = mapped by [inquiries.columns]).")
@output_option("out", "The web app's bulk-resolution CSV to write.", old="--out", required=True,
               type=click.Path(path_type=Path), metavar="RESOLUTIONS.csv")
@click.option("--review", type=click.Path(path_type=Path), metavar="REVIEW.xlsx",
              help="Also write a workbook for a person: the proposals, the evidence, drop-down lists.")
@click.option("--sheet", help=SHEET_HELP + " (of the export)")
@FORCE
@api_options
def match(inquiries_path: Path, export: Path, preset: str | None, out: Path, review: Path | None, sheet: str | None,
          force: bool, **params: Any) -> None:
    """Propose a resolution for each unresolved inquiry of INQUIRIES (a pulled file or the web app's export)."""
    from batchkit.core.config import load_config
    from batchkit.inquiries.run import check_outputs, match_files, open_actions

    config = load_config(params.pop("config_path", None))
    check_outputs(out, review, [inquiries_path, export], force)  # before the mirror is opened
    mirror, missing = open_actions(config, api_flags(params), os.environ)
    try:
        outcome = match_files(inquiries_path, export, config, out, preset, review, force, mirror, missing,
                              sheet=sheet)
    finally:
        if mirror is not None:
            mirror.close()
    for text in outcome.summary.warnings:
        warn(text)
    for path in outcome.written:
        click.echo(f"wrote {path}", err=True)
    click.echo(outcome.summary.line(), err=True)


inquiries.add_command(pull)  # pull and resolve live in cli/inquiry_commands.py
inquiries.add_command(resolve)
