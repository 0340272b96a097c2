"""Reports a finance user opens to fix a file: an annotated XLSX copy and an issues CSV."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from batchkit.core.findings import FileReport, Finding, Report
from batchkit.io.records import all_records
from batchkit.io.write import formula_safe, write_bytes_atomic

FILL = {"error": "FFC7CE", "warning": "FFEB9C"}
ISSUE_COLUMNS = ["Row", "Column", "Code", "Severity", "Value", "Message"]
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters XLSX (XML 1.0) cannot hold


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
    used: set[str] = {"issues"}
    for fr in report.files:
        records = all_records(fr.path, sheet)
        ws = book.create_sheet(_sheet_name(fr.path, used))
        for record in records:
            for col, text in record.items():
                if text:
                    _put_text(ws, record.number, col, text)
        header = records[0].cells() if records and records[0].number == 1 else []
        notes: dict[tuple[int, int], list[Finding]] = {}
        for f in fr.findings():
            _append_text(issues, ([fr.path] if multi else []) + [f.row, f.column, f.code, f.severity, f.value, f.message])
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
    issues.freeze_panes = "A2"
    issues.auto_filter.ref = issues.dimensions
    book.move_sheet("Issues", offset=len(book.sheetnames) - 1)
    buf = io.BytesIO()
    book.save(buf)
    write_bytes_atomic(target, buf.getvalue(), overwrite)


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


def _sheet_name(path: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\\x00-\x1f]", "_", Path(path).stem)[:28] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        name, n = f"{base[:25]}~{n}", n + 1
    used.add(name.lower())
    return name


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
