"""XLSX reading with openpyxl: every cell as text, numbers converted exactly.

The sheet is streamed with openpyxl's read-only parser and only the cells that hold something
are kept: a stray cell at XFD1048576 costs one cell, not a million padded rows. Formula cells
are read by their saved (cached) value; a formula saved without one (a file written by a script,
never recalculated) cannot be read and is an InputError naming the cells.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

from batchkit.core.errors import InputError

XLSX_SUFFIXES = {".xlsx", ".xlsm"}
MAX_CELLS = 5_000_000  # cell elements read from one sheet (500,000 rows x 10 columns, ~1 min); beyond: CSV
_TEXT_RESULTS = {"str", "s", "inlineStr"}  # a formula whose saved value is (possibly empty) text


EXCEL_DIGITS = 15  # significant digits Excel shows, and writes when it saves a sheet as CSV


def cell_text(value: object) -> str:
    """The text a cell shows: a number as Excel shows it (at most 15 significant digits, the shortest
    decimal that round-trips there, so =19.99*3 is 59.97), converted without float arithmetic."""
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
        exact = Decimal(format(value, f".{EXCEL_DIGITS}g"))  # as Excel shows and saves it: 59.97, not 59.970000000000006
    except (ArithmeticError, TypeError, ValueError):
        return str(value)
    if not exact.is_finite():
        return str(value)
    if exact == exact.to_integral_value() and abs(exact) < Decimal(10) ** 15:
        return str(int(exact))
    return format(exact, "f")


@dataclass(slots=True)
class Row:
    """One record: its spreadsheet row and its cells (XLSX: the ones that hold text).

    `columns` is None when `texts` are the cells of columns 1..len(texts) (every CSV record and
    compact XLSX rows); otherwise `texts[i]` is the cell of column `columns[i]` (a sparse XLSX row).
    """

    number: int
    texts: list[str]
    columns: list[int] | None = None

    @property
    def last(self) -> int:
        """The last column that holds a cell."""
        return len(self.texts) if self.columns is None else (self.columns[-1] if self.columns else 0)

    def items(self) -> Iterator[tuple[int, str]]:
        """(column, text) of every cell, columns from 1."""
        return enumerate(self.texts, start=1) if self.columns is None else zip(self.columns, self.texts)

    def cells(self, upto: int | None = None) -> list[str]:
        """The cells of columns 1..upto (default: up to the last cell), empty ones as ''."""
        width = self.last if upto is None else upto
        if self.columns is None:
            return self.texts[:width] + [""] * (width - len(self.texts))
        out = [""] * width
        for col, text in zip(self.columns, self.texts):
            if col > width:
                break
            out[col - 1] = text
        return out

    def beyond(self, width: int) -> list[str]:
        """The texts of the cells right of column `width`."""
        if self.columns is None:
            return self.texts[width:]
        return [t for c, t in zip(self.columns, self.texts) if c > width]

    def compact(self, width: int) -> list[str]:
        """The cells as a list; a sparse row as columns 1..width, then its cells right of them (no gaps)."""
        return self.texts if self.columns is None else self.cells(width) + self.beyond(width)


def _row(number: int, columns: list[int], texts: list[str]) -> Row:
    if columns[-1] == len(columns):  # columns 1..n, all filled: the usual row
        return Row(number, texts)
    if any(a >= b for a, b in zip(columns, columns[1:])):
        pairs = sorted(zip(columns, texts), key=lambda p: p[0])
        columns, texts = [c for c, _ in pairs], [t for _, t in pairs]
    last = columns[-1]
    if last <= 64 or last <= 4 * len(columns):  # a few gaps: a plain list
        dense = [""] * last
        for col, text in zip(columns, texts):
            dense[col - 1] = text
        return Row(number, dense)
    return Row(number, texts, columns)


def read_xlsx_rows(path: Path, raw: bytes, sheet: str | None = None) -> list[Row]:
    """The rows of the first (or named) sheet that hold any text, in order."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles, extensions, ... on stderr
        book = _open(path, raw)
        try:
            ws = _sheet(path, book, sheet)
            rows, formulas = _parse(ws)
        except InputError:
            raise
        except _TooManyCells:
            raise InputError(f"{path}: the sheet holds more than {MAX_CELLS:,} cells (empty ones count, and a sheet "
                             "can declare millions of them): save it as 'CSV UTF-8' and give the CSV") from None
        except Exception as exc:  # openpyxl raises many types on damaged sheets
            raise InputError(f"{path}: the workbook is damaged ({type(exc).__name__}: {exc})") from None
        finally:
            book.close()
    if formulas:
        more = f" and {len(formulas) - 5:,} more" if len(formulas) > 5 else ""
        raise InputError(f"{path}: {len(formulas):,} formula cell(s) without a saved value ({', '.join(formulas[:5])}{more}): "
                         "open the file in Excel and save it, or paste the values")
    return rows


class _TooManyCells(Exception):
    """More cell elements than MAX_CELLS in one sheet."""


def _open(path: Path, raw: bytes) -> Any:
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # zip, XML and openpyxl's own errors alike
        raise InputError(f"{path}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None


def _sheet(path: Path, book: Any, sheet: str | None) -> Any:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    if sheet is not None and sheet not in book.sheetnames:
        raise InputError(f"{path}: no sheet named {sheet!r} (sheets: {', '.join(book.sheetnames)})")
    if sheet is None and not book.worksheets:
        raise InputError(f"{path}: the workbook has no worksheet (only charts)")
    ws = book[sheet] if sheet else book.worksheets[0]
    if not isinstance(ws, ReadOnlyWorksheet):
        raise InputError(f"{path}: sheet {ws.title!r} is a chart, not a table of cells")
    return ws


def _parse(ws: Any) -> tuple[list[Row], list[str]]:
    """Stream the sheet's XML: the rows holding text, and the formula cells without a saved value."""
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    formulas: list[str] = []

    base = WorkSheetParser.parse_cell

    seen = [0]

    class Parser(WorkSheetParser):  # type: ignore[misc]
        def parse_cell(self, element: Any) -> dict[str, Any]:
            seen[0] += 1
            if seen[0] > MAX_CELLS:
                raise _TooManyCells()
            if len(element) == 0 and element.get("t") != "inlineStr":  # <c r="B7"/>: nothing in it, skip fast
                coordinate = element.get("r")
                counter: Any = self  # openpyxl's parser keeps its position in untyped attributes
                column = int(coordinate_to_tuple(coordinate)[1]) if coordinate else int(counter.col_counter) + 1
                counter.col_counter = column
                return {"row": counter.row_counter, "column": column, "value": None}
            cell: dict[str, Any] = base(self, element)
            if (cell["value"] is None and element.find(FORMULA_TAG) is not None
                    and element.get("t", "n") not in _TEXT_RESULTS):
                formulas.append(f"{get_column_letter(cell['column'])}{cell['row']}")
            return cell

    book = ws.parent
    rows: list[Row] = []
    with ws._get_source() as src:
        parser = Parser(src, ws._shared_strings, data_only=True, epoch=book.epoch,
                        date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        for number, cells in parser.parse():
            columns: list[int] = []
            texts: list[str] = []
            for c in cells:
                value = c["value"]
                if value is not None and (text := value if type(value) is str else cell_text(value)):
                    columns.append(c["column"])
                    texts.append(text)
            if texts:
                rows.append(_row(number, columns, texts))
    rows.sort(key=lambda r: r.number)
    return rows, formulas


def table_xlsx_bytes(header: list[str], rows: list[list[str]], sheet: str = "Sheet1") -> bytes:
    """One sheet of text cells (number format '@': Excel keeps ids and amounts as written), the header bold
    and frozen. Cells that would read as formulas are written as text, never as formulas."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet[:31]
    for col, name in enumerate(header, start=1):
        ws.cell(row=1, column=col, value=name).font = Font(bold=True)
    for r, values in enumerate(rows, start=2):
        for col, text in enumerate(values, start=1):
            if text:
                cell = ws.cell(row=r, column=col)
                cell.value, cell.data_type, cell.number_format = text, "s", "@"
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
