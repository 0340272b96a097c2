"""CI renderers: GitHub workflow commands (+ step summary), JUnit XML, SARIF 2.1.0.

All of them render the same Report as the text and JSON formats.
"""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from batchkit.core.codes import catalogue
from batchkit.core.findings import FileReport, Finding, Report
from batchkit.core.version import VERSION
from batchkit.render.escape import printable

GITHUB_LIMIT = 10  # annotations GitHub shows per severity and step
INFO_URI = "https://github.com/batchkit/batchkit#rule-catalogue"


class Columns:
    """Character columns (1-based) of cells, from the file's own physical lines, for annotations."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lines: list[str] | None = None
        self._header: list[str] = []

    def _load(self, upto: int) -> None:
        if self._lines is not None and len(self._lines) >= upto:
            return
        self._lines = []
        try:
            with open(self.path, encoding="utf-8-sig", errors="replace", newline="") as fh:
                for n, text in enumerate(fh, start=1):
                    self._lines.append(text.rstrip("\r\n"))
                    if n >= upto:
                        break
        except OSError:
            return
        if self._lines:
            self._header = next(csv.reader([self._lines[0]]), [])

    def col(self, line: int | None, column: str | None) -> int | None:
        if line is None or column is None or self.path.lower().endswith((".xlsx", ".xlsm")):
            return None
        self._load(max(line, 1))
        if self._lines is None or line > len(self._lines) or column not in self._header:
            return None
        starts = field_starts(self._lines[line - 1])
        index = self._header.index(column)
        return starts[index] + 1 if index < len(starts) else None


def field_starts(line: str, delimiter: str = ",") -> list[int]:
    """0-based offsets where each field of a CSV line starts (quotes respected)."""
    starts, quoted = [0], False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            starts.append(i + 1)
    return starts


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report) -> str:
    """`::error file=…,line=…,col=…,title=BK…::message`; most important first, the rest summarised."""
    out: list[str] = []
    shown = {"error": 0, "warning": 0}
    hidden: dict[str, int] = {}
    for fr in report.files:
        columns = Columns(fr.path)
        listed: dict[str, int] = {}
        for f in fr.findings():
            if shown[f.severity] < GITHUB_LIMIT:
                shown[f.severity] += 1
                listed[f.code] = listed.get(f.code, 0) + 1
                out.append(_annotation(fr, f, columns))
        for code, n in fr.counts.items():
            if n > listed.get(code, 0):
                hidden[code] = hidden.get(code, 0) + n - listed.get(code, 0)
    if hidden:
        rest = ", ".join(f"{code} x{n:,}" for code, n in sorted(hidden.items()))
        out.append(f"::notice title=batchkit::{sum(hidden.values()):,} more findings not shown as annotations: "
                   f"{_escape_data(rest)} (see the job log or run batchkit validate --format text)")
    out.append(f"batchkit: {report.errors:,} errors, {report.warnings:,} warnings in {len(report.files)} file(s)")
    return "\n".join(out)


def _annotation(fr: FileReport, f: Finding, columns: Columns) -> str:
    props = [f"file={_escape_prop(fr.path)}"]
    if f.line is not None:
        props.append(f"line={f.line}")
        col = columns.col(f.line, f.column)
        if col is not None:
            props.append(f"col={col}")
    props.append(f"title={f.code} {_escape_prop(catalogue()[f.code].title)}")
    where = f"row {f.row}, column {f.column}: " if f.row and f.column else (f"row {f.row}: " if f.row else "")
    return printable(f"::{f.severity} {','.join(props)}::{_escape_data(where + f.message)}")


def step_summary(report: Report) -> str:
    """A Markdown table for $GITHUB_STEP_SUMMARY."""
    lines = ["### batchkit validate", "", "| file | kind | rows | errors | warnings | codes |", "|---|---|---:|---:|---:|---|"]
    for fr in report.files:
        codes = ", ".join(f"{c} ({n:,})" for c, n in sorted(fr.counts.items())) or "-"
        lines.append(f"| `{fr.path}` | {fr.kind or '?'} | {fr.rows:,} | {fr.errors:,} | {fr.warnings:,} | {codes} |")
    verdict = "valid" if report.valid else "**invalid**"
    lines += ["", f"{len(report.files)} file(s): {report.errors:,} errors, {report.warnings:,} warnings - {verdict}", ""]
    return "\n".join(lines)


def append_step_summary(target: str, report: Report) -> str | None:
    """Append the step summary to $GITHUB_STEP_SUMMARY; the reason in one line when that fails (a
    convenience: the caller warns and carries on)."""
    try:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(step_summary(report))
    except OSError as exc:
        return f"cannot write the job summary to GITHUB_STEP_SUMMARY={target} ({exc.strerror or exc}); skipped"
    return None


def render_junit(report: Report, fail_on: str = "error") -> str:
    """JUnit XML: a testsuite per file, a testcase per code found (or one passing case)."""
    suites = ET.Element("testsuites", name="batchkit validate")
    total_cases = total_failures = 0
    for fr in report.files:
        suite = ET.SubElement(suites, "testsuite", name=fr.path)
        codes = sorted(fr.counts) or []
        failures = 0
        if not codes:
            ET.SubElement(suite, "testcase", classname=fr.path, name="batchkit validate")
        for code in codes:
            case = ET.SubElement(suite, "testcase", classname=fr.path, name=f"{code} {catalogue()[code].title}")
            severities = {f.severity for f in fr.samples.get(code, [])} or {catalogue()[code].severity}
            failing = "error" in severities or fail_on == "warning"
            body = "\n".join(_line(f) for f in sorted(fr.samples.get(code, []), key=lambda f: f.row or 0))
            kept = len(fr.samples.get(code, []))
            if fr.counts[code] > kept:
                body += f"\n... and {fr.counts[code] - kept:,} more"
            if failing:
                failures += 1
                fail = ET.SubElement(case, "failure", message=f"{fr.counts[code]:,} x {code}: {catalogue()[code].title}",
                                     type=code)
                fail.text = body
            else:
                ET.SubElement(case, "system-out").text = body
        n = max(len(codes), 1)
        suite.set("tests", str(n))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        total_cases += n
        total_failures += failures
    suites.set("tests", str(total_cases))
    suites.set("failures", str(total_failures))
    ET.indent(suites)
    # ElementTree escapes markup but not the control characters XML 1.0 forbids: they can only sit in text
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + printable(ET.tostring(suites, encoding="unicode"), keep_whitespace=True)


def _line(f: Finding) -> str:
    where = ", ".join(x for x in (f"row {f.row}" if f.row else "", f"line {f.line}" if f.line else "",
                                  f"column {f.column}" if f.column else "") if x)
    return f"{f.severity}: {where}: {f.message}" if where else f"{f.severity}: {f.message}"


def render_sarif(report: Report) -> str:
    """SARIF 2.1.0: one rule per BK code, results whose region's startLine is the physical line."""
    codes = list(catalogue().values())
    index = {c.code: i for i, c in enumerate(codes)}
    rules = [{
        "id": c.code,
        "name": "".join(w.capitalize() for w in c.title.replace("-", " ").split() if w.isalnum()) or c.code,
        "shortDescription": {"text": c.title},
        "fullDescription": {"text": c.help},
        "help": {"text": c.help, "markdown": f"**{c.code} {c.title}**\n\n{c.help}"},
        "defaultConfiguration": {"level": c.severity},
        "helpUri": INFO_URI,
    } for c in codes]
    results: list[dict[str, Any]] = []
    for fr in report.files:
        columns = Columns(fr.path)
        for f in fr.findings():
            region: dict[str, Any] = {"startLine": f.line or 1}
            col = columns.col(f.line, f.column)
            if col is not None:
                region["startColumn"] = col
            results.append({
                "ruleId": f.code,
                "ruleIndex": index[f.code],
                "level": f.severity,
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": Path(fr.path).as_posix()},
                                                    "region": region}}],
                "properties": {"row": f.row, "column": f.column, "value": f.value},
            })
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "batchkit", "version": VERSION, "informationUri": INFO_URI,
                                      "rules": rules}},
                  "results": results}],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)
