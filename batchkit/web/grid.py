"""A checked file's findings as a grid in the file's own columns, kept small and paged on the server.

After a check only what the grid shows is kept: the records that have findings (their cells, in the file's own
columns), and the findings (arrays of row, code, severity and column for filtering; the Finding objects for the
text). A page is at most PAGE_SIZE records, whatever the file's size: the browser never receives more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from batchkit.core.findings import SEVERITY_ORDER, FileReport, Finding
from batchkit.io.table import Table

PAGE_SIZE = 50


@dataclass
class Grid:
    """One file's records with findings, and its findings sorted by (row, column position, code)."""

    header: list[str]
    found: list[Finding]  # the grid's findings (a record's row), sorted
    rows: np.ndarray  # spreadsheet row of each finding in `found`
    codes: np.ndarray
    severities: np.ndarray
    columns: np.ndarray  # position of the finding's column in the header, -1 for a whole-row finding
    cell_rows: np.ndarray  # spreadsheet rows of the records kept (sorted)
    cells: pd.DataFrame  # their cells, one line each in cell_rows' order
    whole: list[Finding] = field(default_factory=list)  # header and whole-file findings (shown above the grid)


@dataclass
class Cell:
    value: str
    marks: list[Finding]

    @property
    def severity(self) -> str:
        return worst(self.marks)


@dataclass
class Line:
    """A record on a page: its row, its cells, and the findings of the whole row."""

    row: int
    cells: list[Cell]
    marks: list[Finding]


@dataclass
class Filters:
    code: str = ""
    severity: str = ""
    column: int = -1  # position in the header; -1: every column
    page: int = 1

    def query(self, page: int | None = None) -> str:
        from urllib.parse import urlencode

        return urlencode({"code": self.code, "severity": self.severity, "column": self.column,
                          "page": self.page if page is None else page})


@dataclass
class Page:
    lines: list[Line]
    number: int
    pages: int
    records: int  # records matching the filters
    findings: int  # findings matching the filters
    filters: Filters


def worst(found: list[Finding]) -> str:
    return min((f.severity for f in found), key=lambda s: SEVERITY_ORDER.get(s, 9), default="")


def column_position(header: list[str], column: str | None) -> int:
    if column is None:
        return -1
    try:
        return header.index(column)
    except ValueError:
        return -1


def build_grid(table: Table, fr: FileReport) -> Grid:
    """What the grid needs of `table` and its report (the table itself can then be let go)."""
    width = max(len(table.header), table.data.shape[1])
    header = list(table.header) + [f"(column {i + 1})" for i in range(len(table.header), width)]
    every = [f for kept in fr.samples.values() for f in kept]
    first = table.header_line
    whole = sorted((f for f in every if f.row is None or f.row <= first), key=lambda f: (f.row or 0, f.code))
    found = [f for f in every if f.row is not None and f.row > first]
    position = {name: i for i, name in reversed(list(enumerate(header)))}
    found.sort(key=lambda f: (f.row, position.get(f.column, -1) if f.column else -1, f.code))
    rows = np.fromiter((f.row for f in found), dtype=np.int64, count=len(found))
    cols = np.fromiter((position.get(f.column, -1) if f.column else -1 for f in found), dtype=np.int64,
                       count=len(found))
    at = _records_at(np.asarray(table.rows, dtype=np.int64), np.unique(rows))
    cells = table.data.iloc[at].reset_index(drop=True)
    return Grid(header, found, rows, np.array([f.code for f in found], dtype=object),
                np.array([f.severity for f in found], dtype=object), cols,
                np.asarray(table.rows, dtype=np.int64)[at], cells, whole)


def _records_at(record_rows: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The positions of the records whose spreadsheet row is in `wanted` (a row that is no record: left out)."""
    at = np.searchsorted(record_rows, wanted)
    ok = at < len(record_rows)
    ok[ok] = record_rows[at[ok]] == wanted[ok]
    return at[ok]


def page_of(grid: Grid, filters: Filters, size: int = PAGE_SIZE) -> Page:
    """The records of one page under `filters`, with their (filtered) findings."""
    mask = np.ones(len(grid.found), dtype=bool)
    if filters.code:
        mask &= grid.codes == filters.code
    if filters.severity:
        mask &= grid.severities == filters.severity
    if filters.column >= 0:
        mask &= grid.columns == filters.column
    chosen = np.flatnonzero(mask)
    rows = grid.rows[chosen]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if len(rows) else np.zeros(0, dtype=np.int64)
    pages = max(1, -(-len(starts) // size))
    number = min(max(1, filters.page), pages)
    first, last = (number - 1) * size, min(number * size, len(starts))
    ends = np.r_[starts[1:], len(rows)]
    lines = [_line(grid, chosen[starts[i]:ends[i]]) for i in range(first, last)]
    filters.page = number
    return Page(lines, number, pages, len(starts), len(chosen), filters)


def _line(grid: Grid, picked: np.ndarray) -> Line:
    row = int(grid.rows[picked[0]])
    values = _values(grid, row)
    cells = [Cell(v, []) for v in values]
    marks: list[Finding] = []
    for i in picked:
        col = int(grid.columns[i])
        (cells[col].marks if 0 <= col < len(cells) else marks).append(grid.found[i])
    return Line(row, cells, marks)


def _values(grid: Grid, row: int) -> list[str]:
    """The record's cells as the file has them (a row that is no record, a blank one: empty cells)."""
    width = len(grid.header)
    at = int(np.searchsorted(grid.cell_rows, row))
    if at >= len(grid.cell_rows) or grid.cell_rows[at] != row:
        return [""] * width
    got = ["" if v is None or pd.isna(v) else str(v) for v in grid.cells.iloc[at].tolist()]
    return (got + [""] * width)[:max(width, len(got))]
