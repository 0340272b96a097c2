"""The sandbox's hostile faults, each seen by a real HTTP client (httpx) through a real socket.

A hostile server sends bodies too big, endless, compressed into bombs, one byte at a time; links that point
at themselves or are missing; pages that repeat; 429s with odd Reset and Retry-After values; errors that
echo the credentials; numbers spelled as JSON allows but nobody expects; and partner-written text made to
hurt a terminal or a spreadsheet. Each test checks that the client sees exactly what the fault promises,
and that a fault armed for another path leaves a request alone. Sizes stay small (5-20 MB) to stay fast.
"""

from __future__ import annotations

import gc
import json
import re
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator

import httpx
import pytest
from conftest_api import Clock, clock, clocked_sandbox  # noqa: F401 (fixtures)

from batchkit.sandbox import Sandbox

SID, TOKEN = "IRSANDBOXACME1", "tok"
BASE = f"/Advertisers/{SID}"
ACTION = f"{BASE}/Actions/1000.4636.158201"
ITEMS = f"{BASE}/Actions/1000.4636.160002/Items"  # three items
INQUIRIES = f"{BASE}/ActionInquiries"
PAGE = {"CampaignId": "4636", "PageSize": "2"}  # the seed's 10 inquiries: 5 pages
MB = 1_000_000


@pytest.fixture
def sb(clocked_sandbox: Sandbox) -> Sandbox:
    return clocked_sandbox


@pytest.fixture
def client(sb: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sb.url, auth=(SID, TOKEN), headers={"Accept": "application/json"}, timeout=5) as c:
        yield c


def sent_target(reply: httpx.Response) -> str:
    """The path and query the client sent."""
    return reply.request.url.raw_path.decode()


# -- 1-4: bodies too big, endless, bombs, drips -----------------------------------------------------------------

def test_huge_body_is_size_bytes_of_valid_json_padded_inside(sb: Sandbox, client: httpx.Client) -> None:
    normal = client.get(ACTION).content
    sb.faults.huge_body(5 * MB, path_contains="158201")
    reply = client.get(ACTION)
    assert reply.status_code == 200 and reply.headers["Content-Length"] == str(5 * MB) == str(len(reply.content))
    assert reply.content.startswith(normal[:-1]) and reply.content.endswith(b" }")
    assert json.loads(reply.content) == json.loads(normal)
    assert client.get(ACTION).content == normal and sb.faults.pending() == []  # once


def test_huge_body_is_made_as_it_is_sent_not_held_in_memory(sb: Sandbox, client: httpx.Client) -> None:
    sb.faults.huge_body(20 * MB)
    gc.collect()
    tracemalloc.start()
    try:
        with client.stream("GET", ACTION) as reply:
            received = sum(len(chunk) for chunk in reply.iter_raw())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received == 20 * MB and peak < 4 * MB  # server and client in this process: neither held 20 MB


def test_endless_body_never_ends_and_keeps_no_other_request_waiting(sb: Sandbox, client: httpx.Client) -> None:
    normal = client.get(ACTION).content
    sb.faults.endless_body(path_contains="158201")
    with httpx.Client(base_url=sb.url, auth=(SID, TOKEN), headers={"Accept": "application/json"}, timeout=5) as other:
        with client.stream("GET", ACTION) as reply:
            assert reply.status_code == 200 and reply.headers["Transfer-Encoding"] == "chunked"
            assert "Content-Length" not in reply.headers
            head, received = b"", 0
            for chunk in reply.iter_raw():
                head = head or chunk
                received += len(chunk)
                if received >= 5 * MB:
                    break
            assert head.startswith(normal[:-1][:100])
            started = time.monotonic()  # the endless answer's connection is still open: others are served
            assert other.get(f"{BASE}/Actions/1000.4636.160002").status_code == 200
            assert time.monotonic() - started < 0.5
        assert received >= 5 * MB
    assert client.get(ACTION).content == normal  # after the client hung up, the server serves on


def test_gzip_bomb_is_small_on_the_wire_and_inflates_to_size(sb: Sandbox, client: httpx.Client) -> None:
    normal = client.get(ACTION).content
    sb.faults.gzip_bomb(20 * MB, path_contains="158201")
    with client.stream("GET", ACTION) as reply:
        assert reply.headers["Content-Encoding"] == "gzip"
        wire = list(reply.iter_raw())
    size = sum(len(piece) for piece in wire)
    assert size == int(reply.headers["Content-Length"]) < 100_000
    inflate, inflated, first = zlib.decompressobj(31), 0, b""
    for piece in wire:
        out = inflate.decompress(piece)
        first = first or out
        inflated += len(out)
    inflated += len(inflate.flush())
    assert inflated == 20 * MB and first.startswith(normal[:-1][:100])


def test_gzip_bomb_read_whole_is_the_padded_json(sb: Sandbox, client: httpx.Client) -> None:
    normal = client.get(ACTION).content
    sb.faults.gzip_bomb(5 * MB)
    reply = client.get(ACTION)  # httpx inflates it
    assert len(reply.content) == 5 * MB and json.loads(reply.content) == json.loads(normal)


def test_drip_sends_headers_at_once_then_a_byte_per_interval(sb: Sandbox, client: httpx.Client) -> None:
    normal = client.get(f"{ITEMS}/SKU-2001").content
    interval = 0.6 / len(normal)
    sb.faults.drip(interval, path_contains="SKU-2001")
    started = time.monotonic()
    with client.stream("GET", f"{ITEMS}/SKU-2001") as reply:
        headers_at = time.monotonic() - started
        body = reply.read()
    elapsed = time.monotonic() - started
    assert body == normal and elapsed >= len(normal) * interval and headers_at < 0.3
    assert reply.headers["Content-Length"] == str(len(normal))


def test_drip_applies_to_error_answers_too(sb: Sandbox, client: httpx.Client) -> None:
    sb.faults.drip(0.01)
    started = time.monotonic()
    reply = client.get(f"{BASE}/Actions/nope")
    assert reply.status_code == 404 and time.monotonic() - started >= len(reply.content) * 0.01


def test_shapes_wait_for_a_200_answer(sb: Sandbox, client: httpx.Client) -> None:
    sb.faults.huge_body(MB)
    assert client.get(f"{BASE}/Actions/nope").status_code == 404  # an error answer: untouched, still armed
    assert len(sb.faults.pending()) == 1
    assert len(client.get(ACTION).content) == MB


# -- 5-7: links and pages -------------------------------------------------------------------------------------

def test_rewrite_points_the_next_page_at_itself(sb: Sandbox, client: httpx.Client) -> None:
    sb.faults.rewrite("@nextpageuri", "{self}", path_contains="ActionInquiries")
    reply = client.get(INQUIRIES, params=PAGE)
    assert reply.json()["@nextpageuri"] == sent_target(reply) == f"{INQUIRIES}?CampaignId=4636&PageSize=2"
    assert reply.json()["@page"] == "1" and len(reply.json()["ActionInquiries"]) == 2
    assert client.get(INQUIRIES, params=PAGE).json()["@nextpageuri"].endswith("&Page=2")  # once


@pytest.mark.parametrize(("field", "value"), [("ErrorsUri", "https://evil.example/steal"), ("QueuedUri", None),
                                              ("Uri", "/Advertisers/OTHERACCOUNT/Actions/1"), ("@numpages", 7)])
def test_rewrite_sets_any_top_level_key_to_any_value(sb: Sandbox, client: httpx.Client, field: str,
                                                     value: object) -> None:
    sb.faults.rewrite(field, value)
    body = client.get(ACTION).json()
    assert body[field] == value and body["Id"] == "1000.4636.158201"


def test_rewrite_of_a_write_answer_after_the_write_applied(sb: Sandbox, client: httpx.Client) -> None:
    sb.faults.rewrite("QueuedUri", "https://evil.example/{self}")
    reply = client.put(f"{BASE}/Actions", data={"ActionId": "1000.4636.158201", "Amount": "84.50",
                                                "Reason": "ORDER_UPDATE"})
    assert reply.json() == {"Status": "QUEUED", "QueuedUri": f"https://evil.example/{BASE}/Actions"}
    assert sb.applied_count() == 1


def test_drop_field_removes_the_next_page_link_while_more_pages_are_announced(sb: Sandbox,
                                                                              client: httpx.Client) -> None:
    sb.faults.drop_field("@nextpageuri")
    body = client.get(INQUIRIES, params=PAGE).json()
    assert "@nextpageuri" not in body and body["@numpages"] == "5" and body["@page"] == "1"
    assert "@lastpageuri" in body and client.get(INQUIRIES, params=PAGE).json()["@nextpageuri"]


def test_drop_field_waits_for_an_answer_that_has_the_field(sb: Sandbox, client: httpx.Client) -> None:
    sb.faults.drop_field("@nextpageuri")
    assert client.get(ACTION).json()["Id"]  # no such key: untouched, still armed
    assert len(sb.faults.pending()) == 1
    assert "@nextpageuri" not in client.get(INQUIRIES, params=PAGE).json()


def test_duplicate_page_repeats_the_previous_pages_records(sb: Sandbox, client: httpx.Client) -> None:
    normal = [client.get(INQUIRIES, params={**PAGE, "Page": str(n)}).json() for n in (1, 2, 3)]
    sb.faults.duplicate_page(path_contains="Page=2")
    first = client.get(INQUIRIES, params={**PAGE, "Page": "1"}).json()
    second = client.get(INQUIRIES, params={**PAGE, "Page": "2"}).json()
    third = client.get(INQUIRIES, params={**PAGE, "Page": "3"}).json()
    assert first == normal[0] and third == normal[2]
    assert second["ActionInquiries"] == normal[0]["ActionInquiries"] != normal[1]["ActionInquiries"]
    assert {k: v for k, v in second.items() if k != "ActionInquiries"} == \
        {k: v for k, v in normal[1].items() if k != "ActionInquiries"}  # the envelope says page 2


def test_duplicate_page_waits_for_a_page_before_it(sb: Sandbox, client: httpx.Client) -> None:
    sb.faults.duplicate_page()
    first = client.get(INQUIRIES, params={**PAGE, "Page": "1"}).json()  # nothing before it: its own records
    assert len(sb.faults.pending()) == 1
    second = client.get(INQUIRIES, params={**PAGE, "Page": "2"}).json()
    assert second["ActionInquiries"] == first["ActionInquiries"] and second["@page"] == "2"
    assert sb.faults.pending() == []


# -- 8-10: 429s, echoed credentials, raw numbers ------------------------------------------------------------------

@pytest.mark.parametrize(("reset", "retry_after"), [
    ("0", None), ("-5", "7"), ("1000000000", "Wed, 21 Oct 2015 07:28:00 GMT"), ("soon", "soon"), ("", "-1")])
def test_rate_limited_answers_429_with_the_headers_exactly_as_given(sb: Sandbox, client: httpx.Client, reset: str,
                                                                    retry_after: str | None) -> None:
    sb.faults.rate_limited(reset, retry_after, path_contains="158201")
    reply = client.get(ACTION)
    assert reply.status_code == 429 and reply.json()["Status"] == "ERROR"
    assert (reply.headers["X-RateLimit-Limit"], reply.headers["X-RateLimit-Remaining"]) == ("1000", "0")
    assert reply.headers["X-RateLimit-Reset"] == reset
    assert reply.headers.get("Retry-After") == retry_after
    assert client.get(ACTION).headers["X-RateLimit-Remaining"] == "999"  # the 429 did not count


def test_rate_limited_twice(sb: Sandbox, client: httpx.Client) -> None:
    sb.faults.rate_limited("-5", times=2)
    assert [client.get(ACTION).status_code for _ in range(3)] == [429, 429, 200]


@pytest.mark.parametrize("status", [400, 401, 502])
def test_echo_auth_echoes_the_authorization_header_and_its_credentials(sb: Sandbox, client: httpx.Client,
                                                                      status: int) -> None:
    sb.faults.echo_auth(status) if status != 400 else sb.faults.echo_auth()
    reply = client.get(ACTION)
    header = reply.request.headers["Authorization"]
    assert header.startswith("Basic ") and reply.status_code == status
    assert reply.json() == {"Status": "ERROR", "Message": header,
                            "Errors": [{"Field": "Authorization", "Message": f"{SID}:{TOKEN}"}]}
    assert TOKEN.encode() in reply.content


@pytest.mark.parametrize("text", ["1e2", "0e2", "-0", "1E+400", "0.30000000000000004"])
def test_raw_number_puts_the_number_text_in_the_body(sb: Sandbox, client: httpx.Client, text: str) -> None:
    sb.faults.raw_number("Amount", text)
    reply = client.get(ACTION)
    assert f'"Amount":{text},'.encode() in reply.content
    assert reply.json()["Amount"] == json.loads(text) and reply.json()["Id"] == "1000.4636.158201"


def test_raw_number_reaches_every_key_at_any_depth(sb: Sandbox, client: httpx.Client) -> None:
    sb.faults.raw_number("Payout", "1e2")
    sb.faults.raw_number("SaleAmount", "-0")
    reply = client.get(ITEMS)
    assert reply.content.count(b'"Payout":1e2') == 3 and reply.content.count(b'"SaleAmount":-0') == 3
    assert reply.json()["@total"] == "3" and sb.faults.pending() == []


def test_raw_number_of_an_inquirys_amount(sb: Sandbox, client: httpx.Client) -> None:
    sb.faults.raw_number("TransactionAmount", "1E+400", path_contains="ActionInquiries/500002")
    assert b'"TransactionAmount":"' in client.get(INQUIRIES, params=PAGE).content  # another path: untouched
    assert b'"TransactionAmount":1E+400' in client.get(f"{INQUIRIES}/500002").content


# -- 11-12: text made to hurt a terminal or a spreadsheet ------------------------------------------------------

HOSTILE_TYPE = "Validation\x1b]8;;https://evil.example\x07click me\x1b]8;;\x07\x1b[2J"
HOSTILE_REASON = "ACTION_REF_NOT_FOUND\x07\r\n=HYPERLINK(\"https://evil.example\")\x00\t"


def test_submission_error_carries_its_texts_verbatim_and_does_not_apply(sb: Sandbox, client: httpx.Client) -> None:
    sb.faults.submission_error(HOSTILE_TYPE, HOSTILE_REASON)
    form = {"ActionId": "1000.4636.158201", "Amount": "84.50", "Reason": "ORDER_UPDATE"}
    first = client.put(f"{BASE}/Actions", data=form).json()["QueuedUri"]
    sb.settle()
    done = client.get(first).json()
    assert (done["Status"], done["ErrorType"], done["ErrorReason"]) == ("Complete", HOSTILE_TYPE, HOSTILE_REASON)
    assert sb.store.get("1000.4636.158201")["Amount"] != "84.50"
    second = client.put(f"{BASE}/Actions", data=form).json()["QueuedUri"]  # the fault is spent
    sb.settle()
    assert client.get(second).json()["ErrorType"] == "" and sb.store.get("1000.4636.158201")["Amount"] == "84.50"


COMMENTS = [{"User": "=cmd|' /C calc'!A0", "Comment": "+1 \x1b[31mred\x1b[0m\r\nsecond line\x07",
             "Date": "2026-11-30T10:00:00Z"},
            {"User": "@partner", "Comment": "-2+3", "Date": "not a date"}]


def test_a_partner_controlled_inquiry_is_listed_verbatim(sb: Sandbox, client: httpx.Client) -> None:
    order = '=HYPERLINK("https://evil.example","#1041")'
    inquiry_id = sb.add_inquiry(OrderId=order, Comments=COMMENTS, MediaPartnerName="\t+Cashback\x1b]8;;x\x07",
                                MediaPartnerId="-12345", TransactionAmount="49.99", TrackingLink="javascript:alert(1)")
    listed = client.get(INQUIRIES, params={"CampaignId": "4636", "OrderId": order}).json()["ActionInquiries"]
    one = client.get(f"{INQUIRIES}/{inquiry_id}").json()
    assert listed == [one]
    assert (one["Id"], one["OrderId"], one["Comments"]) == (inquiry_id, order, COMMENTS)
    assert (one["MediaPartnerName"], one["MediaPartnerId"]) == ("\t+Cashback\x1b]8;;x\x07", "-12345")
    assert one["TrackingLink"] == "javascript:alert(1)" and one["TransactionAmount"] == "49.99"
    assert one["ResolutionStatus"] == "UNRESOLVED" and one["Uri"] == f"{INQUIRIES}/{inquiry_id}"
    every = client.get(INQUIRIES, params={"CampaignId": "4636"}).json()
    assert one in every["ActionInquiries"] and every["@total"] == "11"


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\x00\x1b[2J\x07", " padded "])
def test_partner_text_keeps_its_leading_characters(sb: Sandbox, client: httpx.Client, text: str) -> None:
    inquiry_id = sb.add_inquiry(OrderId=text, Comments=text)
    one = client.get(f"{INQUIRIES}/{inquiry_id}").json()
    assert one["OrderId"] == one["Comments"] == text


def test_a_partner_inquiry_is_still_checked_where_the_platform_checks(sb: Sandbox) -> None:
    with pytest.raises(ValueError, match="InquiryType"):
        sb.add_inquiry(InquiryType="=EVIL")
    with pytest.raises(ValueError, match="TransactionAmount"):
        sb.add_inquiry(TransactionAmount="=1+1")
    with pytest.raises(ValueError, match="Comments"):
        sb.add_inquiry(Comments=[{"User": 1}])


# -- 13: the two 400s of GET /Actions that must not be confused -------------------------------------------------

UNKNOWN_CAMPAIGN = {"Status": "ERROR", "Message": "CampaignId 9999 is not a campaign of this account",
                    "Errors": [{"Field": "CampaignId", "Message": "unknown campaign"}]}
TOO_MANY = re.compile(r"\d+ actions match, more than 10 x PageSize \(20000\): narrow the date range")


def test_a_campaign_the_account_does_not_have_is_a_400_that_is_not_too_many_records(sb: Sandbox,
                                                                                   client: httpx.Client) -> None:
    reply = client.get(f"{BASE}/Actions", params={"CampaignId": "9999"})
    assert reply.status_code == 400 and reply.json() == UNKNOWN_CAMPAIGN
    assert "narrow" not in reply.text and "too many" not in reply.text and "EndDate" not in reply.text
    assert client.get(f"{BASE}/Actions", params={"CampaignId": "04636"}).json()["@total"]  # the same number


def test_too_many_records_is_the_400_that_asks_for_a_narrower_range(clock: Clock) -> None:
    with Sandbox(auth_token=TOKEN, now=clock, generated=20_100, generated_days=6) as big, \
            httpx.Client(base_url=big.url, auth=(SID, TOKEN), headers={"Accept": "application/json"}) as client:
        reply = client.get(f"{BASE}/Actions", params={"CampaignId": "4636", "PageSize": "2000"})
        body = reply.json()
        assert reply.status_code == 400 and set(body) == {"Status", "Message", "Errors"}
        assert TOO_MANY.fullmatch(body["Message"]) and body["Status"] == "ERROR", body
        assert body["Errors"] == [{"Field": "EndDate", "Message": "too many results"}]
        other = client.get(f"{BASE}/Actions", params={"CampaignId": "9999", "PageSize": "2000"})
        assert other.status_code == 400 and other.json() == UNKNOWN_CAMPAIGN  # checked first, whatever the volume


# -- a fault for another path leaves a request alone ----------------------------------------------------------

ELSEWHERE = "/NoSuchResource"
ARMS: dict[str, Callable[[Sandbox], None]] = {
    "huge_body": lambda sb: sb.faults.huge_body(MB, path_contains=ELSEWHERE),
    "endless_body": lambda sb: sb.faults.endless_body(path_contains=ELSEWHERE),
    "gzip_bomb": lambda sb: sb.faults.gzip_bomb(MB, path_contains=ELSEWHERE),
    "drip": lambda sb: sb.faults.drip(1.0, path_contains=ELSEWHERE),
    "rewrite": lambda sb: sb.faults.rewrite("@nextpageuri", "{self}", path_contains=ELSEWHERE),
    "drop_field": lambda sb: sb.faults.drop_field("@nextpageuri", path_contains=ELSEWHERE),
    "duplicate_page": lambda sb: sb.faults.duplicate_page(path_contains=ELSEWHERE),
    "rate_limited": lambda sb: sb.faults.rate_limited("soon", "5", path_contains=ELSEWHERE),
    "echo_auth": lambda sb: sb.faults.echo_auth(path_contains=ELSEWHERE),
    "raw_number": lambda sb: sb.faults.raw_number("TransactionAmount", "1e2", path_contains=ELSEWHERE),
}


@pytest.mark.parametrize("fault", list(ARMS))
def test_a_fault_for_another_path_leaves_the_request_alone(sb: Sandbox, client: httpx.Client, fault: str) -> None:
    first = client.get(INQUIRIES, params=PAGE)
    normal = [first.content, client.get(INQUIRIES, params={**PAGE, "Page": "2"}).content]
    ARMS[fault](sb)
    started = time.monotonic()
    replies = [client.get(INQUIRIES, params=PAGE), client.get(INQUIRIES, params={**PAGE, "Page": "2"})]
    assert [r.content for r in replies] == normal and time.monotonic() - started < 1
    assert [r.status_code for r in replies] == [200, 200] and "Content-Encoding" not in replies[0].headers
    assert [f.kind for f in sb.faults.pending()] and len(sb.faults.pending()) == 1


def test_submission_error_waits_for_an_api_submission(sb: Sandbox) -> None:
    sb.faults.submission_error("X", "Y")
    assert sb.settle() == 0 and len(sb.faults.pending()) == 1


@pytest.mark.parametrize(("arm", "error"), [
    (lambda f: f.huge_body(0), ValueError), (lambda f: f.gzip_bomb(-1), ValueError),
    (lambda f: f.drip(-0.1), ValueError), (lambda f: f.raw_number("Amount", "1e"), ValueError),
    (lambda f: f.raw_number("Amount", "NaN"), ValueError), (lambda f: f.raw_number("Amount", "01"), ValueError),
    (lambda f: f.rate_limited("1\r\nX-Evil: 1"), ValueError), (lambda f: f.echo_auth(200), ValueError),
    (lambda f: f.rewrite("", "x"), ValueError), (lambda f: f.rewrite("Uri", {1, 2}), ValueError),
    (lambda f: f.drop_field("@nextpageuri", times=0), ValueError),
    (lambda f: f.submission_error(None, "x"), TypeError),
])
def test_bad_arguments_are_refused_when_armed(sb: Sandbox, arm: Callable, error: type[Exception]) -> None:
    with pytest.raises(error):
        arm(sb.faults)
    assert sb.faults.pending() == []


def test_clear_disarms_the_hostile_faults_too(sb: Sandbox, client: httpx.Client) -> None:
    for arm in ARMS.values():
        arm(sb)
    sb.faults.submission_error("X", "Y")
    sb.faults.clear()
    assert sb.faults.pending() == []
    assert client.get(INQUIRIES, params=PAGE).status_code == 200


def test_many_clients_during_an_endless_body(sb: Sandbox) -> None:
    """Four endless answers at once: each busies its own connection only."""
    sb.faults.endless_body(times=4)
    stop = threading.Event()
    got: list[int] = []

    def swallow() -> None:
        with httpx.Client(base_url=sb.url, auth=(SID, TOKEN), timeout=5) as c, c.stream("GET", ACTION) as reply:
            n = 0
            for chunk in reply.iter_raw():
                n += len(chunk)
                if n >= MB or stop.is_set():
                    break
            got.append(n)

    workers = [threading.Thread(target=swallow) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(5)
    stop.set()
    assert len(got) == 4 and all(n >= MB for n in got)
    with httpx.Client(base_url=sb.url, auth=(SID, TOKEN), timeout=5) as c:
        assert c.get(ACTION).status_code == 200


def test_a_huge_xml_answer_stays_valid_xml(sb: Sandbox) -> None:
    import xml.etree.ElementTree as ET

    sb.faults.huge_body(MB)
    with httpx.Client(base_url=sb.url, auth=(SID, TOKEN), timeout=5) as c:  # no Accept: XML
        reply = c.get(ACTION)
    assert len(reply.content) == MB and ET.fromstring(reply.content).find("Id").text == "1000.4636.158201"


def test_comments_as_a_tuple_of_objects(sb: Sandbox, client: httpx.Client) -> None:
    inquiry_id = sb.add_inquiry(Comments=tuple(COMMENTS))
    assert client.get(f"{INQUIRIES}/{inquiry_id}").json()["Comments"] == COMMENTS
