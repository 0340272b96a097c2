"""The JSON report for machines: one document, stable keys (more may be added, never removed)."""

from __future__ import annotations

import json
from typing import Any

from batchkit.core.findings import FileReport, Report
from batchkit.render.escape import json_printable


def render_json(report: Report) -> str:
    """The JSON document of the README (stable keys; more may be added)."""
    doc: dict[str, Any] = {
        "valid": report.valid,
        "errors": report.errors,
        "warnings": report.warnings,
        "files": [_file_json(f) for f in report.files],
    }
    return json_printable(json.dumps(doc, indent=2, ensure_ascii=False))  # DEL and C1 too: a file's text


def _file_json(f: FileReport) -> dict[str, Any]:
    return {
        "path": f.path,
        "kind": f.kind,
        "kind_reason": f.kind_reason,
        "rows": f.rows,
        "valid": f.valid,
        "errors": f.errors,
        "warnings": f.warnings,
        "counts": dict(sorted(f.counts.items())),
        "findings": [x.as_dict() for x in f.findings()],
    }
