"""A dropped batch file read as the platform reads it: its kind from the header, its records numbered.

Read with the csv module (UTF-8 with or without a BOM), not batchkit.io: io's reader brings pandas and
batchkit's own checks, and the sandbox stays on the standard library (and batchkit.core's data). A file
that is not UTF-8 or not CSV cannot be read at all: it has no kind and no records (TotalRecords 0).

Headers are matched case-insensitively with the aliases of schemas/kinds.toml (`Oid` for OrderId);
item fields are numbered from the second group (`Sku2`; `Sku1` is the first). A header matches a kind
when every column is a field of the kind and the kind's required fields are there. When several kinds
match (an `ActionId, Amount, Reason` file is either order kind), the kind id in the file name decides
(batchkit's deliverer names its files so), else a Reason of RESET on every record makes a reset, else
Amounts all 0 or empty make a reversal, anything else a modification.

**Line**: records are numbered as a spreadsheet numbers its rows: a quoted field that spans lines is one
record, and a blank record (no cell holding anything) keeps its number but is no record (not counted in
TotalRecords, never an error). By default Line 1 is the first record after the header;
`line_counts_header` makes the header line 1 and the first record Line 2.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from batchkit.core.kinds import Kind, kinds, layout
from batchkit.core.money import parse_money
from batchkit.core.names import kind_from_filename

Cell = tuple[str, int]  # (canonical field, item group from 1)
TYPES = {"order-modification": "Order Modification", "order-reversal": "Order Reversal",
         "item-modification": "Item Modification", "item-reversal": "Item Reversal", "reset": "Reset"}
UNKNOWN = "Unknown"


@dataclass(frozen=True)
class Record:
    """One record of a file: its Line and its non-empty cells by (field, group), values stripped."""

    line: int
    cells: dict[Cell, str]

    def get(self, name: str, group: int = 1) -> str:
        return self.cells.get((name, group), "")


@dataclass(frozen=True)
class BatchFile:
    """A dropped file as read: its kind id (None: no kind matches, or unreadable) and its records."""

    kind: str | None
    records: list[Record]
    readable: bool = True

    @property
    def type(self) -> str:
        return TYPES.get(self.kind or "", UNKNOWN)


def read_batch(file_name: str, raw: bytes, line_counts_header: bool = False) -> BatchFile:
    """The kind and records of a dropped file's bytes (never raises for what the bytes hold)."""
    rows = _rows(raw)
    if not rows:
        return BatchFile(None, [], readable=False)
    header, first = rows[0], 2 if line_counts_header else 1
    columns = [_column(name) for name in header]
    records = [Record(first + n, _cells(columns, row))
               for n, row in enumerate(rows[1:]) if any(cell.strip() for cell in row)]
    kind = _kind(file_name, columns, records)
    return BatchFile(kind, records)


def _rows(raw: bytes) -> list[list[str]]:
    """The CSV records of UTF-8 bytes (a BOM dropped); [] when they are not UTF-8 CSV or hold nothing."""
    try:
        text = raw.decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text, newline="")))
    except (UnicodeDecodeError, csv.Error):
        return []


def _column(name: str) -> Cell | None:
    """The (field, group) a header names, None for a column that is no batch field."""
    text = name.strip().casefold()
    known = {f.casefold(): f for f in layout().all_fields}
    text = layout().aliases.get(text, text).casefold()
    if text in known:
        return known[text], 1
    items = "|".join(re.escape(f.casefold()) for f in layout().item_fields)
    match = re.fullmatch(rf"({items})([0-9]+)", text)
    if match and int(match.group(2)) >= 1 and not match.group(2).startswith("0"):
        return known[match.group(1)], int(match.group(2))
    return None


def _cells(columns: list[Cell | None], row: list[str]) -> dict[Cell, str]:
    return {col: value.strip() for col, value in zip(columns, row) if col is not None and value.strip()}


def _fits(kind: Kind, columns: list[Cell | None]) -> bool:
    """Every column is a field of the kind (named once), and the kind's required fields are there."""
    given = [c for c in columns if c is not None]
    if len(given) < len(columns) or len(set(given)) < len(given):
        return False
    firsts = (*kind.identifiers, *kind.fields)
    if not all((g == 1 and f in firsts) or (kind.is_item and g > 1 and f in kind.fields) for f, g in given):
        return False
    return all((f, 1) in given for f in kind.required)


def _kind(file_name: str, columns: list[Cell | None], records: list[Record]) -> str | None:
    """The kind a header matches (see the module's docstring), None when none does."""
    fitting = [k.id for k in kinds().values() if _fits(k, columns)]
    named = kind_from_filename(file_name)
    if named in fitting:
        return named
    if len(fitting) <= 1:
        return fitting[0] if fitting else None
    reasons = [r.get("Reason") for r in records if r.get("Reason")]
    if "reset" in fitting and reasons and all(r == "RESET" for r in reasons):
        return "reset"
    fitting = [k for k in fitting if k != "reset"]
    if len(fitting) == 1:
        return fitting[0]
    amounts = [v for r in records for (f, _), v in r.cells.items() if f == "Amount"]
    verdict = "reversal" if all(parse_money(a) == 0 for a in amounts) else "modification"
    return next(k for k in fitting if k.endswith(verdict))
