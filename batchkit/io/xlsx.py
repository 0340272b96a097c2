"""XLSX reading with python-calamine: every cell as text, numbers converted exactly, each cell's type kept.

calamine parses the sheet (dates, times, booleans and numbers come back typed); each cell becomes the text
Excel shows, and a cell that was not text keeps its type in `Row.types` (a date, number or boolean where an id
belongs is an error: validation/rules/typed.py). Before calamine reads anything, one pass over the sheet's XML
(a zipfile scan) counts its cell elements (more than MAX_CELLS: an InputError), finds formulas saved without a
value (`<f>` without `<v>`: an InputError naming the cells; calamine would read them as empty) and the extent
calamine would allocate: a sheet whose cells stand far apart (a stray cell at XFD1048576) is streamed with
openpyxl's read-only parser instead, where only the cells that hold something are kept, so it costs one cell,
not a million padded rows. Workbooks batchkit writes are written with openpyxl.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import posixpath
import re
import warnings
import zipfile
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
    if isinstance(value, dt.datetime):  # midnight is the day Excel shows (2025-12-01), not 2025-12-01 00:00:00
        return value.date().isoformat() if value.time() == dt.time() and value.tzinfo is None else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
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


def cell_type(value: object) -> str | None:
    """The type of a cell that is not text: "date", "datetime", "time", "bool" or "number" (None for text)."""
    if value is None or isinstance(value, str):
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, (dt.time, dt.timedelta)):
        return "time"
    return "number"


@dataclass(slots=True)
class Row:
    """One record: its spreadsheet row and its cells (XLSX: the ones that hold text).

    `columns` is None when `texts` are the cells of columns 1..len(texts) (every CSV record and
    compact XLSX rows); otherwise `texts[i]` is the cell of column `columns[i]` (a sparse XLSX row).
    """

    number: int
    texts: list[str]
    columns: list[int] | None = None
    types: dict[int, str] | None = None  # column -> cell_type of the cells that were not text (XLSX only)

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


def _row(number: int, columns: list[int], texts: list[str], types: dict[int, str] | None = None) -> Row:
    if columns[-1] == len(columns):  # columns 1..n, all filled: the usual row
        return Row(number, texts, None, types)
    if any(a >= b for a, b in zip(columns, columns[1:])):
        pairs = sorted(zip(columns, texts), key=lambda p: p[0])
        columns, texts = [c for c, _ in pairs], [t for _, t in pairs]
    last = columns[-1]
    if last <= 64 or last <= 4 * len(columns):  # a few gaps: a plain list
        dense = [""] * last
        for col, text in zip(columns, texts):
            dense[col - 1] = text
        return Row(number, dense, None, types)
    return Row(number, texts, columns, types)


def read_xlsx_rows(path: Path, raw: bytes, sheet: str | None = None) -> list[Row]:
    """The rows of the first (or named) sheet that hold any text, in order (python-calamine; openpyxl's
    streaming parser for a sheet whose cells stand far apart)."""
    name, member = _locate(path, raw, sheet)
    scan = _scan(path, raw, member)
    if scan.formulas:
        _formula_error(path, scan.formulas)
    if scan.sparse:
        return _read_streamed(path, raw, name)
    return _read_calamine(path, raw, name)


def _formula_error(path: Path, formulas: list[str]) -> None:
    more = f" and {len(formulas) - 5:,} more" if len(formulas) > 5 else ""
    raise InputError(f"{path}: {len(formulas):,} formula cell(s) without a saved value ({', '.join(formulas[:5])}{more}): "
                     "open the file in Excel and save it, or paste the values")


def _too_many(path: Path) -> InputError:
    return InputError(f"{path}: the sheet holds more than {MAX_CELLS:,} cells (empty ones count, and a sheet "
                      "can declare millions of them): save it as 'CSV UTF-8' and give the CSV")


_SHEET = re.compile(r"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(r"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REL = re.compile(r"<(?:\w+:)?Relationship\b([^>]*)/?>")


def _attrs(text: str) -> dict[str, str]:
    return {k.split(":")[-1] if k != "r:id" else "r:id": html.unescape(a or b) for k, a, b in _ATTR.findall(text)}


def _locate(path: Path, raw: bytes, sheet: str | None) -> tuple[str, str | None]:
    """The sheet's name and its XML member in the zip (None when the workbook does not say: calamine decides)."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            book = z.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace") \
                if "xl/_rels/workbook.xml.rels" in z.namelist() else ""
    except Exception as exc:  # zip and I/O errors alike
        raise InputError(f"{path}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    targets = {}
    for m in _REL.finditer(rels):
        a = _attrs(m.group(1))
        target = a.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        targets[a.get("Id", "")] = (target, a.get("Type", ""))
    sheets = []
    for m in _SHEET.finditer(book):
        a = _attrs(m.group(1))
        rid = next((v for k, v in a.items() if k in ("r:id", "id")), "")
        target, kind = targets.get(rid, ("", ""))
        sheets.append((a.get("name", ""), target, kind.endswith("/chartsheet")))
    names = [n for n, _, _ in sheets]
    if sheet is not None and sheet not in names:
        raise InputError(f"{path}: no sheet named {sheet!r} (sheets: {', '.join(names)})")
    if sheet is None:
        worksheets = [(n, t) for n, t, chart in sheets if not chart]
        if not worksheets:
            raise InputError(f"{path}: not a readable XLSX workbook (the workbook has no worksheet, only charts)")
        return worksheets[0][0], worksheets[0][1] or None
    name, target, chart = next(s for s in sheets if s[0] == sheet)
    if chart:
        raise InputError(f"{path}: sheet {name!r} is a chart, not a table of cells")
    return name, target or None


@dataclass
class _Scan:
    formulas: list[str]  # cells holding a formula saved without a value
    sparse: bool  # calamine would allocate far more cells than the sheet holds


DENSE_CELLS = 5_000_000  # calamine allocates rows x columns of the used area: beyond this and 4x the cells, stream
MAX_SHEET_XML = 100 * MAX_CELLS  # bytes of a sheet's XML read for the scan (a sheet of MAX_CELLS cells is ~300 MB)
_ROW_NUMBER = re.compile(rb'<row [^>]*?\br="([0-9]+)"')
_FAR_ROW = re.compile(rb' r="[A-Z]{1,3}([0-9]{7,})"')  # a cell below row 999,999 (inside a row that says less)
_WIDE = re.compile(rb' r="([A-Z]{2,3})[0-9]')  # a cell right of column Z
_NARROW = re.compile(rb' r="([A-Z])[0-9]')
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_TYPE = re.compile(rb'\bt="([A-Za-z]+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _scan(path: Path, raw: bytes, member: str | None) -> _Scan:
    """One pass over the sheet's XML: the cell cap, formulas without a saved value, the extent calamine allocates."""
    if member is None:
        return _Scan([], True)  # the workbook does not say where the sheet is: stream it with openpyxl
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z, z.open(member) as f:
            xml = f.read(MAX_SHEET_XML + 1)
    except KeyError:
        return _Scan([], True)
    except Exception as exc:
        raise InputError(f"{path}: the workbook is damaged ({type(exc).__name__}: {exc})") from None
    prefixed = b":c " in xml or b":row " in xml  # a namespace prefix (<x:c>): leave the details to openpyxl
    cells = xml.count(b"<c ") + xml.count(b"<c>") + xml.count(b"<c/>") + (xml.count(b":c ") if prefixed else 0)
    if cells > MAX_CELLS or len(xml) > MAX_SHEET_XML:
        raise _too_many(path)
    formulas = _formulas(xml) if (b"<f>" in xml or b"<f " in xml or b"<f/>" in xml) else []
    if prefixed:
        return _Scan(formulas, True)
    rows = [int(n) for n in _ROW_NUMBER.findall(xml)]
    last_row = max(rows + [int(n) for n in _FAR_ROW.findall(xml)] + [xml.count(b"<row")], default=0)
    bound = max(DENSE_CELLS, 4 * cells)
    if last_row * 26 <= bound and not _WIDE.search(xml):  # at most column Z: small enough whatever the columns
        return _Scan(formulas, False)
    last_column = max((_column_number(c) for c in set(_WIDE.findall(xml)) | set(_NARROW.findall(xml))), default=1)
    return _Scan(formulas, last_row * last_column > bound)


def _formulas(xml: bytes) -> list[str]:
    """The cells whose formula has no saved value (a text result may be empty: it counts as saved)."""
    found: list[str] = []
    pos = 0
    while True:
        at = min((p for p in (xml.find(b"<f>", pos), xml.find(b"<f ", pos), xml.find(b"<f/>", pos)) if p >= 0),
                 default=-1)
        if at < 0:
            return found
        start = xml.rfind(b"<c", 0, at)
        end = xml.find(b"</c>", at)
        end = len(xml) if end < 0 else end
        tag_end = xml.find(b">", start)
        tag = xml[start:tag_end]
        kind = _TYPE.search(tag)
        text = kind is not None and kind.group(1).decode() in _TEXT_RESULTS
        if not text and not _VALUE.search(xml, at, end):
            ref = _REF.search(tag)
            found.append(ref.group(1).decode() if ref else "?")
        pos = end


def _read_calamine(path: Path, raw: bytes, name: str) -> list[Row]:
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(raw))
    except Exception as exc:  # zip, XML and calamine's own errors alike
        raise InputError(f"{path}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    try:
        ws = book.get_sheet_by_name(name)
        top, left = ws.start or (0, 0)
        values = ws.to_python(skip_empty_area=True)
    except Exception as exc:
        raise InputError(f"{path}: the workbook is damaged ({type(exc).__name__}: {exc})") from None
    finally:
        book.close()
    rows: list[Row] = []
    first = left + 1
    for number, cells in enumerate(values, start=top + 1):
        columns: list[int] = []
        texts: list[str] = []
        types: dict[int, str] | None = None
        for col, value in enumerate(cells, start=first):
            if isinstance(value, str):
                if value:
                    columns.append(col)
                    texts.append(value)
                continue
            kind: str | None
            if isinstance(value, float) and value.is_integer() and -1e15 < value < 1e15:
                text, kind = str(int(value)), "number"  # the common whole number, without cell_text's Decimal
            elif isinstance(value, float) and "e" not in (short := repr(value)) and len(short) <= EXCEL_DIGITS + 1:
                text, kind = short, "number"  # the shortest repr has at most 15 digits: what Excel shows
            else:
                text, kind = cell_text(value), cell_type(value)
            if text:
                columns.append(col)
                texts.append(text)
                if kind:
                    if types is None:
                        types = {}
                    types[col] = kind
        if texts:
            rows.append(_row(number, columns, texts, types))
    return rows


def _read_streamed(path: Path, raw: bytes, name: str) -> list[Row]:
    """openpyxl's read-only parser: only the cells that hold something are kept."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles, extensions, ... on stderr
        book = _open(path, raw)
        try:
            ws = _sheet(path, book, name)
            rows, formulas = _parse(ws)
        except InputError:
            raise
        except _TooManyCells:
            raise _too_many(path) from None
        except Exception as exc:  # openpyxl raises many types on damaged sheets
            raise InputError(f"{path}: the workbook is damaged ({type(exc).__name__}: {exc})") from None
        finally:
            book.close()
    if formulas:
        _formula_error(path, formulas)
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
            types: dict[int, str] | None = None
            for c in cells:
                value = c["value"]
                if value is not None and (text := value if type(value) is str else cell_text(value)):
                    columns.append(c["column"])
                    texts.append(text)
                    if (kind := cell_type(value)) is not None:
                        types = types or {}
                        types[c["column"]] = kind
            if texts:
                rows.append(_row(number, columns, texts, types))
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
