"""A sheet's rows (xlsx.py) -> a Table: trailing blank rows dropped, long blank runs reported once."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from batchkit.core.findings import Finding, finding
from batchkit.io.csvparse import ragged
from batchkit.io.table import Table
from batchkit.io.xlsx import Row

TITLE_ROWS = 20  # rows looked at for the real header below title rows


BLANK_RUN = 100  # a longer run of blank spreadsheet rows is one BK010 finding, not one per row


def _blank_rows(first: int, last: int) -> list[Finding]:
    """BK010 for the blank rows first..last (one finding for a long run)."""
    if last - first + 1 > BLANK_RUN:
        return [finding("BK010", f"rows {first:,} to {last:,} are blank ({last - first + 1:,} rows): delete them "
                        "(a stray cell far below the data makes them part of the sheet)", row=first, line=first)]
    return [finding("BK010", "blank row: delete it", row=n, line=n) for n in range(first, last + 1)]


def table_from_rows(path: str, records: list[Row], hint: Callable[[list[str]], bool] | None = None) -> Table:
    """A Table from a sheet's non-empty rows (row number = line number); trailing blank rows are dropped.

    Only named columns are materialised: empty unnamed columns (a stray cell far to the right of
    the header) cost nothing, and cells right of the header only make the row ragged (BK009).
    With `hint`, title rows above the real header are reported (BK015) and skipped.
    """
    last = len(records)
    while last and not any(c.strip() for c in records[last - 1].texts):  # one slice, not one copy per blank row
        last -= 1
    records = records[:last]
    if not records or records[0].number != 1 or not any(c.strip() for c in records[0].texts):
        return Table(path, [], pd.DataFrame(), np.empty(0, int), np.empty(0, int),
                     [finding("BK004", "the sheet is empty or its first row is blank: no header row", row=1, line=1)])
    title = _title_rows(records, hint)
    found: list[Finding] = [_title_finding(records, title)] if title else []
    records = records[title:]
    header = records[0].cells()
    while header and not header[-1].strip():
        header.pop()
    width = len(header)
    named = [i for i, name in enumerate(header) if name.strip()]
    kept: list[list[str]] = []
    rows: list[int] = []
    types: dict[int, dict[int, str]] = {}  # column position -> {row: type} of the cells that were not text
    prev = top = records[0].number
    for record in records[1:]:
        n = record.number
        if n > prev + 1:
            found += _blank_rows(prev + 1, n - 1)
        prev = max(prev, n)
        if not any(c.strip() for c in record.texts):
            found.append(finding("BK010", "blank row: delete it", row=n, line=n))
        elif any(c.strip() for c in record.beyond(width)):
            found.append(ragged(record.cells(min(record.last, 81)), width, n, n, cells=record.last))
        else:
            cells = record.cells(width)
            kept.append(cells if len(named) == width else [cells[i] for i in named])
            rows.append(n)
            if record.types:
                for col, kind in record.types.items():
                    if col <= width:
                        types.setdefault(col - 1, {})[n] = kind
    data = pd.DataFrame(kept, columns=named, dtype="str") if kept else pd.DataFrame(columns=named, dtype="str")
    arr = np.array(rows, dtype=int)
    return Table(path, header, data, arr, arr.copy(), found, header_line=top, records=prev - top, types=types)


def _title_rows(records: list[Row], hint: Callable[[list[str]], bool] | None) -> int:
    """How many rows stand above the real header (0: row 1 is the header, or no later row looks like one)."""
    if hint is None or hint(records[0].cells()):
        return 0
    return next((k for k, r in enumerate(records[1:TITLE_ROWS], start=1) if hint(r.cells())), 0)


def _title_finding(records: list[Row], title: int) -> Finding:
    first, at = ",".join(records[0].cells()).rstrip(","), records[title].number
    return finding("BK015", f"the header is at row {at}, with {at - 1} row{'s' if at > 2 else ''} above it "
                   f"({first[:60]!r}): delete {'them' if at > 2 else 'it'}, impact.com reads row 1 as the header; "
                   "the rows below were checked as if it were", row=at, line=at, value=first[:80])
