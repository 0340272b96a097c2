"""Damage real files carry, beyond the rule cases: the quote check against an independent grammar,
files that are not CSV, encodings and their advice, fix refusing damage, build on damaged exports."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from batchkit.cli import main
from batchkit.core.config import load_config
from batchkit.io.quotes import scan, well_formed
from batchkit.io.read import read_csv_bytes, read_table
from batchkit.validation.engine import validate_paths
from batchkit.validation.header import looks_like_header

ROOT = Path(__file__).resolve().parents[1]
FIELD = r'(?:"(?:[^"]|"")*"|[^",\r\n"]*)'
GRAMMAR = re.compile(rf"(?:{FIELD}(?:,{FIELD})*(?:\r\n|\n|\r))*(?:{FIELD}(?:,{FIELD})*)?")  # RFC 4180, lenient on line ends


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='a,"\n\r', max_size=40))
def test_the_vectorized_quote_check_agrees_with_the_csv_grammar(text: str) -> None:
    data = text.encode()
    assert well_formed(data, ",") == bool(GRAMMAR.fullmatch(text))
    assert (scan(data, ",", 0, 1) == []) == bool(GRAMMAR.fullmatch(text))


cells = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\u00e9;')), max_size=8)


def _rfc4180(rows: list[list[str]], every: bool, end: str) -> bytes:
    """Rows written with RFC 4180 quoting: every cell, or those holding a comma, quote, CR or LF
    (Python's csv module leaves a lone CR bare, which no reader can take back)."""
    def cell(c: str) -> str:
        return '"' + c.replace('"', '""') + '"' if every or any(ch in c for ch in ',"\r\n') else c
    return "".join(",".join(cell(c) for c in row) + end for row in rows).encode()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=6), st.booleans(),
       st.sampled_from(["\n", "\r\n"]))
def test_a_file_quoted_correctly_never_gets_bk012_or_bk013(rows: list[list[str]], every: bool, end: str) -> None:
    table = read_csv_bytes("t.csv", _rfc4180([["x", "y", "z"], *rows], every, end))
    assert not [f for f in table.findings if f.code in ("BK012", "BK013")]
    kept = [r for r in rows if any(c.strip() for c in r)]  # blank rows are BK010, not data
    assert table.data.values.tolist() == kept


def _codes(path: Path, **kw) -> list[str]:
    report = validate_paths([str(path)], load_config(None, cwd=path.parent), max_samples=0, **kw)
    return sorted(f.code for f in report.files[0].findings())


def test_a_zip_named_csv_is_bk014_and_an_xlsx_named_csv_is_read_as_a_workbook(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("orders.csv", "OrderId\n1\n")
    (tmp_path / "a_order-reversals.csv").write_bytes(buf.getvalue())
    assert _codes(tmp_path / "a_order-reversals.csv") == ["BK014"]
    book = openpyxl.Workbook()
    book.active.append(["OrderId", "ActionTrackerId", "Amount", "Reason"])
    book.active.append(["ORD-1", "2240", "0", "ITEM_RETURNED"])
    book.save(tmp_path / "b_order-reversals.csv")
    assert _codes(tmp_path / "b_order-reversals.csv") == []


def test_a_title_row_in_a_sheet_is_bk015_and_rows_keep_their_numbers(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    for row in (["Reversals November"], [], ["OrderId", "ActionTrackerId", "Amount", "Reason"],
                ["ORD-1", "2240", "0", "ITEM_RETURNED"], ["ORD-2", "2240", "5", "ITEM_RETURNED"]):
        book.active.append(row)
    book.save(tmp_path / "t_order-reversals.xlsx")
    report = validate_paths([str(tmp_path / "t_order-reversals.xlsx")], load_config(None, cwd=tmp_path), max_samples=0)
    assert [(f.code, f.row, f.column) for f in report.files[0].findings()] == [("BK015", 3, None), ("BK205", 5, "Amount")]


def _bk001(raw: bytes, tmp_path: Path) -> str:
    (tmp_path / "e.csv").write_bytes(raw)
    table = read_table(tmp_path / "e.csv", header_hint=looks_like_header)
    return next(f.message for f in table.findings if f.code == "BK001")


def test_bk001_advice_matches_the_encoding_found(tmp_path: Path) -> None:
    text = "OrderId,ActionTrackerId,Amount,Reason\nCAFÉ-1,2240,0,ITEM_RETURNED\n"
    assert "iconv -f UTF-16LE -t UTF-8 e.csv > e-utf8.csv" in _bk001(text.encode("utf-16-le"), tmp_path)
    assert "iconv -f UTF-16BE" in _bk001(text.encode("utf-16-be"), tmp_path)
    assert "iconv -f UTF-16 -t UTF-8" in _bk001(text.encode("utf-16"), tmp_path)
    western = _bk001(text.encode("cp1252"), tmp_path)
    assert "Windows-1252" in western and "iconv -f WINDOWS-1252 -t UTF-8" in western
    greek = _bk001(text.replace("CAFÉ", "ΚΑΦΕΣ-ΠΑΡΑΓΓΕΛΙΑ").encode("iso-8859-7"), tmp_path)
    assert "unknown single-byte encoding" in greek and "WINDOWS-1252" not in greek


def test_fix_writes_nothing_for_a_file_only_a_person_can_repair(tmp_path: Path) -> None:
    (tmp_path / "u_order-reversals.csv").write_text("OrderId,ActionTrackerId,Amount,Reason\nORD-1,2240,0,ITEM_RETURNED\n"
                                                    '"ORD-2,2240,0,ITEM_RETURNED\nORD-3,2240,0,ITEM_RETURNED\n')
    result = CliRunner().invoke(main, ["fix", str(tmp_path / "u_order-reversals.csv"), "-o", str(tmp_path / "f.csv")])
    assert result.exit_code == 1 and "BK013" in result.output and "fix wrote nothing" in result.output
    assert not (tmp_path / "f.csv").exists()


def test_fix_says_where_the_kind_came_from(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("ActionId,Amount,Reason\n1000.4636.158133, 12.50 ,item_returnd\n")
    result = CliRunner().invoke(main, ["fix", str(tmp_path / "e.csv"), "-o", str(tmp_path / "f.csv")])
    assert result.exit_code == 1 and "given with --kind" not in result.output
    assert "order-modification (from the columns and values" in result.output and "of the input)" in result.output


def test_bk401_says_when_rows_differ_only_in_columns_impact_com_does_not_read(tmp_path: Path) -> None:
    (tmp_path / "d_order-reversals.csv").write_text("OrderId,ActionTrackerId,Amount,Reason,Note\n"
                                                    "ORD-1,2240,0,ITEM_RETURNED,a\nORD-1,2240,0,ITEM_RETURNED,b\n"
                                                    "ORD-2,2240,0,ITEM_RETURNED,a\nORD-2,2240,0,ITEM_RETURNED,a\n")
    report = validate_paths([str(tmp_path / "d_order-reversals.csv")], load_config(None, cwd=tmp_path), max_samples=0)
    by_row = {f.row: f.message for f in report.files[0].samples["BK401"]}
    assert "differs only in Note" in by_row[3] and by_row[5] == "this row repeats an earlier row exactly: delete it"


SHOPIFY = ROOT / "samples" / "shopify"


def _shopify(tmp_path: Path, rows: list[list[str]], name: str = "orders.csv") -> dict:
    with open(SHOPIFY / "orders_export.csv", newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    buf = io.StringIO()
    csv.writer(buf).writerows([header, *rows])
    (tmp_path / name).write_text(buf.getvalue())
    args = ["build", str(tmp_path / name), "--out", str(tmp_path / "out"), "--config", str(SHOPIFY / "batchkit.toml"),
            "--format", "json", "--dry-run"]
    return json.loads(CliRunner().invoke(main, args).stdout)


def _sample_rows() -> list[list[str]]:
    with open(SHOPIFY / "orders_export.csv", newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))[1:]


def test_an_export_sorted_by_another_column_builds_the_same_records(tmp_path: Path) -> None:
    rows = _sample_rows()
    straight = _shopify(tmp_path, rows, "a.csv")
    shuffled = _shopify(tmp_path, sorted(rows, key=lambda r: r[::-1]), "b.csv")
    assert straight["ok"] and shuffled["ok"] and shuffled["input"]["counts"] == {}
    assert shuffled["records"] == straight["records"] and shuffled["removed"] == straight["removed"]


def test_a_total_that_is_not_a_number_gets_one_finding_not_a_follow_on(tmp_path: Path) -> None:
    with open(SHOPIFY / "orders_export.csv", newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    rows = _sample_rows()
    total, refunded = header.index("Total"), header.index("Refunded Amount")
    target = next(r for r in rows if r[refunded].strip() not in ("", "0", "0.00"))
    target[total] = "£40.98"
    doc = _shopify(tmp_path, rows)
    assert not doc["ok"] and doc["input"]["counts"] == {"BK503": 1}


def test_a_truncated_export_is_bk013(tmp_path: Path) -> None:
    text = (SHOPIFY / "orders_export.csv").read_text(encoding="utf-8")
    cut = text[: text.rindex('"')]  # the last closing quote is lost, as in a truncated download
    (tmp_path / "cut.csv").write_text(cut)
    args = ["build", str(tmp_path / "cut.csv"), "--out", str(tmp_path / "out"), "--config", str(SHOPIFY / "batchkit.toml"),
            "--format", "json"]
    doc = json.loads(CliRunner().invoke(main, args).stdout)
    assert not doc["ok"] and "BK013" in doc["input"]["counts"] and "BK009" not in doc["input"]["counts"]


RETURNS_HEADER = "Order Number,Line SKU,Qty Ordered,Unit Price,Qty Returned,Return Reason,Currency\n"


def _build_returns(tmp_path: Path, reasons: str, lines: str):
    """build a returns export (ActionTrackerId 2240) with the given [build.reasons] lines."""
    (tmp_path / "bk.toml").write_text(f"[build]\naction_tracker_id = 2240\n[build.reasons]\n{reasons}\n")
    (tmp_path / "e.csv").write_text(RETURNS_HEADER + lines)
    args = ["build", str(tmp_path / "e.csv"), "--out", str(tmp_path / "o"), "--config", str(tmp_path / "bk.toml")]
    return CliRunner().invoke(main, args)


def test_warnings_of_the_files_built_name_the_order_and_the_export_row(tmp_path: Path) -> None:
    result = _build_returns(tmp_path, '"Damaged" = "ITEM_RETURNED"',
                            "007,A,2,10.00,0,,USD\n001,A,2,10.00,1,Damaged,USD\n001,A,2,10.00,1,Damaged,USD\n")
    assert result.exit_code == 0 and "BK403" in result.output
    assert "(order '001', export row 3)" in result.output


def test_excel_doubles_are_read_as_excel_shows_them_and_precision_is_still_checked(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    for row in (["ActionId", "Amount", "Reason"], ["1000.4636.158133", 19.99 * 3, "ORDER_UPDATE"],
                ["1000.4636.158134", 0.1 + 0.2, "ORDER_UPDATE"], ["1000.4636.158135", 12.345, "ORDER_UPDATE"]):
        book.active.append(row)
    book.save(tmp_path / "x_order-modifications.xlsx")
    report = validate_paths([str(tmp_path / "x_order-modifications.xlsx")], load_config(None, cwd=tmp_path), max_samples=0)
    assert [(f.code, f.row, f.value) for f in report.files[0].findings()] == [("BK203", 4, "12.345")]


def test_an_empty_reason_can_be_mapped_as_the_readme_says(tmp_path: Path) -> None:
    result = _build_returns(tmp_path, '"" = "ITEM_RETURNED"', "001,A,2,10.00,1,,USD\n")
    assert result.exit_code == 0, result.output
    written = next((tmp_path / "o").iterdir()).read_text()
    assert written.splitlines()[1].endswith(",ITEM_RETURNED") and "001" in written
