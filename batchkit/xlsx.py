"""XLSX reading with openpyxl (read-only): every cell as text, numbers converted exactly."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path

from batchkit.errors import InputError

XLSX_SUFFIXES = {".xlsx", ".xlsm"}


def is_xlsx(path: Path, raw: bytes) -> bool:
    """True for .xlsx/.xlsm names or zip content (an XLSX saved under another name)."""
    return path.suffix.lower() in XLSX_SUFFIXES or raw[:4] == b"PK\x03\x04"


def cell_text(value: object) -> str:
    """The text a cell shows, with numbers converted exactly (no float arithmetic)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    try:
        exact = Decimal(repr(value))  # shortest text that round-trips: 2723.8, not 2723.7999...
    except ArithmeticError:
        return str(value)
    if not exact.is_finite():
        return str(value)
    if exact == exact.to_integral_value() and abs(exact) < Decimal(10) ** 15:
        return str(int(exact))
    return format(exact, "f")


def read_xlsx_rows(path: Path, raw: bytes, sheet: str | None = None) -> list[list[str]]:
    """All rows of the first (or named) sheet as lists of text."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise InputError(f"{path}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputError(f"{path}: no sheet named {sheet!r} (sheets: {', '.join(book.sheetnames)})")
        ws = book[sheet] if sheet else book.worksheets[0]
        return [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    except InputError:
        raise
    except Exception as exc:  # openpyxl raises many types on damaged sheets
        raise InputError(f"{path}: the workbook is damaged ({type(exc).__name__}: {exc})") from None
    finally:
        book.close()
