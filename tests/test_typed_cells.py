"""Typed cells of an XLSX (SPEC §8, issue 22): the reader keeps each cell's type beside its text; a date, time,
boolean or number where an id belongs is BK107 (a whole number is ActionTrackerId or a resolution's Id itself) (never written back as an id: fix refuses the file); a date cell
in the review workbook's Transaction Date reads as the day Excel shows, and every Transaction Date validation
accepts is what the sender sends, and the platform (the sandbox) takes it."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest_api import CAMPAIGN, SID, TOKEN, api_env

from batchkit.cli.main import main
from batchkit.core.config import load_config
from batchkit.core.inquiry import RESOLUTION_COLUMNS
from batchkit.io.read import read_table
from batchkit.validation.engine import validate_paths
from batchkit.validation.rules.resolution import is_date, transaction_date


def _book(path: Path, rows: list[list[object]], title: str = "Sheet1") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def _found(path: Path, kind: str | None = None) -> list[tuple[str, int | None, str | None, str | None, str]]:
    report = validate_paths([str(path)], load_config(None), kind)
    return [(f.code, f.row, f.column, f.value, f.message) for f in report.files[0].findings()]


def test_the_reader_keeps_each_cells_type_and_shows_what_excel_shows(tmp_path: Path) -> None:
    path = _book(tmp_path / "t.xlsx", [["A", "B", "C", "D", "E", "F"],
                                       [dt.date(2025, 12, 1), dt.datetime(2025, 12, 1), dt.datetime(2025, 12, 1, 8, 30),
                                        4417, True, "0004417"]])
    table = read_table(path)
    assert table.data.iloc[0].tolist() == ["2025-12-01", "2025-12-01", "2025-12-01 08:30:00", "4417", "TRUE", "0004417"]
    assert table.types == {0: {2: "date"}, 1: {2: "date"}, 2: {2: "datetime"}, 3: {2: "number"}, 4: {2: "bool"}}


def test_a_csv_has_no_types(tmp_path: Path) -> None:
    path = tmp_path / "acme_order-modifications.csv"
    path.write_text("ActionId,OrderId,ActionTrackerId,Amount,CurrencyCode,Reason\n,4417,2240,10,USD,ORDER_UPDATE\n")
    assert read_table(path).types == {} and not [f for f in _found(path) if f[0] == "BK107"]


ORDER_ROWS = [["ActionId", "Oid", "ActionTrackerId", "Amount", "CurrencyCode", "Reason"],
              [None, dt.date(2025, 12, 1), 2240, 10, "USD", "ORDER_UPDATE"],
              [None, 1.23e15, 2240, 10, "USD", "ORDER_UPDATE"],
              [None, 4417, 2240.5, 10, "USD", "ORDER_UPDATE"],
              [None, "ORD-4", True, 10, "USD", "ORDER_UPDATE"],
              [None, "ORD-5", 2240, 10.5, "USD", "ORDER_UPDATE"],
              [dt.datetime(2025, 12, 1, 8, 30), None, None, 10, "USD", "ORDER_UPDATE"]]


def test_typed_cells_in_id_columns_are_bk107_saying_what_excel_shows(tmp_path: Path) -> None:
    path = _book(tmp_path / "acme_order-modifications.xlsx", ORDER_ROWS)
    typed = {(row, column): (value, message) for code, row, column, value, message in _found(path) if code == "BK107"}
    assert set(typed) == {(2, "Oid"), (3, "Oid"), (4, "Oid"), (4, "ActionTrackerId"), (5, "ActionTrackerId"),
                          (7, "ActionId")}  # 2240 as a number is the tracker id; amounts are numbers
    assert typed[(2, "Oid")] == ("2025-12-01", ("Excel turned this id into the date 2025-12-01: the id is lost; "
                                                "format the column as Text and type or paste the id again"))
    assert typed[(3, "Oid")][1].startswith("1.23E+15 (1230000000000000): Excel stored a number; the id may have "
                                           "lost leading zeros or digits")
    assert typed[(4, "Oid")][1].startswith("4417: Excel stored a number; the id may have lost leading zeros")
    assert typed[(7, "ActionId")][1].startswith("Excel turned this id into the date 2025-12-01 08:30:00")
    assert typed[(5, "ActionTrackerId")][0] == "TRUE"


def test_typed_skus_in_every_item_group_are_bk107(tmp_path: Path) -> None:
    path = _book(tmp_path / "acme_item-modifications.xlsx",
                 [["ActionId", "Sku", "Amount", "Quantity", "Reason", "Sku2", "Amount2", "Quantity2", "Reason2"],
                  ["1000.4636.1", 12345, 10, 1, "ITEM_RETURNED", dt.date(2025, 3, 1), 5, 1, "ITEM_RETURNED"],
                  ["1000.4636.2", "SKU-1", 10, 1, "ITEM_RETURNED", "SKU-2", 5, 1, "ITEM_RETURNED"]])
    typed = sorted((row, column) for code, row, column, *_ in _found(path) if code == "BK107")
    assert typed == [(2, "Sku"), (2, "Sku2")]


def test_the_same_ids_as_text_cells_are_fine(tmp_path: Path) -> None:
    rows = [ORDER_ROWS[0]] + [[None, "0004417", "2240", "10.00", "USD", "ORDER_UPDATE"]]
    assert _found(_book(tmp_path / "acme_order-modifications.xlsx", rows)) == []


def test_fix_refuses_a_file_with_typed_ids_and_writes_the_same_rows_as_text(tmp_path: Path) -> None:
    source = _book(tmp_path / "acme_order-modifications.xlsx", ORDER_ROWS)
    out = tmp_path / "fixed.csv"
    done = CliRunner().invoke(main, ["fix", str(source), "-o", str(out)])
    assert done.exit_code == 1 and not out.exists()  # refused: nothing written, never 2025-12-01 as an OrderId
    assert "BK107" in done.output and "row 2, column Oid: Excel turned this id into the date 2025-12-01" in done.output
    assert "fix wrote nothing" in done.output
    text = _book(tmp_path / "acme_order-modifications_text.xlsx",
                 [ORDER_ROWS[0], [None, " 0004417", "2240", "$10.00", "USD", "order_update"]])
    done = CliRunner().invoke(main, ["fix", str(text), "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert out.read_text().splitlines() == ["ActionId,OrderId,ActionTrackerId,Amount,CurrencyCode,Reason",
                                            ",0004417,2240,10.00,USD,ORDER_UPDATE"]


def _review(path: Path, rows: list[list[object]]) -> Path:
    return _book(path, [list(RESOLUTION_COLUMNS)] + rows, title="Review")


def _resolution_row(inquiry: object, date: object) -> list[object]:
    cells = {"Id": inquiry, "Transaction Date": date, "Resolution Status": "VALID", "Action Tracker": 2240,
             "Sale Amount": 1500}
    return [cells.get(c) for c in RESOLUTION_COLUMNS]


def test_a_review_workbooks_dates_read_as_the_day_and_a_number_id_is_bk107(tmp_path: Path) -> None:
    path = _review(tmp_path / "review.xlsx", [_resolution_row("500006", dt.date(2026, 11, 21)),
                                             _resolution_row("500007", dt.datetime(2026, 11, 21)),
                                             _resolution_row(500008, dt.datetime(2026, 11, 21, 8, 30)),
                                             _resolution_row(dt.date(2026, 5, 1), "2026-11-21"),
                                             _resolution_row(12345678901234567, "2026-11-21")])
    table = read_table(path, "Review")
    at = RESOLUTION_COLUMNS.index("Transaction Date")
    assert table.data[at].tolist() == ["2026-11-21", "2026-11-21", "2026-11-21 08:30:00"] + ["2026-11-21"] * 2
    found = _found(path, "inquiry-resolution")  # 500008 as a number is the Id; a date or 17 digits is not
    assert sorted((c, r, col) for c, r, col, *_ in found if c == "BK107") == [("BK107", 5, "Id"), ("BK107", 6, "Id")]
    assert not [f for f in found if f[0] == "BK608"]


ACCEPTED = ["2026-11-21", "2026-11-21T08:30:00Z", "2026-11-21 08:30:00", "2026-11-21T08:30:00+02:00",
            "2026-11-21T08:30+0200", "2026-11-21T08:30", "2026-11-21 08:30:00.250"]


@pytest.mark.parametrize("value", ACCEPTED)
def test_each_accepted_transaction_date_is_what_is_sent(value: str) -> None:
    sent = transaction_date(value)
    assert is_date(value) and sent is not None
    assert dt.datetime.fromisoformat(sent).tzinfo is not None  # the API's dates have an offset


@pytest.mark.parametrize("value", ["2026-02-30", "21/11/2026", "46000", "2026-11-21 25:00", ""])
def test_a_refused_transaction_date_is_not_sent(value: str) -> None:
    assert not is_date(value) and transaction_date(value) is None


def test_every_accepted_transaction_date_is_taken_by_the_platform(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import batchkit
    from batchkit.sandbox import Sandbox

    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN) as box:
        for name, value in api_env(box.url, tmp_path).items():
            monkeypatch.setenv(name, value)
        batchkit.pull_inquiries(tmp_path / "inquiries.csv")
        ids = [r["Id"] for r in csv.DictReader((tmp_path / "inquiries.csv").open())]
        forms: list[object] = [dt.date(2026, 11, 21), dt.datetime(2026, 11, 21, 8, 30)] + ACCEPTED
        assert len(ids) >= len(forms) - 1
        cells = list(zip(ids, forms))
        path = _review(tmp_path / "review.xlsx", [_resolution_row(i, d) for i, d in cells])
        done = batchkit.resolve_inquiries(path)
        assert done.counts == {"resolved": len(cells)}
        puts = {r.form["Id"]: r.form for r in box.requests if r.method == "PUT" and "ActionInquiries" in r.path}
        for inquiry, given in cells:
            text = given if isinstance(given, str) else str(given).replace(" 00:00:00", "")
            assert puts[inquiry]["TransactionDate"] == transaction_date(text)
            got = box_inquiry(box, inquiry)
            assert got["ResolutionStatus"] == "VALID"
            taken = dt.datetime.fromisoformat(got["TransactionDate"])
            assert taken == dt.datetime.fromisoformat(puts[inquiry]["TransactionDate"])


def box_inquiry(box, inquiry: str) -> dict:
    import httpx

    answer = httpx.get(f"{box.url}/Advertisers/{SID}/ActionInquiries/{inquiry}", auth=(SID, TOKEN),
                       headers={"Accept": "application/json"})
    assert answer.status_code == 200
    return answer.json()
