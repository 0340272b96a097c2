"""build without a price: whole units returned become reversals, a partial return is a BK514 warning, never a
guessed amount; Amazon's FBA customer returns report (no price, no ordered quantity) with [build] whole_lines."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from batchkit.builder.pipeline import build_files
from batchkit.builder.settings import load_build_settings
from batchkit.cli.main import main
from batchkit.core.config import load_config

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 22, 6, 0, 0, tzinfo=timezone.utc)
HEADER = "Order Number,Line SKU,Qty Ordered,Qty Returned,Return Reason\n"  # no Unit Price, no line amount
CONFIG = """
[build]
action_tracker_id = 2240
prefix = "t"
{extra}
[build.reasons]
"Damaged" = "ITEM_RETURNED"
"" = "ITEM_RETURNED"
"""


def _build(tmp_path: Path, export: str, extra: str = "", name: str = "export.csv"):
    (tmp_path / "batchkit.toml").write_text(CONFIG.format(extra=extra))
    (tmp_path / name).write_text(export)
    config = load_config(tmp_path / "batchkit.toml")
    return build_files(tmp_path / name, tmp_path / "out", config, load_build_settings(config, None, None, None), now=NOW)


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def _files(outcome) -> dict[str, Path]:
    return {p.name.split("_")[1]: p for p in outcome.written}


def test_a_line_returned_in_full_is_an_item_reversal_without_a_price(tmp_path: Path) -> None:
    outcome = _build(tmp_path, HEADER + "001,A,2,2,Damaged\n001,B,1,0,\n")
    assert outcome.ok and not outcome.input_report.counts
    assert list(_files(outcome)) == ["item-reversals"]
    assert _files(outcome)["item-reversals"].read_text() == (
        "ActionId,OrderId,ActionTrackerId,Sku,Amount,Quantity,Reason\n,001,2240,A,0,0,ITEM_RETURNED\n")
    assert outcome.result.removed == {}  # unknown without a price: never reported as 0
    assert outcome.result.skipped == {"lines unchanged": 1}


def test_a_new_quantity_of_0_is_a_return_in_full_too(tmp_path: Path) -> None:
    export = "Order Number,Line SKU,Qty Ordered,New Qty\n001,A,2,0\n001,B,1,1\n"
    outcome = _build(tmp_path, export, extra='[build.columns]\nnew_quantity = "New Qty"\n')
    assert outcome.ok
    assert _rows(_files(outcome)["item-reversals"]) == [
        {"ActionId": "", "OrderId": "001", "ActionTrackerId": "2240", "Sku": "A", "Amount": "0", "Quantity": "0",
         "Reason": "ITEM_RETURNED"}]


def test_a_partial_return_without_a_price_is_a_finding_at_its_row(tmp_path: Path) -> None:
    export = HEADER + "001,A,3,1,Damaged\n001,B,1,1,Damaged\n002,C,5,2,Damaged\n"
    outcome = _build(tmp_path, export)
    assert outcome.ok  # a warning: what can be built is written, exit 0
    assert dict(outcome.input_report.counts) == {"BK514": 2}
    found = sorted(outcome.input_report.samples["BK514"], key=lambda f: f.row or 0)
    assert [(f.row, f.column, f.value, f.severity) for f in found] == [
        (2, "Qty Returned", "1", "warning"), (4, "Qty Returned", "2", "warning")]
    assert found[0].message.startswith("line 'A' of order '001' is returned in part")
    assert _rows(_files(outcome)["item-reversals"]) == [
        {"ActionId": "", "OrderId": "001", "ActionTrackerId": "2240", "Sku": "B", "Amount": "0", "Quantity": "0",
         "Reason": "ITEM_RETURNED"}]
    assert set(_files(outcome)) == {"item-reversals"}  # no modification: it would need an amount
    assert outcome.result.skipped["lines returned in part, without a price"] == 2
    assert outcome.result.skipped_rows["lines returned in part, without a price"] == [2, 4]


def test_a_sku_returned_in_full_and_in_part_in_one_order_is_not_reversed(tmp_path: Path) -> None:
    # with a price both lines go to the modification file; without one an item reversal of A would take both lines
    outcome = _build(tmp_path, HEADER + "001,A,2,2,Damaged\n001,A,3,1,Damaged\n001,B,1,0,\n")
    assert outcome.ok and outcome.written == []
    assert sorted(f.row for f in outcome.input_report.samples["BK514"]) == [2, 3]


def test_a_fully_returned_order_without_a_price_is_an_order_reversal(tmp_path: Path) -> None:
    outcome = _build(tmp_path, HEADER + "001,A,1,1,Damaged\n001,B,2,2,Damaged\n002,A,1,0,\n")
    assert outcome.ok and not outcome.input_report.counts
    assert _files(outcome)["order-reversals"].read_text() == (
        "ActionId,OrderId,ActionTrackerId,Amount,Reason\n,001,2240,0,ITEM_RETURNED\n")  # 0: the amount is unknown
    assert set(_files(outcome)) == {"order-reversals"}
    assert outcome.result.skipped["orders unchanged"] == 1


def test_order_level_without_a_price_reverses_whole_orders_and_reports_the_rest(tmp_path: Path) -> None:
    export = HEADER + "001,A,1,1,Damaged\n002,A,2,2,Damaged\n002,B,3,1,Damaged\n002,C,1,0,\n"
    outcome = _build(tmp_path, export, extra='level = "order"')
    assert outcome.ok
    assert set(_files(outcome)) == {"order-reversals"}
    assert [r["OrderId"] for r in _rows(_files(outcome)["order-reversals"])] == ["001"]
    found = sorted(outcome.input_report.samples["BK514"], key=lambda f: f.row or 0)
    assert [f.row for f in found] == [3, 4]  # every changed line of order 002, none of its unchanged line
    assert found[0].message.startswith("order '002' is returned in part")


def _items(path: Path) -> list[tuple[str, str, str, str]]:
    """(OrderId, Sku, Quantity, Amount) of every item of a wide item file."""
    out = []
    for row in _rows(path):
        n = 1
        while row.get("Sku" if n == 1 else f"Sku{n}"):
            suffix = "" if n == 1 else str(n)
            out.append((row["OrderId"], row[f"Sku{suffix}"], row[f"Quantity{suffix}"], row[f"Amount{suffix}"]))
            n += 1
    return out


@pytest.mark.parametrize("seed", range(5))
def test_amounts_are_never_invented(tmp_path: Path, seed: int) -> None:
    # the same export with and without its prices: without them, exactly what needs no amount is built, the
    # same records; every line the priced build modifies is a BK514 warning instead
    import random

    rng = random.Random(seed)
    lines = []
    for order in range(1, 40):
        for _ in range(rng.randint(1, 4)):
            qty = rng.randint(1, 3)
            lines.append((f"{order:03}", rng.choice("ABCD"), qty, f"{rng.randint(1, 5000) / 100:.2f}",
                          rng.choice([0, qty, rng.randint(0, qty)])))
    priced = "Order Number,Line SKU,Qty Ordered,Unit Price,Qty Returned,Return Reason\n" + "".join(
        f"{o},{s},{q},{p},{r},Damaged\n" for o, s, q, p, r in lines)
    bare = HEADER + "".join(f"{o},{s},{q},{r},Damaged\n" for o, s, q, p, r in lines)
    (tmp_path / "p").mkdir(), (tmp_path / "b").mkdir()
    with_price, without = _build(tmp_path / "p", priced), _build(tmp_path / "b", bare)
    assert with_price.ok and without.ok
    have, want = _files(without), _files(with_price)
    assert set(have) <= {"order-reversals", "item-reversals"}
    for kind in ("order-reversals", "item-reversals"):
        assert (kind in have) == (kind in want)
        if kind in have:
            assert have[kind].read_text() == want[kind].read_text()  # every price > 0: byte for byte
    amounts = {r["Amount"] for r in _rows(have["order-reversals"])} if "order-reversals" in have else set()
    amounts |= {a for *_, a in _items(have["item-reversals"])} if "item-reversals" in have else set()
    assert amounts <= {"0"}
    modified = _items(want["item-modifications"]) if "item-modifications" in want else []
    assert without.input_report.counts.get("BK514", 0) == len(modified)
    assert without.result.removed == {} and with_price.result.removed


def test_an_export_without_price_or_ordered_quantity_says_how_to_build_it(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("Order Number,Line SKU,Qty Returned\n001,A,1\n")
    (tmp_path / "bk.toml").write_text(CONFIG.format(extra=""))
    result = CliRunner().invoke(main, ["build", str(tmp_path / "e.csv"), "--out", str(tmp_path / "o"),
                                       "--config", str(tmp_path / "bk.toml")])
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "must map quantity: the export has no column 'Qty Ordered'" in result.stderr
    assert "[build] whole_lines = true" in result.stderr


def test_amazon_sample_builds_item_reversals(tmp_path: Path) -> None:
    config = load_config(ROOT / "samples/returns/amazon.toml")
    outcome = build_files(ROOT / "samples/returns/amazon_returns.tsv", tmp_path, config,
                          load_build_settings(config, None, None, None), now=NOW)
    assert outcome.ok and not outcome.input_report.counts, outcome.input_report.counts
    assert [p.name for p in outcome.written] == ["amazon_item-reversals_20261122T060000Z.csv"]
    assert outcome.written[0].read_text() == (
        "ActionId,OrderId,ActionTrackerId,Sku,Amount,Quantity,Reason,Sku2,Amount2,Quantity2,Reason2\n"
        ",113-4829105-7730662,2240,TR-RUN-42,0,0,ITEM_RETURNED,,,,\n"
        ",114-0936218-5521403,2240,WS-MERINO-M,0,0,ITEM_RETURNED,WS-MERINO-L,0,0,ITEM_RETURNED\n"
        ",111-7703541-2019876,2240,HB-BOTTLE-750,0,0,ITEM_RETURNED,,,,\n"
        ",112-5518830-9046127,2240,TR-RUN-44,0,0,ITEM_RETURNED,,,,\n")
    assert (outcome.result.lines, outcome.result.orders) == (6, 4)
    # the bottle came back on two days (rows 5 and 6): one reversal of its Sku
    assert outcome.result.skipped_rows == {"rows of a Sku already reversed": [6]}
    assert outcome.result.removed == {} and outcome.output_report is not None and outcome.output_report.valid


def test_amazon_sample_round_trips_through_the_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["build", str(ROOT / "samples/returns/amazon_returns.tsv"), "--out", str(tmp_path),
                                  "--config", str(ROOT / "samples/returns/amazon.toml"), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["records"] == {"item-reversal": 5}  # items, on 4 rows
    check = runner.invoke(main, ["validate", *map(str, sorted(tmp_path.iterdir())), "--format", "json"])
    assert check.exit_code == 0 and json.loads(check.stdout)["warnings"] == 0


AMAZON_HEADER = ("return-date\torder-id\tsku\tasin\tfnsku\tproduct-name\tquantity\tfulfillment-center-id\t"
                 "detailed-disposition\treason\tstatus\tlicense-plate-number\tcustomer-comments\n")
AMAZON_COLUMNS = '[build.columns]\norder_id = "order-id"\nsku = "sku"\nreturned_quantity = "quantity"\nreason = "reason"\n'


def _amazon_row(order: str, sku: str, qty: str) -> str:
    return f"2026-11-02T09:14:21+00:00\t{order}\t{sku}\tB0X\tX00\tShoe\t{qty}\tPHX7\tSELLABLE\tDamaged\tReimbursed\tLPN1\t\n"


def test_an_amazon_report_is_refused_unless_its_rows_are_declared_whole_lines(tmp_path: Path) -> None:
    # quantity is the units returned: without the units ordered, 1 of 1 and 1 of 3 look the same
    (tmp_path / "r.tsv").write_text(AMAZON_HEADER + _amazon_row("113-1", "A", "1"))
    (tmp_path / "bk.toml").write_text(CONFIG.format(extra="").replace("[build.reasons]", AMAZON_COLUMNS + "[build.reasons]"))
    result = CliRunner().invoke(main, ["build", str(tmp_path / "r.tsv"), "--out", str(tmp_path / "o"),
                                       "--config", str(tmp_path / "bk.toml")])
    assert result.exit_code == 2 and "must map quantity" in result.stderr and "whole_lines = true" in result.stderr
    assert not (tmp_path / "o").exists()


def test_whole_lines_never_reverses_an_order_and_skips_unreturned_rows(tmp_path: Path) -> None:
    # one order's every listed row returned in full is still item reversals: the report lists no other lines
    export = AMAZON_HEADER + _amazon_row("113-1", "A", "1") + _amazon_row("113-1", "B", "2") + _amazon_row("113-2", "C", "0")
    outcome = _build(tmp_path, export, extra="whole_lines = true\n" + AMAZON_COLUMNS, name="r.tsv")
    assert outcome.ok and set(_files(outcome)) == {"item-reversals"}
    (row,) = _rows(_files(outcome)["item-reversals"])
    assert (row["OrderId"], row["Sku"], row["Sku2"], row["Amount"], row["Amount2"]) == ("113-1", "A", "B", "0", "0")
    assert outcome.result.skipped_rows == {"orders unchanged": [4], "lines unchanged": [4]}


@pytest.mark.parametrize(
    "extra, message",
    [('whole_lines = true\nlevel = "order"\n', 'use level = "item"'),
     ("whole_lines = true\n", "whole_lines = true is for a report without the ordered quantity"),
     ('whole_lines = "yes"\n', "whole_lines must be true or false"),
     ('whole_lines = true\npreset = "shopify"\n', "whole_lines is for the returns preset")],
)
def test_whole_lines_configuration_errors_exit_2(tmp_path: Path, extra: str, message: str) -> None:
    (tmp_path / "e.csv").write_text(HEADER + "001,A,1,1,Damaged\n")
    (tmp_path / "bk.toml").write_text(CONFIG.format(extra=extra))
    result = CliRunner().invoke(main, ["build", str(tmp_path / "e.csv"), "--out", str(tmp_path / "o"),
                                       "--config", str(tmp_path / "bk.toml")])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_priced_export_is_unchanged_by_all_this(tmp_path: Path) -> None:
    export = "Order Number,Line SKU,Qty Ordered,Unit Price,Qty Returned,Return Reason\n001,A,3,10.00,1,Damaged\n"
    outcome = _build(tmp_path, export)
    (row,) = _rows(_files(outcome)["item-modifications"])
    assert (row["Sku"], row["Quantity"], row["Amount"]) == ("A", "2", "20.00")
    assert not outcome.input_report.counts
