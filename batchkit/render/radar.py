"""The radar's workbook: one sheet of typed cells (dates as dates, money as exact numbers in its currency's format,
text as text), deadlines highlighted by row, and a sheet of the commission at stake by day with a bar chart (one
series per currency: amounts of different currencies are never added). Generic: plain cells in, XLSX bytes out."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from batchkit.io.write import write_bytes_atomic
from batchkit.render.annotate import visible

HEADER_FILL = "D9E1F2"
DATE_FORMAT = "yyyy-mm-dd hh:mm"
DAY_FORMAT = "yyyy-mm-dd"


def money_format(currency: str, places: int) -> str:
    """`#,##0.00 "USD"`: the amount with its currency's decimals and code."""
    digits = "#,##0" + ("." + "0" * places if places else "")
    return f'{digits} "{currency}"' if currency.isalpha() else digits


@dataclass(frozen=True)
class Cell:
    """One value (str, int, Decimal, bool, datetime without zone, date or None) and its number format."""

    value: Any
    number_format: str | None = None


@dataclass(frozen=True)
class Line:
    """One row of the sheet and its highlight colour (RRGGBB, or None)."""

    cells: Sequence[Cell]
    fill: str | None = None


@dataclass
class Sheet:
    """The whole workbook: the list's columns (header, width), its lines, and the commission by day."""

    columns: Sequence[tuple[str, float]]
    lines: Sequence[Line]
    by_day: Sequence[tuple[date, dict[str, Decimal]]] = ()
    currencies: Sequence[tuple[str, int]] = ()  # (code, decimals) of the by-day sheet's columns
    title: str = "Radar"
    notes: Sequence[str] = field(default_factory=list)


def radar_workbook(sheet: Sheet) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet.title
    _header(ws, sheet.columns)
    for r, line in enumerate(sheet.lines, start=2):
        _line(ws, r, line)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    _by_day(book.create_sheet("By day"), sheet)
    if sheet.notes:
        notes = book.create_sheet("Notes")
        notes.column_dimensions["A"].width = 110
        for r, text in enumerate(sheet.notes, start=1):
            notes.cell(row=r, column=1, value=visible(text)).data_type = "s"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def write_radar(target: Path, sheet: Sheet, overwrite: bool = True) -> None:
    """Write the workbook atomically."""
    write_bytes_atomic(Path(target), radar_workbook(sheet), overwrite)


def _header(ws: Any, columns: Sequence[tuple[str, float]]) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    for c, (header, width) in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=c, value=header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        ws.column_dimensions[get_column_letter(c)].width = width


def _line(ws: Any, r: int, line: Line) -> None:
    from openpyxl.styles import PatternFill

    for c, spec in enumerate(line.cells, start=1):
        value = visible(spec.value) if isinstance(spec.value, str) else spec.value
        cell = ws.cell(row=r, column=c, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # text, never a number or a formula
        if spec.number_format:
            cell.number_format = spec.number_format
        if line.fill:
            cell.fill = PatternFill("solid", fgColor=line.fill)


def _by_day(ws: Any, sheet: Sheet) -> None:
    from openpyxl.chart import BarChart, Reference

    ws.cell(row=1, column=1, value="Day (LockingDate)")
    for c, (code, _) in enumerate(sheet.currencies, start=2):
        ws.cell(row=1, column=c, value=code)
    for r, (day, amounts) in enumerate(sheet.by_day, start=2):
        ws.cell(row=r, column=1, value=day).number_format = DAY_FORMAT
        for c, (code, places) in enumerate(sheet.currencies, start=2):
            if code in amounts:
                ws.cell(row=r, column=c, value=amounts[code]).number_format = money_format(code, places)
    ws.column_dimensions["A"].width = 18
    if not sheet.by_day or not sheet.currencies:
        return
    chart = BarChart()
    chart.title = "Commission at stake by day (per currency)"
    chart.y_axis.title = "commission"
    chart.x_axis.title = "LockingDate"
    last = len(sheet.by_day) + 1
    chart.add_data(Reference(ws, min_col=2, max_col=len(sheet.currencies) + 1, min_row=1, max_row=last),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=last))
    chart.width, chart.height = 24, 12
    ws.add_chart(chart, f"{chr(ord('A') + min(len(sheet.currencies) + 2, 20))}2")
