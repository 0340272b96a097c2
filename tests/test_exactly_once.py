"""Exactly once, end to end, against the sandbox (a real socket on 127.0.0.1): whatever happens between batchkit
and impact.com, the SERVER's own count of applied writes is one per change (SPEC §8: the journal is keyed by the
change; a write is accepted, refused or unknown), and nothing refused or unknown is reported as done.

Exit codes: 0 done, 1 refused (RefusedWrites), 3 unknown / not sent. The cases:

    1  an answer lost AFTER the write was applied (500/502/503/504/408, a dropped connection, a garbled 200):
       read back, applied
    2  the same change spelt another way (URL, campaign, CRLF + BOM, another name, 50.5 = 50.50, a row fixed)
    3  a lost answer whose change never shows: never resent by a later run, only with --resend-unknown
    4  an inquiry read-back that cannot be understood: unknown, never a second PUT
    5  refused is not done: exit 1 on every run, no request the second time; a refused resolution fixed goes
    6  across channels: a folder and the API share the journal (skipped, BK804, --resend)
    7  kill -9 at the write loop's points with answers lost after apply
    8  the library and the command line share one journal of resolutions ([deliver] state_dir only)
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from click.testing import CliRunner, Result
from conftest_api import CAMPAIGN, SID, TOKEN, api_env

import batchkit
from batchkit.cli.main import main
from batchkit.core.failpoints import API_POINTS
from batchkit.core.inquiry import RESOLUTION_COLUMNS, UNTRACEABLE
from batchkit.sandbox import Sandbox
from batchkit.state.journal import Entry
from batchkit.state.ledger import Ledger

ROOT = Path(__file__).resolve().parent.parent
MOD_ID, OTHER_ID, REV_ID = "1000.4636.158201", "1000.4636.158204", "1000.4636.158301"  # PENDING USD actions
INQUIRY = "500006"
MODS = "acme_order-modifications.csv"
MODIFICATION = f"ActionId,Amount,Reason\n{MOD_ID},84.50,ORDER_UPDATE\n"
REVERSAL = f"ActionId,Amount,Reason\n{REV_ID},0,ITEM_RETURNED\n"
VALID = {"Id": INQUIRY, "Transaction Date": "2026-11-21", "Resolution Status": "VALID", "Action Tracker": "2240",
         "Sale Amount": "1500.00"}
DECLINED = {"Id": "500002", "Resolution Status": "DECLINED", "Resolution Reason": UNTRACEABLE}


# ------------------------------------------------------------------------------------------------ helpers


def _box(process_seconds: float = 0) -> Sandbox:
    return Sandbox(account_sid=SID, auth_token=TOKEN, campaign_id=CAMPAIGN, process_seconds=process_seconds)


@pytest.fixture
def box() -> Iterator[Sandbox]:
    """The shipped seed; every submission applies at once."""
    with _box() as sb:
        yield sb


def _cli(args: list[Any], env: dict[str, Any]) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def _file(folder: Path, name: str, text: str, *, crlf: bool = False, bom: bool = False) -> Path:
    """A batch file (re-saved with CRLF line endings and/or a UTF-8 BOM when asked)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    data = (text.replace("\n", "\r\n") if crlf else text).encode()
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def _resolutions(folder: Path, rows: list[dict[str, str]], name: str = "resolutions.csv") -> Path:
    path = folder / name
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, RESOLUTION_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _writes(sb: Sandbox) -> list[Any]:
    """Every PUT/DELETE the sandbox received (applied or not)."""
    return [r for r in sb.requests if r.method in ("PUT", "DELETE")]


def _journal(state: Path) -> list[Entry]:
    ledger = Ledger(state)
    try:
        return ledger.journal.entries()
    finally:
        ledger.close()


def _inquiry(sb: Sandbox, inquiry_id: str) -> dict[str, Any]:
    answer = httpx.get(f"{sb.url}/Advertisers/{SID}/ActionInquiries/{inquiry_id}", auth=(SID, TOKEN),
                       headers={"Accept": "application/json"})
    assert answer.status_code == 200
    return answer.json()


def _action(sb: Sandbox, action_id: str) -> Any:
    """The sandbox's action as it stands now."""
    found = sb.store.action(action_id)
    assert found is not None, action_id
    return found


def _check_status(env: dict[str, Any], exit_code: int, *names: str) -> None:
    """`batchkit status --format json` lists `names` and exits `exit_code` (skipped: the command does not exist)."""
    if "status" not in main.commands:
        return
    shown = _cli(["status", "--format", "json"], env)
    assert shown.exit_code == exit_code, shown.output
    json.loads(shown.stdout)
    assert all(n in shown.stdout for n in names), shown.stdout


def _arm_after_apply(sb: Sandbox, fault: int | str, resource: str) -> None:
    if fault == "drop":
        sb.faults.drop_after_apply(times=1, path_contains=resource)
    elif fault == "garble":
        sb.faults.garble_after_apply(times=1, path_contains=resource)
    else:
        sb.faults.fail_after_apply(int(fault), times=1, path_contains=resource)


# ------------------------------------------------------- 1. an answer lost after the write was applied


@pytest.mark.parametrize("fault", [500, 502, 503, 504, 408, "drop", "garble"])
@pytest.mark.parametrize("kind", ["modification", "reversal", "inquiry"])
def test_1_an_answer_lost_after_apply_is_read_back_applied_and_never_sent_again(box: Sandbox, tmp_path: Path,
                                                                              kind: str, fault: int | str) -> None:
    """Case 1: PUT /Actions, DELETE /Actions, PUT /ActionInquiries answered 5xx/408/nothing/garbage after
    applying."""
    env = api_env(box.url, tmp_path)
    if kind == "inquiry":
        args: list[Any] = ["inquiries", "resolve", _resolutions(tmp_path, [VALID])]
        target, method, resource = INQUIRY, "PUT", "ActionInquiries"
    else:
        reversal = kind == "reversal"
        name, text = ("acme_order-reversals.csv", REVERSAL) if reversal else (MODS, MODIFICATION)
        args = ["deliver", _file(tmp_path / "files", name, text), "--to", "api"]
        target, method, resource = REV_ID if reversal else MOD_ID, "DELETE" if reversal else "PUT", "Actions"
    _arm_after_apply(box, fault, resource)
    first = _cli(args, env)
    assert first.exit_code == 0, first.output  # the read-back proves it
    assert box.applied_count(target, method=method, resource=resource) == 1 == box.applied_count()
    (entry,) = _journal(tmp_path / "state")
    assert entry.state == "applied" and "read back" in (entry.reason or ""), entry
    sent = len(_writes(box))
    again = _cli(args, env)
    assert again.exit_code == 0, again.output
    assert len(_writes(box)) == sent and box.applied_count() == 1  # a rerun sends nothing
    if kind == "reversal":
        box.settle()
        verdict = _cli(["results", args[1]], env)
        assert verdict.exit_code == 0 and "BK801" not in verdict.output, verdict.output
        assert "1 record(s): 1 accepted, 0 rejected" in verdict.output, verdict.output
        assert _action(box, REV_ID).State == "REVERSED"
    elif kind == "modification":
        box.settle()
        assert _action(box, MOD_ID).Amount == Decimal("84.50")
    else:
        assert _inquiry(box, INQUIRY)["ResolutionStatus"] == "VALID"


# ------------------------------------------------------------ 2. the same change spelt another way


def test_2_the_api_url_spelt_three_ways_is_one_account(box: Sandbox, tmp_path: Path) -> None:
    """Case 2: BATCHKIT_API_URL 127.0.0.1, localhost, LOCALHOST: sent once."""
    path = _file(tmp_path / "files", MODS, MODIFICATION)
    port = urlsplit(box.url).port
    for n, host in enumerate(("127.0.0.1", "localhost", "LOCALHOST")):
        env = {**api_env(box.url, tmp_path), "BATCHKIT_API_URL": f"http://{host}:{port}"}
        run = _cli(["deliver", path, "--to", "api"], env)
        assert run.exit_code == 0, run.output
        assert n == 0 or "skipped" in run.output, run.output
    assert len(_writes(box)) == 1 and box.applied_count(MOD_ID) == 1


def test_2_the_campaign_spelt_4636_or_04636_is_one_change(box: Sandbox, tmp_path: Path) -> None:
    """Case 2: BATCHKIT_CAMPAIGN_ID 4636, then 04636: sent once."""
    path = _file(tmp_path / "files", MODS, MODIFICATION)
    for campaign in ("4636", "04636"):
        run = _cli(["deliver", path, "--to", "api"], {**api_env(box.url, tmp_path), "BATCHKIT_CAMPAIGN_ID": campaign})
        assert run.exit_code == 0, run.output
    assert "skipped" in run.output
    assert len(_writes(box)) == 1 and box.applied_count(MOD_ID) == 1


@pytest.mark.parametrize("variant", ["crlf-and-bom", "renamed", "amount-50.5-then-50.50"])
def test_2_the_same_change_in_another_file_is_not_sent_again_by_the_library(
        box: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variant: str) -> None:
    """Case 2 (library): the file re-saved with CRLF and a BOM, renamed, or its amount written 50.50 for 50.5."""
    for name, value in api_env(box.url, tmp_path).items():
        monkeypatch.setenv(name, value)
    config = tmp_path / "batchkit.toml"
    config.write_text("")
    amount = "50.5" if variant.startswith("amount") else "50.50"
    first = _file(tmp_path / "files", MODS, f"ActionId,Amount,Reason\n{MOD_ID},{amount},ORDER_UPDATE\n")
    text = f"ActionId,Amount,Reason\n{MOD_ID},50.50,ORDER_UPDATE\n"
    second = {"crlf-and-bom": lambda: _file(tmp_path / "resaved", MODS, text, crlf=True, bom=True),
              "renamed": lambda: _file(tmp_path / "files", "acme_order-modifications_final.csv", text),
              "amount-50.5-then-50.50": lambda: _file(tmp_path / "typed", MODS, text)}[variant]()
    assert [r.outcome for r in batchkit.deliver([first], to="api", config=config)] == ["delivered"]
    again = batchkit.deliver([second], to="api", config=config)
    assert [r.outcome for r in again] == ["skipped"], again[0].describe()
    assert len(_writes(box)) == 1 and box.applied_count(MOD_ID) == 1


def test_2_a_refused_row_fixed_is_the_only_row_sent_again(box: Sandbox, tmp_path: Path) -> None:
    """Case 2: one row refused (422), fixed, run again: only the fixed row goes."""
    env = api_env(box.url, tmp_path)
    path = _file(tmp_path / "files", MODS, f"ActionId,Amount,Reason\n{MOD_ID},50.00,ORDER_UPDATE\n"
                 f"{OTHER_ID},250.00,ORDER_UPDATE\n")
    box.faults.fail(422, times=1, path_contains="Actions")  # the first row's PUT
    refused = _cli(["deliver", path, "--to", "api"], env)
    assert refused.exit_code == 1 and "row 2" in refused.output, refused.output
    assert box.applied_count(MOD_ID) == 0 and box.applied_count(OTHER_ID) == 1
    path.write_text(f"ActionId,Amount,Reason\n{MOD_ID},51.00,ORDER_UPDATE\n{OTHER_ID},250.00,ORDER_UPDATE\n")
    fixed = _cli(["deliver", path, "--to", "api"], env)
    assert fixed.exit_code == 0, fixed.output
    assert [(w.method, w.form.get("ActionId"), w.form.get("Amount")) for w in _writes(box)] == [
        ("PUT", MOD_ID, "50.00"), ("PUT", OTHER_ID, "250.00"), ("PUT", MOD_ID, "51.00")]
    assert box.applied_count(MOD_ID) == 1 and box.applied_count(OTHER_ID) == 1


# ------------------------------------------------------------------- 3. a change that never shows


@pytest.mark.parametrize("currency,verdict", [("USD", "does not show it (yet)"), ("EUR", "cannot tell")],
                         ids=["slow-queue", "eur-on-a-usd-action"])
def test_3_a_lost_answer_that_never_shows_is_resent_only_on_the_users_word(tmp_path: Path, currency: str,
                                                                          verdict: str) -> None:
    """Case 3: lost answer, queue slower than any timer (and EUR on a USD action): exit 3 every run until
    --resend-unknown, which sends it again (two applied writes: the user's word)."""
    with _box(process_seconds=3600) as sb:
        env = api_env(sb.url, tmp_path)
        path = _file(tmp_path / "files", MODS, f"ActionId,Amount,CurrencyCode,Reason\n{MOD_ID},50.00,{currency},"
                     "ORDER_UPDATE\n")
        (tmp_path / "batchkit.toml").write_text("[api]\nsettle_seconds = 0\n")
        sb.faults.drop_after_apply(times=1)
        for extra in ([], [], ["--config", tmp_path / "batchkit.toml"]):
            run = _cli(["deliver", path, "--to", "api", *extra], env)
            assert run.exit_code == 3 and run.stdout.startswith("incomplete "), run.output  # never "sent"
            assert "row 2" in run.output and MOD_ID in run.output and verdict in run.output, run.output
            assert "--resend-unknown" in run.output
            assert len(_writes(sb)) == 1 and sb.applied_count(MOD_ID) == 1  # never resent by a later run
        assert [e.state for e in _journal(tmp_path / "state")] == ["unknown"]
        _check_status(env, 3, MOD_ID)
        resent = _cli(["deliver", path, "--to", "api", "--resend-unknown"], env)
        assert resent.exit_code == 0, resent.output
        assert sb.applied_count(MOD_ID) == 2


# ---------------------------------------------------- 4. an inquiry read-back that cannot be understood


def _answer_inquiry_gets_with_empty_object(sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """GET /ActionInquiries/500006 answers 200 `{}` (no sandbox fault does this: the app is wrapped)."""
    from batchkit.sandbox.http.app import JSON_TYPE, Answer

    app = sb._app
    real = app.handle

    def handle(req: Any) -> Any:
        if req.method == "GET" and req.path.endswith(f"/ActionInquiries/{INQUIRY}"):
            return Answer(200, b"{}", {"Content-Type": JSON_TYPE})
        return real(req)

    monkeypatch.setattr(app, "handle", handle)


@pytest.mark.parametrize("reading", ["empty-object", "truncated"])
def test_4_an_inquiry_read_back_that_cannot_be_understood_stays_unknown(box: Sandbox, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      reading: str) -> None:
    """Case 4: PUT answered 502 after applying, the GET read-back `{}` (or cut short): exit 3, never a 2nd PUT."""
    env = api_env(box.url, tmp_path)
    (tmp_path / "batchkit.toml").write_text("[api]\nretries = 0\n")  # a broken GET is not retried for long
    assert _cli(["inquiries", "pull", "-o", tmp_path / "inquiries.csv"], env).exit_code == 0  # no GET before the PUT
    path = _resolutions(tmp_path, [VALID])
    box.faults.fail_after_apply(502, times=1, path_contains="ActionInquiries")
    if reading == "empty-object":
        _answer_inquiry_gets_with_empty_object(box, monkeypatch)
    else:
        box.faults.truncate(times=50, path_contains=f"ActionInquiries/{INQUIRY}")
    for _ in range(3):
        run = _cli(["inquiries", "resolve", path, "--config", tmp_path / "batchkit.toml"], env)
        assert run.exit_code == 3, run.output
        assert f"inquiry {INQUIRY}" in run.output and "cannot tell" in run.output, run.output
        puts = [w for w in _writes(box) if "ActionInquiries" in w.path]
        assert len(puts) == 1 and box.applied_count(INQUIRY) == 1
    assert [e.state for e in _journal(tmp_path / "state")] == ["unknown"]


# ------------------------------------------------------------------------ 5. refused is not done


@pytest.mark.parametrize("status", [400, 404, 409, 422])
def test_5_a_refused_write_exits_1_on_every_run_and_is_sent_once(box: Sandbox, tmp_path: Path, status: int) -> None:
    """Case 5: a 400/404/409/422 is refused: exit 1 naming the row and the reason, the next run sends nothing."""
    env = api_env(box.url, tmp_path)
    path = _file(tmp_path / "files", MODS, MODIFICATION)
    box.faults.fail(status, times=1, path_contains="Actions")
    first = _cli(["deliver", path, "--to", "api"], env)
    second = _cli(["deliver", path, "--to", "api"], env)
    for run in (first, second):
        assert run.exit_code == 1 and run.stdout.startswith("incomplete "), run.output  # never "sent"
        assert f"row 2 of {MODS}" in run.output and MOD_ID in run.output, run.output
        assert f"({status}: The service answered {status} (an injected fault))" in run.output, run.output
    assert "not sent again" in second.output
    assert len(box.requests) == 1 and box.applied_count() == 0  # the second run sent no request at all
    (entry,) = _journal(tmp_path / "state")
    assert entry.state == "refused" and entry.status == status
    _check_status(env, 1, MOD_ID)


def test_5_the_dry_run_plans_no_request_for_a_refused_record(box: Sandbox, tmp_path: Path) -> None:
    """Case 5 (dry run): after a refusal, `deliver --dry-run` plans 0 requests, as the next run makes none."""
    env = api_env(box.url, tmp_path)
    path = _file(tmp_path / "files", MODS, MODIFICATION)
    box.faults.fail(422, times=1, path_contains="Actions")
    assert _cli(["deliver", path, "--to", "api"], env).exit_code == 1
    plan = _cli(["deliver", path, "--to", "api", "--dry-run"], env)
    assert plan.exit_code == 0 and "0 to send" in plan.output, plan.output
    assert "plan: 0 request(s)" in plan.output, plan.output


def test_5_a_resolution_refused_then_fixed_in_its_row_is_sent_and_applied(box: Sandbox, tmp_path: Path) -> None:
    """Case 5 (inquiry): refused for its Transaction Date (400), refused again without a request, then the row's
    date fixed: sent, applied, the inquiry VALID."""
    env = api_env(box.url, tmp_path)
    assert _cli(["inquiries", "pull", "-o", tmp_path / "inquiries.csv"], env).exit_code == 0  # no GET before a PUT
    path = _resolutions(tmp_path, [{**VALID, "Transaction Date": "2026-11-02"}])
    box.faults.fail(400, times=1, path_contains="ActionInquiries")
    seen = 0
    for n in range(2):
        run = _cli(["inquiries", "resolve", path], env)
        assert run.exit_code == 1, run.output
        assert f"inquiry {INQUIRY} (row 2)" in run.output and "400" in run.output, run.output
        assert n == 0 or len(box.requests) == seen  # the second run sends nothing
        seen = len(box.requests)
    _check_status(env, 1, INQUIRY)
    assert box.applied_count(INQUIRY) == 0
    path = _resolutions(tmp_path, [VALID])  # the row fixed: another change
    fixed = _cli(["inquiries", "resolve", path], env)
    assert fixed.exit_code == 0, fixed.output
    assert box.applied_count(INQUIRY) == 1
    assert _inquiry(box, INQUIRY)["ResolutionStatus"] == "VALID"
    assert _cli(["inquiries", "resolve", path], env).exit_code == 0 and box.applied_count(INQUIRY) == 1


# ----------------------------------------------------------------------------- 6. across channels


def _csvs(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.csv")) if folder.is_dir() else []


def test_6_records_delivered_to_a_folder_are_not_sent_through_the_api(box: Sandbox, tmp_path: Path) -> None:
    """Case 6: the file to a folder, then the same records (another file) --to api: nothing sent, exit 0."""
    env = api_env(box.url, tmp_path)
    outbox = tmp_path / "outbox"
    dropped = _cli(["deliver", _file(tmp_path / "files", MODS, MODIFICATION), "--to", outbox], env)
    assert dropped.exit_code == 0 and len(_csvs(outbox)) == 1, dropped.output
    copy = _file(tmp_path / "copy", "acme_order-modifications_again.csv", MODIFICATION, crlf=True)
    via_api = _cli(["deliver", copy, "--to", "api"], env)
    assert via_api.exit_code == 0, via_api.output
    assert "skipped" in via_api.output and "earlier" in via_api.output, via_api.output
    assert box.requests == [] and box.applied_count() == 0


def test_6_records_sent_through_the_api_are_not_delivered_to_a_folder(box: Sandbox, tmp_path: Path) -> None:
    """Case 6 reversed: records --to api, then the file --to DIR: skipped, they reached impact.com earlier."""
    env = api_env(box.url, tmp_path)
    path = _file(tmp_path / "files", MODS, MODIFICATION)
    assert _cli(["deliver", path, "--to", "api"], env).exit_code == 0
    outbox = tmp_path / "outbox"
    dropped = _cli(["deliver", path, "--to", outbox], env)
    assert dropped.exit_code == 0, dropped.output
    assert "skipped" in dropped.output and "reached impact.com earlier" in dropped.output, dropped.output
    assert _csvs(outbox) == [] and box.applied_count(MOD_ID) == 1


def test_6_a_file_with_some_records_sent_earlier_is_bk804_until_resend(box: Sandbox, tmp_path: Path) -> None:
    """Case 6: one record sent --to api, then a file with it and another --to DIR: exit 1, BK804 at its row,
    nothing in the folder; --resend delivers the file."""
    env = api_env(box.url, tmp_path)
    assert _cli(["deliver", _file(tmp_path / "one", MODS, MODIFICATION), "--to", "api"], env).exit_code == 0
    both = _file(tmp_path / "both", MODS, f"ActionId,Amount,Reason\n{OTHER_ID},250.00,ORDER_UPDATE\n{MOD_ID},84.50,"
                 "ORDER_UPDATE\n")
    outbox = tmp_path / "outbox"
    refused = _cli(["deliver", both, "--to", outbox], env)
    assert refused.exit_code == 1, refused.output
    assert "BK804 error   Already sent to impact.com (1)" in refused.output, refused.output
    assert f"row 3: this change to ActionId {MOD_ID} was sent" in refused.output and "row 2:" not in refused.output
    assert _csvs(outbox) == []
    resent = _cli(["deliver", both, "--to", outbox, "--resend"], env)
    assert resent.exit_code == 0 and len(_csvs(outbox)) == 1, resent.output
    assert box.applied_count() == 1  # the API saw only the first record, once


def test_6_a_resolution_applied_through_the_api_is_not_written_again_for_upload(box: Sandbox, tmp_path: Path) -> None:
    """Case 6 (inquiries): a resolution applied through the API, then the same file --to DIR: no upload CSV."""
    env = api_env(box.url, tmp_path)
    path = _resolutions(tmp_path, [VALID])
    assert _cli(["inquiries", "resolve", path], env).exit_code == 0 and box.applied_count(INQUIRY) == 1
    upload = _cli(["inquiries", "resolve", path, "--to", tmp_path / "upload"], env)
    assert upload.exit_code == 0, upload.output
    assert _csvs(tmp_path / "upload") == [], upload.output  # a person would upload a second resolution


# ------------------------------------------------------------ 7. kill -9 with answers lost after apply


CRASH_IDS = tuple(f"1000.4636.{n}" for n in (158201, 158204, 158301, 158302, 158303, 158304, 160001, 160002, 160003,
                                              160005, 161041, 161044))  # PENDING USD actions without items
CRASH_RUNS = 8


def _child(args: list[str], env: dict[str, str], crash: str | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != "BATCHKIT_CRASH_AT"} | env
    if crash:
        full["BATCHKIT_CRASH_AT"] = crash
    return subprocess.run([sys.executable, "-m", "batchkit", *args], cwd=ROOT, env=full, check=False,
                          capture_output=True, text=True, timeout=60)


def test_7_killed_at_the_write_loops_points_with_502_after_apply_each_change_applies_once(tmp_path: Path) -> None:
    """Case 7: kill -9 at api-sending/answered/recorded while every write is answered 502 after applying; reruns
    until exit 0: one applied write per action."""
    rng = random.Random(7)
    wanted = {i: Decimal("10.00") + n for n, i in enumerate(CRASH_IDS)}
    with _box() as sb:
        path = _file(tmp_path / "files", MODS, "ActionId,Amount,Reason\n" + "".join(
            f"{i},{v},ORDER_UPDATE\n" for i, v in wanted.items()))
        env = api_env(sb.url, tmp_path)
        sb.faults.fail_after_apply(502, times=1000, path_contains="Actions")
        args = ["deliver", str(path), "--to", "api"]
        killed = 0
        for _ in range(CRASH_RUNS):
            run = _child(args, env, f"{rng.choice(API_POINTS)}@{rng.randint(1, 2)}")
            assert run.returncode in (-signal.SIGKILL, 0, 3), run.stdout + run.stderr
            killed += run.returncode == -signal.SIGKILL
        assert killed >= CRASH_RUNS // 2
        extra: list[str] = []
        for _ in range(3):
            run = _child(args + extra, env)
            if run.returncode == 0:
                break
            assert run.returncode == 3, run.stdout + run.stderr
            unknown = [e for e in _journal(tmp_path / "state") if e.state == "unknown"]
            assert unknown, run.stdout + run.stderr
            for e in unknown:  # only a change the server never applied may be left unknown
                assert sb.applied_count(e.action_id) == 0, (e, run.stdout + run.stderr)
            extra = ["--resend-unknown"]
        assert run.returncode == 0, run.stdout + run.stderr
        assert {i: sb.applied_count(i) for i in wanted} == dict.fromkeys(wanted, 1)
        assert sb.applied_count() == len(wanted)
        sb.settle()
        assert {i: _action(sb, i).Amount for i in wanted} == wanted
        assert {e.state for e in _journal(tmp_path / "state")} <= {"queued", "applied"}


# ------------------------------------------------- 8. the library and the command line share one journal


def test_8_the_library_and_the_cli_share_one_journal_of_resolutions(box: Sandbox, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Case 8: a resolution sent by resolve_inquiries() is done earlier for `inquiries resolve` and back, with
    only [deliver] state_dir in batchkit.toml and BATCHKIT_STATE_DIR unset."""
    env = {k: v for k, v in api_env(box.url, tmp_path).items() if k != "BATCHKIT_STATE_DIR"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("BATCHKIT_STATE_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))  # a fall-back to the default would land here
    config = tmp_path / "batchkit.toml"
    config.write_text('[deliver]\nstate_dir = "kept"\n')
    cli_env: dict[str, Any] = {**env, "BATCHKIT_STATE_DIR": None}
    first = _resolutions(tmp_path, [VALID], "first.csv")
    second = _resolutions(tmp_path, [DECLINED], "second.csv")

    assert batchkit.resolve_inquiries(first, config).counts == {"resolved": 1}
    again = _cli(["inquiries", "resolve", first, "--config", config], cli_env)
    assert again.exit_code == 0 and "1 done earlier" in again.output, again.output

    sent = _cli(["inquiries", "resolve", second, "--config", config], cli_env)
    assert sent.exit_code == 0 and "1 resolved" in sent.output, sent.output
    assert batchkit.resolve_inquiries(second, config).counts == {"done earlier": 1}

    puts = [w for w in _writes(box) if "ActionInquiries" in w.path]
    assert len(puts) == 2 and box.applied_count(INQUIRY) == 1 and box.applied_count("500002") == 1
    assert (tmp_path / "kept").is_dir() and not (tmp_path / "xdg").exists()


def test_6_a_drop_delivery_keys_its_records_by_the_account_sid_flag(box: Sandbox, tmp_path: Path) -> None:
    """Case 6 with the account given as a flag, not in the environment: the drop's records are journaled under
    that account, so the same records --to api for that account are skipped (nothing sent)."""
    env = {k: v for k, v in api_env(box.url, tmp_path).items() if k != "IMPACT_ACCOUNT_SID"}
    outbox = tmp_path / "outbox"
    dropped = _cli(["deliver", _file(tmp_path / "files", MODS, MODIFICATION), "--to", outbox, "--account-sid", SID],
                   env)
    assert dropped.exit_code == 0 and len(_csvs(outbox)) == 1, dropped.output
    copy = _file(tmp_path / "copy", "acme_order-modifications_again.csv", MODIFICATION, crlf=True)
    via_api = _cli(["deliver", copy, "--to", "api", "--account-sid", SID], env)
    assert via_api.exit_code == 0, via_api.output
    assert "skipped" in via_api.output and "earlier" in via_api.output, via_api.output
    assert box.requests == [] and box.applied_count() == 0
