"""The review workbook: render/review.py on its own (columns, drop-down lists inline and through the hidden
sheet, highlights, text cells), and the one `inquiries match --review` writes, read back with openpyxl and,
edited, with batchkit.io as a resolution file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from batchkit.core.config import load_config
from batchkit.core.errors import InputError
from batchkit.core.inquiry import REASONS, RESOLUTION_COLUMNS, RESOLUTIONS, TRACKED
from batchkit.inquiries.match import decide
from batchkit.inquiries.orders import read_orders
from batchkit.inquiries.proposals import (
    EVIDENCE,
    PARTNER,
    resolution_csv,
    write_review_file,
)
from batchkit.inquiries.read import read_inquiries
from batchkit.inquiries.settings import load_inquiry_settings
from batchkit.io.read import read_table
from batchkit.render.review import (
    HIGHLIGHT,
    LISTS_SHEET,
    Column,
    Review,
    Row,
    review_workbook,
    write_review,
)

LONG = tuple(f"choice number {i}, with a comma and enough words to be long" for i in range(6))


def _book(review: Review) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(review_workbook(review)))


def _validations(sheet) -> dict[str, str]:
    return {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}


def test_render_review_lists_highlights_and_text_cells() -> None:
    review = Review([Column("Id"), Column("Pick", choices=("A", "B")), Column("Long", wrap=True, choices=LONG)],
                    [Row(["007", "A", "=1+1"], frozenset({0})), Row(["8", "", ""])], ["How to use it."])
    book = _book(review)
    assert book.sheetnames == ["Review", "Read me", LISTS_SHEET]
    sheet = book["Review"]
    assert [c.value for c in sheet[1]] == ["Id", "Pick", "Long"] and sheet.freeze_panes == "A2"
    assert sheet["A2"].value == "007" and sheet["C2"].value == "=1+1" and sheet["C2"].data_type == "s"
    assert _validations(sheet) == {"B2:B3": '"A,B"', "C2:C3": f"'{LISTS_SHEET}'!$C$1:$C$6"}
    assert [book[LISTS_SHEET].cell(row=i, column=3).value for i in range(1, 7)] == list(LONG)
    assert book[LISTS_SHEET].sheet_state == "hidden"
    assert sheet["A2"].fill.fgColor.rgb.endswith(HIGHLIGHT) and sheet["A3"].fill.fill_type is None
    assert sheet["C2"].alignment.wrap_text and not sheet["A2"].alignment.wrap_text
    assert book["Read me"]["A1"].value == "How to use it."


def test_render_review_without_long_lists_has_no_hidden_sheet(tmp_path: Path) -> None:
    review = Review([Column("Status", choices=RESOLUTIONS)], [], ["x"])
    write_review(tmp_path / "r.xlsx", review)
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert book.sheetnames == ["Review", "Read me"]
    assert _validations(book["Review"]) == {"A2": '"VALID,DECLINED,INCOMPLETE"'}
    with pytest.raises(InputError, match="already exists"):
        write_review(tmp_path / "r.xlsx", review)


# ------------------------------------------------------------------ the workbook of `inquiries match`

EXPORT = """\
Name,Financial Status,Paid at,Currency,Subtotal,Total,Created at,Cancelled at,Refunded Amount,Id
#1041,paid,,USD,120.00,134.60,2025-12-01 10:14:02 +0000,,0.00,5001
#1061,paid,,USD,75.50,80.00,2025-12-03 10:14:02 +0000,,0.00,5061
#1062,refunded,,USD,20.00,20.00,2025-12-04 10:14:02 +0000,,20.00,5062
"""
INQUIRIES = """\
Id,OrderId,TransactionDate,TransactionAmount,InquiryType,ResolutionDeadlineDate,Comments,MediaPartnerId,ResolutionStatus
000301,#1061,2025-12-03,80.00,UNTRACKED,2026-01-11,"never tracked, please check",12345,UNRESOLVED
000302,#1062,2025-12-04,20.00,UNTRACKED,2026-03-01,,12345,UNRESOLVED
000303,#1099,2025-12-04,20.00,UNTRACKED,,,12345,UNRESOLVED
000304,#1061,2025-12-03,80.00,UNTRACKED,2026-01-11,,12345,VALID
"""


@pytest.fixture
def decisions(tmp_path: Path):
    from datetime import date

    config_path = tmp_path / "batchkit.toml"
    config_path.write_text("[inquiries]\naction_tracker_id = 2240\n")
    config = load_config(config_path)
    (tmp_path / "export.csv").write_text(EXPORT)
    (tmp_path / "inquiries.csv").write_text(INQUIRIES)
    book = read_orders(tmp_path / "export.csv", "shopify", config)
    return decide(read_inquiries(tmp_path / "inquiries.csv"), book, None, load_inquiry_settings(config),
                  date(2026, 1, 10))


def test_the_review_sheet_starts_with_the_resolution_columns(tmp_path: Path, decisions) -> None:
    write_review_file(tmp_path / "review.xlsx", decisions, 3)
    book = openpyxl.load_workbook(tmp_path / "review.xlsx")
    assert book.sheetnames[:2] == ["Review", "Read me"] and book.sheetnames[2:] == [LISTS_SHEET]
    sheet = book["Review"]
    header = [c.value for c in sheet[1]]
    assert tuple(header[:len(RESOLUTION_COLUMNS)]) == RESOLUTION_COLUMNS
    assert tuple(header[len(RESOLUTION_COLUMNS):]) == EVIDENCE + PARTNER
    assert all(h.startswith(("Evidence: ", "Partner: ")) for h in header[len(RESOLUTION_COLUMNS):])
    rows = {r[0]: dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"000301", "000302", "000303"}  # zeros kept; the resolved one not proposed
    valid = rows["000301"]
    assert (valid["Resolution Status"], valid["Sale Amount"], valid["Evidence: Own amount"]) == ("VALID", "75.50", "75.50")
    assert (valid["Evidence: Order found"], valid["Evidence: Own status"], valid["Evidence: Own currency"]) == \
        ("yes", "paid", "USD")
    assert valid["Evidence: Existing ActionId"] == "(not checked: no mirror)"
    assert "partner claimed 80.00, our records say 75.50 USD" in valid["Evidence: Reviewer notes"]
    assert valid["Partner: Comments"] == "never tracked, please check" and valid["Partner: TransactionAmount"] == "80.00"
    assert rows["000303"]["Evidence: Order found"] == "no" and rows["000302"]["Evidence: Existing ActionId"] is None


def test_the_review_drop_downs_and_the_highlighted_deadline(tmp_path: Path, decisions) -> None:
    write_review_file(tmp_path / "review.xlsx", decisions, 3)
    book = openpyxl.load_workbook(tmp_path / "review.xlsx")
    sheet = book["Review"]
    assert _validations(sheet) == {"C2:C4": '"VALID,DECLINED,INCOMPLETE"', "D2:D4": f"'{LISTS_SHEET}'!$D$1:$D$9"}
    assert [book[LISTS_SHEET].cell(row=i, column=4).value for i in range(1, 10)] == list(REASONS)
    assert len('"' + ",".join(REASONS) + '"') > 255  # why the reasons need the hidden sheet
    header = [c.value for c in sheet[1]]
    deadline = header.index("Partner: ResolutionDeadlineDate") + 1
    assert sheet.cell(row=2, column=deadline).value == "2026-01-11"
    assert sheet.cell(row=2, column=deadline).fill.fgColor.rgb.endswith(HIGHLIGHT)  # 1 day left
    assert sheet.cell(row=2, column=1).fill.fgColor.rgb.endswith(HIGHLIGHT)
    assert sheet.cell(row=3, column=deadline).fill.fill_type is None  # 50 days left
    notes = header.index("Evidence: Reviewer notes") + 1
    assert sheet.cell(row=2, column=notes).alignment.wrap_text and sheet.freeze_panes == "A2"
    assert "Orange cells" in " ".join(str(c.value) for c in book["Read me"]["A"])


def test_the_edited_review_reads_back_as_a_resolution_file(tmp_path: Path, decisions) -> None:
    write_review_file(tmp_path / "review.xlsx", decisions, 3)
    book = openpyxl.load_workbook(tmp_path / "review.xlsx")
    sheet = book["Review"]
    sheet["C2"], sheet["D2"] = "DECLINED", TRACKED  # the reviewer disagrees with the first proposal
    book.save(tmp_path / "edited.xlsx")
    table = read_table(tmp_path / "edited.xlsx")
    assert tuple(table.header[:len(RESOLUTION_COLUMNS)]) == RESOLUTION_COLUMNS
    cells = [[table.data[i].iat[r] or "" for i in range(len(RESOLUTION_COLUMNS))] for r in range(len(table.data))]
    written = list(csv.reader(io.StringIO(resolution_csv(decisions))))[1:]
    assert cells[1:] == written[1:]  # untouched rows: exactly the CSV's
    assert cells[0][:4] == ["000301", "2025-12-03", "DECLINED", TRACKED]


def test_cli_writes_the_review_beside_the_csv_and_neither_over_a_file(runner, tmp_path: Path) -> None:
    from batchkit.cli.main import main

    (tmp_path / "batchkit.toml").write_text("[inquiries]\naction_tracker_id = 2240\n")
    (tmp_path / "export.csv").write_text(EXPORT)
    (tmp_path / "inquiries.csv").write_text(INQUIRIES)
    args = ["inquiries", "match", str(tmp_path / "inquiries.csv"), "--orders", str(tmp_path / "export.csv"),
            "--preset", "shopify", "--config", str(tmp_path / "batchkit.toml"), "-o", str(tmp_path / "res.csv"),
            "--review", str(tmp_path / "review.xlsx")]
    env = {"IMPACT_ACCOUNT_SID": "", "BATCHKIT_STATE_DIR": str(tmp_path / "state")}
    result = runner.invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    assert f"wrote {tmp_path / 'review.xlsx'}" in result.stderr
    sheet = openpyxl.load_workbook(tmp_path / "review.xlsx")["Review"]
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["000301", "000302", "000303"]
    (tmp_path / "res.csv").unlink()  # the review is still there: nothing is written
    again = runner.invoke(main, args, env=env)
    assert again.exit_code == 2 and "review.xlsx: already exists" in again.stderr
    assert not (tmp_path / "res.csv").exists()


def test_the_read_me_sends_the_edited_review_through_batchkit(tmp_path: Path, decisions) -> None:
    write_review_file(tmp_path / "review.xlsx", decisions, 3)
    text = " ".join(str(c.value) for c in openpyxl.load_workbook(tmp_path / "review.xlsx")["Read me"]["A"])
    assert "batchkit inquiries resolve" in text and "--to DIR" in text and "API" in text
    assert "save this sheet as CSV to upload" not in text and "Do not save this sheet as CSV" in text
