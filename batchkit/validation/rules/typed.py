"""BK107: a spreadsheet value where an id belongs (SPEC §8: spreadsheet cells have types).

An XLSX cell typed date, time, boolean or number in an id column (ActionId, OrderId/Oid, Sku in every item
group; ActionTrackerId and a resolution file's Id unless a whole number of at most 15 digits) is an error whatever its text: Excel
turned the id into a value, and what the cell shows may not be the id any more. The reader keeps each cell's
type beside its text (Table.types, io/xlsx.cell_type); these findings are made from it, beside BK104, which finds
the same damage in text (a CSV Excel saved). `batchkit fix` refuses a file with such cells (fix.inspect).

Not a pandera check: the types are not in the text frames the schemas see, and a file has few such cells.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from batchkit.core.findings import Finding, finding
from batchkit.io.table import Table

ID_FIELDS = frozenset({"ActionId", "OrderId", "Sku"})  # any typed cell is an error
WHOLE_IDS = frozenset({"ActionTrackerId"})  # a whole number is the id; other types are errors
MAX_FINDINGS = 10_000  # per file: the report keeps samples and counts; more cells add nothing


def shown(value: str) -> str:
    """How Excel's General format shows a number of 12 digits or more: 1.23E+15 (shorter ones as they are)."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    if not number.is_finite() or abs(number) < Decimal(10) ** 11:
        return value
    return f"{number:.2E}"


def message(kind: str, value: str) -> str:
    """What Excel shows in the cell, and what the id probably was."""
    if kind in ("date", "datetime"):
        return (f"Excel turned this id into the date {value}: the id is lost; format the column as Text and "
                "type or paste the id again")
    if kind == "time":
        return f"Excel turned this id into the time {value}: format the column as Text and type or paste the id again"
    if kind == "bool":
        return f"Excel turned this id into the value {value}: format the column as Text and type or paste the id again"
    excel = shown(value)
    also = f" ({value})" if excel != value else ""
    return (f"{excel}{also}: Excel stored a number; the id may have lost leading zeros or digits: format the "
            "column as Text and paste the id from the source again")


def _wrong(kind: str, value: str, whole_ok: bool) -> bool:
    """A whole number of at most 15 digits is the id itself where ids are whole numbers (ActionTrackerId, an
    inquiry's Id); anything else typed is not."""
    if not whole_ok or kind != "number":
        return True
    return not (value.isdigit() and len(value) <= 15 and not value.startswith("0"))


def typed_cells(table: Table, columns: Iterable[tuple[int, str, bool]]) -> list[Finding]:
    """BK107 for every typed cell of the given columns: (position, the column's name, whole numbers allowed)."""
    if not table.types:
        return []
    found: list[Finding] = []
    at: dict[int, int] | None = None
    for position, name, whole_ok in columns:
        typed = table.types.get(position)
        if not typed or position not in table.data.columns:
            continue
        if at is None:
            at = {int(r): i for i, r in enumerate(table.rows)}
        cells = table.data[position]
        for row, kind in sorted(typed.items()):
            i = at.get(row)
            if i is None:  # a ragged, blank or repeated-header row: reported as such
                continue
            value = str(cells.iloc[i])
            if _wrong(kind, value, whole_ok):
                found.append(finding("BK107", message(kind, value), row=row, line=int(table.lines[i]), column=name,
                                     value=value))
                if len(found) >= MAX_FINDINGS:
                    return found
    return found


def batch_typed_cells(table: Table, columns: Iterable) -> list[Finding]:
    """BK107 in a batch file's id columns (header.Column objects: field, raw, position)."""
    wanted = [(c.position, c.raw.strip(), c.field in WHOLE_IDS) for c in columns
              if c.field in ID_FIELDS or c.field in WHOLE_IDS]
    return typed_cells(table, wanted)


def resolution_typed_cells(table: Table) -> list[Finding]:
    """BK107 in a bulk-resolution file's Id column: an inquiry's Id is a whole number, so a number cell of at most
    15 digits is the Id (as ActionTrackerId); a date, boolean, fraction or longer number is not."""
    from batchkit.validation.inquiry import resolution_column

    wanted = [(p, h.strip(), True) for p, h in enumerate(table.header) if h.strip() and resolution_column(h) == "Id"]
    return typed_cells(table, wanted[:1])
