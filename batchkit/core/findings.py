"""Findings and reports: the data every output format renders.

Counts are exact; the findings kept per code are capped (`max_samples`, 0 = all).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from batchkit.core.codes import catalogue

SEVERITY_ORDER = {"error": 0, "warning": 1}


@dataclass(frozen=True)
class Finding:
    """One problem at one place: row as a spreadsheet shows it, line where the record starts."""

    code: str
    severity: str
    message: str
    row: int | None = None
    line: int | None = None
    column: str | None = None
    value: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "row": self.row,
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass
class FileReport:
    """Everything found in one file."""

    path: str
    max_samples: int = 10
    kind: str | None = None
    kind_reason: str = ""
    rows: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    severity_counts: Counter[str] = field(default_factory=Counter)
    by_code_severity: Counter[tuple[str, str]] = field(default_factory=Counter)
    samples: dict[str, list[Finding]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def wants(self, code: str) -> int:
        """How many more samples of `code` are kept (a large number when unlimited)."""
        if self.max_samples == 0:
            return 1 << 62
        return max(self.max_samples - len(self.samples.get(code, ())), 0)

    def add(self, finding: Finding) -> None:
        """Count a finding and keep it if the code's sample cap allows."""
        self.counts[finding.code] += 1
        self.severity_counts[finding.severity] += 1
        self.by_code_severity[finding.code, finding.severity] += 1
        if self.wants(finding.code):
            self.samples.setdefault(finding.code, []).append(finding)

    def add_counted(self, code: str, severity: str, total: int, samples: Iterable[Finding]) -> None:
        """Count `total` findings of one code at once, keeping the given samples (already capped)."""
        if total <= 0:
            return
        self.counts[code] += total
        self.severity_counts[severity] += total
        self.by_code_severity[code, severity] += total
        kept = self.samples.setdefault(code, [])
        kept.extend(list(samples)[: self.wants(code)])

    @property
    def errors(self) -> int:
        return self.severity_counts["error"]

    @property
    def warnings(self) -> int:
        return self.severity_counts["warning"]

    @property
    def valid(self) -> bool:
        return self.errors == 0

    def withdraw(self, code: str, rows: set[int], count: int) -> None:
        """Take back `count` findings of `code` on `rows` that a better-informed check decided (at most as many
        as were counted), and their samples."""
        taken = min(count, self.counts.get(code, 0))
        if taken <= 0:
            return
        severity = catalogue()[code].severity
        self.counts[code] -= taken
        self.severity_counts[severity] -= taken
        self.by_code_severity[code, severity] -= taken
        if self.counts[code] <= 0:
            del self.counts[code], self.by_code_severity[code, severity]
        kept = [f for f in self.samples.get(code, []) if f.row not in rows]
        if kept:
            self.samples[code] = kept
        else:
            self.samples.pop(code, None)

    def keep_only(self, wanted: Callable[[str], bool]) -> None:
        """Drop every finding whose code `wanted` rejects (for --select / --ignore)."""
        for (code, severity), n in list(self.by_code_severity.items()):
            if not wanted(code):
                del self.by_code_severity[code, severity]
                self.severity_counts[severity] -= n
                self.counts.pop(code, None)
                self.samples.pop(code, None)

    def cap(self, n: int) -> None:
        """Keep at most `n` samples per code (0 = all); counts are unchanged."""
        self.max_samples = n
        if n:
            self.samples = {code: kept[:n] for code, kept in self.samples.items()}

    def findings(self) -> list[Finding]:
        """Kept findings, most important first: errors, then by code, then by row."""
        every = [f for group in self.samples.values() for f in group]
        return sorted(every, key=lambda f: (SEVERITY_ORDER[f.severity], f.code, f.row or 0, f.column or ""))


@dataclass
class Report:
    """The result of validating one batch (one or more files)."""

    files: list[FileReport] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return all(f.valid for f in self.files)

    @property
    def errors(self) -> int:
        return sum(f.errors for f in self.files)

    @property
    def warnings(self) -> int:
        return sum(f.warnings for f in self.files)


def finding(code: str, message: str, row: int | None = None, line: int | None = None, column: str | None = None,
            value: str | None = None) -> Finding:
    """A Finding with the catalogue's default severity for `code`."""
    return Finding(code, catalogue()[code].severity, message, row, line, column, value)
