"""Reports a finance user opens to fix a file: an annotated XLSX copy and an issues CSV."""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from pathlib import Path
from typing import Any

from batchkit.core.findings import FileReport, Finding, Report
from batchkit.io.records import all_records
from batchkit.io.write import formula_safe, write_bytes_atomic

FILL = {"error": "FFC7CE", "warning": "FFEB9C"}
ISSUE_COLUMNS = ["Row", "Column", "Code", "Severity", "Value", "Message"]
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters XLSX (XML 1.0) cannot hold
MAX_WIDTH = 60  # a column is as wide as its longest line, up to this many characters
SHEET_NAME = 31  # Excel's limit


def visible(value: Any) -> Any:
    """Text with the control characters XLSX cannot store written as \\xNN (other values unchanged)."""
    if isinstance(value, str) and _ILLEGAL.search(value):
        return _ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return value


def _column_index(header: list[str], column: str | None) -> int | None:
    if column is None:
        return None
    return header.index(column) if column in header else None


def write_xlsx_report(report: Report, target: Path, sheet: str | None = None, overwrite: bool = False) -> None:
    """A copy of each input with bad cells filled red/amber and commented, plus an Issues sheet."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    book = openpyxl.Workbook()
    book.remove(book.active)
    issues = book.create_sheet("Issues")
    multi = len(report.files) > 1
    issues.append((["File"] if multi else []) + ISSUE_COLUMNS)
    for cell in issues[1]:
        cell.font = Font(bold=True)
    names = sheet_names([fr.path for fr in report.files], {"issues"})
    for fr, name in zip(report.files, names):
        records = all_records(fr.path, sheet)
        ws = book.create_sheet(name)
        for record in records:
            for col, text in record.items():
                if text:
                    _put_text(ws, record.number, col, text)
        header = records[0].cells() if records and records[0].number == 1 else []
        notes: dict[tuple[int, int], list[Finding]] = {}
        for f in fr.findings():
            _append_text(issues, ([shown_path(fr.path)] if multi else []) + [f.row, f.column, f.code, f.severity, f.value,
                                                                           f.message])
            index = _column_index(header, f.column)
            if f.row is not None:
                notes.setdefault((f.row, (index or 0) + 1), []).append(f)
        for (row, col), found in notes.items():
            worst = "error" if any(x.severity == "error" for x in found) else "warning"
            cell = ws.cell(row=row, column=col)
            cell.fill = PatternFill("solid", fgColor=FILL[worst])
            text = visible("\n".join(f"{x.code}: {x.message}" for x in found))
            cell.comment = Comment(text, "batchkit", width=320, height=120)
        ws.freeze_panes = "A2"
        fit_columns(ws)
    issues.freeze_panes = "A2"
    issues.auto_filter.ref = issues.dimensions
    fit_columns(issues)
    book.move_sheet("Issues", offset=len(book.sheetnames) - 1)
    buf = io.BytesIO()
    book.save(buf)
    write_bytes_atomic(target, keep_cr(buf.getvalue()), overwrite)


def shown_path(path: str) -> str:
    """A path as the person who ran the command knows it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(Path(path).resolve(), Path.cwd().resolve())
    except ValueError:  # another drive (Windows)
        return path
    return path if rel.startswith("..") else rel


def fit_columns(ws: Any, cap: int = MAX_WIDTH) -> None:
    """Each column as wide as its longest line of text (at least 8, at most `cap` characters)."""
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for cell in ws._cells.values():  # the cells written, not iter_rows' rectangle (one far-away cell: 2^34 of them)
        if cell.value is not None:
            longest = max(len(line) for line in str(cell.value).splitlines() or [""])
            widths[cell.column] = max(widths.get(cell.column, 0), longest)
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = min(cap, max(8, width + 2))


def keep_cr(xlsx: bytes) -> bytes:
    """The workbook with each carriage return inside a cell written as &#13;: a raw CR in XML is read back as LF,
    so a cell ending in CR would come back ending in LF."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    if not any(b"\r" in src.read(i) for i in src.infolist() if i.filename.startswith("xl/worksheets/")):
        return xlsx
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith(".xml") and item.filename.startswith(("xl/worksheets/", "xl/comments")):
                data = data.replace(b"\r", b"&#13;")
            dst.writestr(item, data)
    return out.getvalue()


def _put_text(ws: Any, row: int, column: int, text: str) -> None:
    """A cell that stays text: ids keep their zeros and "=..." never becomes a formula."""
    cell = ws.cell(row=row, column=column, value=visible(text))
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"


def _append_text(ws: Any, values: list[Any]) -> None:
    """Append a row whose strings stay strings: ids keep their zeros and "=..." never becomes a formula."""
    ws.append([visible(v) for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


def sheet_names(paths: list[str], used: set[str]) -> list[str]:
    """A readable, unique sheet name per file (Excel: at most 31 characters, no []:*?/\\): the file's name
    without what every file's name begins with (acme_2026-11-22_order-reversals -> order-reversals), a long
    one shortened in the middle so its start and end (kind, date) stay; a repeated one gets " (2)"."""
    stems = [re.sub(r"[\[\]:*?/\\\x00-\x1f]", "_", Path(p).stem).strip("'") or "Sheet" for p in paths]
    if len(stems) > 1 and any(len(s) > SHEET_NAME for s in stems):
        common = os.path.commonprefix(stems)
        common = common[:max(common.rfind("_"), common.rfind("-"), common.rfind(" ")) + 1]
        if common and all(len(s) > len(common) for s in stems):
            stems = [s[len(common):] for s in stems]
    names = []
    for stem in stems:
        name, n = _shorten(stem, SHEET_NAME), 2
        while name.lower() in used:
            tail = f" ({n})"
            name, n = _shorten(stem, SHEET_NAME - len(tail)) + tail, n + 1
        used.add(name.lower())
        names.append(name)
    return names


def _shorten(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head):]


def write_issues_csv(report: Report, target: Path, sheet: str | None = None, overwrite: bool = False) -> None:
    """row, column, code, message, then the original cells of that row (a leading file column for several files);
    a cell a spreadsheet would run (`=`, `+`, `-`, `@`, tab, CR first) gets a leading `'` (io/write.formula_safe)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    multi = len(report.files) > 1
    header_written = False
    for fr in report.files:
        records = all_records(fr.path, sheet)
        width = records[0].last if records and records[0].number == 1 else 0
        by_row = {r.number: r for r in records}
        if not header_written:
            cells = ([f"cell{i + 1}" for i in range(max((len(r.compact(width)) for r in records), default=0))] if multi
                     else by_row[1].compact(width) if 1 in by_row else [])
            writer.writerow((["file"] if multi else []) + ["row", "column", "code", "message"] + list(cells))
            header_written = True
        for f in _by_row(fr):
            original = by_row[f.row].compact(width) if f.row in by_row else []
            cells = [f.column or "", f.code, f.message, *original]  # a file's text: no spreadsheet runs it
            writer.writerow(([fr.path] if multi else []) + [f.row or ""] + [formula_safe(str(c)) for c in cells])
    write_bytes_atomic(target, buf.getvalue().encode("utf-8"), overwrite)


def _by_row(fr: FileReport) -> list[Finding]:
    return sorted(fr.findings(), key=lambda f: (f.row or 0, f.column or "", f.code))
