"""Faults that strike AFTER the sandbox applied a write, and the server's own count of applied writes.

batchkit must write each change exactly once, while gateways answer 502/504 after the backend did the
work and answers get lost: `fail_after_apply`, `garble_after_apply` and `drop_after_apply` apply the
write, then spoil the answer; `Sandbox.applied_writes()` says what the server really applied. Every
request goes through a real socket with httpx; the clock is a fake, so submissions wait for settle().
"""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from conftest_api import READER, Clock, clock, clocked_sandbox  # noqa: F401 (fixtures)

from batchkit.core.inquiry import REASONS
from batchkit.sandbox import AppliedWrite, Sandbox

SID, TOKEN = "IRSANDBOXACME1", "tok"
BASE = f"/Advertisers/{SID}"

# kind -> (method, resource, a form that applies, the target it names)
WRITES = {
    "put": ("PUT", "Actions", {"ActionId": "1000.4636.158201", "Amount": "84.50", "Reason": "ORDER_UPDATE"},
            "1000.4636.158201"),
    "delete": ("DELETE", "Actions", {"ActionTrackerId": "2240", "OrderId": "ORD-0100246",
                                     "DispositionCode": "CONS_FRAUD"}, "2240:ORD-0100246"),
    "inquiry": ("PUT", "ActionInquiries", {"Id": "500002", "ResolutionStatus": "DECLINED", "RejectReason": REASONS[5]},
                "500002"),
}
# kind -> a form refused on its own merits (status)
REFUSED = {
    "put": ({"ActionId": "1000.4636.158201", "Amount": "84.50"}, 400),  # no Reason
    "delete": ({"ActionId": "1000.4636.158302", "DispositionCode": "ORDER_UPDATE"}, 400),  # not a disposition code
    "inquiry": ({"Id": "500006", "ResolutionStatus": "VALID"}, 400),  # VALID without ActionTrackerId
}
ARM = {
    "drop": lambda sb: sb.faults.drop_after_apply(),
    "fail": lambda sb: sb.faults.fail_after_apply(502),
    "garble": lambda sb: sb.faults.garble_after_apply(),
}


@pytest.fixture
def sb(clocked_sandbox: Sandbox) -> Sandbox:
    return clocked_sandbox


def send(sb: Sandbox, method: str, resource: str, form: dict[str, str], token: str = TOKEN,
         accept: str | None = "application/json") -> httpx.Response:
    """One write on a fresh connection."""
    headers = {"Accept": accept} if accept else {}
    with httpx.Client(base_url=sb.url, auth=(SID, token), headers=headers, timeout=10) as c:
        return c.request(method, f"{BASE}/{resource}", data=form)


def write(sb: Sandbox, kind: str, **changes: str) -> httpx.Response:
    method, resource, form, _ = WRITES[kind]
    return send(sb, method, resource, {**form, **changes})


def refused(sb: Sandbox, kind: str) -> httpx.Response:
    form, status = REFUSED[kind]
    reply = send(sb, WRITES[kind][0], WRITES[kind][1], form)
    assert reply.status_code == status, reply.text
    assert reply.json()["Status"] == "ERROR"
    return reply


def assert_one_applied(sb: Sandbox, kind: str) -> AppliedWrite:
    """The server applied exactly this one write (and, once settled, it shows)."""
    method, resource, form, target = WRITES[kind]
    [done] = sb.applied_writes()
    assert (done.seq, done.method, done.resource, done.target, done.form) == (1, method, resource, target, form)
    assert sb.applied_count(target) == sb.applied_count() == 1
    sb.settle()
    if kind == "put":
        assert sb.store.get("1000.4636.158201")["Amount"] == "84.50"
    elif kind == "delete":
        assert sb.store.get("1000.4636.158302")["State"] == "REVERSED"
    else:
        assert sb.inquiries.get("500002")["ResolutionStatus"] == "DECLINED"
    return done


# -- each fault, for PUT, DELETE and inquiry PUT --------------------------------------------------------------

@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 409])
@pytest.mark.parametrize("kind", list(WRITES))
def test_fail_after_apply_applies_the_write_then_answers_the_status(sb: Sandbox, kind: str, status: int) -> None:
    sb.faults.fail_after_apply(status)
    reply = write(sb, kind)
    assert reply.status_code == status and reply.headers["Content-Type"].startswith("application/json")
    assert reply.json() == {"Status": "ERROR", "Message": f"The service answered {status} (an injected fault)"}
    assert "X-RateLimit-Remaining" in reply.headers
    assert sb.requests[-1].status == status and sb.faults.pending() == []
    assert_one_applied(sb, kind)


@pytest.mark.parametrize("kind", list(WRITES))
def test_garble_after_apply_applies_the_write_then_answers_200_with_an_unreadable_body(sb: Sandbox, kind: str) -> None:
    sb.faults.garble_after_apply()
    reply = write(sb, kind)
    assert reply.status_code == 200 and int(reply.headers["Content-Length"]) == len(reply.content) > 0
    assert reply.content.startswith(b'{"Status":"')
    with pytest.raises(json.JSONDecodeError):
        reply.json()
    assert sb.requests[-1].status == 200 and sb.faults.pending() == []
    assert_one_applied(sb, kind)


@pytest.mark.parametrize("kind", list(WRITES))
def test_drop_after_apply_applies_the_write_then_closes_without_an_answer(sb: Sandbox, kind: str) -> None:
    sb.faults.drop_after_apply()
    with pytest.raises(httpx.RemoteProtocolError):
        write(sb, kind)
    assert sb.requests[-1].status == 0 and sb.faults.pending() == []
    assert_one_applied(sb, kind)


@pytest.mark.parametrize("fault", list(ARM))
@pytest.mark.parametrize("kind", list(WRITES))
def test_a_refused_write_is_answered_normally_counts_zero_and_leaves_the_fault_armed(sb: Sandbox, kind: str,
                                                                                    fault: str) -> None:
    ARM[fault](sb)
    refused(sb, kind)
    assert sb.applied_writes() == [] and sb.applied_count() == 0
    assert sb.submissions.newest_first() == []
    assert len(sb.faults.pending()) == 1
    if fault == "drop":  # the next write that applies gets the fault
        with pytest.raises(httpx.RemoteProtocolError):
            write(sb, kind)
    else:
        reply = write(sb, kind)
        assert (reply.status_code, reply.content.endswith(b"}")) == ((502, True) if fault == "fail" else (200, False))
    assert sb.faults.pending() == []
    assert_one_applied(sb, kind)


def test_a_plain_write_is_counted_with_its_submission(sb: Sandbox, clock: Clock) -> None:
    reply = write(sb, "put")
    assert reply.status_code == 200
    done = assert_one_applied(sb, "put")
    assert reply.json()["QueuedUri"].endswith(f"/APISubmissions/{done.batch_id}")
    sub = sb.submissions.get(done.batch_id)
    assert sub is not None and sub.payload == "ActionId=1000.4636.158201&Amount=84.50&Reason=ORDER_UPDATE"
    assert done.at == clock.now


# -- what is not counted --------------------------------------------------------------------------------------

def test_requests_refused_before_they_apply_are_not_counted(clock: Clock) -> None:
    with Sandbox(auth_token=TOKEN, now=clock, read_only_tokens=(READER,), rate=(6, 60.0)) as box:
        box.faults.fail_after_apply(502)
        method, resource, form, _ = WRITES["put"]
        assert send(box, method, resource, form, token="wrong").status_code == 401
        assert send(box, method, resource, form, token=READER).status_code == 403
        box.faults.fail(503, path_contains="/Actions")
        assert send(box, method, resource, form).status_code == 503  # a fault before the write: nothing applied
        unknown, resolved = ({"Id": i, "ResolutionStatus": "INCOMPLETE"} for i in ("999999", "500009"))
        assert send(box, "PUT", "ActionInquiries", unknown).status_code == 404
        assert send(box, "PUT", "ActionInquiries", resolved).status_code == 400  # already resolved
        assert send(box, "PUT", "Actions/1000.4636.158201", form).status_code == 405
        assert send(box, method, resource, form).status_code == 429  # the budget (6 a minute) is spent
        assert box.applied_writes() == [] and box.submissions.newest_first() == []
        assert [f.kind for f in box.faults.pending()] == ["fail_after"]


def test_after_apply_faults_are_not_spent_on_reads(sb: Sandbox) -> None:
    for arm in ARM.values():
        arm(sb)
    with httpx.Client(base_url=sb.url, auth=(SID, TOKEN), headers={"Accept": "application/json"}) as c:
        assert c.get(f"{BASE}/Actions/1000.4636.158201").status_code == 200
        assert c.get(f"{BASE}/ActionInquiries", params={"CampaignId": "4636"}).status_code == 200
        assert c.get(f"{BASE}/APISubmissions").status_code == 200
    assert [f.kind for f in sb.faults.pending()] == ["drop", "fail_after", "garble"]
    assert sb.applied_writes() == []


# -- no deduplication: that is batchkit's job -------------------------------------------------------------------

def test_two_identical_puts_are_two_applied_writes(sb: Sandbox) -> None:
    sb.faults.fail_after_apply(504)
    assert write(sb, "put").status_code == 504
    assert write(sb, "put").status_code == 200  # a blind resend: the server takes it again
    first, second = sb.applied_writes()
    assert (first.seq, second.seq) == (1, 2) and first.form == second.form and first.batch_id != second.batch_id
    assert sb.applied_count("1000.4636.158201") == 2
    assert sb.applied_count("1000.4636.158201", method="DELETE") == 0
    assert sb.settle() == 2


def test_a_write_by_tracker_and_order_is_counted_by_target_and_by_order_id(sb: Sandbox) -> None:
    sb.faults.drop_after_apply()
    with pytest.raises(httpx.RemoteProtocolError):
        write(sb, "delete")
    assert write(sb, "put", ActionId="1000.4636.158303").status_code == 200
    assert sb.applied_count("2240:ORD-0100246") == sb.applied_count(order_id="ORD-0100246") == 1
    assert sb.applied_count(resource="Actions") == 2 and sb.applied_count(resource="ActionInquiries") == 0
    assert sb.applied_count(method="DELETE") == 1 and sb.applied_count("ORD-0100246") == 0


def test_a_second_delete_of_a_reversed_action_is_taken_then_completes_with_an_error(sb: Sandbox) -> None:
    form = {"ActionId": "1000.4636.158301", "DispositionCode": "ITEM_RETURNED"}
    sb.faults.fail_after_apply(502)
    assert send(sb, "DELETE", "Actions", form).status_code == 502
    sb.settle()
    reversed_ = sb.store.get("1000.4636.158301")
    updated = sb.store.updated_at("1000.4636.158301")
    assert (reversed_["State"], reversed_["Amount"], reversed_["DeltaAmount"]) == ("REVERSED", "0.00", "-64.50")
    again = send(sb, "DELETE", "Actions", form)
    assert again.status_code == 200 and again.json()["Status"] == "QUEUED"  # accepted: decided at completion
    sb.settle()
    batch_id = again.json()["QueuedUri"].rsplit("/", 1)[1]
    with httpx.Client(base_url=sb.url, auth=(SID, TOKEN), headers={"Accept": "application/json"}) as c:
        done = c.get(f"{BASE}/APISubmissions/{batch_id}").json()
    assert (done["Status"], done["ErrorType"], done["ErrorReason"]) == ("Complete", "Validation", "NO_VALID_ACTION_REF")
    assert sb.store.get("1000.4636.158301") == reversed_ and sb.store.updated_at("1000.4636.158301") == updated
    assert sb.applied_count("1000.4636.158301") == 2  # the server took both: the double is the client's
    assert [w.batch_id for w in sb.applied_writes()][1] == batch_id


def test_a_second_resolution_is_a_4xx_with_a_json_error_body_and_not_counted(sb: Sandbox) -> None:
    sb.faults.fail_after_apply(504)
    assert write(sb, "inquiry").status_code == 504
    resolved = sb.inquiries.get("500002")
    assert resolved["ResolutionStatus"] == "DECLINED"
    for form in (WRITES["inquiry"][2], {"Id": "500002", "ResolutionStatus": "INCOMPLETE"}):
        again = send(sb, "PUT", "ActionInquiries", form)
        assert again.status_code in (400, 409) and again.headers["Content-Type"].startswith("application/json")
        body = again.json()
        assert body["Status"] == "ERROR" and "already resolved" in body["Message"]
        assert [e["Field"] for e in body["Errors"]] == ["Id"]
    assert sb.inquiries.get("500002") == resolved
    assert sb.applied_count("500002") == 1


# -- arming ---------------------------------------------------------------------------------------------------

def test_after_apply_faults_strike_in_the_order_armed_and_count_their_times(sb: Sandbox) -> None:
    sb.faults.drop_after_apply()
    sb.faults.fail_after_apply(503, times=2)
    sb.faults.garble_after_apply()
    with pytest.raises(httpx.RemoteProtocolError):
        write(sb, "put")
    assert [write(sb, "put").status_code for _ in range(2)] == [503, 503]
    garbled = write(sb, "put")
    assert garbled.status_code == 200 and not garbled.content.endswith(b"}")
    assert write(sb, "put").json()["Status"] == "QUEUED"
    assert [w.seq for w in sb.applied_writes()] == [1, 2, 3, 4, 5]
    assert sb.faults.pending() == []


def test_path_contains_chooses_the_writes_a_fault_strikes(sb: Sandbox) -> None:
    sb.faults.fail_after_apply(502, path_contains="ActionInquiries")
    sb.faults.garble_after_apply(path_contains="/Actions")
    assert write(sb, "inquiry").status_code == 502
    assert write(sb, "delete").status_code == 200 and sb.faults.pending() == []
    assert sb.applied_count() == 2


def test_fail_after_apply_takes_error_statuses_and_times_of_one_or_more(sb: Sandbox) -> None:
    for status in (200, 302, 399, 600):
        with pytest.raises(ValueError, match="400-599"):
            sb.faults.fail_after_apply(status)
    for arm in (lambda: sb.faults.fail_after_apply(502, times=0), lambda: sb.faults.garble_after_apply(times=0),
                lambda: sb.faults.drop_after_apply(times=0)):
        with pytest.raises(ValueError, match="at least 1"):
            arm()
    assert sb.faults.pending() == []


def test_the_error_body_follows_accept_like_every_answer(sb: Sandbox) -> None:
    sb.faults.fail_after_apply(500)
    method, resource, form, _ = WRITES["put"]
    reply = send(sb, method, resource, form, accept=None)
    assert reply.status_code == 500 and reply.headers["Content-Type"].startswith("application/xml")
    assert ET.fromstring(reply.content).findtext("Status") == "ERROR"
    assert sb.applied_count() == 1


def test_clear_forgets_the_records_not_the_writes(sb: Sandbox) -> None:
    write(sb, "put")
    listed = sb.applied_writes()
    listed.clear()  # a copy
    assert sb.applied_count() == 1
    sb.applied.clear()
    assert sb.applied_writes() == [] and len(sb.submissions.newest_first()) == 1


def test_concurrent_writes_are_each_counted_once(sb: Sandbox) -> None:
    ids = ["1000.4636.158201", "1000.4636.158202", "1000.4636.158203", "1000.4636.158301"]
    sb.faults.fail_after_apply(502, times=10)
    barrier = threading.Barrier(8)

    def one(n: int) -> int:
        if n < 8:
            barrier.wait(5)
        return write(sb, "put", ActionId=ids[n % 4], Amount=f"{n}.00").status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(one, range(40)))
    assert statuses.count(502) == 10 and statuses.count(200) == 30
    done = sb.applied_writes()
    assert sorted(w.seq for w in done) == list(range(1, 41)) == [w.seq for w in done]
    assert {sb.applied_count(i) for i in ids} == {10}
    assert len({w.batch_id for w in done}) == 40 == len(sb.submissions.newest_first())
