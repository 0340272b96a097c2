"""What the Build page shows of a BuildOutcome (the same data `batchkit build` prints, builder/summary.py): the
records per kind with their count by reason and currency, the amounts removed per currency (exact Decimals),
what produced nothing and why, the findings of the export and of the files built, and the files."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd

from batchkit.builder.pipeline import BuildOutcome
from batchkit.core.findings import Finding

ACCOUNT_CURRENCY = "(account currency)"  # a currency column left empty
NOT_NAMED = "(not in this kind of file)"
SHOWN_ROWS = 50  # export row numbers shown under each reason that produced nothing; then "and N more"


@dataclass(frozen=True)
class Group:
    """Records of one kind with one reason and one currency; `amount` their new amounts' sum (None: no currency
    column, so the amounts are in the actions' own currencies and are not added up)."""

    reason: str
    currency: str
    records: int
    amount: Decimal | None


@dataclass(frozen=True)
class KindTotals:
    kind: str
    records: int
    groups: list[Group]


@dataclass(frozen=True)
class BuiltFile:
    name: str
    size: int
    path: Path
    upload_id: str


@dataclass
class BuildView:
    """Everything the result fragment renders."""

    export: str
    preset: str
    ok: bool
    lines: int = 0
    orders: int = 0
    kinds: list[KindTotals] = field(default_factory=list)
    removed: list[tuple[str, Decimal]] = field(default_factory=list)
    skipped: list[tuple[str, int]] = field(default_factory=list)
    skipped_rows: dict[str, tuple[str, int]] = field(default_factory=dict)  # why -> (rows shown, how many more)
    input_findings: list[Finding] = field(default_factory=list)
    input_counts: dict[str, int] = field(default_factory=dict)
    output: list[tuple[str, list[Finding], int, int]] = field(default_factory=list)  # name, findings, errors, warnings
    files: list[BuiltFile] = field(default_factory=list)
    remembered: str | None = None

    @property
    def deliver_link(self) -> str:
        return "/deliver?" + "&".join(f"files={f.upload_id}" for f in self.files)


def kind_totals(kind: str, frame: pd.DataFrame) -> KindTotals:
    """Count (and, with a currency column, the sum of the new amounts) by reason and currency."""
    n = len(frame)
    reasons = frame["Reason"].tolist() if "Reason" in frame else [""] * n
    has_currency = "CurrencyCode" in frame
    currencies = frame["CurrencyCode"].tolist() if has_currency else [""] * n
    amounts = frame["Amount"].tolist() if "Amount" in frame else [""] * n
    counts: Counter[tuple[str, str]] = Counter()
    sums: dict[tuple[str, str], Decimal] = {}
    for reason, currency, amount in zip(reasons, currencies, amounts):
        key = (str(reason).strip(), str(currency).strip() or (ACCOUNT_CURRENCY if has_currency else NOT_NAMED))
        counts[key] += 1
        text = str(amount).strip()
        if has_currency and text:
            sums[key] = sums.get(key, Decimal(0)) + Decimal(text)
    groups = [Group(r, c, counts[r, c], sums.get((r, c)) if has_currency else None) for r, c in sorted(counts)]
    return KindTotals(kind, n, groups)


def rows_shown(rows: list[int], count: int) -> tuple[str, int]:
    """The first SHOWN_ROWS export row numbers of a reason, as text, and how many more it covers (`count`, its
    exact number: one row per line or order counted, BuildResult.skipped_rows)."""
    shown = rows[:SHOWN_ROWS]
    return ", ".join(str(r) for r in shown), max(count - len(shown), 0)


def view_of(outcome: BuildOutcome, export: str, preset: str) -> BuildView:
    """The page's view of a build (files are added by the caller once they are uploads)."""
    view = BuildView(export, preset, outcome.ok, input_findings=outcome.input_report.findings(),
                     input_counts=dict(outcome.input_report.severity_counts))
    result = outcome.result
    if result is not None:
        view.lines, view.orders = result.lines, result.orders
        view.kinds = [kind_totals(k, frame) for k, frame in sorted(result.records.items())]
        view.removed = sorted(result.removed.items())
        view.skipped = sorted(result.skipped.items())
        view.skipped_rows = {why: rows_shown(result.skipped_rows.get(why, []), n) for why, n in view.skipped}
    if outcome.output_report is not None:
        view.output = [(Path(fr.path).name, fr.findings(), fr.errors, fr.warnings)
                       for fr in outcome.output_report.files if fr.findings()]
    return view


def zip_of(files: list[BuiltFile]) -> bytes:
    """Every built file in one zip (stored as written, byte for byte)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in files:
            archive.write(f.path, f.name)
    return buffer.getvalue()
