"""build lists the export rows that produce no record, per reason (BuildResult.skipped_rows): checked against the
export itself, read here with the csv module, and the records built from it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd

from batchkit.builder.lines import SKIPPED_ROWS
from batchkit.builder.pipeline import build_files
from batchkit.builder.settings import load_build_settings
from batchkit.builder.summary import summary_json, summary_text
from batchkit.core.config import load_config

ROOT = Path(__file__).resolve().parent.parent
HEADER = "Order Number,Line SKU,Qty Ordered,Unit Price,Qty Returned,Return Reason,Currency\n"
CONFIG = '[build]\naction_tracker_id = 2240\nprefix = "t"\n{extra}\n[build.reasons]\n"Damaged" = "ITEM_RETURNED"\n'


def _sample(tmp_path: Path, sample: str, export: str):
    config = load_config(ROOT / "samples" / sample / "batchkit.toml")
    return build_files(ROOT / "samples" / sample / export, tmp_path / "out", config,
                       load_build_settings(config, None, None, None), dry_run=True)


def _build(tmp_path: Path, export: str, extra: str = ""):
    (tmp_path / "batchkit.toml").write_text(CONFIG.format(extra=extra))
    (tmp_path / "export.csv").write_text(export)
    config = load_config(tmp_path / "batchkit.toml")
    return build_files(tmp_path / "export.csv", tmp_path / "out", config, load_build_settings(config, None, None, None),
                       dry_run=True)


def _export(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, header = 1; cells) of every record of a CSV export."""
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    return list(enumerate(reader, start=2))


def _first_rows(rows: list[tuple[int, dict[str, str]]], key: str) -> dict[str, int]:
    """Each order's first row."""
    first: dict[str, int] = {}
    for n, cells in rows:
        first.setdefault(cells[key].strip(), n)
    return first


def _ids(records: dict[str, pd.DataFrame], kinds: tuple[str, ...]) -> set[str]:
    return {str(i) for kind in kinds if kind in records for i in records[kind]["OrderId"]}


def _consistent(result) -> None:
    """One row per thing counted, ascending, no more than the cap; the same reasons as the counts."""
    assert set(result.skipped_rows) == set(result.skipped)
    for why, rows in result.skipped_rows.items():
        assert rows == sorted(set(rows)) and all(isinstance(r, int) for r in rows), why
        assert len(rows) == min(result.skipped[why], SKIPPED_ROWS), why


def test_shopify_sample_lists_the_row_of_every_order_that_produced_nothing(tmp_path: Path) -> None:
    outcome = _sample(tmp_path, "shopify", "orders_export.csv")
    assert outcome.ok and outcome.result is not None
    rows = _export(ROOT / "samples" / "shopify" / "orders_export.csv")
    first = _first_rows(rows, "Name")
    built = _ids(outcome.result.records, ("order-reversal", "order-modification"))
    nothing = sorted(n for name, n in first.items() if name not in built)
    assert nothing == [2, 8]  # #1041 and #1046, paid (#1042's gift note spans two lines of the file: one row)
    assert outcome.result.skipped_rows == {"orders not refunded or cancelled": nothing}
    _consistent(outcome.result)


def test_returns_sample_lists_each_line_and_order_that_produced_nothing(tmp_path: Path) -> None:
    outcome = _sample(tmp_path, "returns", "returns_export.csv")
    assert outcome.ok and outcome.result is not None
    records = outcome.result.records
    rows = _export(ROOT / "samples" / "returns" / "returns_export.csv")
    reversed_orders = _ids(records, ("order-reversal",))
    items = {(str(o), str(s)) for kind in ("item-modification", "item-reversal") if kind in records
             for o, s in zip(records[kind]["OrderId"], records[kind]["Sku"])}
    no_record = [n for n, c in rows
                 if c["Order Number"] not in reversed_orders and (c["Order Number"], c["Line SKU"]) not in items]
    assert no_record == [6, 7]  # 0001002's SKU-2003 (kept) and 0001003 (nothing returned)
    assert outcome.result.skipped_rows["lines unchanged"] == no_record
    built = reversed_orders | {o for o, _ in items}
    orders = [n for name, n in _first_rows(rows, "Order Number").items() if name not in built]
    assert outcome.result.skipped_rows["orders unchanged"] == orders == [7]
    _consistent(outcome.result)


def test_an_order_is_listed_at_its_first_row_and_blank_rows_at_theirs(tmp_path: Path) -> None:
    export = HEADER + ("001,A,1,5.00,1,Damaged,USD\n"  # row 2: reversed
                       "002,A,1,5.00,0,,USD\n,,,,,,\n"  # rows 3 (unchanged) and 4 (blank)
                       "002,B,2,5.00,0,,USD\n\n"  # rows 5 (002 again) and 6 (blank)
                       "003,A,1,5.00,0,,USD\n")  # row 7
    outcome = _build(tmp_path, export)
    assert outcome.ok and outcome.result is not None
    assert outcome.result.skipped_rows == {"blank rows": [4, 6], "orders unchanged": [3, 7], "lines unchanged": [3, 5, 7]}
    assert dict(outcome.result.skipped) == {"blank rows": 2, "orders unchanged": 2, "lines unchanged": 3}


def test_order_level_lists_orders_whose_amount_does_not_change(tmp_path: Path) -> None:
    export = HEADER + "002,A,2,3.00,1,Damaged,USD\n001,A,2,0.00,1,Damaged,USD\n001,B,1,0.00,0,,USD\n"
    outcome = _build(tmp_path, export, extra='level = "order"')
    assert outcome.ok and outcome.result is not None
    assert outcome.result.skipped_rows == {"orders whose amount does not change": [3], "lines unchanged": [4]}
    _consistent(outcome.result)


def test_the_list_stops_at_the_cap_and_the_count_stays_exact(tmp_path: Path) -> None:
    orders = 1_500  # two unchanged lines each, after one order that is reversed (row 2)
    export = HEADER + "X,A,1,1.00,1,Damaged,USD\n" + "".join(f"{o:05d},A,1,1.00,0,,USD\n{o:05d},B,2,1.00,0,,USD\n"
                                                          for o in range(orders))
    outcome = _build(tmp_path, export)
    assert outcome.ok and outcome.result is not None
    result = outcome.result
    assert result.skipped["orders unchanged"] == orders and result.skipped["lines unchanged"] == 2 * orders
    assert result.skipped_rows["orders unchanged"] == list(range(3, 3 + 2 * SKIPPED_ROWS, 2))  # each order's first row
    assert result.skipped_rows["lines unchanged"] == list(range(3, 3 + SKIPPED_ROWS))
    _consistent(result)


def test_the_json_summary_carries_the_rows_and_the_text_is_as_before(tmp_path: Path) -> None:
    outcome = _sample(tmp_path, "returns", "returns_export.csv")
    doc = json.loads(summary_json(outcome))
    assert doc["skipped_rows"] == {"orders unchanged": [7], "lines unchanged": [6, 7]}
    assert doc["skipped"] == {"orders unchanged": 1, "lines unchanged": 2}
    text = summary_text(outcome, dry_run=True)
    assert "  skipped (lines unchanged): 2\n  skipped (orders unchanged): 1\n" in text and "[6, 7]" not in text
