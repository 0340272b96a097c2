"""Reading: CSV fast and slow paths agree, positions are right, XLSX cells become exact text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from batchkit.core.config import load_config
from batchkit.core.errors import InputError
from batchkit.io.read import read_csv_bytes, read_table
from batchkit.io.xlsx import cell_text
from batchkit.validation.engine import validate_paths

HEADER = "ActionId,OrderId,ActionTrackerId,Amount,Reason\n"


def _flat(paths: list[str], **kw) -> list[tuple]:
    report = validate_paths(paths, load_config(None, cwd=Path("/")), max_samples=0, **kw)
    return sorted((f.code, f.row, f.line, f.column, f.value) for fr in report.files for f in fr.findings())


def test_fast_and_slow_paths_give_the_same_findings(tmp_path: Path) -> None:
    body = ",ORD-1,2240,$5,ITEM_RETURNED\n,ORD-2,2240,0,item_returned\n\n,ORD-3,,0,ITEM_RETURNED\n"
    fast = tmp_path / "fast_order-reversals.csv"
    fast.write_text(HEADER + body)
    # a multi-line quoted cell in the last record forces the slow path; the records before it are the same
    slow = tmp_path / "slow_order-reversals.csv"
    slow.write_text(HEADER + body + ',"ORD\n4",2240,0,ITEM_RETURNED\n')
    fast_found = _flat([str(fast)])
    slow_found = [f for f in _flat([str(slow)]) if f[1] != 6]
    assert [(c, r, col, v) for c, r, _, col, v in fast_found] == [(c, r, col, v) for c, r, _, col, v in slow_found]
    assert ("BK010", 4, 4, None, None) in fast_found


def test_multiline_cell_row_and_line_differ(tmp_path: Path) -> None:
    f = tmp_path / "acme_order-reversals.csv"
    f.write_text(HEADER + ',"ORD\n1",2240,0,ITEM_RETURNED\n,ORD-2,2240,7,ITEM_RETURNED\n')
    found = _flat([str(f)])
    assert ("BK205", 3, 4, "Amount", "7") in found  # spreadsheet row 3 starts on physical line 4
    assert ("BK103", 2, 2, "OrderId", "ORD\n1") in found


def test_ragged_rows_are_reported_and_skipped(tmp_path: Path) -> None:
    f = tmp_path / "acme_order-reversals.csv"
    f.write_text(HEADER + ",ORD-1,2240,0\n,ORD-2,2240,0,ITEM_RETURNED,extra\n,ORD-3,2240,$1,ITEM_RETURNED\n")
    found = _flat([str(f)])
    assert [x[:2] for x in found] == [("BK009", 2), ("BK009", 3), ("BK201", 4)]


def test_semicolon_file_is_read_with_its_delimiter(tmp_path: Path) -> None:
    f = tmp_path / "acme_order-modifications.csv"
    f.write_text("ActionId;Amount;Reason\n1000.4636.1;12,50;ORDER_UPDATE\n")
    found = _flat([str(f)])
    assert [x[0] for x in found] == ["BK003", "BK201"]


def test_crlf_and_no_trailing_newline(tmp_path: Path) -> None:
    f = tmp_path / "acme_order-reversals.csv"
    f.write_bytes(b"ActionId,Amount,Reason\r\n1000.4636.1,0,ITEM_RETURNED\r\n1000.4636.2,1,ITEM_RETURNED")
    assert _flat([str(f)]) == [("BK205", 3, 3, "Amount", "1")]


def test_windows_1252_is_reported_with_position() -> None:
    table = read_csv_bytes("x.csv", "ActionId,Amount,Reason\n1000.4636.1,0,Caf\u00e9\n".encode("cp1252"))
    (bk001,) = [f for f in table.findings if f.code == "BK001"]
    assert bk001.line == 2 and "Windows-1252" in bk001.message
    assert table.data.iloc[0, 2] == "Caf\u00e9"  # decoded as the guessed encoding, so later checks still run


def test_empty_and_binary_inputs() -> None:
    assert [f.code for f in read_csv_bytes("x.csv", b"").findings] == ["BK004"]
    assert [f.code for f in read_csv_bytes("x.csv", b"\n\n").findings] == ["BK004"]
    table = read_csv_bytes("x.csv", b"\x00\x01\x02,\xff\n")
    assert any(f.code == "BK001" for f in table.findings)


def _xlsx(path: Path, rows: list[list[object]], title: str = "Sheet1") -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    for row in rows:
        ws.append(row)
    book.save(path)


@pytest.mark.parametrize(
    "value, text",
    [(2723.8, "2723.8"), (59.97, "59.97"), (12.0, "12"), (1234567890123, "1234567890123"), (None, ""),
     (True, "TRUE"), (Decimal("1.50"), "1.50"), (1e-05, "0.00001"), (0.1 + 0.2, "0.3"), (19.99 * 3, "59.97"), (12.345, "12.345"),
     (12345678901234567.0, "12345678901234600"),
     (dt.datetime(2026, 11, 22, 8, 30), "2026-11-22 08:30:00")],
)
def test_cell_text_is_exact(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_xlsx_numbers_and_ids(tmp_path: Path) -> None:
    path = tmp_path / "acme_item-modifications.xlsx"
    _xlsx(path, [["ActionId", "OrderId", "ActionTrackerId", "Sku", "Amount", "Quantity", "Reason"],
                 [None, "0004417", 2240, "SKU-1", 2723.8, 2, "ITEM_RETURNED"],
                 [None, "ORD-2", 2240, "SKU-2", 59.970000000000006, 1, "ITEM_RETURNED"],
                 [],
                 [None, 12345.0, 2240, "SKU-3", 10, 1, "ITEM_RETURNED"]])
    table = read_table(path)
    assert table.data.iloc[0].tolist() == ["", "0004417", "2240", "SKU-1", "2723.8", "2", "ITEM_RETURNED"]
    found = _flat([str(path)])
    assert ("BK010", 4, 4, None, None) in found  # 59.970000000000006 is what Excel saves for =19.99*3: it shows 59.97
    # 12345.0 as a number cell reads 12345, not a float tail (no BK104); a number where an id belongs is BK107 (SPEC §8)
    assert sorted(found) == [("BK010", 4, 4, None, None), ("BK107", 5, 5, "OrderId", "12345")]


def test_xlsx_sheet_option(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["not a batch"])
    ws = book.create_sheet("Batch")
    ws.append(["ActionId", "Amount", "Reason"])
    ws.append(["1000.4636.1", 0, "ITEM_RETURNED"])
    book.save(path)
    assert _flat([str(path)], kind="order-reversal", sheet="Batch") == []
    with pytest.raises(InputError, match="no sheet named 'Nope'"):
        read_table(path, sheet="Nope")


def test_damaged_xlsx_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(InputError, match="not a readable XLSX"):
        read_table(path)


def test_xlsx_gives_same_findings_as_csv(tmp_path: Path) -> None:
    rows = [["ActionId", "Amount", "Reason"], ["1000.4636.1", "$5", "ITEM_RETURNED"], ["1000.4636.2", "0", "returned"]]
    csv_path = tmp_path / "a_order-reversals.csv"
    csv_path.write_text("\n".join(",".join(r) for r in rows) + "\n")
    xlsx_path = tmp_path / "a_order-reversals.xlsx"
    _xlsx(xlsx_path, rows)
    assert _flat([str(csv_path)]) == _flat([str(xlsx_path)])
