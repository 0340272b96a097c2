"""Resolutions from a file: the web app's bulk-resolution CSV, or the review XLSX a person edited (its sheet
"Review", whose first columns are the same; evidence columns after them are ignored), and each one as the form
of `PUT /ActionInquiries` (SPEC §6)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from batchkit.core.errors import InputError
from batchkit.core.inquiry import RESOLUTION_COLUMNS, field_key
from batchkit.core.money import parse_money
from batchkit.io.records import all_records
from batchkit.validation.rules.resolution import transaction_date

REVIEW_SHEET = "Review"
_API = {  # bulk-resolution column -> the PUT's parameter (Customer Status has none: the web app only)
    "Transaction Date": "TransactionDate", "Action Tracker": "ActionTrackerId", "Final Payout": "FinalPayout",
    "Resolution Notes": "ResolutionNotes", "Sale Amount": "TransactionAmount", "Customer Id": "CustomerId",
    "Promo Code": "PromoCode"}
_KEYS = {field_key(c): c for c in RESOLUTION_COLUMNS}


@dataclass(frozen=True)
class Resolution:
    """One row of a resolution file: its cells by column, and its spreadsheet row."""

    row: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()

    @property
    def inquiry_id(self) -> str:
        return self.get("Id")

    @property
    def status(self) -> str:
        return self.get("Resolution Status").upper()

    def form(self) -> dict[str, str]:
        """The PUT /ActionInquiries body: Id, ResolutionStatus, RejectReason (DECLINED/INCOMPLETE), and for VALID
        the tracker, the date and the amounts (amounts normalised exactly)."""
        form = {"Id": self.inquiry_id, "ResolutionStatus": self.status}
        if self.get("Resolution Reason") and self.status != "VALID":
            form["RejectReason"] = self.get("Resolution Reason")
        for column, name in _API.items():
            value = self.get(column)
            if not value or (self.status != "VALID" and name in ("ActionTrackerId", "TransactionDate",
                                                                  "TransactionAmount", "FinalPayout")):
                continue
            if name in ("FinalPayout", "TransactionAmount"):
                amount = parse_money(value)
                value = format(amount, "f") if amount is not None else value
            if name == "TransactionDate":  # ISO 8601 with its offset (the API's dates have one): the one date rule
                value = transaction_date(value) or value  # validation refused any other value before
            form[name] = value
        return form


def resolution_sheet(path: Path) -> str | None:
    """The sheet to read: "Review" in a workbook that has it, else the first (None for a CSV)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            names = z.read("xl/workbook.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    return REVIEW_SHEET if f'name="{REVIEW_SHEET}"' in names else None


def read_resolutions(path: Path) -> list[Resolution]:
    """Every non-blank row of a resolution file (validated before: see resolve.py)."""
    raw_rows = [r for r in all_records(str(path), resolution_sheet(path)) if any(t.strip() for t in r.cells())]
    if not raw_rows:
        raise InputError(f"{path}: empty: expected the bulk-resolution columns ({', '.join(RESOLUTION_COLUMNS[:4])}, "
                         "...)")
    header = [_KEYS.get(field_key(h)) for h in raw_rows[0].cells()]
    if "Id" not in header:
        raise InputError(f"{path}: no Id column: not a resolution file")
    out = []
    for r in raw_rows[1:]:
        cells = {c: v for c, v in zip(header, r.cells(len(header))) if c is not None}
        out.append(Resolution(r.number, cells))
    return out

