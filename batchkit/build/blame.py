"""When batchkit's own output would not validate, say which order of the export is to blame.

build validates every file before writing it. A value that passed the export's checks can still
break an impact.com rule (an OrderId longer than 64 characters, a Sku longer than 40, a control
character). Each such error becomes an input finding (BK513) at the export row of the order's
first line, carrying the impact.com rule's code and message, so the user fixes the export rather
than reading row numbers of a file that was never written.
"""

from __future__ import annotations

import pandas as pd

from batchkit.core.findings import FileReport, Finding, finding
from batchkit.core.kinds import get_kind


def blame(kind_id: str, records: pd.DataFrame, output: FileReport) -> list[Finding]:
    """BK513 findings at export rows for the errors of one output file built from `records`."""
    origin = records.drop_duplicates("_order") if get_kind(kind_id).is_item else records
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

