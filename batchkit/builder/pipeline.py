"""build end to end: read the export, decide, render, validate the output, write atomically.

Nothing is written unless the input has no problems and every produced file validates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from batchkit.builder.blame import blame, locate_warnings
from batchkit.builder.lines import lines_from
from batchkit.builder.orderlist import build_export, choose
from batchkit.builder.returns import (
    WHOLE_LINES_HINT,
    BuildResult,
    build_returns,
    check_whole_lines,
)
from batchkit.builder.settings import BuildSettings, resolve_columns
from batchkit.builder.writer import render
from batchkit.core.config import Config
from batchkit.core.errors import ConfigError, InputError
from batchkit.core.findings import FileReport, Report
from batchkit.core.names import batch_file_name
from batchkit.io.read import read_csv_bytes, read_table
from batchkit.io.write import write_bytes_atomic
from batchkit.validation.engine import validate_tables

STEPS = ("read", "decide", "render", "validate", "write")
Progress = Callable[[str], None]


@dataclass
class BuildOutcome:
    """What build did: the decisions (`result`), the input's problems (`input_report`), the validation of the
    files built (`output_report`), the files written (`written`) and, with dry_run, their names and bytes
    (`planned`).

    Example::

        outcome = batchkit.build("samples/returns/returns_export.csv", "out", "samples/returns/batchkit.toml",
                                 dry_run=True)
        print(outcome.ok, outcome.input_report.kind_reason, sorted(outcome.planned))
    """

    result: BuildResult | None
    input_report: FileReport
    output_report: Report | None = None
    written: list[Path] = field(default_factory=list)
    planned: dict[str, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when neither the export nor the files built have an error.

        Example::

            outcome = batchkit.build("samples/returns/returns_export.csv", "out", "samples/returns/batchkit.toml")
            assert outcome.ok and outcome.written
        """
        return self.input_report.valid and (self.output_report is None or self.output_report.valid)


def _require(settings: BuildSettings, roles: dict[str, int], src: str, header: list[str]) -> None:
    # no price is required: without one, lines returned in full still build and a partial return is BK514 (returns.py)
    needs = [("order_id",), ("quantity",), ("returned_quantity", "new_quantity")]
    if settings.whole_lines:  # a report of lines returned in full has no ordered quantity
        needs = [("order_id",), ("returned_quantity",)]
    if settings.level == "item":
        needs.append(("sku",))
    for options in needs:
        if not any(r in roles for r in options):
            looked = [repr(settings.columns[r]) for r in options if r in settings.columns]
            shown = ", ".join(repr(h[:40]) for h in header[:8]) + (" ..." if len(header) > 8 else "")
            raise ConfigError(f"{src}: [build.columns] must map {' or '.join(options)}"
                              + (f": the export has no column {' or '.join(looked)}" if looked else "")
                              + f" (its columns: {shown})" + (WHOLE_LINES_HINT if options == ("quantity",) else ""))
    check_whole_lines(settings, roles, src)


def decide(input_path: Path, config: Config, settings: BuildSettings, sheet: str | None) -> BuildResult:
    """Read the export and decide the records (pure apart from reading)."""
    return decide_export(input_path, config, settings, sheet)[0]


def decide_export(input_path: Path, config: Config, settings: BuildSettings,
                  sheet: str | None) -> tuple[BuildResult, str]:
    """The records, and which preset read the export and why (named, or detected from its header)."""
    table = read_table(input_path, sheet)
    if not table.header:
        why = next((f.message for f in table.findings if f.code == "BK014"), "the export is empty or has no header row")
        raise InputError(f"{input_path}: {why}")
    src = config.source or "configuration"
    preset, why = choose(settings, table.header)
    if preset != "returns":
        return build_export(table, preset, config, settings, str(input_path)), why
    roles = resolve_columns(settings, table.header, src)
    _require(settings, roles, src, table.header)
    names = {role: table.header[pos] for role, pos in roles.items()}
    return build_returns(lines_from(table, roles, names), settings, config.accepted_reasons), why


def build_files(input_path: Path, out_dir: Path, config: Config, settings: BuildSettings, sheet: str | None = None,
                now: datetime | None = None, progress: Progress | None = None, dry_run: bool = False) -> BuildOutcome:
    """Build and, when everything is clean, write one file per kind into `out_dir`."""
    step = progress or (lambda name: None)
    step("read")
    result, why = decide_export(input_path, config, settings, sheet)
    step("decide")
    input_report = FileReport(str(input_path), config.max_samples, kind="input export", rows=result.lines,
                              kind_reason=why)
    for f in result.findings:
        input_report._add(f)
    outcome = BuildOutcome(result, input_report)
    if not input_report.valid:
        return outcome
    prefix = settings.prefix or input_path.stem
    outcome.planned = {batch_file_name(prefix, kind, now): render(kind, records) for kind, records in sorted(result.records.items())}
    step("render")
    tables = [read_csv_bytes(str(out_dir / name), data) for name, data in outcome.planned.items()]
    outcome.output_report = validate_tables(tables, config, max_samples=0)  # 0: keep every finding, for blame
    step("validate")
    if not outcome.output_report.valid:
        for kind, file_report in zip(sorted(result.records), outcome.output_report.files):
            for f in blame(kind, result.records[kind], file_report):
                input_report._add(f)
    for kind, file_report in zip(sorted(result.records), outcome.output_report.files):
        locate_warnings(kind, result.records[kind], file_report)
        file_report._cap(config.max_samples)
    if outcome.output_report.valid and not dry_run:
        outcome.written = _write_all(out_dir, outcome.planned)
    step("write")
    return outcome


def _write_all(out_dir: Path, files: dict[str, bytes]) -> list[Path]:
    """Write every file or none: a failure part way removes the files this call already wrote."""
    import os

    from batchkit.io.write import make_dir

    targets = [out_dir / name for name in files]
    for target in targets:
        if len(os.fsencode(target.name)) > 255:
            raise InputError(f"{target}: the file name is over 255 bytes: use a shorter --prefix")
    make_dir(out_dir)
    for target in targets:
        if os.path.lexists(target):
            raise InputError(f"{target}: already exists; batchkit never overwrites a batch file (try again, or use --prefix)")
    written: list[Path] = []
    try:
        for target, data in zip(targets, files.values()):
            write_bytes_atomic(target, data)
            written.append(target)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return targets
