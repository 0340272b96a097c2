"""`batchkit build`: an internal order export -> impact.com batch files, with a summary (and a progress
bar on a terminal for long inputs)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import click

from batchkit.builder.settings import PRESETS  # returns, then schemas/presets/: shopify, woocommerce, ...
from batchkit.cli.base import SHEET_HELP, Command, config_option, examples, out, output_option

EXAMPLES = examples(
    "batchkit build samples/returns/returns_export.csv --config samples/returns/batchkit.toml -o out/",
    "batchkit build samples/shopify/orders_export.csv --config samples/shopify/batchkit.toml -o out/ --dry-run",
    "batchkit build samples/woocommerce/orders_export.csv --preset woocommerce --action-tracker-id 2240 "
    "-o out/woocommerce/",
)


@click.command(cls=Command, epilog=EXAMPLES)
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@output_option("out_dir", "Folder for the batch files.", old="--out", required=True, metavar="DIR",
               type=click.Path(path_type=Path, file_okay=False))
@config_option
@click.option("--preset", type=click.Choice(PRESETS),
              help="Input format (default: [build] preset, else detected from the export's header, else returns).")
@click.option("--action-tracker-id", type=click.IntRange(min=1), help="ActionTrackerId for every order (overrides [build]).")
@click.option("--order-id-column", metavar="COLUMN",
              help="The export's column holding the OrderId impact.com knows (overrides [build] order_id_column).")
@click.option("--currency", metavar="CODE", help="Currency of an export that gives none (overrides [build] currency).")
@click.option("--sheet", help=SHEET_HELP)
@click.option("--prefix", help="File name prefix (default: [build] prefix, else the input's name).")
@click.option("--dry-run", is_flag=True, help="Decide and validate, but write nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Summary format.")
def build(input_path: Path, out_dir: Path, config_path: str | None, preset: str | None, action_tracker_id: int | None,
          order_id_column: str | None, currency: str | None, sheet: str | None, prefix: str | None, dry_run: bool,
          fmt: str) -> None:
    """Turn an internal order export (CSV/XLSX) into impact.com batch files."""
    from batchkit.builder.pipeline import build_files
    from batchkit.builder.settings import load_build_settings
    from batchkit.builder.summary import summary_json, summary_text
    from batchkit.core.config import load_config

    config = load_config(config_path)
    settings = load_build_settings(config, preset, action_tracker_id, prefix, order_id_column=order_id_column,
                                   currency=currency)
    with _progress(input_path) as progress:
        outcome = build_files(input_path, out_dir, config, settings, sheet, progress=progress, dry_run=dry_run)
    out(summary_json(outcome) if fmt == "json" else summary_text(outcome, dry_run))
    sys.exit(0 if outcome.ok else 1)


LONG_INPUT = 5 << 20  # bytes: inputs this large get a progress bar (when stderr is a terminal)


@contextmanager
def _progress(path: Path) -> Iterator[Callable[[str], None] | None]:
    """A phase progress bar on stderr for long inputs, only when stderr is a terminal."""
    from batchkit.builder.pipeline import STEPS

    try:
        big = path.is_file() and path.stat().st_size >= LONG_INPUT
    except OSError:  # a name too long, a loop, ...: reading the input reports it in one line
        big = False
    if not (big and sys.stderr.isatty()):
        yield None
        return
    with click.progressbar(length=len(STEPS), label="building", file=sys.stderr) as bar:
        yield lambda step: bar.update(1)
