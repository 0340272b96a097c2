"""Each ErrorDetail of a file submission at its row.

impact.com's documentation does not say whether an ErrorDetail's Line counts the header row. So the
file's convention is decided by the details themselves: the one under which more details' OrderId (and
Sku) agree with the record at their Line. A detail whose record disagrees is located by its OrderId
(+Sku) instead, the nearest such record to its Line, and says so; one that matches nothing stays at its
Line (unconfirmed) or, beyond the file's end, at no row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from batchkit.io.read import read_table
from batchkit.validation.header import parse_header

HEADER_NOT_COUNTED, HEADER_COUNTED = 1, 2  # the Line of the first record (spreadsheet row 2)


@dataclass(frozen=True)
class FileRecords:
    """What placement reads of a delivered file: each record's OrderId and Skus, and where it is."""

    header: list[str]
    order_ids: list[str]
    action_ids: list[str]  # '' where the record has none (or the file has no ActionId column)
    skus: list[dict[str, str]]  # per record: Sku column name (as written) -> value
    rows: list[int]  # spreadsheet rows (header = 1)
    lines: list[int]  # physical lines
    at_row: dict[int, int]  # spreadsheet row -> index of its record
    columns: dict[str, str]  # field (ActionId, OrderId, Sku, ... of item group 1) -> its header as written

    @property
    def order_column(self) -> str | None:
        """The OrderId column as written (Oid, OrderId), None when absent."""
        return self.columns.get("OrderId")


@dataclass(frozen=True)
class Placed:
    """A detail and the record it belongs to (index into FileRecords, None when it fits none)."""

    detail: dict[str, Any]
    index: int | None
    sku_column: str | None
    note: str = ""


def read_records(path: Path) -> FileRecords:
    """The records of a delivered file (CSV or XLSX), as placement needs them."""
    table = read_table(path)
    columns = parse_header(table.header)
    order = next((c for c in columns if c.field == "OrderId" and c.group == 1), None)
    skus = [c for c in columns if c.field == "Sku"]
    cell = table.data.fillna("")
    orders = _cells(cell, order)
    actions = _cells(cell, next((c for c in columns if c.field == "ActionId"), None))
    by_sku = [{c.raw: str(v).strip() for c, v in zip(skus, values)}
              for values in zip(*(cell[c.position] for c in skus))] if skus else [{} for _ in range(len(cell))]
    named = {c.field: c.raw for c in reversed(columns) if c.field and c.group == 1}
    rows = [int(r) for r in table.rows]
    return FileRecords(table.header, orders, actions, by_sku, rows, [int(x) for x in table.lines],
                       {row: k for k, row in enumerate(rows)}, named)


def present(recs: FileRecords | None, k: int) -> set[str]:
    """The fields record k can be named by: the file's columns, ActionId only where the record has one."""
    if recs is None or not 0 <= k < len(recs.order_ids):
        return set()
    return set(recs.columns) - (set() if recs.action_ids[k] else {"ActionId"})


def _cells(cell: Any, column: Any) -> list[str]:
    return [str(v).strip() for v in cell[column.position]] if column is not None else [""] * len(cell)


def _text(detail: dict[str, Any], key: str) -> str:
    return str(detail.get(key) or "").strip()


def _index(detail: dict[str, Any], recs: FileRecords, first: int) -> int | None:
    """The record at the detail's Line when the first record is Line `first` (None: no such record).
    Lines number records as a spreadsheet numbers rows (a blank row keeps its number)."""
    try:
        line = int(_text(detail, "Line"))
    except ValueError:
        return None
    return recs.at_row.get(line + 2 - first)


def _agrees(detail: dict[str, Any], recs: FileRecords, k: int) -> str | None | Literal[False]:
    """The Sku column (or "" without a Sku) when record k is the detail's; False when not; None when the
    record cannot tell (no OrderId in the detail or the file)."""
    order, sku = _text(detail, "OrderId"), _text(detail, "Sku")
    if not order or recs.order_column is None or not recs.order_ids[k]:
        return None
    if recs.order_ids[k] != order:
        return False
    if not sku or not recs.skus[k]:
        return ""
    for col, value in recs.skus[k].items():
        if value == sku:
            return col
    return False


def convention(details: list[dict[str, Any]], recs: FileRecords) -> tuple[int, int, int]:
    """(first record's Line, details confirmed under it, details that could be checked)."""
    scores = {}
    for first in (HEADER_NOT_COUNTED, HEADER_COUNTED):
        said = [_agrees(d, recs, k) for d in details if (k := _index(d, recs, first)) is not None]
        scores[first] = (sum(s not in (False, None) for s in said), sum(s is not None for s in said))
    best = HEADER_COUNTED if scores[HEADER_COUNTED][0] > scores[HEADER_NOT_COUNTED][0] else HEADER_NOT_COUNTED
    return best, *scores[best]


def place_all(details: list[dict[str, Any]], recs: FileRecords, first: int) -> list[Placed]:
    """Every detail at its record: by Line under the convention `first`, else by OrderId (+Sku)."""
    index: dict[str, list[int]] = {}
    for k, order in enumerate(recs.order_ids):
        index.setdefault(order, []).append(k)
    return [_place(d, recs, first, index) for d in details]


def _place(detail: dict[str, Any], recs: FileRecords, first: int, index: dict[str, list[int]]) -> Placed:
    found = _index(detail, recs, first)
    inside = found is not None
    k = found if found is not None else -1
    verdict = _agrees(detail, recs, k) if found is not None else False
    if found is not None and verdict is not False:
        return Placed(detail, found, verdict or None)
    order, sku = _text(detail, "OrderId"), _text(detail, "Sku")
    candidates = [(j, _agrees(detail, recs, j)) for j in index.get(order, [])] if order else []
    candidates = [(j, col) for j, col in candidates if col is not False and col is not None]
    said = f"impact.com's Line {_text(detail, 'Line') or '(none)'}"
    if candidates:
        j, col = min(candidates, key=lambda c: abs(c[0] - k) if inside else c[0])
        by = f"OrderId {order!r}" + (f" and Sku {sku!r}" if sku else "")
        there = f"is row {recs.rows[k]}, whose OrderId is {recs.order_ids[k]!r}" if inside else "names no record"
        return Placed(detail, j, col or None, f"{said} {there}: placed by its {by}")
    if inside:
        why = "not confirmed: the file has no OrderId column" if recs.order_column is None else (
            f"not confirmed: OrderId {order!r}" + (f" with Sku {sku!r}" if sku else "") + " is in no row of the file"
            if order else "not confirmed: the detail names no OrderId")
        return Placed(detail, k, None, f"placed by {said} alone ({why})")
    return Placed(detail, None, None, f"{said} names no record of the file and its OrderId {order!r} is in no row: "
                                      "not placed")


def convention_note(first: int, confirmed: int, checkable: int) -> str:
    """What the details said about the Line convention."""
    if checkable == 0:
        return "impact.com's Line could not be checked against the file (no OrderId to compare): read as " + \
               ("counting the header" if first == HEADER_COUNTED else "not counting the header")
    counts = "counts the header row (the first record is Line 2)" if first == HEADER_COUNTED else \
        "does not count the header row (the first record is Line 1)"
    return f"impact.com's Line {counts}: {confirmed} of {checkable} detail(s) confirmed by OrderId/Sku"
