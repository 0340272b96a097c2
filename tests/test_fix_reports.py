"""--report (annotated XLSX, read back with openpyxl), --issues-csv, and batchkit fix."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from batchkit.cli.main import main
from batchkit.validation.fix import fix_amount, fix_reason

BROKEN = ("ActionId,OrderId,ActionTrackerId,Amount,Reason\n"
          "1000.4636.1,,,$5,ITEM_RETURNED\n"
          ",0007,2240,0,item_returned\n"
          "1000.4636.3,,,,ITEM_RETURNED\n"
          ",=HYPERLINK(1),2240,0,ITEM_RETURNED\n")


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_xlsx_report(tmp_path: Path) -> None:
    src = tmp_path / "acme_order-reversals.csv"
    src.write_text(BROKEN)
    out = tmp_path / "report.xlsx"
    result = _run("validate", str(src), "--report", str(out), "--max-samples", "1")
    assert result.exit_code == 1 and out.exists()
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[-1] == "Issues"
    data = book[book.sheetnames[0]]
    assert data["B3"].value == "0007" and data["B5"].value == "=HYPERLINK(1)" and data["B5"].data_type == "s"
    assert data["D2"].fill.fgColor.rgb.endswith("FFC7CE")  # error: red
    assert "BK201" in data["D2"].comment.text
    assert data["D4"].fill.fgColor.rgb.endswith("FFEB9C")  # warning: amber
    assert data["C2"].comment is None
    issues = book["Issues"]
    header = [c.value for c in issues[1]]
    assert header == ["Row", "Column", "Code", "Severity", "Value", "Message"]
    rows = [dict(zip(header, (c.value for c in r))) for r in issues.iter_rows(min_row=2)]
    assert sorted((r["Row"], r["Code"]) for r in rows) == [(2, "BK201"), (3, "BK302"), (4, "BK206"), (5, "BK217")]
    assert issues.freeze_panes == "A2" and issues.auto_filter.ref == "A1:F5"
    assert "BK201" in result.stdout  # the terminal output is still capped, the report is complete


def test_issues_csv(tmp_path: Path) -> None:
    src = tmp_path / "acme_order-reversals.csv"
    src.write_text(BROKEN)
    out = tmp_path / "issues.csv"
    assert _run("validate", str(src), "--issues-csv", str(out)).exit_code == 1
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["row", "column", "code", "message", "ActionId", "OrderId", "ActionTrackerId", "Amount", "Reason"]
    by_code = {r[2]: r for r in rows[1:]}
    assert by_code["BK201"][:2] == ["2", "Amount"] and by_code["BK201"][4:] == ["1000.4636.1", "", "", "$5", "ITEM_RETURNED"]
    assert by_code["BK302"][5] == "0007"
    again = _run("validate", str(src), "--issues-csv", str(out))
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_the_issues_csv_runs_no_formula_from_the_file(tmp_path: Path) -> None:
    src = tmp_path / "acme_order-modifications.csv"
    src.write_text('ActionId,Amount,CustomerStatus,Reason\n1000.4636.1,5.00,"=HYPERLINK(""http://x"",""y"")",'
                   "ORDER_UPDATE\n")
    out = tmp_path / "issues.csv"
    assert _run("validate", str(src), "--issues-csv", str(out)).exit_code in (0, 1)
    rows = list(csv.reader(io.StringIO(out.read_text())))
    cells = [c for r in rows[1:] for c in r]
    assert '\'=HYPERLINK("http://x","y")' in cells and not any(c.startswith("=") for c in cells)


@pytest.mark.parametrize("value, currency, fixed", [
    ("$1,234.50", "USD", "1234.50"), ("€ 99.00", "EUR", "99.00"), ("12.00 EUR", "EUR", "12.00"),
    ("1,234,567.89", "", "1234567.89"), ("12,50", "", None), ("1,234", "", None), ("12.50", "", None),
    ("abc", "", None), ("-$5", "USD", None),
    ("€5.00", "USD", None), ("EUR 5.00", "USD", None), ("£1,000", "USD", None),  # a sign is not a conversion
    ("$5.00", "", None),  # no CurrencyCode: dropping the sign would move the amount into the account currency
])
def test_fix_amount_only_when_unambiguous(value: str, currency: str, fixed: str | None) -> None:
    assert fix_amount(value, currency) == fixed


def test_fix_reason_only_to_accepted_codes() -> None:
    accepted = frozenset({"ITEM_RETURNED", "ORDER_UPDATE"})
    assert fix_reason("item_returned", accepted) == "ITEM_RETURNED"
    assert fix_reason("order update", accepted) == "ORDER_UPDATE"
    assert fix_reason("RETURNED", accepted) is None and fix_reason("ITEM_RETURNED", accepted) is None


def test_fix_command(tmp_path: Path) -> None:
    src = tmp_path / "in_order-modifications.csv"
    src.write_bytes(b'\xef\xbb\xbfOid,ActionTrackerID,amount,currencycode,Reason\n 0001 ,2240,"$1,234.50",USD,item_returned\n'
                    b'0002,2240,"12,50",USD,RETURNED\n')
    out = tmp_path / "fixed.csv"  # no kind in the name: the output is checked as the input's kind
    result = _run("fix", str(src), "-o", str(out))
    assert result.exit_code == 1  # two problems cannot be fixed safely and remain findings
    assert out.read_bytes() == (b"OrderId,ActionTrackerId,Amount,CurrencyCode,Reason\n0001,2240,1234.50,USD,ITEM_RETURNED\n"
                                b'0002,2240,"12,50",USD,RETURNED\n')
    assert "order-modification" in result.stdout
    assert "BK201" in result.stdout and "BK302" in result.stdout and "byte-order mark" in result.stdout
    assert src.read_bytes().startswith(b"\xef\xbb\xbfOid")  # the input is untouched
    in_place = _run("fix", str(src), "-o", str(src))
    assert in_place.exit_code == 2 and "in place" in in_place.stderr
    assert _run("fix", str(src), "-o", str(out)).exit_code == 2  # exists, no --force


def test_fix_clean_result_exits_0(tmp_path: Path) -> None:
    src = tmp_path / "in_order-reversals.csv"
    src.write_text("ActionID,Amount,Reason\n 1000.4636.1 ,0,item returned\n")
    out = tmp_path / "out_order-reversals.csv"
    assert _run("fix", str(src), "-o", str(out)).exit_code == 0
    assert out.read_text() == "ActionId,Amount,Reason\n1000.4636.1,0,ITEM_RETURNED\n"


def test_fix_refuses_an_encoding_it_cannot_tell(tmp_path: Path) -> None:
    src = tmp_path / "in_order-reversals.csv"
    src.write_bytes("ActionId,Amount,Reason\n1000.4636.1,0,ITEM_RETURNED\n1000.4636.2,0,\u039a\u03b1\u03bb\u03b7\u03bc\u03ad\u03c1\u03b1\n"
                    .encode("iso-8859-7"))
    result = _run("fix", str(src), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2 and "not UTF-8" in result.stderr and "--encoding" in result.stderr
    assert not (tmp_path / "out.csv").exists()
    given = _run("fix", str(src), "-o", str(tmp_path / "out.csv"), "--encoding", "iso-8859-7")
    assert "re-encoded from iso-8859-7" in given.stdout
    assert "\u039a\u03b1\u03bb\u03b7\u03bc\u03ad\u03c1\u03b1" in (tmp_path / "out.csv").read_text(encoding="utf-8")
    wrong = _run("fix", str(src), "-o", str(tmp_path / "out2.csv"), "--encoding", "no-such-codec")
    assert wrong.exit_code == 2 and "not an encoding" in wrong.stderr


def test_fix_checks_its_output_as_the_input_kind(tmp_path: Path) -> None:
    src = tmp_path / "acme_order-reversals.csv"
    src.write_text("ActionId,OrderId,ActionTrackerId,Amount,Reason\n,0001,2240,5.00,ITEM_RETURNED\n")
    result = _run("fix", str(src), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 1 and "BK205" in result.stdout  # re-checked as a modification it was "valid"


def test_fix_removes_a_doubled_byte_order_mark(tmp_path: Path) -> None:
    src = tmp_path / "acme_order-reversals.csv"
    src.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbfActionId,Amount,Reason\n1000.4636.1,0,ITEM_RETURNED\n")
    out = tmp_path / "out.csv"
    result = _run("fix", str(src), "-o", str(out))
    assert result.exit_code == 0, result.stdout
    assert out.read_bytes() == b"ActionId,Amount,Reason\n1000.4636.1,0,ITEM_RETURNED\n"


def test_xlsx_report_widths_sheet_names_paths_and_cr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    long = "acme-brand-international-europe"
    first = tmp_path / "in" / f"{long}_order-reversals_2026-11-22.csv"
    second = tmp_path / "in" / f"{long}_item-reversals_2026-11-22.csv"
    first.write_bytes(b'ActionId,Amount,Reason\r\n1000.4636.1,0,"ITEM_RETURNED\r"\r\n1000.4636.2,0,' + b"x" * 200 + b"\r\n")
    second.write_text("ActionId,Sku,Amount,Reason\n1000.4636.3,S,0,\n")
    out = tmp_path / "report.xlsx"
    result = _run("validate", str(first), str(second), "--report", str(out))
    assert result.exit_code == 1 and out.exists(), result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["order-reversals_2026-11-22", "item-reversals_2026-11-22", "Issues"]
    data = book["order-reversals_2026-11-22"]
    assert data["C2"].value == "ITEM_RETURNED\r"  # the CR stays a CR
    assert data.column_dimensions["C"].width == 60  # capped
    assert 13 <= data.column_dimensions["A"].width <= 20  # "1000.4636.1" and a margin
    issues = book["Issues"]
    files = {c.value for c in issues["A"][1:]}
    assert files == {f"in/{long}_order-reversals_2026-11-22.csv", f"in/{long}_item-reversals_2026-11-22.csv"}
    assert issues.column_dimensions["A"].width > 40


def test_xlsx_report_sheet_names_stay_unique_and_within_31(tmp_path: Path) -> None:
    from batchkit.render.annotate import sheet_names

    names = sheet_names(["a/x.csv", "b/x.csv", "c/X.csv", "d/" + "y" * 40 + ".csv"], {"issues"})
    assert names[:3] == ["x", "x (2)", "X (3)"] and len(names[3]) == 31 and "~" not in names[3]
    assert sheet_names(["Issues.csv"], {"issues"}) == ["Issues (2)"]
