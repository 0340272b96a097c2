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

from batchkit.cli.actions import api_options
from batchkit.cli.base import SHEET_HELP, Command

# ------------------------------------------------------------------ what the inquiries commands share

FORCE = click.option("--force", is_flag=True, help="Overwrite output files that exist.")


def api_flags(params: dict[str, Any]) -> dict[str, Any]:
    """The API flags of api_options (taken out of `params`), as api_settings() reads them."""
    return {"url": params.pop("api_url", None), "account_sid": params.pop("account_sid", None),
            "campaign_id": params.pop("campaign_id", None), "state_dir": params.pop("state_dir", None)}


def warn(text: str) -> None:
    from batchkit.render.escape import printable

    click.echo(f"batchkit: warning: {printable(text)}", err=True)


def inquiry_command(name: str) -> Callable[[Callable[..., Any]], click.Command]:
    """A subcommand of `inquiries` with batchkit's error handling (one line, exit 2)."""
    return inquiries.command(name, cls=Command)


@click.group("inquiries")
def inquiries() -> None:
    """Partners' action inquiries: decided from the brand's own records and the mirror."""


# ------------------------------------------------------------------ match


@inquiry_command("match")
@click.argument("inquiries_path", metavar="INQUIRIES", type=click.Path(path_type=Path))
@click.option("--orders", "export", required=True, type=click.Path(path_type=Path), metavar="EXPORT",
              help="The brand's own records: an orders or returns export (CSV/XLSX).")
@click.option("--preset", type=click.Choice(["returns", "shopify", "woocommerce", "bigcommerce", "magento", "stripe",
                                            "orders"]),
              help="The export's format (default: [build] preset; orders = mapped by [inquiries.columns]).")
@click.option("-o", "--out", "out", required=True, type=click.Path(path_type=Path), metavar="RESOLUTIONS.csv",
              help="The web app's bulk-resolution CSV to write.")
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


def _register() -> None:
    """pull and resolve live in cli/inquiry_commands.py."""
    from batchkit.cli.inquiry_commands import pull, resolve

    inquiries.add_command(pull)
    inquiries.add_command(resolve)


_register()
