"""What build tells its user: orders read, records per kind, amounts removed, rows skipped, files."""

from __future__ import annotations

import json
from typing import Any

from batchkit.builder.pipeline import BuildOutcome
from batchkit.render.text import render_text


def summary_text(outcome: BuildOutcome, dry_run: bool = False) -> str:
    """Human summary (and the findings that stopped the build, if any)."""
    lines: list[str] = []
    if not outcome.input_report.valid:
        lines.append(render_text(_single(outcome)))
        lines.append("build: nothing written - fix the export's problems above and run again")
        return "\n".join(lines)
    result = outcome.result
    assert result is not None
    lines.append(f"read {result.lines:,} line{'' if result.lines == 1 else 's'}, "
                 f"{result.orders:,} order{'' if result.orders == 1 else 's'}")
    if "detected" in outcome.input_report.kind_reason:
        lines.append(f"  read as: {outcome.input_report.kind_reason}")
    for kind, records in sorted(result.records.items()):
        lines.append(f"  {kind}: {len(records):,} record{'' if len(records) == 1 else 's'}")
    if not result.records:
        lines.append("  no order needs a correction: nothing to write")
    for currency, amount in sorted(result.removed.items()):
        lines.append(f"  amount removed ({currency}): {amount}")
    for why, n in sorted(result.skipped.items()):
        lines.append(f"  skipped ({why}): {n:,}")
    if outcome.input_report.warnings:
        lines.append("warnings about the export (records were built for everything else):")
        lines.append(render_text(_single(outcome)))
    if outcome.output_report is not None and not outcome.output_report.valid:
        lines.append(render_text(outcome.output_report))
        lines.append("build: nothing written - batchkit's own output would not validate (a bug or a configuration problem)")
        return "\n".join(lines)
    if outcome.output_report is not None and outcome.output_report.warnings:
        lines.append("warnings in the files built (they are valid; check these rows before uploading):")
        lines.append(render_text(outcome.output_report))
    if dry_run:
        lines += [f"would write {name}" for name in outcome.planned]
    else:
        lines += [f"wrote {path}" for path in outcome.written]
    return "\n".join(lines)


def _single(outcome: BuildOutcome) -> Any:
    from batchkit.core.findings import Report

    return Report([outcome.input_report])


def summary_json(outcome: BuildOutcome) -> str:
    """Machine summary."""
    result = outcome.result
    doc: dict[str, Any] = {
        "ok": outcome.ok,
        "input": {"path": outcome.input_report.path, "read_as": outcome.input_report.kind_reason,
                  "errors": outcome.input_report.errors, "warnings": outcome.input_report.warnings,
                  "counts": dict(outcome.input_report.counts),
                  "findings": [f.as_dict() for f in outcome.input_report.findings()]},
        "lines": result.lines if result else 0,
        "orders": result.orders if result else 0,
        "records": {k: len(v) for k, v in sorted(result.records.items())} if result else {},
        "removed": {k: str(v) for k, v in result.removed.items()} if result else {},
        "skipped": dict(result.skipped) if result else {},
        "skipped_rows": {why: list(rows) for why, rows in result.skipped_rows.items()} if result else {},
        "written": [str(p) for p in outcome.written],
        "output_valid": outcome.output_report.valid if outcome.output_report else None,
        "output": [{"path": fr.path, "errors": fr.errors, "warnings": fr.warnings, "counts": dict(fr.counts),
                    "findings": [f.as_dict() for f in fr.findings()]}
                   for fr in (outcome.output_report.files if outcome.output_report else [])],
    }
    return json.dumps(doc, indent=2)
