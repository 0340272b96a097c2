"""The checks of kind inquiry-resolution (BK601-BK614; BK005/BK006 for the header): a Table -> findings.

The structural findings (BK0xx: encoding, delimiter, ragged and blank rows) come from the reader, as for batch
files. Here: the header (required and unknown columns; `Evidence: ...`/`Partner: ...` columns ignored), then the
rows: a status that decides, what DECLINED and VALID need, Ids, amounts, dates and formula-looking cells.
Masks are pandas operations; only failing cells are looked at one by one (for their messages).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from batchkit.core.findings import FileReport, Finding, finding
from batchkit.core.inquiry import (
    OTHER_CHANNEL,
    REASONS,
    RESOLUTION_COLUMNS,
    RESOLUTIONS,
)
from batchkit.io.table import Table
from batchkit.validation.header import _runs
from batchkit.validation.inquiry import REQUIRED, is_evidence, resolution_column
from batchkit.validation.rules import resolution as values

AMOUNTS = ("Final Payout", "Sale Amount")


@dataclass
class Resolutions:
    """A bulk-resolution file's cells by column (position -> text) and where each record is."""

    table: Table
    columns: dict[str, int] = field(default_factory=dict)  # resolution column -> position
    others: dict[int, str] = field(default_factory=dict)  # unknown columns checked for formulas: position -> name
    found: list[Finding] = field(default_factory=list)

    def raw(self, column: str) -> str:
        pos = self.columns.get(column)
        return self.table.header[pos].strip().lstrip("\ufeff") if pos is not None else column

    def cells(self, pos: int | None) -> pd.Series:
        data = self.table.data
        if pos is None or pos not in data.columns:
            return pd.Series([""] * len(data), dtype=object)
        return data[pos].fillna("").astype(str).reset_index(drop=True)

    def col(self, column: str) -> pd.Series:
        return self.cells(self.columns.get(column))

    def add(self, code: str, i: int, column: str, message: str, value: str | None = None) -> None:
        table = self.table
        self.found.append(finding(code, message, row=int(table.rows[i]), line=int(table.lines[i]), column=column,
                                  value=value))


def check_resolutions(table: Table, fr: FileReport) -> None:
    """Every finding of a bulk-resolution table beyond the reader's, added to `fr`."""
    res = Resolutions(table)
    _header(res)
    if table.data.shape[0]:
        for check in ROW_CHECKS:
            check(res)
        _formulas(res)
    for f in res.found:
        fr._add(f)


def _header(res: Resolutions) -> None:
    """Map the columns; BK006 blank, BK005 repeated, BK614 unknown, BK613 required and missing."""
    header = res.table.header
    blank = [p for p, h in enumerate(header) if not h.strip()]
    for start, end in _runs(blank):
        span = f"column {start + 1} has" if start == end else f"columns {start + 1:,} to {end + 1:,} have"
        res.found.append(finding("BK006", f"{span} no name: name it or delete it", row=1, line=1, column=""))
    seen: dict[str, str] = {}
    for pos, raw in enumerate(header):
        name = raw.strip()
        column = resolution_column(raw) if name else None
        if not name or is_evidence(raw):
            continue
        key = column or name.casefold()
        if key in seen:
            res.found.append(finding("BK005", f"{name!r} repeats column {seen[key]!r} (names are case- and "
                                     "space-insensitive): keep one", row=1, line=1, column=name, value=name))
            continue
        seen[key] = name
        if column:
            res.columns[column] = pos
        else:
            res.others[pos] = name
            res.found.append(finding("BK614", f"{name!r} is not a column of the web app's bulk-resolution file: "
                                     f"delete or rename it (the columns: {', '.join(RESOLUTION_COLUMNS)})",
                                     row=1, line=1, column=name, value=name))
    for column in REQUIRED:
        if column not in res.columns:
            res.found.append(finding("BK613", f"required column {column!r} is missing from this bulk-resolution "
                                     "file (batchkit template inquiry-resolution)", row=1, line=1, column=column))


def _each(mask: pd.Series | np.ndarray) -> list[int]:
    return np.flatnonzero(np.asarray(mask, dtype=bool)).tolist()


def _blank(s: pd.Series) -> pd.Series:
    return s.str.strip().eq("")


def _meant(res: Resolutions) -> pd.Series | None:
    """Each row's status as meant (trimmed, upper case); None without a Resolution Status column."""
    return res.col("Resolution Status").str.strip().str.upper() if "Resolution Status" in res.columns else None


def _status(res: Resolutions) -> None:
    """BK601: every row decides (VALID, DECLINED or INCOMPLETE, exactly)."""
    if "Resolution Status" not in res.columns:
        return
    status, column = res.col("Resolution Status"), res.raw("Resolution Status")
    for i in _each(~status.isin(RESOLUTIONS)):
        res.add("BK601", i, column, values.status_message(status[i]), status[i])


def _reasons(res: Resolutions) -> None:
    """BK602 DECLINED without a reason, BK603 a reason not one of the nine, BK604 a reason beside VALID (INCOMPLETE
    may give one: the API takes RejectReason with it, e.g. "Enquiry does not provide complete information ...")."""
    reason, column, meant = res.col("Resolution Reason"), res.raw("Resolution Reason"), _meant(res)
    given = ~_blank(reason)
    if meant is not None:
        missing = (f"give one of the nine reasons, e.g. {OTHER_CHANNEL!r}" if "Resolution Reason" in res.columns
                   else "add the Resolution Reason column and give one of the nine reasons")
        for i in _each(meant.eq("DECLINED") & ~given):
            res.add("BK602", i, column, f"DECLINED needs a Resolution Reason: {missing}", reason[i])
        elsewhere = given & meant.eq("VALID")
        for i in _each(elsewhere):
            res.add("BK604", i, column, "a Resolution Reason goes with DECLINED or INCOMPLETE: with VALID it is "
                    "not used; leave it empty (put remarks in Resolution Notes)", reason[i])
        given &= ~elsewhere
    for i in _each(given & ~reason.isin(REASONS)):
        res.add("BK603", i, column, values.reason_message(reason[i]), reason[i])


def _needed_by_valid(res: Resolutions, name: str, missing: tuple[str, str], bad: tuple[str, Callable[[str], str]],
                     ok: Callable[[pd.Series], pd.Series]) -> None:
    """A column VALID needs: `missing` (code, what it is) on a VALID row without it, `bad` (code, message) on a
    value `ok` refuses."""
    values_, column, meant = res.col(name), res.raw(name), _meant(res)
    given = ~_blank(values_)
    if meant is not None:
        absent = "" if name in res.columns else f": add the {name} column"
        for i in _each(meant.eq("VALID") & ~given):
            res.add(missing[0], i, column, f"VALID needs {missing[1]}{absent}", values_[i])
    for i in _each(given & ~ok(values_).fillna(False).astype(bool)):
        res.add(bad[0], i, column, bad[1](values_[i]), values_[i])


def _tracker(res: Resolutions) -> None:
    """BK605 VALID without an Action Tracker, BK606 one that is not a positive whole number."""
    _needed_by_valid(res, "Action Tracker", ("BK605", "an Action Tracker, the event type id the accepted inquiry's "
                     "new action gets (e.g. 2240)"), ("BK606", values.tracker_message),
                     lambda s: s.str.fullmatch(values.TRACKER.pattern))


def _date(res: Resolutions) -> None:
    """BK607 VALID without a Transaction Date, BK608 one that is not a date."""
    _needed_by_valid(res, "Transaction Date", ("BK607", "a Transaction Date (YYYY-MM-DD), the date the order was "
                     "placed: the new action is reported at it"), ("BK608", values.date_message),
                     lambda s: s.map(values.is_date))


def _ids(res: Resolutions) -> None:
    """BK610 an Id missing or not a whole number, BK609 an Id given on an earlier row."""
    if "Id" not in res.columns:
        return
    ids, column = res.col("Id"), res.raw("Id")
    whole = ids.str.fullmatch(r"[0-9]+").fillna(False).astype(bool)
    for i in _each(~whole):
        res.add("BK610", i, column, values.id_message(ids[i]), ids[i])
    key = ids.str.strip().str.lstrip("0").where(whole, ids.str.strip())
    repeated = key.duplicated(keep="first") & ~_blank(ids)
    first = {k: i for i, k in reversed(list(enumerate(key)))}
    rows = res.table.rows
    for i in _each(repeated):
        earlier = first[key[i]]
        res.add("BK609", i, column, f"Id {ids[i]!r} is resolved on row {int(rows[earlier])} already: keep one row "
                "per inquiry (the web app would apply both, the last one winning)", ids[i])


def _amounts(res: Resolutions) -> None:
    """BK611: Final Payout and Sale Amount are plain decimals (no sign, currency or separator, 2 decimals)."""
    for name in AMOUNTS:
        if name not in res.columns:
            continue
        amount, column = res.col(name), res.raw(name)
        plain = amount.str.fullmatch(values.AMOUNT.pattern).fillna(False).astype(bool)
        for i in _each(~plain & ~_blank(amount)):
            res.add("BK611", i, column, values.amount_message(column, amount[i]), amount[i])


def _formulas(res: Resolutions) -> None:
    """BK612: a cell starting with =, +, -, @, tab or CR, in any column (but a cell already reported)."""
    taken = {(f.row, f.column) for f in res.found if f.row and f.row > 1}
    rows = res.table.rows
    named = {pos: res.raw(column) for column, pos in res.columns.items()} | res.others
    for pos, column in sorted(named.items()):
        cells = res.cells(pos)
        for i in _each(cells.str.match(values.FORMULA_START.pattern).fillna(False).astype(bool)):
            if (int(rows[i]), column) not in taken:
                res.add("BK612", i, column, values.formula_message(column, cells[i]), cells[i])


ROW_CHECKS: tuple[Callable[[Resolutions], None], ...] = (_status, _reasons, _tracker, _date, _ids, _amounts)
