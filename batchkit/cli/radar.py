"""`batchkit radar`: the commission at stake before each action locks, and what was lost after (README "batchkit
radar"). Exit codes: 0 the radar was shown, 2 usage or configuration, 3 the API failed (no mirror to look at)."""

from __future__ import annotations

import json
import os

import click

from batchkit.cli.base import (SANDBOX_NOTE, Command, account_options, config_option, examples, out,
                               state_dir_option)

EXAMPLES = examples(
    "batchkit radar samples/batch/*.csv",
    "batchkit radar samples/shopify/orders_export.csv --preset shopify --config samples/shopify/batchkit.toml "
    "--report radar.xlsx",
    "batchkit radar --offline --format json",
    note=SANDBOX_NOTE,
)


@click.command("radar", cls=Command, epilog=EXAMPLES)
@click.argument("paths", nargs=-1, type=click.Path(path_type=str), metavar="[FILE | EXPORT]...")
@click.option("--preset", help="The arguments are exports: build them in memory with this preset (nothing written).")
@click.option("--days", type=int, help="The bucket \"locks within N days\" [default: [radar] days, else 7].")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--report", type=click.Path(path_type=str), metavar="FILE.xlsx",
              help="Also write the radar as a workbook (typed cells, a chart of the commission at stake by day).")
@click.option("--offline", is_flag=True, help="Use the mirror as it is: no request.")
@account_options
@state_dir_option
@config_option
def radar(paths: tuple[str, ...], preset: str | None, days: int | None, fmt: str, report: str | None, offline: bool,
          api_url: str | None, account_sid: str | None, campaign_id: str | None, state_dir: str | None,
          config_path: str | None) -> None:
    """Which corrections are at risk before their action locks, and the commission each holds."""
    from pathlib import Path

    from batchkit.core.config import load_config
    from batchkit.deadlines.present import sheet_of, text_lines
    from batchkit.deadlines.run import radar_paths
    from batchkit.io.write import require_suffix
    from batchkit.render.escape import json_printable
    from batchkit.render.radar import write_radar

    if report:
        require_suffix(Path(report), ".xlsx", "--report")
    account = {"url": api_url, "account_sid": account_sid, "campaign_id": campaign_id}
    got = radar_paths(load_config(config_path), list(paths), preset=preset, days=days, offline=offline,
                      state_dir=state_dir, env=os.environ, notify=lambda m: click.echo(m, err=True), api_flags=account)
    if report:
        write_radar(Path(report), sheet_of(got))
    if fmt == "json":
        out(json_printable(json.dumps(got.as_dict(), indent=2, ensure_ascii=False)))
    else:
        for line in text_lines(got):
            out(line)
