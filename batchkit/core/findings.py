"""Findings and reports: the data every output format renders.

Counts are exact; the findings kept per code are capped (`max_samples`, 0 = all). A Report is read-only for its
users: the methods that change one (`_add`, `_add_counted`, `_withdraw`, `_keep_only`, `_cap`) are batchkit's own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from batchkit.core.codes import catalogue

SEVERITY_ORDER = {"error": 0, "warning": 1}


@dataclass(frozen=True)
class Finding:
    """One problem at one place: row as a spreadsheet shows it, line where the record starts.

    `code` is the rule (BK201, ...), `severity` "error" or "warning", `column` the header named (None for the
    whole row or file) and `value` the cell as written.

    Example::

        report = batchkit.validate("samples/broken/acme_order-modifications_broken.csv")
        first = report.files[0].findings()[0]
        print(first.code, first.severity, first.row, first.column, first.value, first.message)
    """

    code: str
    severity: str
    message: str
    row: int | None = None
    line: int | None = None
    column: str | None = None
    value: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The finding as in the JSON report: code, severity, row, line, column, value and message.

        Example::

            report = batchkit.validate("samples/broken/acme_order-modifications_broken.csv")
            rows = [f.as_dict() for f in report.files[0].findings()]
        """
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
    """Everything found in one file: its kind, its records, the findings' exact counts and the findings kept.

    `counts` is the number of findings per code (exact, however many were kept), `samples` the findings kept per
    code (at most `max_samples` each, 0 = all), `kind_reason` how the kind was told. Read it; batchkit fills it.

    Example::

        report = batchkit.validate("samples/broken/acme_order-modifications_broken.csv")
        file = report.files[0]
        print(file.path, file.kind, file.rows, file.errors, file.warnings, dict(file.counts))
    """

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

    def _wants(self, code: str) -> int:
        """How many more samples of `code` are kept (a large number when unlimited)."""
        if self.max_samples == 0:
            return 1 << 62
        return max(self.max_samples - len(self.samples.get(code, ())), 0)

    def _add(self, finding: Finding) -> None:
        """Count a finding and keep it if the code's sample cap allows."""
        self.counts[finding.code] += 1
        self.severity_counts[finding.severity] += 1
        self.by_code_severity[finding.code, finding.severity] += 1
        if self._wants(finding.code):
            self.samples.setdefault(finding.code, []).append(finding)

    def _add_counted(self, code: str, severity: str, total: int, samples: Iterable[Finding]) -> None:
        """Count `total` findings of one code at once, keeping the given samples (already capped)."""
        if total <= 0:
            return
        self.counts[code] += total
        self.severity_counts[severity] += total
        self.by_code_severity[code, severity] += total
        kept = self.samples.setdefault(code, [])
        kept.extend(list(samples)[: self._wants(code)])

    @property
    def errors(self) -> int:
        """How many findings are errors (all of them, not only those kept).

        Example::

            report = batchkit.validate("samples/broken/acme_order-modifications_broken.csv")
            assert report.files[0].errors == 22
        """
        return self.severity_counts["error"]

    @property
    def warnings(self) -> int:
        """How many findings are warnings (all of them, not only those kept).

        Example::

            report = batchkit.validate("samples/broken/acme_order-modifications_broken.csv")
            assert report.files[0].warnings == 5
        """
        return self.severity_counts["warning"]

    @property
    def valid(self) -> bool:
        """True when the file has no error (warnings allowed).

        Example::

            report = batchkit.validate("samples/batch/acme_order-modifications_2026-11-22.csv")
            assert report.files[0].valid
        """
        return self.errors == 0

    def _withdraw(self, code: str, rows: set[int], count: int) -> None:
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

    def _keep_only(self, wanted: Callable[[str], bool]) -> None:
        """Drop every finding whose code `wanted` rejects (for --select / --ignore)."""
        for (code, severity), n in list(self.by_code_severity.items()):
            if not wanted(code):
                del self.by_code_severity[code, severity]
                self.severity_counts[severity] -= n
                self.counts.pop(code, None)
                self.samples.pop(code, None)

    def _cap(self, n: int) -> None:
        """Keep at most `n` samples per code (0 = all); counts are unchanged."""
        self.max_samples = n
        if n:
            self.samples = {code: kept[:n] for code, kept in self.samples.items()}

    def findings(self) -> list[Finding]:
        """The findings kept, most important first: errors, then by code, then by row.

        Example::

            report = batchkit.validate("samples/broken/acme_order-modifications_broken.csv", max_samples=0)
            for finding in report.files[0].findings():
                print(finding.row, finding.column, finding.code, finding.message)
        """
        every = [f for group in self.samples.values() for f in group]
        return sorted(every, key=lambda f: (SEVERITY_ORDER[f.severity], f.code, f.row or 0, f.column or ""))

    def as_dict(self) -> dict[str, Any]:
        """The file as in the JSON report (`batchkit validate --format json`): path, kind, kind_reason, rows, valid,
        errors, warnings, counts (per code, sorted) and findings (the kept ones, as `Finding.as_dict`).

        Example::

            report = batchkit.validate("samples/broken/acme_order-modifications_broken.csv")
            assert report.files[0].as_dict()["counts"]["BK201"] == 3
        """
        return {
            "path": self.path,
            "kind": self.kind,
            "kind_reason": self.kind_reason,
            "rows": self.rows,
            "valid": self.valid,
            "errors": self.errors,
            "warnings": self.warnings,
            "counts": dict(sorted(self.counts.items())),
            "findings": [f.as_dict() for f in self.findings()],
        }


@dataclass
class Report:
    """The result of validating one batch (one or more files): a FileReport per file, in the order given.

    Example::

        report = batchkit.validate(["samples/batch/acme_order-modifications_2026-11-22.csv",
                                    "samples/batch/acme_order-reversals_2026-11-22.csv"])
        print(report.valid, report.errors, report.warnings, [file.path for file in report.files])
    """

    files: list[FileReport] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when no file has an error (warnings allowed).

        Example::

            report = batchkit.validate("samples/batch/acme_order-modifications_2026-11-22.csv")
            assert report.valid
        """
        return all(f.valid for f in self.files)

    @property
    def errors(self) -> int:
        """How many errors the files have, together.

        Example::

            report = batchkit.validate("samples/broken/acme_order-modifications_broken.csv")
            assert report.errors == 22
        """
        return sum(f.errors for f in self.files)

    @property
    def warnings(self) -> int:
        """How many warnings the files have, together.

        Example::

            report = batchkit.validate("samples/broken/acme_order-modifications_broken.csv")
            assert report.warnings == 5
        """
        return sum(f.warnings for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        """The JSON report `batchkit validate --format json` prints, as Python data: valid, errors, warnings and
        files (each as `FileReport.as_dict`); `json.dumps` of it is that document.

        Example::

            report = batchkit.validate("samples/broken/acme_order-modifications_broken.csv")
            document = json.dumps(report.as_dict(), indent=2)
        """
        return {
            "valid": self.valid,
            "errors": self.errors,
            "warnings": self.warnings,
            "files": [f.as_dict() for f in self.files],
        }


def finding(code: str, message: str, row: int | None = None, line: int | None = None, column: str | None = None,
            value: str | None = None) -> Finding:
    """A Finding with the catalogue's default severity for `code`."""
    return Finding(code, catalogue()[code].severity, message, row, line, column, value)
