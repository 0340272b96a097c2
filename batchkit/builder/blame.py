"""When batchkit's own output would not validate, say which order of the export is to blame.

build validates every file before writing it. A value that passed the export's checks can still
break an impact.com rule (an OrderId longer than 64 characters, a Sku longer than 40, a control
character). Each such error becomes an input finding (BK513) at the export row of the order's
first line, carrying the impact.com rule's code and message, so the user fixes the export rather
than reading row numbers of a file that was never written.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from batchkit.core.findings import FileReport, Finding, finding
from batchkit.core.kinds import get_kind


def _origin(kind_id: str, records: pd.DataFrame) -> pd.DataFrame:
    """One row per output record (item kinds: one per order), with the export's _row and _line."""
    return records.drop_duplicates("_order") if get_kind(kind_id).is_item else records


def locate_warnings(kind_id: str, records: pd.DataFrame, output: FileReport) -> None:
    """Name the order and the export row in every warning kept for an output file (BK206, BK403, ...):
    the user reads the export, not the file built from it."""
    origin = _origin(kind_id, records)
    for code, kept in output.samples.items():
        output.samples[code] = [_located(f, origin) if f.severity == "warning" else f for f in kept]


def _located(f: Finding, origin: pd.DataFrame) -> Finding:
    k = f.row - 2 if f.row is not None else -1  # output row 1 is the header
    if not 0 <= k < len(origin):
        return f
    order, row = origin["OrderId"].iat[k] or origin["ActionId"].iat[k], int(origin["_row"].iat[k])
    return replace(f, message=f"{f.message} (order {order!r}, export row {row})")


def blame(kind_id: str, records: pd.DataFrame, output: FileReport) -> list[Finding]:
    """BK513 findings at export rows for the errors of one output file built from `records`."""
    origin = _origin(kind_id, records)
    rows, lines = origin["_row"].to_numpy(), origin["_line"].to_numpy()
    found = []
    for f in output.findings():
        if f.severity != "error":
            continue
        k = f.row - 2 if f.row is not None else -1  # output row 1 is the header
        known = 0 <= k < len(rows)
        where = f"its {kind_id} record's {f.column}" if f.column else f"its {kind_id} record"
        order = f" (order {origin['OrderId'].iat[k]!r})" if known else ""
        found.append(finding("BK513", f"impact.com would reject {where}{order}: {f.message} [{f.code}]",
                             row=int(rows[k]) if known else None, line=int(lines[k]) if known else None,
                             value=f.value))
    return found

