"""batchkit results on the command line, and `batchkit run` collecting verdicts as its last step, through the
sandbox's socket and its watched drop folder."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest_api import SID, TOKEN, api_env

from batchkit.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "returns"
ITEMS = ("ActionId,OrderId,ActionTrackerId,Sku,Amount,Quantity,Category,Reason,Sku2,Amount2,Quantity2,Category2,"
         "Reason2\n"
         ",ORD-0100248,2240,SKU-2001,15.00,1,Hats,ITEM_RETURNED,,,,,\n"
         ",ORD-0100249,2240,SKU-3001,59.97,3,Shirts,ITEM_RETURNED,SKU-NOPE,12.50,1,Shirts,ITEM_RETURNED\n"
         ",ORD-NOPE-77,2240,SKU-1,10.00,1,Hats,ITEM_RETURNED,,,,,\n")


@pytest.fixture
def dropbox(tmp_path: Path) -> Any:
    from batchkit.sandbox import Sandbox

    with Sandbox(account_sid=SID, auth_token=TOKEN, process_seconds=0.2, drop=tmp_path / "drop") as sb:
        yield sb


def _cli(args: list[str], env: dict[str, str]) -> Any:
    return CliRunner().invoke(main, args, env=env)


def _delivered(sb: Any, tmp_path: Path, hold: bool = False) -> tuple[Path, dict[str, str]]:
    """A file delivered by `batchkit deliver` into the sandbox's drop (and, unless held, processed)."""
    path = tmp_path / "files" / "acme_item-modifications.csv"
    path.parent.mkdir(exist_ok=True)
    path.write_text(ITEMS)
    env = api_env(sb.url, tmp_path)
    if hold:
        sb.faults.hold_drop()
    sent = _cli(["deliver", str(path), "--to", str(sb.drop.folder)], env)
    assert sent.exit_code == 0, sent.output
    if not hold:
        sb.settle()
    return path, env


def test_results_text_exit_1_and_the_token_never_shown(dropbox, tmp_path: Path) -> None:
    path, env = _delivered(dropbox, tmp_path)
    done = _cli(["results", str(path)], env)
    assert done.exit_code == 1, done.output
    assert "BK801 error   Rejected by impact.com (2)" in done.stdout
    assert "row 3, column Sku2: impact.com rejected this record: Validation NO_ITEM" in done.stdout
    assert "acme_item-modifications.csv: 3 record(s): 1 accepted, 2 rejected, 0 pending (file drop" in done.stdout
    assert done.stdout.rstrip().endswith("2 request(s)")
    assert TOKEN not in done.stdout + done.stderr
    again = _cli(["results"], env)  # every delivery of the ledger, from the verdicts kept: no request
    assert again.exit_code == 1 and again.stdout.rstrip().endswith("0 request(s)")
    assert "row 3, column Sku2" in again.stdout  # the FILE given before is remembered


def test_results_json_and_junit(dropbox, tmp_path: Path) -> None:
    path, env = _delivered(dropbox, tmp_path)
    doc = json.loads(_cli(["results", str(path), "--format", "json"], env).stdout)
    (file,) = doc["files"]
    assert file["counts"] == {"BK801": 2} and {f["row"] for f in file["findings"]} == {3, 4}
    (delivery,) = doc["results"]["deliveries"]
    assert (delivery["records"], delivery["accepted"], delivery["rejected"], delivery["pending"]) == (3, 1, 2, 0)
    assert delivery["batch_id"].startswith("F-") and doc["results"]["requests"] == 2  # the listing, the details
    junit = _cli(["results", str(path), "--format", "junit"], env)
    assert junit.exit_code == 1
    failure = ET.fromstring(junit.stdout).find(".//failure")
    assert failure is not None and failure.get("type") == "BK801" and "ORD-NOPE-77" in (failure.text or "")


def test_results_report_marks_the_rejected_cells(dropbox, tmp_path: Path) -> None:
    import openpyxl

    path, env = _delivered(dropbox, tmp_path)
    target = tmp_path / "verdict.xlsx"
    done = _cli(["results", str(path), "--report", str(target)], env)
    assert done.exit_code == 1 and target.is_file()
    book = openpyxl.load_workbook(target)
    sheet = book[next(n for n in book.sheetnames if n != "Issues")]
    header = [c.value for c in sheet[1]]
    sku2 = sheet.cell(row=3, column=header.index("Sku2") + 1)
    order = sheet.cell(row=4, column=header.index("OrderId") + 1)
    assert sku2.value == "SKU-NOPE" and sku2.fill.fgColor.rgb.endswith("FFC7CE") and "NO_ITEM" in sku2.comment.text
    assert order.fill.fgColor.rgb.endswith("FFC7CE") and "ACTION_REF_NOT_FOUND" in order.comment.text
    untouched = sheet.cell(row=2, column=header.index("OrderId") + 1)
    assert untouched.comment is None
    assert [r[2] for r in book["Issues"].iter_rows(min_row=2, values_only=True)] == ["BK801", "BK801"]


def test_pending_exit_codes_and_wait(dropbox, tmp_path: Path) -> None:
    path, env = _delivered(dropbox, tmp_path, hold=True)
    pending = _cli(["results", str(path)], env)
    assert pending.exit_code == 0 and "BK802 warning" in pending.stdout and "0 rejected" in pending.stdout
    assert _cli(["results", str(path), "--fail-on", "warning"], env).exit_code == 1
    dropbox.faults.release_drop()
    waited = _cli(["results", str(path), "--wait", "15"], env)
    assert waited.exit_code == 1 and "2 rejected, 0 pending" in waited.stdout


def test_usage_config_and_api_failures(dropbox, tmp_path: Path) -> None:
    path, env = _delivered(dropbox, tmp_path, hold=True)
    assert _cli(["results", "--since", "yesterday"], env).exit_code == 2
    stranger = tmp_path / "never.csv"
    stranger.write_text(ITEMS + ",ORD-X,2240,SKU-1,1.00,1,Hats,ITEM_RETURNED,,,,,\n")
    refused = _cli(["results", str(stranger)], env)
    assert refused.exit_code == 2 and "no delivery of this content" in refused.stderr
    empty = _cli(["results"], {**env, "BATCHKIT_STATE_DIR": str(tmp_path / "nothing")})
    assert empty.exit_code == 2 and "no ledger" in empty.stderr
    config = tmp_path / "batchkit.toml"
    config.write_text("[api]\nretries = 0\n")
    dropbox.faults.fail(status=503, times=5)
    down = _cli(["results", "--config", str(config)], env)
    assert down.exit_code == 3 and "Traceback" not in down.output and TOKEN not in down.output
    assert down.stderr.count("\n") == 1 and "did not answer" in down.stderr


# ------------------------------------------------------------------ batchkit run: the verdicts as its last step

def _job(tmp_path: Path, drop: Path, extra: str = "") -> Path:
    (tmp_path / "exports").mkdir(exist_ok=True)
    export = tmp_path / "exports" / "returns_export.csv"
    shutil.copy(SAMPLE / "returns_export.csv", export)
    with export.open("a") as fh:  # an order impact.com has no action for: its reversal is rejected
        fh.write("0009999,,SKU-9001,Shoes,1,10.00,1,Changed mind,USD,NEW\n")
    config = tmp_path / "batchkit.toml"
    config.write_text((SAMPLE / "batchkit.toml").read_text() + f'\n[run]\ninputs = ["exports/*.csv"]\n'
                      f'archive = "archive"\n{extra}\n[deliver]\nto = "{drop}"\nstate_dir = "state"\n')
    return config


@pytest.mark.parametrize("fail_on_rejected", [False, True])
def test_run_collects_earlier_verdicts_and_names_the_export_row(dropbox, tmp_path: Path,
                                                                fail_on_rejected: bool) -> None:
    env = api_env(dropbox.url, tmp_path)
    env["BATCHKIT_STATE_DIR"] = str(tmp_path / "state")
    config = _job(tmp_path, dropbox.drop.folder, "fail_on_rejected = true" if fail_on_rejected else "")
    first = _cli(["run", "--config", str(config)], env)
    assert first.exit_code == 0 and "3 delivered" in first.stdout, first.output
    assert "verdicts: 0 new" in first.stdout  # this run's files cannot have a verdict yet
    dropbox.settle()
    second = _cli(["run", "--config", str(config)], env)  # the same export: nothing sent, the verdicts collected
    assert "3 skipped" in second.stdout and "verdicts: 3 new (" in second.stdout and "1 rejected)" in second.stdout
    assert second.exit_code == (1 if fail_on_rejected else 0), second.output
    rejected = [line for line in second.stderr.splitlines() if "BK801" in line]
    assert len(rejected) == 1 and "ACTION_REF_NOT_FOUND" in rejected[0]
    assert "built from returns_export.csv row 11, order '0009999'" in rejected[0]
    third = _cli(["run", "--config", str(config)], env)  # nothing new learned: the exit code is the run's own
    assert third.exit_code == 0 and "verdicts: 0 new" in third.stdout
    asked = _cli(["results", "--config", str(config)], env)  # the archive holds the files: placed at their rows
    assert asked.exit_code == 1 and "built from returns_export.csv row 11" in asked.stdout


def test_the_library_call(dropbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import batchkit

    path, env = _delivered(dropbox, tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    got = batchkit.results([path], max_samples=0)
    assert isinstance(got, batchkit.Results) and got.exit_code() == 1 and got.requests == 2
    assert [(f.code, f.row) for f in got.report.files[0].findings()] == [("BK801", 3), ("BK801", 4)]
    assert got.as_dict()["deliveries"][0]["rejected"] == 2
