"""Inquiries from a file: one pulled by `batchkit inquiries pull` (the API's field names as headers) or the web
app's own export (spaced headers such as `Order Id`, `Transaction Amount`), CSV or XLSX. Every value is text,
exactly as written; columns batchkit does not know are kept under their own header.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from batchkit.core.errors import InputError
from batchkit.core.inquiry import inquiry_field
from batchkit.io.records import all_records
from batchkit.io.write import restore_cell


@dataclass(frozen=True)
class Inquiry:
    """One inquiry: its fields by the API's names (text), and its spreadsheet row in the file it came from."""

    fields: dict[str, str]
    row: int = 0
    extra: dict[str, str] = field(default_factory=dict)  # columns batchkit does not read, by their header

    def get(self, name: str) -> str:
        """A field's text ('' when absent)."""
        return self.fields.get(name, "").strip()

    @property
    def id(self) -> str:
        return self.get("Id")

    @property
    def status(self) -> str:
        """ResolutionStatus in upper case (UNRESOLVED when the file leaves it empty)."""
        return self.get("ResolutionStatus").upper() or "UNRESOLVED"


def _restore_for(path: str | Path) -> Callable[[list[str]], list[str]]:
    """How a row's cells are read: a CSV's cells with the `'` that `inquiries pull` puts before a formula-like
    cell taken off (io.write.restore_cell); an XLSX's as they are (pull writes those cells as text, unchanged)."""
    if Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        return lambda cells: cells
    return lambda cells: [restore_cell(c) for c in cells]


def read_inquiries(path: str | Path, sheet: str | None = None) -> list[Inquiry]:
    """Every inquiry of a file; InputError (one line) when it has no Id column or cannot be read."""
    rows = [r for r in all_records(str(path), sheet) if any(t.strip() for t in r.cells())]
    if not rows:
        raise InputError(f"{path}: no header row: expected the columns of an inquiry export (Id, OrderId, ...)")
    restore = _restore_for(path)
    header = restore(rows[0].cells())
    names = [inquiry_field(h) for h in header]
    if "Id" not in names:
        raise InputError(f"{path}: no Id column: this is not an inquiry export (its header: "
                         f"{', '.join(h for h in header[:6] if h)}{', ...' if len(header) > 6 else ''})")
    found = []
    for r in rows[1:]:
        cells = restore(r.cells(len(header)))
        known = {n: v for n, v in zip(names, cells) if n is not None}
        extra = {h: v for h, n, v in zip(header, names, cells) if n is None and h.strip()}
        found.append(Inquiry(known, r.number, extra))
    return found
