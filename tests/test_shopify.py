"""Shopify preset: bad order amounts are findings at the export's row, never wrong records."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from batchkit.builder.pipeline import build_files
from batchkit.builder.settings import load_build_settings
from batchkit.core.config import load_config

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "shopify"


def _build(tmp_path: Path, edits: dict[str, dict[str, str]]):
    """The sample export with cells of an order's first row replaced ({"#1043": {"Total": "0"}})."""
    rows = list(csv.DictReader(io.StringIO((SAMPLE / "orders_export.csv").read_text(encoding="utf-8"), newline="")))
    seen: set[str] = set()
    for row in rows:
        if row["Name"] in edits and row["Name"] not in seen:
            row.update(edits[row["Name"]])
        seen.add(row["Name"])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (tmp_path / "orders.csv").write_text(out.getvalue(), encoding="utf-8")
    config = load_config(SAMPLE / "batchkit.toml")
    return build_files(tmp_path / "orders.csv", tmp_path / "out", config, load_build_settings(config, None, None, None))


def _row_of(name: str) -> int:
    """The export's row number (header = 1) of an order's first row."""
    reader = csv.DictReader(io.StringIO((SAMPLE / "orders_export.csv").read_text(encoding="utf-8"), newline=""))
    return next(i for i, row in enumerate(reader, start=2) if row["Name"] == name)


@pytest.mark.parametrize("edit, code, column", [
    ({"Refunded Amount": "-5.00"}, "BK511", "Refunded Amount"),  # was written as a modification of 203.97 > 200.00
    ({"Subtotal": "-200.00"}, "BK511", "Subtotal"),  # was written as a reversal
    ({"Total": "0"}, "BK512", "Refunded Amount"),  # the refund was ignored and 200.00 written unchanged
    ({"Total": "-10.00"}, "BK511", "Total"),
])
def test_bad_amounts_are_findings(tmp_path: Path, edit: dict[str, str], code: str, column: str) -> None:
    outcome = _build(tmp_path, {"#1043": edit})
    assert not outcome.ok and outcome.written == []
    finding = outcome.input_report.samples[code][0]
    assert (finding.row, finding.column) == (_row_of("#1043"), column)


def test_partially_refunded_without_a_refund_changes_nothing(tmp_path: Path) -> None:
    outcome = _build(tmp_path, {"#1043": {"Refunded Amount": "0.00"}})
    assert outcome.ok
    assert outcome.result.skipped["orders marked partially refunded with no refunded amount"] == 1
    assert outcome.result.skipped_rows["orders marked partially refunded with no refunded amount"] == [_row_of("#1043")]
    modifications = next(p for p in outcome.written if "order-modifications" in p.name).read_text()
    assert "#1043" not in modifications and "#1045" in modifications


def test_the_refunded_share_rule(tmp_path: Path) -> None:
    outcome = _build(tmp_path, {"#1043": {"Refunded Amount": "84.00"}})  # a third of the 252.00 Total
    modifications = next(p for p in outcome.written if "order-modifications" in p.name)
    rows = {r["OrderId"]: r for r in csv.DictReader(io.StringIO(modifications.read_text()))}
    assert (rows["#1043"]["Amount"], rows["#1043"]["CurrencyCode"]) == ("133.33", "EUR")  # 200.00 x 168/252
    assert rows["#1045"]["Amount"] == "9000"  # JPY 12000 x (14000 - 3500) / 14000, no decimals
    assert str(outcome.result.removed["EUR"]) == "66.67"  # 200.00 - 133.33, exactly


def test_a_refund_too_small_to_change_the_amount_writes_nothing(tmp_path: Path) -> None:
    # 0.01 x (2.00 - 1.00) / 2.00 = 0.005 -> rounds back to 0.01: a modification would change nothing
    outcome = _build(tmp_path, {"#1043": {"Subtotal": "0.01", "Total": "2.00", "Refunded Amount": "1.00"}})
    assert outcome.ok and outcome.result.skipped["orders whose amount does not change"] == 1
    assert outcome.result.skipped["orders not refunded or cancelled"] == 2  # #1041 and #1046, each counted once
    assert outcome.result.skipped_rows == {"orders whose amount does not change": [_row_of("#1043")],
                                           "orders not refunded or cancelled": [_row_of("#1041"), _row_of("#1046")]}
    modifications = next(p for p in outcome.written if "order-modifications" in p.name).read_text()
    assert "#1043" not in modifications


def test_an_order_that_produced_nothing_is_listed_at_the_row_with_its_totals(tmp_path: Path) -> None:
    # an export sorted by another column: #1046's second line item stands above the row with its Total
    rows = list(csv.DictReader(io.StringIO((SAMPLE / "orders_export.csv").read_text(encoding="utf-8"), newline="")))
    at = next(i for i, row in enumerate(rows) if row["Name"] == "#1046")
    item = {k: "" for k in rows[at]} | {"Name": "#1046", "Lineitem quantity": "1", "Lineitem name": "Cap"}
    rows.insert(at, item)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (tmp_path / "orders.csv").write_text(out.getvalue(), encoding="utf-8")
    config = load_config(SAMPLE / "batchkit.toml")
    outcome = build_files(tmp_path / "orders.csv", tmp_path / "out", config, load_build_settings(config, None, None, None),
                          dry_run=True)
    assert outcome.ok and outcome.result.skipped["orders not refunded or cancelled"] == 2
    assert outcome.result.skipped_rows["orders not refunded or cancelled"] == [_row_of("#1041"), at + 3]  # not at + 2
