"""Every record of a file as written, for tools that rewrite or annotate it (fix, the XLSX report).

Unlike read.py, nothing is checked or dropped: blank and ragged CSV records are kept, each with its
spreadsheet row.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from batchkit.io.read import BOM, read_input
from batchkit.io.sniff import reads_as_workbook
from batchkit.io.xlsx import Row, read_xlsx_rows


def csv_delimiter(first_line: str) -> str:
    """The delimiter of a CSV text by its first line: a comma unless the line has none and another sign."""
    return max((",", ";", "\t", "|"), key=first_line.count) if first_line.count(",") == 0 else ","


def all_records(path: str, sheet: str | None = None) -> list[Row]:
    """Every record of a file as text with its spreadsheet row (CSV: blank and ragged records kept;
    XLSX: the rows that hold something)."""
    p = Path(path)
    raw = read_input(p)
    if reads_as_workbook(p, raw):
        return read_xlsx_rows(p, raw, sheet)
    if raw.startswith(BOM):
        raw = raw[len(BOM):]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return text_records(text)


def text_records(text: str) -> list[Row]:
    """Every record of a CSV text with its spreadsheet row (blank and ragged records kept; a BOM dropped)."""
    text = text.lstrip("\ufeff")
    delimiter = csv_delimiter(text.split("\n", 1)[0])
    try:
        records = list(csv.reader(io.StringIO(text.replace("\x00", "\ufffd"), newline=""), delimiter=delimiter))
    except csv.Error:
        records = [line.split(delimiter) for line in text.splitlines()]
    return [Row(n, record) for n, record in enumerate(records, start=1)]
