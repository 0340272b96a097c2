"""`batchkit template`: impact.com's template of a kind, to stdout or a new file."""

from __future__ import annotations

from pathlib import Path

import click

from batchkit.cli.base import Command, examples, out, output_option
from batchkit.core.kinds import KIND_IDS

EXAMPLES = examples("batchkit template order-reversal",
                    "batchkit template item-modification -o acme_item-modifications.csv")


@click.command(cls=Command, epilog=EXAMPLES)
@click.argument("kind", type=click.Choice(KIND_IDS))
@output_option("output", "Write to this file (default: stdout).", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
def template(kind: str, output: Path | None, force: bool) -> None:
    """Write impact.com's template for KIND (header and example rows that validate clean)."""
    from batchkit.core.templates import template_text
    from batchkit.io.write import require_suffix, write_text_atomic

    text = template_text(kind)
    if output is None:
        out(text, nl=False)
        return
    require_suffix(output, ".csv", "the template")
    write_text_atomic(output, text, overwrite=force)
    click.echo(f"wrote {output}", err=True)
