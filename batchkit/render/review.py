"""A workbook for a person to review proposals: one sheet of rows, drop-down lists, highlighted cells, and a
"Read me" sheet. Generic: plain rows, column specs, validation lists and highlight flags in, XLSX bytes out.

Every cell is written as text (ids keep their zeros, "=..." never becomes a formula). A column's choices
become a drop-down list (a data validation of type list): inline when they fit Excel's 255 characters and
hold no comma or quote, else through a range of a hidden sheet "Lists".
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batchkit.io.write import write_bytes_atomic
from batchkit.render.annotate import visible

HIGHLIGHT = "F8CBAD"  # orange: needs attention soon
HEADER_FILL = "D9E1F2"
LISTS_SHEET = "Lists"
INLINE_LIMIT = 255  # Excel's limit on a list validation's formula


@dataclass(frozen=True)
class Column:
    """One column of the review sheet."""

    header: str
    width: float = 14
    wrap: bool = False
    choices: tuple[str, ...] = ()  # a drop-down list of the accepted values (empty: free text)


@dataclass(frozen=True)
class Row:
    """One row: its cells as text, and the positions (0-based) of the cells to highlight."""

    cells: Sequence[str]
    highlight: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Review:
    """The whole workbook."""

    columns: Sequence[Column]
    rows: Sequence[Row]
    readme: Sequence[str] = ()
    title: str = "Review"
    readme_title: str = "Read me"


def list_formula(choices: Sequence[str], column: int, lists: Any) -> str:
    """formula1 of a list validation: the values inline, or a range of the hidden sheet holding them."""
    inline = '"' + ",".join(choices) + '"'
    if len(inline) - 2 <= INLINE_LIMIT and not any("," in c or '"' in c for c in choices):
        return inline
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(column)
    for i, choice in enumerate(choices, start=1):
        lists.cell(row=i, column=column, value=choice).data_type = "s"
    return f"'{LISTS_SHEET}'!${letter}$1:${letter}${len(choices)}"


def review_workbook(review: Review) -> bytes:
    """The XLSX bytes of the review."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = review.title
    _header(sheet, review.columns)
    for r, row in enumerate(review.rows, start=2):
        _row(sheet, r, row, review.columns)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    _readme(book.create_sheet(review.readme_title), review.readme)
    _validations(book, sheet, review)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def write_review(target: Path, review: Review, overwrite: bool = False) -> None:
    """Write the review workbook atomically (never over an existing file unless `overwrite`)."""
    write_bytes_atomic(Path(target), review_workbook(review), overwrite)


def _header(sheet: Any, columns: Sequence[Column]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    for c, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=c, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(c)].width = column.width


def _row(sheet: Any, r: int, row: Row, columns: Sequence[Column]) -> None:
    from openpyxl.styles import Alignment, PatternFill

    for c, column in enumerate(columns, start=1):
        text = row.cells[c - 1] if c - 1 < len(row.cells) else ""
        cell = sheet.cell(row=r, column=c, value=visible(text) if text else None)
        if cell.value is not None:
            cell.data_type = "s"  # text, never a number or a formula
        if column.wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if c - 1 in row.highlight:
            cell.fill = PatternFill("solid", fgColor=HIGHLIGHT)


def _validations(book: Any, sheet: Any, review: Review) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    lists = None
    last = max(len(review.rows) + 1, 2)
    for c, column in enumerate(review.columns, start=1):
        if not column.choices:
            continue
        if lists is None:
            lists = book.create_sheet(LISTS_SHEET)
            lists.sheet_state = "hidden"
        check = DataValidation(type="list", formula1=list_formula(column.choices, c, lists), allow_blank=True,
                               showErrorMessage=True, errorTitle="Not an accepted value",
                               error=f"{column.header}: choose one of the list's values")
        letter = get_column_letter(c)
        check.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(check)
    if lists is not None and lists.max_row == 1 and lists.max_column == 1 and lists["A1"].value is None:
        book.remove(lists)  # every list fitted inline


def _readme(sheet: Any, lines: Sequence[str]) -> None:
    from openpyxl.styles import Alignment

    sheet.column_dimensions["A"].width = 110
    for r, line in enumerate(lines, start=1):
        cell = sheet.cell(row=r, column=1, value=visible(line) if line else None)
        if cell.value is not None:
            cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")
