"""build: golden files, decisions per order, exact money, input problems, configuration errors."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from batchkit.builder.pipeline import build_files
from batchkit.builder.settings import load_build_settings
from batchkit.cli.main import main
from batchkit.core.config import load_config

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 22, 6, 0, 0, tzinfo=timezone.utc)
HEADER = "Order Number,Line SKU,Qty Ordered,Unit Price,Qty Returned,Return Reason,Currency\n"
CONFIG = """
[build]
action_tracker_id = 2240
prefix = "t"
{extra}
[build.reasons]
"Changed mind" = "ITEM_RETURNED"
"Damaged" = "ITEM_RETURNED"
"""


def _build(tmp_path: Path, export: str, extra: str = "", name: str = "export.csv"):
    (tmp_path / "batchkit.toml").write_text(CONFIG.format(extra=extra))
    (tmp_path / name).write_text(export)
    config = load_config(tmp_path / "batchkit.toml")
    settings = load_build_settings(config, None, None, None)
    return build_files(tmp_path / name, tmp_path / "out", config, settings, now=NOW)


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def _files(outcome) -> dict[str, Path]:
    return {p.name.split("_")[1]: p for p in outcome.written}


@pytest.mark.parametrize("sample", ["returns", "shopify"])
def test_golden_outputs_byte_for_byte(sample: str, tmp_path: Path) -> None:
    # The golden files were produced once and their amounts checked by hand (see README "build").
    inputs = {"returns": "returns_export.csv", "shopify": "orders_export.csv"}
    config = load_config(ROOT / "samples" / sample / "batchkit.toml")
    outcome = build_files(ROOT / "samples" / sample / inputs[sample], tmp_path, config,
                          load_build_settings(config, None, None, None), now=NOW)
    golden = sorted((ROOT / "tests" / "golden" / sample).iterdir())
    assert [p.name for p in sorted(outcome.written)] == [p.name for p in golden]
    for produced, expected in zip(sorted(outcome.written), golden):
        assert produced.read_bytes() == expected.read_bytes(), produced.name


def test_xlsx_export_gives_the_same_files_as_csv(tmp_path: Path) -> None:
    config = load_config(ROOT / "samples" / "returns" / "batchkit.toml")
    settings = load_build_settings(config, None, None, None)
    from_csv = build_files(ROOT / "samples/returns/returns_export.csv", tmp_path / "a", config, settings, now=NOW)
    from_xlsx = build_files(ROOT / "samples/returns/returns_export.xlsx", tmp_path / "b", config, settings, now=NOW)
    ws = openpyxl.load_workbook(ROOT / "samples/returns/returns_export.xlsx").active
    assert isinstance(ws["F2"].value, float) and isinstance(ws["E2"].value, int)  # really numeric cells
    assert [p.read_bytes() for p in sorted(from_csv.written)] == [p.read_bytes() for p in sorted(from_xlsx.written)]


def test_decisions_per_order(tmp_path: Path) -> None:
    export = HEADER + (
        "001,A,1,10.00,1,Damaged,USD\n001,B,2,5.00,2,Damaged,USD\n"  # all lines to 0 -> order reversal
        "002,A,3,19.99,1,Changed mind,USD\n002,B,1,7.00,1,Damaged,USD\n002,C,1,3.00,0,,USD\n"  # partial
        "003,A,1,50.00,0,,USD\n"  # unchanged -> nothing
        "004,A,1,0.00,1,Damaged,USD\n"  # free order reversed -> Amount empty
    )
    outcome = _build(tmp_path, export)
    assert outcome.ok, outcome.input_report.counts
    files = _files(outcome)
    assert _rows(files["order-reversals"]) == [
        {"ActionId": "", "OrderId": "001", "ActionTrackerId": "2240", "Amount": "0", "Reason": "ITEM_RETURNED"},
        {"ActionId": "", "OrderId": "004", "ActionTrackerId": "2240", "Amount": "", "Reason": "ITEM_RETURNED"},
    ]
    (mod,) = _rows(files["item-modifications"])
    assert (mod["OrderId"], mod["Sku"], mod["Quantity"], mod["Amount"]) == ("002", "A", "2", "39.98")
    (rev,) = _rows(files["item-reversals"])
    assert (rev["OrderId"], rev["Sku"], rev["Amount"]) == ("002", "B", "0")
    assert outcome.result.removed == {"USD": Decimal("46.99")}
    assert outcome.result.skipped["orders unchanged"] == 1


def test_order_level_gives_the_new_total(tmp_path: Path) -> None:
    export = HEADER + "002,A,3,19.99,1,Changed mind,EUR\n002,B,1,7.00,1,Damaged,EUR\n002,C,1,3.00,0,,EUR\n"
    outcome = _build(tmp_path, export, extra='level = "order"')
    (row,) = _rows(_files(outcome)["order-modifications"])
    assert (row["Amount"], row["CurrencyCode"], row["Reason"]) == ("42.98", "EUR", "ITEM_RETURNED")


def test_many_items_use_the_wide_layout(tmp_path: Path) -> None:
    export = HEADER + "".join(f"009,S{i},2,1.10,1,Damaged,USD\n" for i in range(1, 4)) + "009,S4,1,1.00,0,,USD\n"
    outcome = _build(tmp_path, export)
    header = _files(outcome)["item-modifications"].read_text().splitlines()[0]
    assert header.endswith("Sku3,Amount3,Quantity3,Category3,Reason3")
    (row,) = _rows(_files(outcome)["item-modifications"])
    assert [row["Sku"], row["Sku2"], row["Sku3"], row["Amount3"]] == ["S1", "S2", "S3", "1.10"]


def test_leading_zeros_and_currency_minor_units(tmp_path: Path) -> None:
    export = HEADER + "0000042,A,3,1500,1,Damaged,JPY\n0000043,A,3,2.005,1,Damaged,USD\n"
    outcome = _build(tmp_path, export)
    assert not outcome.ok and dict(outcome.input_report.counts) == {"BK507": 1}  # 2.005 USD is too precise
    outcome = _build(tmp_path, HEADER + "0000042,A,3,1500,1,Damaged,JPY\n")
    (row,) = _rows(_files(outcome)["item-modifications"])
    assert (row["OrderId"], row["Amount"]) == ("0000042", "3000")


def test_line_amount_is_scaled_and_rounded_half_up(tmp_path: Path) -> None:
    export = "Order Number,Line SKU,Qty Ordered,Line Total,Qty Returned,Return Reason\n001,A,3,10.00,1,Damaged\n"
    extra = '[build.columns]\nline_amount = "Line Total"\n'
    (tmp_path / "batchkit.toml").write_text(CONFIG.format(extra="").replace("[build.reasons]", extra + "[build.reasons]"))
    (tmp_path / "e.csv").write_text(export)
    config = load_config(tmp_path / "batchkit.toml")
    settings = load_build_settings(config, None, None, None)
    outcome = build_files(tmp_path / "e.csv", tmp_path / "out", config, settings, now=NOW)
    (row,) = _rows(_files(outcome)["item-modifications"])
    assert row["Amount"] == "6.67"  # 10.00 x 2/3 = 6.666... -> 6.67


@pytest.mark.parametrize(
    "line, code, value",
    [("001,A,1,10.00,1,Lost in post,USD\n", "BK501", "Lost in post"),
     ("001,A,two,10.00,1,Damaged,USD\n", "BK502", "two"),
     ("001,A,1,$10.00,1,Damaged,USD\n", "BK503", "$10.00"),
     ("001,A,1,10.00,3,Damaged,USD\n", "BK505", None),
     (",A,1,10.00,1,Damaged,USD\n", "BK506", ""),
     ("001,A,1,10.00,1,Damaged,usd\n", "BK508", "usd")],
)
def test_input_problems_are_findings_and_nothing_is_written(tmp_path: Path, line: str, code: str, value: str | None) -> None:
    outcome = _build(tmp_path, HEADER + line)
    assert not outcome.ok
    assert code in outcome.input_report.counts
    (finding,) = outcome.input_report.samples[code]
    assert (finding.row, finding.value) == (2, value)
    if code == "BK501":
        assert "'Lost in post'" in finding.message
    assert outcome.written == [] and not (tmp_path / "out").exists()


def test_conflicting_order_level_values(tmp_path: Path) -> None:
    outcome = _build(tmp_path, HEADER + "001,A,1,10.00,1,Damaged,USD\n001,B,1,10.00,1,Damaged,EUR\n")
    assert dict(outcome.input_report.counts) == {"BK504": 1}
    assert outcome.input_report.samples["BK504"][0].row == 3


def test_missing_sku_on_changed_line(tmp_path: Path) -> None:
    outcome = _build(tmp_path, HEADER + "001,,2,10.00,1,Damaged,USD\n")
    assert dict(outcome.input_report.counts) == {"BK509": 1}


def test_no_tracker_is_reported(tmp_path: Path) -> None:
    (tmp_path / "batchkit.toml").write_text('[build.reasons]\n"Damaged" = "ITEM_RETURNED"\n')
    (tmp_path / "e.csv").write_text(HEADER + "001,A,1,10.00,1,Damaged,USD\n")
    config = load_config(tmp_path / "batchkit.toml")
    outcome = build_files(tmp_path / "e.csv", tmp_path / "out", config, load_build_settings(config, None, None, None))
    assert dict(outcome.input_report.counts) == {"BK510": 1}
    outcome = build_files(tmp_path / "e.csv", tmp_path / "out", config, load_build_settings(config, None, 77, None))
    assert outcome.ok and "77" in outcome.written[0].read_text()


@pytest.mark.parametrize(
    "toml, message",
    [('[build]\nlevl = "item"\n', "unknown key 'levl' in [build]"),
     ('[build.columns]\norder_id = "Order No"\nquantity = "Qty Ordered"\n', "column 'Order No' (mapped as order_id) is not in the input"),
     ('[build.reasons]\n"Damaged" = "RETURNED"\n', "'RETURNED', which is not an accepted reason code"),
     ('[build]\nlevel = "line"\n', 'level must be "item" or "order"'),
     ('[build.columns]\ncolour = "Colour"\n', "unknown key 'colour' in [build.columns]"),
     ('[build]\nprefix = 5\n', "prefix must be a non-empty text, not 5"),
     ('[build.columns]\nunit_price = "Unit Price"\nline_amount = "Line Total"\n', "maps both unit_price and line_amount"),
     ('[build.columns]\nreturned_quantity = "Qty Returned"\nnew_quantity = "New Qty"\n',
      "maps both returned_quantity and new_quantity"),
     ('[build.reasons]\n"Damaged" = "ITEM_RETURNED"\n"Damaged " = "CONS_FRAUD"\n', "are the same reason once spaces are trimmed"),
     ('[build.reasons]\n"" = "ITEM_RETURNED"\n" " = "CONS_FRAUD"\n', "are the same reason once spaces are trimmed"),
     ('[build]\nprefix = ["a"]\n', "prefix must be a non-empty text"),
     ('[build.columns]\nsku = "Line SKU"\n', "'Line SKU' (mapped as sku) appears 2 times in the input's header (columns 2, 8)")],
)
def test_configuration_errors_exit_2(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "bk.toml").write_text(toml)
    header, line = HEADER, "001,A,1,10.00,1,Damaged,USD\n"
    if "appears" in message:  # an export with the SKU column twice: which one is meant is not batchkit's guess
        header, line = HEADER.rstrip("\n") + ",Line SKU\n", line.rstrip("\n") + ",B\n"
    (tmp_path / "e.csv").write_text(header + line)
    result = CliRunner().invoke(main, ["build", str(tmp_path / "e.csv"), "--out", str(tmp_path / "o"),
                                       "--config", str(tmp_path / "bk.toml"), "--action-tracker-id", "2240"])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.stderr


def test_cli_build_then_validate_round_trip_and_never_overwrite(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    args = ["build", str(ROOT / "samples/returns/returns_export.csv"), "--out", str(out),
            "--config", str(ROOT / "samples/returns/batchkit.toml"), "--format", "json"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["records"] == {"item-modification": 3, "item-reversal": 1, "order-reversal": 2}
    written = sorted(out.iterdir())
    check = runner.invoke(main, ["validate", *map(str, written), "--format", "json"])
    assert check.exit_code == 0 and json.loads(check.stdout)["warnings"] == 0
    before = {p: p.read_bytes() for p in written}
    # same second, same names: refused, nothing changed
    from batchkit.builder.pipeline import _write_all
    from batchkit.core.errors import InputError

    with pytest.raises(InputError, match="already exists"):
        _write_all(out, {p.name: b"x" for p in written})
    assert {p: p.read_bytes() for p in written} == before


def test_cli_input_problems_exit_1(tmp_path: Path) -> None:
    (tmp_path / "batchkit.toml").write_text(CONFIG.format(extra=""))
    (tmp_path / "e.csv").write_text(HEADER + "001,A,1,10.00,1,Lost in post,USD\n")
    result = CliRunner().invoke(main, ["build", str(tmp_path / "e.csv"), "--out", str(tmp_path / "o"),
                                       "--config", str(tmp_path / "batchkit.toml")])
    assert result.exit_code == 1
    assert "BK501" in result.stdout and "row 2" in result.stdout and "nothing written" in result.stdout
    assert not (tmp_path / "o").exists()


def test_values_impact_com_would_reject_are_blamed_on_export_rows(tmp_path: Path) -> None:
    long_id, long_sku = "X" * 70, "S" * 45
    export = HEADER + f"{long_id},A,2,10.00,1,Damaged,USD\n002,B,1,5.00,0,,USD\n002,{long_sku},2,10.00,2,Damaged,USD\n"
    outcome = _build(tmp_path, export)
    assert not outcome.ok and outcome.written == [] and not (tmp_path / "out").exists()
    found = {(f.row, f.message.split(":")[0]) for f in outcome.input_report.samples["BK513"]}
    assert found == {(2, f"impact.com would reject its item-modification record's OrderId (order {long_id!r})"),
                     (3, "impact.com would reject its item-reversal record's Sku (order '002')")}  # the order's first line
    assert all("[BK103]" in f.message or "[BK213]" in f.message for f in outcome.input_report.samples["BK513"])


def test_warnings_in_the_built_files_are_shown(tmp_path: Path) -> None:
    (tmp_path / "bk.toml").write_text(CONFIG.format(extra=""))
    (tmp_path / "e.csv").write_text(HEADER + "001,A,2,10.00,1,Damaged,USD\n001,A,2,10.00,1,Damaged,USD\n")
    args = ["build", str(tmp_path / "e.csv"), "--out", str(tmp_path / "o"), "--config", str(tmp_path / "bk.toml")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0 and "BK403" in result.output and "read 2 lines, 1 order\n" in result.output
    doc = json.loads(CliRunner().invoke(main, [*args, "--prefix", "j", "--format", "json"]).stdout)
    assert doc["output"][0]["counts"] == {"BK403": 1}


def test_an_export_without_the_expected_columns_says_what_it_has(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("Order No,Qty\n1,2\n")
    result = CliRunner().invoke(main, ["build", str(tmp_path / "e.csv"), "--out", str(tmp_path / "o"),
                                       "--config", str(ROOT / "samples/returns/batchkit.toml")])
    assert result.exit_code == 2
    assert "must map order_id: the export has no column 'Order Number' (its columns: 'Order No', 'Qty')" in result.stderr


def test_spaces_around_an_order_id_do_not_split_the_order(tmp_path: Path) -> None:
    # " 007 " and "007" are one order: split, a partial return became a whole-order reversal
    outcome = _build(tmp_path, HEADER + "007,A,3,1.00,1,Damaged,USD\n 007 ,B,1,5.00,1,Damaged,USD\n007,C,1,5.00,0,,USD\n")
    files = _files(outcome)
    assert set(files) == {"item-modifications", "item-reversals"}
    assert {r["OrderId"] for r in _rows(files["item-reversals"])} == {"007"}


def test_order_level_skips_orders_whose_total_does_not_change(tmp_path: Path) -> None:
    outcome = _build(tmp_path, HEADER + "001,A,2,0.00,1,Damaged,USD\n001,B,1,0.00,0,,USD\n002,A,2,3.00,1,Damaged,USD\n",
                     extra='level = "order"')
    (row,) = _rows(_files(outcome)["order-modifications"])  # 001 only returned a free line: a 0.00 modification would reverse it
    assert (row["OrderId"], row["Amount"]) == ("002", "3.00")
    assert outcome.result.skipped["orders whose amount does not change"] == 1 and "orders unchanged" not in outcome.result.skipped


def test_names_impact_com_ignores_are_never_produced(tmp_path: Path) -> None:
    # impact.com's drop ignores receipt_* and result_* (its own reports): deliver refuses such names
    result = CliRunner().invoke(main, ["build", str(ROOT / "samples/returns/returns_export.csv"), "--out", str(tmp_path / "o"),
                                       "--config", str(ROOT / "samples/returns/batchkit.toml"), "--prefix", "receipt_x"])
    assert result.exit_code == 2 and "ignores files named receipt_*" in result.stderr
    export = tmp_path / "Receipt_2026-11.csv"  # no prefix configured: the export's name is the prefix
    export.write_text(HEADER + "001,A,2,10.00,1,Damaged,USD\n")
    (tmp_path / "bk.toml").write_text(CONFIG.format(extra="").replace('prefix = "t"\n', ""))
    config = load_config(tmp_path / "bk.toml")
    outcome = build_files(export, tmp_path / "o2", config, load_build_settings(config, None, None, None), now=NOW)
    assert [p.name for p in outcome.written] == ["batch-Receipt_2026-11_item-modifications_20261122T060000Z.csv"]


def test_a_sku_reversed_and_modified_in_one_order_stays_in_the_modification_file(tmp_path: Path) -> None:
    # two lines with Sku A: one returned in full, one in part. A separate item reversal of A would
    # clash with the modification of A (BK404); impact.com's template puts both in the modification
    outcome = _build(tmp_path, HEADER + "001,A,2,5.00,2,Damaged,USD\n001,A,3,10.00,1,Damaged,USD\n001,B,1,1.00,0,,USD\n")
    assert outcome.ok, outcome.input_report.counts
    files = _files(outcome)
    assert set(files) == {"item-modifications"}
    (row,) = _rows(files["item-modifications"])
    assert [(row["Sku"], row["Amount"], row["Quantity"]), (row["Sku2"], row["Amount2"], row["Quantity2"])] == \
        [("A", "0.00", "0"), ("A", "20.00", "2")]
    assert outcome.output_report.files[0].counts == {"BK403": 1}  # shown as a warning, as validate would
