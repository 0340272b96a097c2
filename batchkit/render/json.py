"""The JSON report for machines: one document, stable keys (more may be added, never removed).

The document is `Report.as_dict()` (batchkit/core/findings.py), so the library and the CLI give the same one.
"""

from __future__ import annotations

import json

from batchkit.core.findings import Report
from batchkit.render.escape import json_printable


def render_json(report: Report) -> str:
    """The JSON document of the README (stable keys; more may be added)."""
    return json_printable(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))  # DEL and C1 too: a file's text
