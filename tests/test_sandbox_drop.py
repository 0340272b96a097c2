"""The sandbox's drop folder (`Sandbox(drop=...)`, `batchkit sandbox --drop`): files put there become
FTPFileSubmissions with ErrorDetails, and their records change the actions, as on the platform (SPEC §5.3).
Everything is read over a real socket with httpx; the clock is a fake the tests move."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from conftest_api import START, Clock

from batchkit.sandbox import Sandbox
from batchkit.sandbox.actions.model import render_date

ROOT = Path(__file__).resolve().parent.parent
SID, TOKEN = "IRSANDBOXACME1", "tok"
BASE = f"/Advertisers/{SID}"
DOCUMENTED = {"ACTION_REF_NOT_FOUND", "ACTIONTERMS_NOT_FOUND", "ACTIONTRACKER_CAMPAIGN_MISMATCH",
              "ACTIONTRACKER_NOT_ACTIVE", "ACTIONTRACKER_NOT_FOUND", "BLACKLISTED_SOURCE_IP", "BLOCKED_BY_PROMOCODE",
              "CALL_DUPLICATE", "CALL_DURATION_TOO_SHORT", "CALL_FOR_CALL_PER_CONV_AT", "CALL_INCOMPLETE",
              "CALL_OUTSIDE_DAILY_RANGE", "CAMPAIGN_NOT_FOUND", "CONTRACT_NOT_FOUND", "CONV_DUPLICATE",
              "CREDITING_RULE_MISMATCH", "MALFORMED", "MAX_RECURRENCES_REACHED", "NO_ITEM", "NO_VALID_ACTION_REF",
              "OID_MISSING", "OTHER_REF_PRIORITIZED", "OUTSIDE_ASSOCIATION_WINDOW", "PARTNER_NOT_ACTIVE",
              "REFTYPE_NOT_ACCEPTED", "RESTRICTED_PROMOCODE", "UNCLAIMED"}
ORDER_MOD = "ActionId,OrderId,ActionTrackerId,Amount,CurrencyCode,CustomerStatus,Reason\n"
ITEM_MOD = "ActionId,OrderId,ActionTrackerId,Sku,Amount,Quantity,Category,Reason,Sku2,Amount2,Quantity2,Category2,Reason2\n"



@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    return tmp_path / "drop"  # made by the sandbox


@pytest.fixture
def sb(clock: Clock, drop: Path) -> Iterator[Sandbox]:
    with Sandbox(auth_token=TOKEN, now=clock, process_seconds=3.0, drop=drop) as box:
        yield box


def client(sb: Sandbox) -> httpx.Client:
    return httpx.Client(base_url=sb.url, auth=(SID, TOKEN), headers={"Accept": "application/json"}, timeout=10)


def get(sb: Sandbox, path: str, **params: str) -> httpx.Response:
    with client(sb) as c:
        return c.get(f"{BASE}/{path}", params=params)


def listing(sb: Sandbox, **params: str) -> list[dict[str, str]]:
    reply = get(sb, "FTPFileSubmissions", **params)
    assert reply.status_code == 200, reply.text
    return reply.json()["FTPFileSubmissions"]


def details(sb: Sandbox, batch_id: str) -> list[dict[str, str]]:
    reply = get(sb, f"FTPFileSubmissions/{batch_id}/ErrorDetails")
    assert reply.status_code == 200, reply.text
    return reply.json()["ErrorDetail"]


def wait_for(check: Callable[[], object], seconds: float = 5.0) -> object:
    """Poll `check` until it returns something true (the watcher looks every 0.2 s)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def settled(sb: Sandbox, drop: Path, name: str, text: str) -> dict[str, str]:
    """Drop a file, settle, and give its (Complete) submission."""
    (drop / name).write_text(text, encoding="utf-8")
    sb.settle()
    (sub,) = [s for s in listing(sb) if s["FileName"] == name]
    assert sub["Status"] == "Complete"
    return sub


# -- picking files up --------------------------------------------------------------------------------------

def test_a_dropped_file_is_picked_up_moved_away_and_listed(sb: Sandbox, drop: Path, clock: Clock) -> None:
    assert drop.is_dir()
    body = (ROOT / "samples/batch/acme_order-modifications_2026-11-22.csv").read_bytes()
    (drop / ".acme.csv.part").write_bytes(body)  # batchkit's deliverer writes this first: never read
    (drop / "receipt_2026.csv").write_bytes(body)  # the platform's own name: ignored
    (drop / "notes.txt").write_text("not a batch file")
    (drop / "acme.csv").write_bytes(body)
    (sub,) = wait_for(lambda: listing(sb))
    assert sub["BatchId"].startswith("F-") and sub["FileName"] == "acme.csv"
    assert (sub["Type"], sub["Status"], sub["TotalRecords"]) == ("Order Modification", "Queued", "4")
    assert sub["SubmissionDate"] == render_date(START) and sub["CompletionDate"] == ""
    assert sub["Uri"] == f"{BASE}/FTPFileSubmissions/{sub['BatchId']}"
    assert sub["ErrorsUri"] == f"{BASE}/FTPFileSubmissions/{sub['BatchId']}/ErrorDetails"
    assert sorted(p.name for p in drop.iterdir()) == [".acme.csv.part", ".sandbox-processed", "notes.txt",
                                                       "receipt_2026.csv"]
    assert (drop / ".sandbox-processed" / f"{sub['BatchId']}-acme.csv").read_bytes() == body
    time.sleep(0.5)  # further looks take nothing more
    assert len(listing(sb)) == 1
    assert sb.store.get("1000.4636.158201")["Amount"] == "99.00"  # not before completion


def test_queued_in_progress_complete_and_then_applied(sb: Sandbox, drop: Path, clock: Clock) -> None:
    (drop / "acme.csv").write_text(ORDER_MOD + "1000.4636.158201,,,84.50,,,ORDER_UPDATE\n")
    (sub,) = wait_for(lambda: listing(sb))
    one = f"FTPFileSubmissions/{sub['BatchId']}"
    clock.advance(seconds=1.5)
    assert get(sb, one).json()["Status"] == "In Progress"
    assert details(sb, sub["BatchId"]) == []
    clock.advance(seconds=1.5)
    done = get(sb, one).json()
    assert (done["Status"], done["TotalErrors"]) == ("Complete", "0")
    assert done["CompletionDate"] == render_date(START + timedelta(seconds=3))
    action = get(sb, "Actions/1000.4636.158201").json()
    assert (action["Amount"], action["DeltaAmount"]) == ("84.50", "-14.50")


def test_an_unknown_batch_id_is_404_and_writes_are_405(sb: Sandbox) -> None:
    assert get(sb, "FTPFileSubmissions/F-nope").status_code == 404
    assert get(sb, "FTPFileSubmissions/F-nope/ErrorDetails").status_code == 404
    with client(sb) as c:
        assert c.put(f"{BASE}/FTPFileSubmissions", data={"a": "b"}).status_code == 405


def test_settle_twice_applies_each_record_once(sb: Sandbox, drop: Path) -> None:
    (drop / "items.csv").write_bytes((ROOT / "samples/batch/acme_item-modifications_2026-11-22.csv").read_bytes())
    assert sb.settle() == 1
    version, updated = sb.store.version, sb.store.updated_at("1000.4636.158401")
    assert sb.settle() == 0
    assert (sb.store.version, sb.store.updated_at("1000.4636.158401")) == (version, updated)
    items = {i["Sku"]: i for i in sb.store.items("1000.4636.158401")}
    assert (items["SKU-1001"]["Quantity"], items["SKU-1001"]["SaleAmount"]) == ("2", "39.98")
    assert (items["SKU-1002"]["Quantity"], items["SKU-1002"]["SaleAmount"]) == ("0", "0.00")
    assert sb.store.get("1000.4636.158401")["Amount"] == "39.98"
    assert sb.store.get("1000.4636.158403")["Amount"] == "72.47"  # 59.97 + 12.50 + 0
    (sub,) = listing(sb)
    assert (sub["Type"], sub["TotalRecords"], sub["TotalErrors"]) == ("Item Modification", "3", "0")


def test_a_held_drop_gives_no_submission_until_released(sb: Sandbox, drop: Path) -> None:
    sb.faults.hold_drop()
    (drop / "acme.csv").write_text(ORDER_MOD + "1000.4636.158201,,,84.50,,,ORDER_UPDATE\n")
    time.sleep(0.6)
    assert sb.settle() == 0
    assert listing(sb) == [] and (drop / "acme.csv").exists()
    assert sb.store.get("1000.4636.158201")["Amount"] == "99.00"
    sb.faults.release_drop()
    (sub,) = wait_for(lambda: listing(sb))
    assert sub["FileName"] == "acme.csv" and not (drop / "acme.csv").exists()


# -- ErrorDetails ------------------------------------------------------------------------------------------

LINES = (ITEM_MOD
         + '1000.4636.158401,,,SKU-1001,39.98,2,"Shoes\nand more",ITEM_RETURNED,SKU-NOPE,1.00,1,,ITEM_RETURNED\n'
         + ",,,,,,,,,,,,\n"
         + ",ORD-0100248,2240,SKU-2001,abc,1,Hats,ITEM_RETURNED,,,,,\n")


@pytest.mark.parametrize(("counts_header", "first"), [(False, 1), (True, 2)], ids=["records", "header-counted"])
def test_error_details_name_the_line_order_and_sku(clock: Clock, drop: Path, counts_header: bool, first: int) -> None:
    with Sandbox(auth_token=TOKEN, now=clock, process_seconds=3.0, drop=drop, line_counts_header=counts_header) as sb:
        sub = settled(sb, drop, "items.csv", LINES)
        assert (sub["TotalRecords"], sub["TotalErrors"]) == ("2", "2")  # the blank record is no record
        unknown, bad = details(sb, sub["BatchId"])
        # the first record spans two physical lines but counts once; the blank record keeps its number
        assert (unknown["Line"], unknown["OrderId"], unknown["Sku"]) == (str(first), "ORD-0100242", "SKU-NOPE")
        assert (unknown["Status"], unknown["Reason"], unknown["MediaPartnerId"]) == ("Validation", "NO_ITEM", "34567")
        assert (bad["Line"], bad["OrderId"], bad["Sku"], bad["Category"]) == (str(first + 2), "ORD-0100248", "SKU-2001",
                                                                               "Hats")
        assert (bad["Reason"], bad["ActionTrackerId"], bad["CampaignId"]) == ("MALFORMED", "2240", "4636")
        kept = {i["Sku"]: i for i in sb.store.items("1000.4636.158401")}
        assert kept["SKU-1001"]["Category"] == "Shoes\nand more"  # the item that could apply did


@pytest.mark.parametrize(("row", "status", "reason"), [
    ("1000.4636.999999,,,1.00,,,ORDER_UPDATE", "Validation", "ACTION_REF_NOT_FOUND"),
    (",NOPE,2240,1.00,,,ORDER_UPDATE", "Validation", "ACTION_REF_NOT_FOUND"),
    ("1000.4636.170001,,,1.00,,,ORDER_UPDATE", "Contract Error", "NO_VALID_ACTION_REF"),
    ("1000.4636.170002,,,1.00,,,ORDER_UPDATE", "Contract Error", "NO_VALID_ACTION_REF"),
    ("1000.4636.170003,,,1.00,,,ORDER_UPDATE", "Validation", "NO_VALID_ACTION_REF"),
    (",ORD-0100245,9999,1.00,,,ORDER_UPDATE", "Validation", "ACTIONTRACKER_NOT_FOUND"),
    (",OTHER-1,7777,1.00,,,ORDER_UPDATE", "Validation", "ACTIONTRACKER_CAMPAIGN_MISMATCH"),
    (",NOPE,7777,1.00,,,ORDER_UPDATE", "Validation", "ACTIONTRACKER_CAMPAIGN_MISMATCH"),
    (",,2240,1.00,,,ORDER_UPDATE", "Validation", "OID_MISSING"),
    (",ORD-0100245,,1.00,,,ORDER_UPDATE", "Validation", "MALFORMED"),
    ("1000.4636.158201,,,12;50,,,ORDER_UPDATE", "Validation", "MALFORMED"),
    ("1000.4636.158201,,,1.005,,,ORDER_UPDATE", "Validation", "MALFORMED"),
    ("1000.4636.158201,,,1.00,XYZ,,ORDER_UPDATE", "Validation", "MALFORMED"),
    ("1000.4636.158201,,,1.00,,,order_update", "Validation", "MALFORMED"),
    ("1000.4636.158201,,,1.00,,,RESET", "Validation", "MALFORMED"),
    ("1000.4636.158201,,,1.00,,,", "Validation", "MALFORMED"),
], ids=["unknown-id", "unknown-order", "approved", "locking-passed", "reversed", "unknown-tracker",
        "other-campaigns-action", "other-campaigns-tracker", "no-order-id", "no-tracker", "bad-amount", "three-places",
        "currency", "reason-case", "reset-reason", "no-reason"])
def test_each_reason_and_nothing_changes(sb: Sandbox, drop: Path, row: str, status: str, reason: str) -> None:
    sb.store.add_action({"Id": "1000.9999.1", "CampaignId": "9999", "ActionTrackerId": "7777", "Oid": "OTHER-1",
                         "Amount": "10.00"})
    before = {i: sb.store.get(i) for i in sb.store.ids()}
    sub = settled(sb, drop, "acme.csv", ORDER_MOD + row + "\n")
    (detail,) = details(sb, sub["BatchId"])
    assert (detail["Line"], detail["Status"], detail["Reason"]) == ("1", status, reason)
    assert {i: sb.store.get(i) for i in sb.store.ids()} == before


def test_an_unknown_header_is_complete_with_every_record_malformed(sb: Sandbox, drop: Path) -> None:
    sub = settled(sb, drop, "odd.csv", "ActionId,Amount,Reason,Colour\n1000.4636.158201,80.00,ORDER_UPDATE,red\n"
                                       "1000.4636.158202,70.00,ORDER_UPDATE,blue\n")
    assert (sub["Type"], sub["TotalRecords"], sub["TotalErrors"]) == ("Unknown", "2", "2")
    assert [(d["Line"], d["Reason"]) for d in details(sb, sub["BatchId"])] == [("1", "MALFORMED"), ("2", "MALFORMED")]
    assert sb.store.get("1000.4636.158201")["Amount"] == "99.00"


def test_a_file_that_cannot_be_read_completes_with_no_records(sb: Sandbox, drop: Path) -> None:
    (drop / "latin1.csv").write_bytes("ActionId,Amount,Reason\n1000.4636.158201,80.00,ORDER_UPDATE \xe9\n"
                                      .encode("latin-1"))
    (drop / "empty.csv").write_bytes(b"")
    sb.settle()
    subs = {s["FileName"]: s for s in listing(sb)}
    for name in ("latin1.csv", "empty.csv"):
        assert (subs[name]["Status"], subs[name]["Type"], subs[name]["TotalRecords"]) == ("Complete", "Unknown", "0")
        assert details(sb, subs[name]["BatchId"]) == []


def test_a_bom_and_header_spellings_are_read(sb: Sandbox, drop: Path) -> None:
    text = "\ufeffactionid,OID,actiontrackerid,AMOUNT,currencycode,Reason\n,ORD-0100245,2240,120.00,USD,ORDER_UPDATE\n"
    sub = settled(sb, drop, "acme.csv", text)
    assert (sub["Type"], sub["TotalErrors"]) == ("Order Modification", "0")
    assert sb.store.get("1000.4636.158202")["Amount"] == "120.00"


# -- the kinds ---------------------------------------------------------------------------------------------

def test_an_order_reversal_reverses_and_a_nonzero_amount_is_malformed(sb: Sandbox, drop: Path) -> None:
    sub = settled(sb, drop, "acme_order-reversals.csv", "ActionId,OrderId,ActionTrackerId,Amount,Reason\n"
                  "1000.4636.158301,,,0,ITEM_RETURNED\n,ORD-0100246,2240,5,CONS_FRAUD\n")  # the name says the kind
    assert sub["Type"] == "Order Reversal"
    (detail,) = details(sb, sub["BatchId"])
    assert (detail["Line"], detail["Reason"], detail["OrderId"]) == ("2", "MALFORMED", "ORD-0100246")
    assert (sb.store.get("1000.4636.158301")["State"], sb.store.get("1000.4636.158301")["Amount"]) == ("REVERSED", "0.00")
    assert sb.store.get("1000.4636.158302")["State"] == "PENDING"


def test_an_item_reversal_sets_the_item_to_zero(sb: Sandbox, drop: Path) -> None:
    sub = settled(sb, drop, "irev.csv", (ROOT / "samples/batch/acme_item-reversals_2026-11-22.csv").read_text())
    assert (sub["Type"], sub["TotalErrors"]) == ("Item Reversal", "0")
    items = {i["Sku"]: i for i in sb.store.items("1000.4636.158501")}
    assert [(items[s]["Quantity"], items[s]["SaleAmount"]) for s in ("SKU-1001", "SKU-1003", "SKU-1004")] == \
        [("0", "0.00"), ("0", "0.00"), ("1", "10.00")]
    assert sb.store.get("1000.4636.158501")["Amount"] == "10.00"


def test_a_reset_restores_what_a_modification_changed(sb: Sandbox, drop: Path) -> None:
    settled(sb, drop, "mod.csv", ORDER_MOD + ",ORD-0100245,2240,0,,,ORDER_UPDATE\n")
    assert sb.store.get("1000.4636.158202")["State"] == "REVERSED"
    sub = settled(sb, drop, "acme_reset.csv", "Oid,ActionTrackerId,Reason\nORD-0100245,2240,RESET\nNOPE,2240,RESET\n")
    assert sub["Type"] == "Reset"
    assert [d["Reason"] for d in details(sb, sub["BatchId"])] == ["ACTION_REF_NOT_FOUND"]
    back = sb.store.get("1000.4636.158202")
    assert (back["State"], back["Amount"], back["DeltaAmount"], back["Payout"]) == ("PENDING", "150.00", "0.00", "15.00")


@pytest.mark.parametrize(("name", "text", "kind"), [
    ("a.csv", "ActionId,Amount,Reason\n1000.4636.158201,0,OTHER\n", "Order Reversal"),
    ("a.csv", "ActionId,Amount,Reason\n1000.4636.158201,10,OTHER\n", "Order Modification"),
    ("acme_order-reversals.csv", "ActionId,Reason\n1000.4636.170004,OTHER\n", "Order Reversal"),
    ("a.csv", "Oid,ActionTrackerId,Reason\nPF-ZERO,2240,RESET\n", "Reset"),
    ("a.csv", "ActionId,Sku,Amount,Reason\n1000.4636.158401,SKU-1001,0,ITEM_RETURNED\n", "Item Reversal"),
    ("a.csv", "ActionId,Sku,Category,Reason\n1000.4636.158401,SKU-1001,Runners,ORDER_UPDATE\n", "Item Modification"),
    ("a.csv", "ActionId,Sku,CustomerStatus,Reason\n1000.4636.158401,SKU-1001,NEW,OTHER\n", "Unknown"),
    ("a.csv", "ActionId,Amount\n1000.4636.158201,10\n", "Unknown"),
], ids=["zero-amounts", "amounts", "by-file-name", "reset", "item-zero", "category", "mixed-levels", "no-reason"])
def test_the_type_follows_the_header(sb: Sandbox, drop: Path, name: str, text: str, kind: str) -> None:
    assert settled(sb, drop, name, text)["Type"] == kind


# -- the list's filters, the budget, the API's reasons -----------------------------------------------------

def test_the_list_is_newest_first_and_filtered_by_date_pairs(sb: Sandbox, drop: Path, clock: Clock) -> None:
    first = settled(sb, drop, "one.csv", ORDER_MOD)
    clock.advance(hours=2)
    (drop / "two.csv").write_text(ORDER_MOD)
    (second,) = wait_for(lambda: [s for s in listing(sb) if s["FileName"] == "two.csv"])
    assert [s["FileName"] for s in listing(sb)] == ["two.csv", "one.csv"]
    hour = {"SubmissionDateStart": (START + timedelta(hours=1)).isoformat(),
            "SubmissionDateEnd": (START + timedelta(hours=3)).isoformat()}
    assert [s["BatchId"] for s in listing(sb, **hour)] == [second["BatchId"]]
    done = {"CompletedDateStart": START.isoformat(), "CompletedDateEnd": (START + timedelta(hours=1)).isoformat()}
    assert [s["BatchId"] for s in listing(sb, **done)] == [first["BatchId"]]  # the second is not complete yet
    assert listing(sb, **hour, **done) == []


@pytest.mark.parametrize("params", [
    {"SubmissionDateStart": "2026-12-01T00:00:00Z"}, {"CompletedDateEnd": "2026-12-01T00:00:00Z"},
    {"SubmissionDateStart": "2026-12-01", "SubmissionDateEnd": "2026-12-02"},
    {"CompletedDateStart": "2026-12-02T00:00:00Z", "CompletedDateEnd": "2026-12-01T00:00:00Z"},
    {"PageSize": "0"},
], ids=["start-alone", "end-alone", "no-offset", "end-before-start", "page-size"])
def test_bad_list_parameters_are_400(sb: Sandbox, params: dict[str, str]) -> None:
    reply = get(sb, "FTPFileSubmissions", **params)
    assert reply.status_code == 400 and reply.json()["Status"] == "ERROR"


def test_error_details_are_paginated(sb: Sandbox, drop: Path) -> None:
    sub = settled(sb, drop, "many.csv", ORDER_MOD + "".join(f"1000.4636.99{n:04},,,1.00,,,OTHER\n" for n in range(5)))
    page = get(sb, f"FTPFileSubmissions/{sub['BatchId']}/ErrorDetails", PageSize="2", Page="3").json()
    assert (page["@total"], page["@numpages"], page["@page"], page["@nextpageuri"]) == ("5", "3", "3", "")
    assert [d["Line"] for d in page["ErrorDetail"]] == ["5"]
    first = get(sb, f"FTPFileSubmissions/{sub['BatchId']}/ErrorDetails", PageSize="2").json()
    assert [d["Line"] for d in first["ErrorDetail"]] == ["1", "2"] and first["@nextpageuri"].endswith("Page=2")


def test_every_request_counts_against_the_budget(clock: Clock, drop: Path) -> None:
    with Sandbox(auth_token=TOKEN, now=clock, drop=drop, rate=(2, 60.0)) as sb:
        assert [get(sb, "FTPFileSubmissions").status_code for _ in range(3)] == [200, 200, 429]


def test_api_submissions_report_the_documented_reasons(sb: Sandbox) -> None:
    sb.store.add_action({"Id": "1000.9999.1", "CampaignId": "9999", "ActionTrackerId": "7777", "Oid": "OTHER-1"})
    forms = [{"ActionTrackerId": "9999", "OrderId": "ORD-0100245"}, {"ActionTrackerId": "7777", "OrderId": "OTHER-1"},
             {"ActionId": "1000.4636.170003"}, {"ActionId": "1000.4636.170001"}]
    with client(sb) as c:
        for form in forms:
            assert c.put(f"{BASE}/Actions", data={**form, "Amount": "1.00", "Reason": "ORDER_UPDATE"}).status_code == 200
    sb.settle()
    got = [(s["ErrorType"], s["ErrorReason"]) for s in get(sb, "APISubmissions").json()["APISubmissions"]][::-1]
    assert got == [("Validation", "ACTIONTRACKER_NOT_FOUND"), ("Validation", "ACTIONTRACKER_CAMPAIGN_MISMATCH"),
                   ("Validation", "NO_VALID_ACTION_REF"), ("Contract Error", "NO_VALID_ACTION_REF")]
    assert {reason for _, reason in got} <= DOCUMENTED


def test_the_sandbox_gives_only_documented_reasons() -> None:
    sources = "".join(p.read_text() for p in (ROOT / "batchkit/sandbox").glob("*.py"))
    records = (ROOT / "batchkit/sandbox/ftp/records.py").read_text()  # its reasons are returned as plain strings
    given = set(re.findall(r'"(?:Validation|Contract Error)", "([A-Z_]+)"', sources)) | \
        set(re.findall(r'reason="([A-Z_]+)"', sources)) | set(re.findall(r'return "([A-Z_]{6,})"', records))
    assert given and given <= DOCUMENTED, given - DOCUMENTED


# -- the command -------------------------------------------------------------------------------------------

def test_the_command_watches_its_drop_with_the_header_counted(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "drop"
    env = {**os.environ, "IMPACT_AUTH_TOKEN": "cli-token"}
    proc = subprocess.Popen([sys.executable, "-m", "batchkit.cli.sandbox", "--port", "0", "--process-seconds", "0",
                             "--drop", str(folder), "--line-counts-header"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert f"watching {folder} for batch files, ErrorDetails Line 1 = the header" in line, line
        url = re.match(r"export BATCHKIT_API_URL=(\S+)", proc.stdout.readline())  # the line after
        assert url and folder.is_dir()
        (folder / "acme.csv").write_text(ORDER_MOD + "1000.4636.999999,,,1.00,,,OTHER\n")
        with httpx.Client(base_url=url.group(1), auth=(SID, "cli-token"), headers={"Accept": "application/json"}) as c:
            subs = wait_for(lambda: c.get(f"{BASE}/FTPFileSubmissions").json()["FTPFileSubmissions"])
            errors = c.get(subs[0]["ErrorsUri"]).json()["ErrorDetail"]  # type: ignore[index]
        assert [(d["Line"], d["Reason"]) for d in errors] == [("2", "ACTION_REF_NOT_FOUND")]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err


def test_a_drop_that_is_a_file_is_one_line_and_exit_2(runner, tmp_path: Path) -> None:
    from batchkit.cli.sandbox import sandbox

    (tmp_path / "drop").write_text("a file")
    result = runner.invoke(sandbox, ["--port", "0", "--drop", str(tmp_path / "drop")])
    assert result.exit_code == 2 and "Traceback" not in result.output + result.stderr
