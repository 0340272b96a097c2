"""Partner- and platform-controlled text reaches neither a spreadsheet as a formula nor a terminal as an escape
sequence: `inquiries pull` (CSV and XLSX) with the sandbox's add_inquiry, `results` with its submission_error,
both on a real socket; Comments (a list of {User, Comment, Date}) written readable."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from conftest_api import CAMPAIGN, SID, TOKEN, api_env

from batchkit.core.findings import FileReport, Report, finding
from batchkit.inquiries.read import read_inquiries
from batchkit.io.write import FORMULA_START, formula_safe, restore_cell
from batchkit.render.escape import printable
from batchkit.render.text import render_text
from batchkit.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
OSC8 = "\x1b]8;;https://evil.example/\x07click me\x1b]8;;\x07"
RAW = ("\x1b", "\x07", "\x9b", "\x9d", "\x7f")  # ESC, BEL, CSI and OSC (C1), DEL: none may reach a terminal raw
COMMENTS = [{"User": "partner@cashback", "Comment": '=HYPERLINK("https://evil.example","Open")',
             "Date": "2026-11-20T10:00:00Z"},
            {"User": "=cmd|' /C calc'!A0", "Comment": "second" + OSC8, "Date": "2026-11-21T11:30:00Z"}]
PARTNER = {"OrderId": "=1+2", "MediaPartnerName": "-2+3", "MediaPartnerId": "@SUM(1)", "Comments": COMMENTS,
           "TrackingLink": "\tindented", "TransactionAmount": "12.50"}


def _batchkit(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", "batchkit", *args], check=False, capture_output=True, text=True,
                          env=full, cwd=cwd, timeout=120)


@pytest.mark.parametrize("text", ["=1+2", "+1", "-5.00", "@SUM(A1)", "\tx", "\rx", "'=x", "''-x", "'plain", "plain",
                                  "", "'", "a=b", " =x"])
def test_a_cell_is_made_safe_and_read_back_exactly(text: str) -> None:
    safe = formula_safe(text)
    assert not safe.startswith(FORMULA_START)
    assert restore_cell(safe) == text


def test_a_report_escapes_what_came_from_a_file_or_a_server_once() -> None:
    fr = FileReport("evil\x1b[2Jname.csv", 10, kind="API delivery", kind_reason="delivered" + OSC8)
    fr.rows = 1
    fr._add(finding("BK801", "impact.com rejected this record: Validation " + OSC8 + "\x9b31m", row=2, line=2,
                   column="Amount\x07"))
    text = render_text(Report([fr]))
    assert not any(c in text for c in RAW)
    assert "\\x1b]8;;https://evil.example/\\x07click me" in text and "\\x9b31m" in text
    assert printable(printable(OSC8)) == printable(OSC8)  # escaping is idempotent: a caller that did it is harmless


@pytest.fixture
def partner_box(tmp_path: Path) -> Sandbox:
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, process_seconds=0) as sb:
        sb.add_inquiry(Id="990001", **PARTNER)
        yield sb


def _pulled_row(path: Path) -> dict[str, str]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return next(r for r in rows if r["Id"] == "990001")


def test_a_pulled_csv_runs_no_formula_and_reads_back_as_the_api_gave_it(partner_box: Sandbox,
                                                                        tmp_path: Path) -> None:
    target = tmp_path / "inquiries.csv"
    done = _batchkit(["inquiries", "pull", "-o", str(target)], api_env(partner_box.url, tmp_path), tmp_path)
    assert done.returncode == 0, done.stderr
    assert not any(c in done.stdout + done.stderr for c in RAW)
    with open(target, newline="", encoding="utf-8") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert not [c for c in cells if c.startswith(FORMULA_START)]  # what Excel would run
    row = _pulled_row(target)
    assert (row["OrderId"], row["MediaPartnerId"]) == ("'=1+2", "'@SUM(1)")
    assert row["Comments"] == ("2026-11-20T10:00:00Z partner@cashback: =HYPERLINK(\"https://evil.example\",\"Open\")\n"
                               "2026-11-21T11:30:00Z =cmd|' /C calc'!A0: second" + OSC8)  # readable, not a repr
    (inquiry,) = [i for i in read_inquiries(target) if i.id == "990001"]
    assert inquiry.fields["OrderId"] == "=1+2" and inquiry.fields["MediaPartnerId"] == "@SUM(1)"
    assert inquiry.extra["MediaPartnerName"] == "-2+3" and inquiry.extra["TrackingLink"] == "\tindented"
    assert inquiry.fields["Comments"].startswith("2026-11-20T10:00:00Z partner@cashback: =HYPERLINK(")


def test_a_pulled_xlsx_holds_text_cells_and_comments_on_lines(partner_box: Sandbox, tmp_path: Path) -> None:
    target = tmp_path / "inquiries.xlsx"
    done = _batchkit(["inquiries", "pull", "-o", str(target)], api_env(partner_box.url, tmp_path), tmp_path)
    assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(target).active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("Id")].value == "990001")
    order, comments = row[header.index("OrderId")], row[header.index("Comments")]
    assert order.value == "=1+2" and order.data_type == "s"  # text, never a formula; as the API gave it
    assert comments.data_type == "s" and comments.value.count("\n") == 1
    assert comments.value.startswith("2026-11-20T10:00:00Z partner@cashback: =HYPERLINK(")
    assert "\\x1b]8;;https://evil.example/\\x07" in comments.value  # XLSX cannot hold ESC or BEL: written as \xNN
    (inquiry,) = [i for i in read_inquiries(target) if i.id == "990001"]
    assert inquiry.fields["OrderId"] == "=1+2"


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_a_platform_error_reason_with_escapes_reaches_no_terminal_raw(tmp_path: Path, fmt: str) -> None:
    batch = tmp_path / "acme_order-modifications.csv"
    batch.write_text("ActionId,Amount,Reason\n1000.4636.158201,50.00,ORDER_UPDATE\n")
    with Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, process_seconds=0) as sb:
        env = api_env(sb.url, tmp_path)
        sb.faults.submission_error("Validation\x1b[2J", "NO_ITEM " + OSC8 + " \x9d8;;x\x9c\x07\x7f")
        sent = _batchkit(["deliver", str(batch), "--to", "api"], env, tmp_path)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        done = _batchkit(["results", "--format", fmt], env, tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert not any(c in output for c in RAW), output
    assert "NO_ITEM" in output
    if fmt == "json":
        doc = json.loads(done.stdout)
        (found,) = doc["files"][0]["findings"]
        message = found["message"]  # JSON keeps the text (each code of the ErrorReason), escaped as \u00NN
        assert "Validation\x1b[2J" in message and "https://evil.example/\x07click" in message
        assert "\x9d8" in message and "\\u009d8" in done.stdout and "x\\u009c\\u0007\\u007f" in done.stdout
    if fmt == "text":
        assert "https://evil.example/\\x07click" in done.stdout and "Validation\\x1b[2J" in done.stdout
        assert "\\x9d8" in done.stdout and "x\\x9c\\x07\\x7f" in done.stdout
