"""The text report for people: findings grouped by code with exact counts, capped samples and fix hints."""

from __future__ import annotations

from batchkit.core.codes import catalogue
from batchkit.core.findings import SEVERITY_ORDER, FileReport, Report
from batchkit.render.escape import printable


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def render_text(report: Report, color: bool = False) -> str:
    """Per file: kind, rows, errors and warnings; findings grouped by code with counts and samples."""
    out: list[str] = []
    for f in report.files:
        out += _file_text(f, color)
    verdict = "valid" if report.valid else "INVALID"
    out.append(f"{_plural(len(report.files), 'file')}: {_plural(report.errors, 'error')}, "
               f"{_plural(report.warnings, 'warning')} - {_paint(verdict, 'green' if report.valid else 'red', color)}")
    return "\n".join(out)


_ANSI = {"red": 31, "green": 32, "yellow": 33}  # bold foreground colours (what click.style writes)


def _paint(text: str, fg: str, color: bool) -> str:
    if not color:
        return text
    return f"\x1b[{_ANSI[fg]}m\x1b[1m{text}\x1b[0m"


def _file_text(f: FileReport, color: bool) -> list[str]:
    """One file's lines. Everything that came from a file or a server (its name, the kind's reason, each finding's
    message: a cell, a platform's ErrorReason) is escaped here, once, for every command that prints a report."""
    kind = printable(f"{f.kind} ({f.kind_reason})") if f.kind else "kind unknown"
    counts = f"{_plural(f.rows, 'row')}: {_plural(f.errors, 'error')}, {_plural(f.warnings, 'warning')}"
    lines = [f"{printable(f.path)}: {kind}, {counts}"]
    by_code = sorted(f.counts, key=lambda c: (min(SEVERITY_ORDER[x.severity] for x in f.samples.get(c, [])) if f.samples.get(c) else 0, c))
    for code in by_code:
        info = catalogue()[code]
        shown = f.samples.get(code, [])
        sev = shown[0].severity if shown else info.severity
        lines.append(f"  {_paint(code, 'red' if sev == 'error' else 'yellow', color)} {sev:<7} "
                     f"{info.title} ({f.counts[code]:,})")
        for s in sorted(shown, key=lambda x: (x.row or 0, x.column or "")):
            lines.append(f"    {_where(s.row, s.line, s.column)}: {printable(s.message)}")
        if f.counts[code] > len(shown):
            lines.append(f"    ... and {f.counts[code] - len(shown):,} more (--max-samples 0 lists all)")
        lines.append(f"    fix: {info.help}")
    return lines


def _where(row: int | None, line: int | None, column: str | None) -> str:
    parts = []
    if row is not None:
        parts.append(f"row {row}" + (f" (line {line})" if line is not None and line != row else ""))
    elif line is not None:
        parts.append(f"line {line}")
    if column:
        parts.append(f"column {printable(column)}")
    return ", ".join(parts) or "file"
