"""Kind inquiry-resolution (the web app's bulk-resolution CSV): detection, the BK6xx codes through every output,
XLSX input with the review workbook's evidence columns, the template. Rule cases: tests/cases/inquiry_resolution.toml.
"""

from __future__ import annotations

import json
import tomllib
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from batchkit.cli.main import main
from batchkit.core.codes import catalogue
from batchkit.core.config import load_config
from batchkit.core.inquiry import (
    OTHER_CHANNEL,
    REASONS,
    RESOLUTION_COLUMNS,
    UNTRACEABLE,
)
from batchkit.io.read import Table, read_csv_bytes, read_table
from batchkit.validation.engine import (
    validate_paths,
    validate_resolution_table,
    validate_table,
    validate_tables,
)
from batchkit.validation.header import looks_like_header
from batchkit.validation.rules.resolution import is_date, suggest_reason, suggest_status

CASES = Path(__file__).parent / "cases" / "inquiry_resolution.toml"
HEADER = ",".join(RESOLUTION_COLUMNS)
GOOD = f"{HEADER}\n100245,2026-11-18,VALID,,2240,4.50,found,59.97,C-1,NEW,\n100246,,DECLINED,Other,,,,,,,\n"
BAD = "Id,Resolution Status,Resolution Reason\n1,DECLINED,credited with sale\n1,UNRESOLVED,\n"


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def _config(tmp_path: Path):
    return load_config(None, cwd=tmp_path)


def _codes(report) -> list[str]:
    return sorted(f.code for fr in report.files for f in fr.findings())


def test_every_bk6_code_has_failing_and_passing_cases() -> None:
    cases = tomllib.loads(CASES.read_text(encoding="utf-8"))["case"]
    failing = {e[2] for c in cases for e in c["expect"]}
    passing = {code for c in cases for code in c.get("passes", [])}
    codes = {c for c in catalogue() if c.startswith("BK6")}
    assert len(codes) >= 14
    assert not codes - failing, f"BK6 codes without a failing case: {sorted(codes - failing)}"
    assert not codes - passing, f"BK6 codes without a passing case: {sorted(codes - passing)}"


# --- detection -------------------------------------------------------------------------------------

def test_detected_by_columns_with_the_reason(tmp_path: Path) -> None:
    f = tmp_path / "upload.csv"
    f.write_text(BAD)
    fr = validate_paths([str(f)], _config(tmp_path)).files[0]
    assert fr.kind == "inquiry-resolution"
    assert "Resolution Status" in fr.kind_reason and "columns" in fr.kind_reason
    assert fr.counts["BK603"] == 1 and fr.counts["BK609"] == 1 and fr.counts["BK601"] == 1


def test_detected_by_name_whatever_the_columns(tmp_path: Path) -> None:
    f = tmp_path / "acme_inquiry_resolution.csv"
    f.write_text("ActionId,Amount,Reason\n1000.1.1,5.00,ORDER_UPDATE\n")
    fr = validate_paths([str(f)], _config(tmp_path)).files[0]
    assert fr.kind == "inquiry-resolution" and "file name" in fr.kind_reason
    assert fr.counts["BK613"] == 2 and fr.counts["BK614"] == 3


def test_kind_given_beats_the_columns(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("Id,Resolution Status\n1,INCOMPLETE\n")
    forced = validate_paths([str(f)], _config(tmp_path), kind="order-reversal").files[0]
    assert forced.kind == "order-reversal" and forced.counts["BK007"] == 2
    given = validate_paths([str(f)], _config(tmp_path), kind="inquiry-resolution").files[0]
    assert given.kind == "inquiry-resolution" and given.kind_reason == "given with --kind" and not given.counts


@pytest.mark.parametrize("text, kind", [
    ("ActionId,Amount,Reason\n1000.1.1,0,CONS_FRAUD\n", "order-reversal"),
    ("ActionId,Amount,CustomerStatus,Reason\n1000.1.1,5,NEW,ORDER_UPDATE\n", "order-modification"),
    ("ActionId,Sku,Amount,Category,Reason\n1000.1.1,S,5,c,ITEM_RETURNED\n", "item-modification"),
    ("Oid,ActionTrackerId,Reason\nO1,2240,RESET\n", "reset"),
    # a batch file with stray resolution-looking columns stays a batch file: it has a batch identifier
    ("Id,Resolution Status,OrderId,ActionTrackerId,Amount,Reason\n1,VALID,O1,2240,0,CONS_FRAUD\n", "order-reversal"),
])
def test_batch_kinds_are_detected_as_before(text: str, kind: str, tmp_path: Path) -> None:
    f = tmp_path / "plain.csv"
    f.write_text(text)
    assert validate_paths([str(f)], _config(tmp_path)).files[0].kind == kind


def test_no_id_column_is_not_a_resolution_file(tmp_path: Path) -> None:
    f = tmp_path / "plain.csv"
    f.write_text("Resolution Status,Resolution Reason\nVALID,\n")
    fr = validate_paths([str(f)], _config(tmp_path)).files[0]
    assert fr.kind is None and fr.counts["BK011"] == 1


def test_title_lines_above_a_resolution_header(tmp_path: Path) -> None:
    assert looks_like_header(list(RESOLUTION_COLUMNS)) and not looks_like_header(["Inquiries to resolve", ""])
    f = tmp_path / "upload.csv"
    f.write_text(f"Inquiries to resolve\n{HEADER}\n7,,INCOMPLETE,,,,,,,,\n7,,INCOMPLETE,,,,,,,,\n")
    fr = validate_paths([str(f)], _config(tmp_path)).files[0]
    assert fr.kind == "inquiry-resolution" and fr.counts["BK015"] == 1
    assert [(x.row, x.code) for x in fr.samples["BK609"]] == [(4, "BK609")]


# --- messages ----------------------------------------------------------------------------------------

def test_reason_suggestions_and_how_they_differ() -> None:
    assert suggest_reason("credited with sale") == (OTHER_CHANNEL, None)
    assert suggest_reason("transaction cannot be traced") == (UNTRACEABLE, "case")
    assert suggest_reason("Transaction cannot  be traced") == (UNTRACEABLE, "spacing")
    assert suggest_reason("voucher code used") == (REASONS[2], None)
    assert suggest_reason("fraud") is None
    assert (suggest_status("valid"), suggest_status("rejected"), suggest_status("DECLIEND")) == \
        ("VALID", "DECLINED", "DECLINED")
    assert suggest_status("pending") is None


def test_messages_name_the_fix(tmp_path: Path) -> None:
    f = tmp_path / "r.csv"
    f.write_text("Id,Resolution Status,Resolution Reason,Final Payout,Transaction Date\n"
                 "1,DECLINED,credited with sale,1.234,22/11/2026\n2,valid,,,\n3,DECLINED,other,,\n")
    fr = validate_paths([str(f)], _config(tmp_path), max_samples=0).files[0]
    messages = {(x.code, x.row): x.message for x in fr.findings()}
    assert f"did you mean {OTHER_CHANNEL!r}" in messages["BK603", 2]
    assert "in case only" in messages["BK603", 4]
    assert "round it to cents (1.23)" in messages["BK611", 2]
    assert "write 2026-11-22" in messages["BK608", 2]
    assert "exactly VALID" in messages["BK601", 3]
    assert fr.counts["BK605"] == 1 and fr.counts["BK607"] == 1  # "valid" is still meant as VALID


def test_dates_the_web_app_writes() -> None:
    for good in ("2026-11-22", "2026-11-22T14:05:00Z", "2026-11-22T14:05:00-05:00", "2026-11-22 00:00:00",
                 "2026-11-22T14:05"):
        assert is_date(good), good
    for bad in ("2026-11-31", "2026-11-22T", "20261122", "2026/11/22", "", "2026-11-22Z"):
        assert not is_date(bad), bad


# --- the CLI and its outputs ----------------------------------------------------------------------------

def test_cli_exit_codes(tmp_path: Path) -> None:
    bad, good, warned = tmp_path / "bad.csv", tmp_path / "good.csv", tmp_path / "warned.csv"
    bad.write_text(BAD)
    good.write_text(GOOD)
    warned.write_text("Id,Transaction Date,Resolution Status,Resolution Reason,Action Tracker\n"
                      "1,2026-11-22,VALID,Other,2240\n")
    assert _run("validate", str(bad)).exit_code == 1
    assert _run("validate", str(good)).exit_code == 0
    assert _run("validate", str(warned)).exit_code == 0
    assert _run("validate", str(warned), "--fail-on", "warning").exit_code == 1
    result = _run("validate", str(good), "--kind", "inquiry-resolution")
    assert result.exit_code == 0 and "inquiry-resolution (given with --kind)" in result.stdout


def test_json_and_sarif_carry_the_codes(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(BAD)
    doc = json.loads(_run("validate", str(f), "--format", "json").stdout)
    assert doc["valid"] is False and doc["files"][0]["kind"] == "inquiry-resolution"
    assert doc["files"][0]["counts"] == {"BK601": 1, "BK603": 1, "BK609": 1}
    first = next(x for x in doc["files"][0]["findings"] if x["code"] == "BK603")
    assert (first["row"], first["column"], first["value"]) == (2, "Resolution Reason", "credited with sale")
    sarif = json.loads(_run("validate", str(f), "--format", "sarif").stdout)
    results = sarif["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == ["BK601", "BK603", "BK609"]
    assert {r["ruleId"]: r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results}["BK609"] == 3


@pytest.mark.parametrize("fmt, mark", [("github", "::error"), ("junit", "BK603"), ("text", "BK609")])
def test_other_renderers(fmt: str, mark: str, tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(BAD)
    result = _run("validate", str(f), "--format", fmt)
    assert result.exit_code == 1 and mark in result.stdout


def test_xlsx_report_names_the_findings(tmp_path: Path) -> None:
    import openpyxl

    f, report = tmp_path / "bad.csv", tmp_path / "report.xlsx"
    f.write_text(BAD)
    assert _run("validate", str(f), "--report", str(report)).exit_code == 1
    book = openpyxl.load_workbook(report)
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value]
    assert any("BK603" in c for c in cells) and any("BK609" in c for c in cells)


def test_template_writes_a_clean_header(tmp_path: Path) -> None:
    result = _run("template", "inquiry-resolution")
    assert result.exit_code == 0 and result.stdout.splitlines()[0] == HEADER
    out = tmp_path / "t.csv"
    assert _run("template", "inquiry-resolution", "-o", str(out)).exit_code == 0
    fr = validate_paths([str(out)], _config(tmp_path)).files[0]
    assert fr.kind == "inquiry-resolution" and fr.rows >= 2 and not fr.counts


# --- XLSX and in-memory tables -------------------------------------------------------------------------------

def _review_xlsx(path: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Review"
    sheet.append([*RESOLUTION_COLUMNS, "Evidence: order total", "Partner: comment", "Evidence: order total"])
    sheet.append([100245, datetime(2026, 11, 18), "VALID", None, 2240, 4.5, "found", 59.97, None, None, None,
                  "-1 looks like a formula", "@partner", "$12.00"])
    sheet.append([100246, None, "DECLINED", "credited with sale", None, None, None, None, None, None, None,
                  "-", "+", None])
    sheet.append([100245, None, "INCOMPLETE", None, None, None, None, None, None, None, None, None, None, None])
    book.save(path)
    return path


def test_xlsx_review_sheet_evidence_columns_ignored(tmp_path: Path) -> None:
    table = read_table(_review_xlsx(tmp_path / "review.xlsx"), "Review", looks_like_header)
    fr = validate_resolution_table(table, _config(tmp_path), max_samples=0)
    assert fr.kind == "inquiry-resolution" and fr.rows == 3
    assert sorted((x.code, x.row, x.column) for x in fr.findings()) == [
        ("BK603", 3, "Resolution Reason"), ("BK609", 4, "Id")]
    through = validate_tables([table], _config(tmp_path), kind="inquiry-resolution")
    assert _codes(through) == ["BK603", "BK609"]


def test_xlsx_file_on_the_cli(tmp_path: Path) -> None:
    path = _review_xlsx(tmp_path / "acme_inquiry-resolution.xlsx")
    doc = json.loads(_run("validate", str(path), "--format", "json").stdout)
    assert doc["files"][0]["kind"] == "inquiry-resolution"
    assert doc["files"][0]["counts"] == {"BK603": 1, "BK609": 1}


def test_hand_built_table_with_missing_values(tmp_path: Path) -> None:
    data = pd.DataFrame({0: ["1", None, "3"], 1: ["VALID", "DECLINED", None]}, dtype=object)
    table = Table("mem", ["Id", "Resolution Status"], data, np.array([2, 3, 4]), np.array([2, 3, 4]))
    fr = validate_resolution_table(table, _config(tmp_path), max_samples=0)
    assert sorted((x.code, x.row) for x in fr.findings()) == [
        ("BK601", 4), ("BK602", 3), ("BK605", 2), ("BK607", 2), ("BK610", 3)]


@pytest.mark.parametrize("raw", [b"", b"\xff\xfe\x00", b"Id\n", b"Id,Resolution Status\n", b'Id,Resolution Status\n"1\n',
                                 "Id,Resolution Status,Final Payout\n1,VALID,１２\n2,\x00,9".encode(),
                                 b"Id,Resolution Status,Transaction Date\n1,VALID,9999-99-99T99:99:99+99:99\n",
                                 b"Id;Resolution Status\n1;VALID\n"])
def test_bad_input_gives_findings_never_an_exception(raw: bytes, tmp_path: Path) -> None:
    fr, frames, kind = validate_table(read_csv_bytes("x.csv", raw), _config(tmp_path), "inquiry-resolution")
    assert frames is None and kind is None
    assert fr.errors + fr.warnings == sum(fr.counts.values())
    assert fr.counts or raw in (b"Id,Resolution Status\n",), raw
