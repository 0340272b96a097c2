"""`batchkit fix`: safe, reported fixes into a new file; what remains is shown and exits 1."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from batchkit.cli.base import SHEET_HELP, Command, config_option, examples, out, output_option
from batchkit.core.kinds import KIND_IDS

if TYPE_CHECKING:
    from batchkit.validation.fix import FixResult, Input


EXAMPLES = examples(
    "batchkit fix samples/broken/acme_order-modifications_broken.csv -o acme_order-modifications.csv  # exit 1")


@click.command(cls=Command, epilog=EXAMPLES)
@click.argument("file", type=click.Path(path_type=Path))
@output_option("output", "Where to write the fixed file.", required=True, type=click.Path(path_type=Path))
@config_option
@click.option("--kind", type=click.Choice(KIND_IDS), help="The kind, for validating the result.")
@click.option("--sheet", help=SHEET_HELP)
@click.option("--encoding", metavar="NAME", help="The input's text encoding when it is not UTF-8 (e.g. cp1252, "
              "cp1250, iso-8859-7); without it, only an encoding told with confidence (Windows-1252, UTF-16) is re-encoded.")
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists (never the input).")
def fix(file: Path, output: Path, config_path: str | None, kind: str | None, sheet: str | None, encoding: str | None,
        force: bool) -> None:
    """Apply safe fixes (whitespace, BOM, encoding, reason and currency case, amount format incl. decimal commas,
    header spelling) into a new file."""
    from batchkit.core.config import load_config
    from batchkit.io.read import read_csv_bytes
    from batchkit.io.write import write_bytes_atomic
    from batchkit.render.text import render_text
    from batchkit.validation.engine import validate_tables
    from batchkit.validation.fix import check_target, fix_file, inspect

    config = load_config(config_path)
    check_target(file, output)
    source = inspect(file, sheet, kind)
    if source.damage:
        _refuse(file, source)
    result = fix_file(file, config, sheet, encoding)
    # the output is checked as the input's kind: OUT's name need not say it (a reversal re-checked as
    # a modification would lose BK205 and gain BK207)
    report = validate_tables([read_csv_bytes(str(output), result.data)], config, source.kind)
    report.files[0].kind_reason = source.kind_reason
    write_bytes_atomic(output, result.data, overwrite=force)
    out(_fix_summary(result, output))
    if report.files[0].counts:
        out("still to fix by hand:")
        out(render_text(report))
    sys.exit(0 if report.valid else 1)


def _refuse(file: Path, source: Input) -> None:
    """Damage only a person can repair: show it, write nothing, exit 1."""
    from batchkit.core.findings import FileReport, Report
    from batchkit.render.text import render_text

    report = FileReport(str(file), 0, kind=source.kind, kind_reason=source.kind_reason)
    for f in source.damage:
        report._add(f)
    out(render_text(Report([report])))
    out(f"fix wrote nothing: {file} is damaged in a way only you can repair safely (see above); "
        "repair it, then run fix again")
    sys.exit(1)


def _fix_summary(result: FixResult, output: Path) -> str:
    counts = result.counts()
    notes = result.notes
    whole = f", {len(notes)} file-level fix{'' if len(notes) == 1 else 'es'}" if notes else ""
    lines = [f"wrote {output}: {sum(counts.values()):,} cell(s) fixed{whole}"]
    lines += [f"  {kind}: {n:,}" for kind, n in sorted(counts.items())]
    lines += [f"  {note}" for note in notes]
    for change in result.changes[:20]:
        lines.append(f"    row {change.row}, column {change.column}: {change.before!r} -> {change.after!r}")
    if len(result.changes) > 20:
        lines.append(f"    ... and {len(result.changes) - 20:,} more")
    return "\n".join(lines)
