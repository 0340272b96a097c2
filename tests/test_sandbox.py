"""The sandbox behaves as SPEC §5 documents the impact.com Brand API: every HTTP behaviour is checked over a
real socket with the standard library's http.client, the clock is a fake the tests move."""

from __future__ import annotations

import base64
import csv
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from conftest_api import START, Clock

from batchkit.core.errors import ConfigError
from batchkit.sandbox import Sandbox, seed_dir

ROOT = Path(__file__).resolve().parent.parent
SID, TOKEN = "IRSANDBOXACME1", "tok"
BASE = f"/Advertisers/{SID}"
JSON, FORM = "application/json", "application/x-www-form-urlencoded"
DISPOSITIONS = ["REJECTED", "CONS_INFO_INVALID", "CONS_ERROR", "CONS_FRAUD", "ITEM_RETURNED", "ITEM_OUT_OF_STOCK",
                "ORDER_ERROR", "PUB_ACT_DISPUTE", "NOT_COMPLIANCE_TERMS", "MP_RETURNED", "OTHER",
                "CREDITED_DIFFERENT_MP", "ADV_ACT_DISPUTE", "TEST_ACTION"]



@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


def call(url: str, method: str, path: str, *, query: dict | None = None, form: dict | None = None,
         body: bytes | None = None, content_type: str | None = None, accept: str | None = JSON,
         auth: tuple[str, str] | None = (SID, TOKEN)) -> Reply:
    """One request on a fresh connection."""
    split = urlsplit(url)
    conn = http.client.HTTPConnection(split.hostname, split.port, timeout=10)
    headers = {}
    if accept:
        headers["Accept"] = accept
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    if form is not None:
        body, content_type = urlencode(form).encode(), content_type or FORM
    if content_type:
        headers["Content-Type"] = content_type
    target = path + (f"?{urlencode(query)}" if query else "")
    try:
        conn.request(method, target, body=body, headers=headers)
        resp = conn.getresponse()
        return Reply(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def get(sb: Sandbox, path: str, **query: str) -> Reply:
    return call(sb.url, "GET", path, query=query or None)


def actions(sb: Sandbox, **query: str) -> dict:
    reply = get(sb, f"{BASE}/Actions", **{"CampaignId": "4636", **query})
    assert reply.status == 200, reply.body
    return reply.json()


def window(start: datetime, end: datetime) -> dict[str, str]:
    return {"StartDate": start.isoformat(), "EndDate": end.isoformat()}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sb(clock: Clock) -> Iterator[Sandbox]:
    with Sandbox(auth_token=TOKEN, now=clock, read_only_tokens=("read-only",), process_seconds=3.0) as box:
        yield box


# -- auth, accounts, formats --------------------------------------------------------------------------------

@pytest.mark.parametrize("auth", [None, (SID, "wrong"), ("IRSOMEONEELSE", TOKEN)])
def test_missing_or_wrong_credentials_get_401_with_a_basic_challenge(sb: Sandbox, auth: tuple[str, str] | None) -> None:
    reply = call(sb.url, "GET", f"{BASE}/Actions", query={"CampaignId": "4636"}, auth=auth)
    assert reply.status == 401
    assert reply.headers["WWW-Authenticate"] == 'Basic realm="impact"'
    assert reply.json()["Status"] == "ERROR"
    assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(reply.headers)


def test_another_account_in_the_path_is_403(sb: Sandbox) -> None:
    reply = get(sb, "/Advertisers/IROTHER/Actions", CampaignId="4636")
    assert reply.status == 403 and reply.json()["Status"] == "ERROR"


def test_a_read_only_token_may_read_but_not_modify(sb: Sandbox) -> None:
    ro = (SID, "read-only")
    assert call(sb.url, "GET", f"{BASE}/Actions/1000.4636.158201", auth=ro).status == 200
    form = {"ActionId": "1000.4636.158201", "Amount": "84.50", "Reason": "ORDER_UPDATE"}
    for method, body in (("PUT", form), ("DELETE", {"ActionId": "1000.4636.158201", "DispositionCode": "OTHER"})):
        reply = call(sb.url, method, f"{BASE}/Actions", form=body, auth=ro)
        assert reply.status == 403
        assert reply.json() == {"Status": "ERROR", "Message": "This token may not modify actions"}
    assert sb.submissions.newest_first() == []


def test_json_only_when_accept_asks_for_it_otherwise_the_same_content_as_xml(sb: Sandbox) -> None:
    path = f"{BASE}/Actions/1000.4636.161043"
    as_json = call(sb.url, "GET", path, accept="application/json").json()
    for accept in (None, "*/*", "application/xml"):
        reply = call(sb.url, "GET", path, accept=accept)
        assert reply.status == 200 and reply.headers["Content-Type"].startswith("application/xml")
        assert reply.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?><ImpactRadiusResponse>')
        root = ET.fromstring(reply.body)
        assert {child.tag: child.text or "" for child in root} == as_json
    listing = ET.fromstring(call(sb.url, "GET", f"{BASE}/Actions", query={"CampaignId": "4636"}, accept=None).body)
    page = listing.find("Actions")
    assert page is not None and page.get("page") == "1" and page.get("nextpageuri") == ""
    assert len(page.findall("Action")) == int(page.get("total", "-1")) > 0


def test_an_action_has_the_documented_fields_as_strings(sb: Sandbox) -> None:
    action = get(sb, f"{BASE}/Actions/1000.4636.158201").json()
    assert list(action) == ["Id", "CampaignId", "CampaignName", "ActionTrackerId", "ActionTrackerName", "EventTypeId",
                            "MediaPartnerId", "MediaPartnerName", "State", "AdId", "Payout", "DeltaPayout",
                            "IntendedPayout", "Amount", "DeltaAmount", "IntendedAmount", "Currency", "ReferringDate",
                            "EventDate", "CreationDate", "LockingDate", "ClearedDate", "ReferringType", "Oid",
                            "PromoCode", "CustomerId", "CustomerStatus", "Note", "Uri"]
    assert all(isinstance(v, str) for v in action.values())
    assert (action["Amount"], action["Currency"], action["State"]) == ("99.00", "USD", "PENDING")
    assert action["Uri"] == f"{BASE}/Actions/1000.4636.158201"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d", action["CreationDate"])
    assert action["ClearedDate"] == ""


def test_unknown_ids_are_404_and_wrong_methods_405(sb: Sandbox) -> None:
    assert get(sb, f"{BASE}/Actions/1000.4636.1").status == 404
    assert get(sb, f"{BASE}/Actions/1000.4636.158401/Items/SKU-NOPE").status == 404
    assert get(sb, f"{BASE}/APISubmissions/A-nope").status == 404
    assert get(sb, f"{BASE}/Nothing").status == 404
    reply = call(sb.url, "POST", f"{BASE}/Actions", form={"ActionId": "1"})
    assert reply.status == 405 and reply.headers["Allow"] == "GET, PUT, DELETE"
    assert call(sb.url, "PUT", f"{BASE}/Actions/1000.4636.158201", form={"Reason": "X"}).status == 405


def test_items_one_item_and_their_pagination(sb: Sandbox) -> None:
    path = f"{BASE}/Actions/1000.4636.158403/Items"
    first = get(sb, path, PageSize="2").json()
    assert [i["Sku"] for i in first["Items"]] == ["SKU-3001", "SKU-3002"]
    assert (first["@total"], first["@numpages"]) == ("3", "2")
    second = call(sb.url, "GET", first["@nextpageuri"]).json()
    assert [i["Sku"] for i in second["Items"]] == ["SKU-3003"] and second["@nextpageuri"] == ""
    item = get(sb, f"{path}/SKU-3002").json()
    assert (item["Quantity"], item["SaleAmount"], item["Category"]) == ("2", "25.00", "Shirts")
    assert set(item) == {"Sku", "ItemName", "Category", "Quantity", "SaleAmount", "SaleAmountCurrency", "Payout",
                         "Rebate", "AdjustmentDate", "AdjustmentReason"}


# -- GET /Actions: pagination, filters, errors ---------------------------------------------------------------

def test_pages_are_strings_relative_and_followable_to_the_end(clock: Clock) -> None:
    with Sandbox(auth_token=TOKEN, now=clock, generated=4500, generated_days=5) as sb:
        page = actions(sb, PageSize="2000")
        assert page["@previouspageuri"] == "" and page["@page"] == "1"
        seen, pages = [], 0
        while True:
            pages += 1
            head = {k: v for k, v in page.items() if k.startswith("@")}
            assert set(head) == {"@page", "@numpages", "@pagesize", "@total", "@start", "@end", "@uri",
                                 "@firstpageuri", "@previouspageuri", "@nextpageuri", "@lastpageuri"}
            assert all(isinstance(v, str) for v in head.values())
            assert head["@uri"].startswith(f"{BASE}/Actions?CampaignId=4636&") and head["@uri"].endswith(
                f"PageSize=2000&Page={pages}")
            assert int(head["@start"]) == len(seen) and int(head["@end"]) == len(seen) + len(page["Actions"]) - 1
            seen += [a["Id"] for a in page["Actions"]]
            if not page["@nextpageuri"]:
                break
            assert page["@nextpageuri"].startswith("/Advertisers/")
            page = call(sb.url, "GET", page["@nextpageuri"]).json()
        assert pages == int(page["@numpages"]) == 3
        assert len(seen) == len(set(seen)) == int(page["@total"]) > 4500
        assert page["@lastpageuri"] == page["@uri"] and page["@previouspageuri"].endswith("Page=2")


def test_actions_added_while_paging_shift_the_pages(clock: Clock) -> None:
    with Sandbox(auth_token=TOKEN, now=clock, generated=2500, generated_days=5) as sb:
        first = actions(sb, PageSize="2000")
        sb.store.add_action({"Oid": "LATE-1", "Amount": "10.00"})
        second = call(sb.url, "GET", first["@nextpageuri"]).json()
        assert second["Actions"][0]["Id"] == first["Actions"][-1]["Id"]  # the newest created went on top
        assert actions(sb, PageSize="2000")["Actions"][0]["Oid"] == "LATE-1"


def test_newest_created_first(sb: Sandbox, clock: Clock) -> None:
    listed = actions(sb, **window(START - timedelta(days=40), START + timedelta(days=1)))["Actions"]
    keys = [(datetime.fromisoformat(a["CreationDate"]), tuple(int(p) for p in a["Id"].split("."))) for a in listed]
    assert keys == sorted(keys, reverse=True) and len(keys) == len(sb.store)
    twice = [a["Id"] for a in listed if a["Oid"] == "PF-TWICE"]
    assert twice == ["1000.4636.170006", "1000.4636.170005"]


def test_without_dates_the_past_seven_days_of_last_updated(sb: Sandbox) -> None:
    inside = sb.store.add_action({"Oid": "IN", "CreationDate": "-8", "UpdatedDate": (START - timedelta(days=7)).isoformat()})
    outside = sb.store.add_action({"Oid": "OUT", "CreationDate": "-8",
                                   "UpdatedDate": (START - timedelta(days=7, seconds=1)).isoformat()})
    default = {a["Id"] for a in actions(sb)["Actions"]}
    assert inside in default and outside not in default
    explicit = {a["Id"] for a in actions(sb, **window(START - timedelta(days=7), START + timedelta(seconds=1)))["Actions"]}
    assert default == explicit
    assert "1000.4636.170006" in default and "1000.4636.170005" not in default  # updated 3 and 20 days ago
    recent = {i for i in sb.store.ids() if sb.store.updated_at(i) >= START - timedelta(days=7)}
    assert default == recent


def test_filters_state_event_and_locking_dates(sb: Sandbox) -> None:
    wide = window(START - timedelta(days=40), START + timedelta(days=1))
    reversed_ = actions(sb, State="REVERSED", **wide)["Actions"]
    assert [a["Oid"] for a in reversed_] == ["PF-REVERSED"]
    approved = {a["Oid"] for a in actions(sb, State="APPROVED", **wide)["Actions"]}
    assert approved == {"PF-LOCKED", "PF-LOCKPASSED"}
    event = actions(sb, ActionDateStart=(START - timedelta(days=2, hours=1)).isoformat(),
                    ActionDateEnd=(START - timedelta(days=1, hours=23)).isoformat())["Actions"]
    assert {a["Oid"] for a in event} == {"ORD-0100251", "ORD-0100250"}  # EventDate exactly 2 days back
    locking = actions(sb, LockingDateStart=(START - timedelta(days=3)).isoformat(),
                      LockingDateEnd=(START - timedelta(days=1)).isoformat())["Actions"]
    assert [a["Oid"] for a in locking] == ["PF-LOCKPASSED"]
    other = get(sb, f"{BASE}/Actions", **{**wide, "CampaignId": "9999"})  # not the account's campaign: a 400
    assert other.status == 400 and other.json()["Errors"] == [{"Field": "CampaignId", "Message": "unknown campaign"}]


def test_windows_are_half_open(sb: Sandbox) -> None:
    at = sb.store.updated_at("1000.4636.158201")
    assert "1000.4636.158201" in {a["Id"] for a in actions(sb, **window(at, at + timedelta(hours=1)))["Actions"]}
    assert "1000.4636.158201" not in {a["Id"] for a in actions(sb, **window(at - timedelta(hours=1), at))["Actions"]}


@pytest.mark.parametrize(("query", "field"), [
    ({}, "CampaignId"),
    ({"CampaignId": "4636", "StartDate": "2026-11-01T00:00:00Z"}, "EndDate"),
    ({"CampaignId": "4636", "EndDate": "2026-11-01T00:00:00Z"}, "StartDate"),
    ({"CampaignId": "4636", "ActionDateStart": "2026-11-01T00:00:00Z"}, "ActionDateEnd"),
    ({"CampaignId": "4636", "LockingDateEnd": "2026-11-01T00:00:00Z"}, "LockingDateStart"),
    ({"CampaignId": "4636", "StartDate": "2026-10-01T00:00:00Z", "EndDate": "2026-11-15T00:00:01Z"}, "EndDate"),
    ({"CampaignId": "4636", "StartDate": "2023-11-30T00:00:00Z", "EndDate": "2023-12-02T00:00:00Z"}, "StartDate"),
    ({"CampaignId": "4636", "StartDate": "2026-11-13T00:00:00", "EndDate": "2026-11-14T00:00:00Z"}, "StartDate"),
    ({"CampaignId": "4636", "StartDate": "2026-13-01T00:00:00Z", "EndDate": "2026-11-14T00:00:00Z"}, "StartDate"),
    ({"CampaignId": "4636", "StartDate": "2026-11-14T00:00:00Z", "EndDate": "2026-11-13T00:00:00Z"}, "EndDate"),
    ({"CampaignId": "4636", "PageSize": "1999"}, "PageSize"),
    ({"CampaignId": "4636", "PageSize": "20001"}, "PageSize"),
    ({"CampaignId": "4636", "PageSize": "lots"}, "PageSize"),
    ({"CampaignId": "4636", "Page": "0"}, "Page"),
    ({"CampaignId": "4636", "State": "pending"}, "State"),
], ids=["no-campaign", "start-alone", "end-alone", "action-date-alone", "locking-alone", "over-45-days",
        "over-3-years", "no-offset", "bad-date", "end-before-start", "page-size-small", "page-size-big",
        "page-size-text", "page-0", "state-case"])
def test_bad_parameters_are_400_naming_the_field(sb: Sandbox, query: dict, field: str) -> None:
    reply = call(sb.url, "GET", f"{BASE}/Actions", query=query)
    assert reply.status == 400, reply.body
    body = reply.json()
    assert body["Status"] == "ERROR" and field in [e["Field"] for e in body["Errors"]], body


def test_the_limits_themselves_are_accepted(sb: Sandbox) -> None:
    assert actions(sb, StartDate="2026-10-01T00:00:00-08:00", EndDate="2026-11-15T00:00:00-08:00")["@total"]
    assert actions(sb, StartDate="2023-12-02T00:00:00Z", EndDate="2023-12-03T00:00:00Z")["@total"] == "0"
    assert actions(sb, PageSize="2000")["@pagesize"] == "2000"
    assert actions(sb)["@pagesize"] == "20000"


def test_a_raw_plus_in_an_offset_gets_a_hint(sb: Sandbox) -> None:
    reply = call(sb.url, "GET", f"{BASE}/Actions?CampaignId=4636&StartDate=2026-11-01T00:00:00+01:00"
                                "&EndDate=2026-11-02T00:00:00%2B01:00")
    assert reply.status == 400 and "%2B" in reply.json()["Message"]


def test_more_than_ten_pages_of_matches_is_400_until_narrowed(clock: Clock) -> None:
    with Sandbox(auth_token=TOKEN, now=clock, generated=20_100, generated_days=6) as sb:
        reply = get(sb, f"{BASE}/Actions", CampaignId="4636", PageSize="2000")
        assert reply.status == 400 and "narrow" in reply.json()["Message"]
        assert int(actions(sb, PageSize="2000", State="REVERSED")["@total"]) > 1000


# -- the rate limit ----------------------------------------------------------------------------------------

def test_429_after_the_budget_with_headers_until_the_window_ends(clock: Clock) -> None:
    with Sandbox(auth_token=TOKEN, now=clock, rate=(5, 60.0)) as sb:
        remaining = []
        for _ in range(5):
            reply = get(sb, f"{BASE}/Actions/1000.4636.158201")
            assert reply.status == 200
            remaining.append(reply.headers["X-RateLimit-Remaining"])
            assert reply.headers["X-RateLimit-Limit"] == "5"
        assert remaining == ["4", "3", "2", "1", "0"]
        clock.advance(seconds=20)
        over = get(sb, f"{BASE}/Actions/1000.4636.158201")
        assert over.status == 429 and over.json() == {"Status": "ERROR", "Message": "Too many requests"}
        assert (over.headers["X-RateLimit-Remaining"], over.headers["X-RateLimit-Reset"]) == ("0", "40")
        assert "Retry-After" not in over.headers
        clock.advance(seconds=39)
        assert get(sb, f"{BASE}/Actions/1000.4636.158201").status == 429  # a 429 moved nothing
        clock.advance(seconds=1)
        again = get(sb, f"{BASE}/Actions/1000.4636.158201")
        assert again.status == 200 and again.headers["X-RateLimit-Remaining"] == "4"
        assert again.headers["X-RateLimit-Reset"] == "60"


def test_failed_auth_also_spends_the_budget_and_carries_the_headers(clock: Clock) -> None:
    with Sandbox(auth_token=TOKEN, now=clock, rate=(2, 60.0)) as sb:
        assert call(sb.url, "GET", f"{BASE}/Actions", auth=None).headers["X-RateLimit-Remaining"] == "1"
        assert get(sb, f"{BASE}/Actions/1000.4636.158201").headers["X-RateLimit-Remaining"] == "0"
        assert call(sb.url, "GET", f"{BASE}/Actions", auth=None).status == 429


def test_reset_as_a_unix_timestamp(clock: Clock) -> None:
    with Sandbox(auth_token=TOKEN, now=clock, rate=(5, 60.0), reset_style="timestamp") as sb:
        get(sb, f"{BASE}/Actions/1000.4636.158201")
        clock.advance(seconds=10)
        reply = get(sb, f"{BASE}/Actions/1000.4636.158201")
        assert reply.headers["X-RateLimit-Reset"] == str(int((START + timedelta(seconds=60)).timestamp()))


# -- PUT / DELETE and submissions ---------------------------------------------------------------------------

def put(sb: Sandbox, **form: str) -> Reply:
    return call(sb.url, "PUT", f"{BASE}/Actions", form=form)


def delete(sb: Sandbox, **form: str) -> Reply:
    return call(sb.url, "DELETE", f"{BASE}/Actions", form=form)


def submission(sb: Sandbox, reply: Reply) -> dict:
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["Status"] == "QUEUED"
    assert re.fullmatch(rf"{BASE}/APISubmissions/A-[0-9a-f]{{8}}-[0-9a-f-]{{27}}", body["QueuedUri"])
    return call(sb.url, "GET", body["QueuedUri"]).json()


def poll(sb: Sandbox, sub: dict) -> dict:
    return get(sb, f"{BASE}/APISubmissions/{sub['BatchId']}").json()


def test_a_modification_goes_queued_in_progress_complete_and_applies_once(sb: Sandbox, clock: Clock) -> None:
    before = sb.store.updated_at("1000.4636.158201")
    sub = submission(sb, put(sb, ActionId="1000.4636.158201", Amount="84.50", Reason="ORDER_UPDATE"))
    assert (sub["Status"], sub["Type"], sub["CompletionDate"], sub["ErrorType"]) == ("Queued", "Modification", "", "")
    assert sub["Payload"] == "ActionId=1000.4636.158201&Amount=84.50&Reason=ORDER_UPDATE"
    assert get(sb, f"{BASE}/Actions/1000.4636.158201").json()["Amount"] == "99.00"
    clock.advance(seconds=1.5)
    assert poll(sb, sub)["Status"] == "In Progress"
    assert get(sb, f"{BASE}/Actions/1000.4636.158201").json()["Amount"] == "99.00"
    clock.advance(seconds=1.5)
    done = poll(sb, sub)
    assert (done["Status"], done["ErrorType"], done["ErrorReason"]) == ("Complete", "", "")
    assert datetime.fromisoformat(done["CompletionDate"]) == START + timedelta(seconds=3)
    action = get(sb, f"{BASE}/Actions/1000.4636.158201").json()
    assert (action["Amount"], action["DeltaAmount"], action["IntendedAmount"]) == ("84.50", "-14.50", "99.00")
    updated = sb.store.updated_at("1000.4636.158201")
    assert updated == START + timedelta(seconds=3) > before
    clock.advance(hours=1)
    get(sb, f"{BASE}/Actions/1000.4636.158201")
    sb.settle()
    assert sb.store.updated_at("1000.4636.158201") == updated  # applied once, not again
    later = actions(sb, **window(START, START + timedelta(hours=2)))["Actions"]
    assert [a["Id"] for a in later] == ["1000.4636.158201"]


def test_a_relative_change_applies_exactly_once(sb: Sandbox, clock: Clock) -> None:
    submission(sb, put(sb, ActionId="1000.4636.158204", ItemSubTotalDelta="-10.00", Reason="ORDER_UPDATE"))
    clock.advance(seconds=5)
    for _ in range(3):
        assert get(sb, f"{BASE}/Actions/1000.4636.158204").json()["Amount"] == "290.00"
    sb.settle()
    assert sb.store.get("1000.4636.158204")["Amount"] == "290.00"


def test_a_submission_applies_even_when_nobody_polls(sb: Sandbox, clock: Clock) -> None:
    put(sb, ActionTrackerId="2240", OrderId="ORD-0100245", Amount="120.00", CustomerStatus="EXISTING",
        Reason="ORDER_UPDATE")
    clock.advance(seconds=10)
    action = get(sb, f"{BASE}/Actions/1000.4636.158202").json()  # any later request applies what is due
    assert (action["Amount"], action["CustomerStatus"]) == ("120.00", "EXISTING")


def test_settle_applies_every_queued_submission_at_once(sb: Sandbox) -> None:
    put(sb, ActionId="1000.4636.158203", Amount="19.99", CurrencyCode="EUR", Reason="ITEM_RETURNED")
    assert sb.store.get("1000.4636.158203")["Amount"] == "39.98"
    assert sb.settle() == 1
    assert sb.store.get("1000.4636.158203")["Amount"] == "19.99"
    assert sb.settle() == 0


def test_order_id_reaches_the_newest_created_action(sb: Sandbox) -> None:
    sub = submission(sb, put(sb, ActionTrackerId="2240", OrderId="PF-TWICE", Amount="1.00", Reason="ORDER_UPDATE"))
    assert (sub["ActionId"], sub["OrderId"], sub["ActionTrackerId"]) == ("", "PF-TWICE", "2240")
    sb.settle()
    assert sb.store.get("1000.4636.170006")["Amount"] == "1.00"
    assert sb.store.get("1000.4636.170005")["Amount"] == "25.00"
    assert poll(sb, sub)["ActionId"] == "1000.4636.170006"  # once complete, the action it reached


def test_item_modifications_set_the_items_and_the_order_total(sb: Sandbox) -> None:
    sub = submission(sb, put(sb, ActionId="1000.4636.158401", Sku="SKU-1001", Amount="39.98", Quantity="2",
                             Category="Shoes", Sku2="SKU-1002", Amount2="0", Quantity2="0", Reason="ITEM_RETURNED"))
    sb.settle()
    assert poll(sb, sub)["ErrorReason"] == ""
    items = {i["Sku"]: i for i in get(sb, f"{BASE}/Actions/1000.4636.158401/Items").json()["Items"]}
    assert (items["SKU-1001"]["Quantity"], items["SKU-1001"]["SaleAmount"]) == ("2", "39.98")
    assert (items["SKU-1002"]["Quantity"], items["SKU-1002"]["SaleAmount"]) == ("0", "0.00")
    assert items["SKU-1002"]["AdjustmentReason"] == "ITEM_RETURNED" and items["SKU-1002"]["AdjustmentDate"]
    action = sb.store.get("1000.4636.158401")
    assert (action["Amount"], action["DeltaAmount"], action["State"]) == ("39.98", "-29.98", "PENDING")


def test_amount_zero_on_a_non_zero_action_reverses_it(sb: Sandbox) -> None:
    put(sb, ActionId="1000.4636.158301", Amount="0", Reason="ITEM_RETURNED")
    put(sb, ActionId="1000.4636.170004", Amount="0", Reason="ORDER_UPDATE")  # already 0: a modification
    sb.settle()
    assert (sb.store.get("1000.4636.158301")["State"], sb.store.get("1000.4636.158301")["Amount"]) == ("REVERSED", "0.00")
    assert sb.store.get("1000.4636.170004")["State"] == "PENDING"


def test_a_reversal_reverses_the_whole_action(sb: Sandbox) -> None:
    sub = submission(sb, delete(sb, ActionTrackerId="2240", OrderId="ORD-0100246", DispositionCode="CONS_FRAUD"))
    assert sub["Type"] == "Reversal" and sub["Payload"] == "ActionTrackerId=2240&OrderId=ORD-0100246&DispositionCode=CONS_FRAUD"
    sb.settle()
    action = sb.store.get("1000.4636.158302")
    assert (action["State"], action["Amount"], action["DeltaAmount"], action["Payout"]) == (
        "REVERSED", "0.00", "-210.00", "0.00")


@pytest.mark.parametrize("code", DISPOSITIONS)
def test_every_documented_disposition_code_is_queued(sb: Sandbox, code: str) -> None:
    assert delete(sb, ActionId="1000.4636.158303", DispositionCode=code).json()["Status"] == "QUEUED"


@pytest.mark.parametrize(("form", "field"), [
    ({"ActionId": "1000.4636.158303"}, "DispositionCode"),
    ({"ActionId": "1000.4636.158303", "DispositionCode": "ORDER_UPDATE"}, "DispositionCode"),
    ({"ActionId": "1000.4636.158303", "DispositionCode": "item_returned"}, "DispositionCode"),
    ({"DispositionCode": "OTHER"}, "ActionId"),
    ({"ActionId": "1000.4636.158303", "DispositionCode": "OTHER", "Amount": "0"}, "Amount"),
], ids=["no-code", "batch-reason", "lower-case", "no-id", "amount"])
def test_bad_reversals_are_400_at_once(sb: Sandbox, form: dict, field: str) -> None:
    reply = delete(sb, **form)
    assert reply.status == 400 and field in [e["Field"] for e in reply.json()["Errors"]]
    assert sb.submissions.newest_first() == []


@pytest.mark.parametrize(("form", "field"), [
    ({"ActionId": "1000.4636.158201", "Amount": "84.50"}, "Reason"),
    ({"Amount": "84.50", "Reason": "ORDER_UPDATE"}, "ActionId"),
    ({"OrderId": "ORD-0100245", "Amount": "1", "Reason": "ORDER_UPDATE"}, "ActionTrackerId"),
    ({"ActionId": "1000.4636.158201", "Amount": "84,50", "Reason": "ORDER_UPDATE"}, "Amount"),
    ({"ActionId": "1000.4636.158201", "Amount": "-1", "Reason": "ORDER_UPDATE"}, "Amount"),
    ({"ActionId": "1000.4636.158201", "Amount": "1.234", "Reason": "ORDER_UPDATE"}, "Amount"),
    ({"ActionId": "1000.4636.158201", "Amount": "1000000", "Reason": "ORDER_UPDATE"}, "Amount"),
    ({"ActionId": "1000.4636.158401", "Sku": "SKU-1001", "Quantity": "2", "Reason": "ITEM_RETURNED"}, "Amount"),
    ({"ActionId": "1000.4636.158401", "Sku": "SKU-1001", "Amount": "1", "Quantity": "1.5", "Reason": "X"}, "Quantity"),
    ({"ActionId": "1000.4636.158401", "Amount3": "1", "Reason": "ITEM_RETURNED"}, "Sku3"),
    ({"ActionId": "1000.4636.158401", "Sku1": "SKU-1001", "Reason": "ITEM_RETURNED"}, "Sku1"),
    ({"ActionId": "1000.4636.158201", "CurrencyCode": "XYZ", "Reason": "ORDER_UPDATE"}, "CurrencyCode"),
    ({"ActionId": "12,5", "Amount": "1", "Reason": "ORDER_UPDATE"}, "ActionId"),
], ids=["no-reason", "no-id", "order-without-tracker", "decimal-comma", "negative", "three-places", "too-big",
        "quantity-without-amount", "fractional-quantity", "group-without-sku", "numbered-first", "currency",
        "action-id"])
def test_bad_modifications_are_400_at_once(sb: Sandbox, form: dict, field: str) -> None:
    reply = put(sb, **form)
    assert reply.status == 400, reply.body
    assert field in [e["Field"] for e in reply.json()["Errors"]], reply.json()
    assert sb.submissions.newest_first() == []


def test_write_bodies_must_be_form_encoded(sb: Sandbox) -> None:
    body = json.dumps({"ActionId": "1000.4636.158201", "Amount": "84.50", "Reason": "ORDER_UPDATE"}).encode()
    for content_type in ("application/json", FORM):
        reply = call(sb.url, "PUT", f"{BASE}/Actions", body=body, content_type=content_type)
        assert reply.status == 400 and "form-encoded" in reply.json()["Message"]
    assert sb.submissions.newest_first() == []


@pytest.mark.parametrize(("form", "error"), [
    ({"ActionId": "1000.4636.999999", "Amount": "1.00", "Reason": "ORDER_UPDATE"}, ("Validation", "ACTION_REF_NOT_FOUND")),
    ({"ActionTrackerId": "2240", "OrderId": "NOPE", "Amount": "1.00", "Reason": "ORDER_UPDATE"},
     ("Validation", "ACTION_REF_NOT_FOUND")),
    ({"ActionTrackerId": "2240", "OrderId": "PF-TRACKER", "Amount": "1.00", "Reason": "ORDER_UPDATE"},
     ("Validation", "ACTION_REF_NOT_FOUND")),
    ({"ActionId": "1000.4636.170007", "Sku": "SKU-MISSING", "Amount": "1.00", "Reason": "ITEM_RETURNED"},
     ("Validation", "NO_ITEM")),
    ({"ActionId": "1000.4636.170001", "Amount": "1.00", "Reason": "ORDER_UPDATE"}, ("Contract Error", "NO_VALID_ACTION_REF")),
    ({"ActionId": "1000.4636.170002", "Amount": "1.00", "Reason": "ORDER_UPDATE"}, ("Contract Error", "NO_VALID_ACTION_REF")),
    ({"ActionId": "1000.4636.170003", "Amount": "1.00", "Reason": "ORDER_UPDATE"}, ("Validation", "NO_VALID_ACTION_REF")),
], ids=["unknown-id", "unknown-order", "wrong-tracker", "no-item", "approved", "locking-passed", "reversed"])
def test_what_cannot_apply_completes_with_an_error_and_changes_nothing(sb: Sandbox, clock: Clock, form: dict,
                                                                      error: tuple[str, str]) -> None:
    target = form.get("ActionId") if form.get("ActionId") in sb.store else None
    before = (sb.store.get(target), sb.store.updated_at(target)) if target else None
    sub = submission(sb, put(sb, **form))
    assert sub["Status"] == "Queued"  # accepted first: existence is decided later
    clock.advance(seconds=3)
    done = poll(sb, sub)
    assert (done["Status"], done["ErrorType"], done["ErrorReason"]) == ("Complete", *error)
    if target:
        assert (sb.store.get(target), sb.store.updated_at(target)) == before


def test_a_passed_locking_date_reads_approved_without_an_update(sb: Sandbox, clock: Clock) -> None:
    passed = get(sb, f"{BASE}/Actions/1000.4636.170002").json()
    assert passed["State"] == "APPROVED"
    new = sb.store.add_action({"Oid": "LOCKS-SOON", "Amount": "10.00", "LockingDate": "1"})
    created = sb.store.updated_at(new)
    assert get(sb, f"{BASE}/Actions/{new}").json()["State"] == "PENDING"
    clock.advance(days=2)
    assert get(sb, f"{BASE}/Actions/{new}").json()["State"] == "APPROVED"
    assert sb.store.updated_at(new) == created
    assert new not in {a["Id"] for a in actions(sb, **window(START + timedelta(seconds=1), clock.now))["Actions"]}
    assert new in {a["Id"] for a in actions(sb, State="APPROVED", **window(START, clock.now))["Actions"]}
    put(sb, ActionId=new, Amount="5.00", Reason="ORDER_UPDATE")
    sb.settle()
    assert sb.store.get(new)["Amount"] == "10.00"


def test_touch_moves_last_updated_and_add_action_takes_defaults(sb: Sandbox, clock: Clock) -> None:
    clock.advance(days=1)
    sb.store.touch("1000.4636.160003", Amount="100.00", Note="changed by the platform")
    assert sb.store.updated_at("1000.4636.160003") == clock.now
    assert sb.store.get("1000.4636.160003")["Amount"] == "100.00"
    new = sb.store.add_action({"Oid": "X-1"}, [{"Sku": "A", "SaleAmount": "2.50"}, {"Sku": "B", "SaleAmount": "1.25"}])
    fields = sb.store.get(new)
    assert (fields["Amount"], fields["State"], fields["CampaignId"], fields["ActionTrackerId"]) == (
        "3.75", "PENDING", "4636", "2240")
    with pytest.raises(ValueError, match="Amount"):
        sb.store.touch(new, Amount="1,00")
    assert sb.store.get(new)["Amount"] == "3.75"


# -- faults ------------------------------------------------------------------------------------------------

def test_truncate_sends_less_than_the_content_length(sb: Sandbox) -> None:
    sb.faults.truncate(path_contains="/Actions/1000.4636.158201")
    with pytest.raises(http.client.IncompleteRead) as caught:
        get(sb, f"{BASE}/Actions/1000.4636.158201")
    assert 0 < len(caught.value.partial) < len(get(sb, f"{BASE}/Actions/1000.4636.158201").body)
    assert get(sb, f"{BASE}/Actions/1000.4636.158201").status == 200  # consumed


def test_xml_fault_answers_xml_although_json_was_asked(sb: Sandbox) -> None:
    sb.faults.xml()
    reply = get(sb, f"{BASE}/Actions/1000.4636.158201")
    assert reply.headers["Content-Type"].startswith("application/xml") and reply.body.startswith(b"<?xml")
    assert get(sb, f"{BASE}/Actions/1000.4636.158201").json()["Id"] == "1000.4636.158201"


def test_a_dropped_answer_still_applies_the_change(sb: Sandbox) -> None:
    sb.faults.drop_after_apply()
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        put(sb, ActionId="1000.4636.158304", Amount="0", Reason="TEST_ACTION")
    assert sb.requests[-1].status == 0 and sb.requests[-1].form["ActionId"] == "1000.4636.158304"
    assert len(sb.submissions.newest_first()) == 1
    sb.settle()
    assert sb.store.get("1000.4636.158304")["State"] == "REVERSED"


def test_stall_sleeps_before_answering(sb: Sandbox) -> None:
    sb.faults.stall(0.4)
    began = time.monotonic()
    assert get(sb, f"{BASE}/Actions/1000.4636.158201").status == 200
    assert time.monotonic() - began >= 0.4
    began = time.monotonic()
    get(sb, f"{BASE}/Actions/1000.4636.158201")
    assert time.monotonic() - began < 0.4


def test_a_storm_answers_429_whatever_the_budget(clock: Clock) -> None:
    with Sandbox(auth_token=TOKEN, now=clock, rate=(5, 60.0)) as sb:
        sb.faults.storm(2)
        for _ in range(2):
            reply = get(sb, f"{BASE}/Actions/1000.4636.158201")
            assert reply.status == 429
            assert (reply.headers["X-RateLimit-Remaining"], reply.headers["X-RateLimit-Reset"]) == ("0", "1")
        reply = get(sb, f"{BASE}/Actions/1000.4636.158201")
        assert reply.status == 200 and reply.headers["X-RateLimit-Remaining"] == "4"


def test_fail_answers_the_status_on_matching_paths_only(sb: Sandbox) -> None:
    sb.faults.fail(503, times=2, path_contains="/Items")
    assert get(sb, f"{BASE}/Actions/1000.4636.158401").status == 200
    for _ in range(2):
        reply = get(sb, f"{BASE}/Actions/1000.4636.158401/Items")
        assert reply.status == 503 and reply.json()["Status"] == "ERROR"
        assert "X-RateLimit-Remaining" in reply.headers
    assert get(sb, f"{BASE}/Actions/1000.4636.158401/Items").status == 200


def test_submissions_are_listed_newest_first(sb: Sandbox) -> None:
    first = put(sb, ActionId="1000.4636.158201", Amount="80.00", Reason="ORDER_UPDATE").json()["QueuedUri"]
    second = delete(sb, ActionId="1000.4636.158301", DispositionCode="OTHER").json()["QueuedUri"]
    listed = get(sb, f"{BASE}/APISubmissions", PageSize="1").json()
    assert [s["BatchId"] for s in listed["APISubmissions"]] == [second.rsplit("/", 1)[1]]
    assert listed["@total"] == "2" and listed["@nextpageuri"].endswith("Page=2")
    rest = call(sb.url, "GET", listed["@nextpageuri"]).json()["APISubmissions"]
    assert [s["BatchId"] for s in rest] == [first.rsplit("/", 1)[1]]


def test_the_request_log_keeps_every_request_in_order(sb: Sandbox) -> None:
    get(sb, f"{BASE}/Actions", CampaignId="4636")
    put(sb, ActionId="1000.4636.158201", Reason="ORDER_UPDATE", Amount="1")
    call(sb.url, "GET", f"{BASE}/Actions", auth=None)
    logged = [(r.method, r.path, r.query, r.form, r.status) for r in sb.requests]
    assert logged == [("GET", f"{BASE}/Actions", {"CampaignId": "4636"}, {}, 200),
                      ("PUT", f"{BASE}/Actions", {}, {"ActionId": "1000.4636.158201", "Reason": "ORDER_UPDATE",
                                                      "Amount": "1"}, 200),
                      ("GET", f"{BASE}/Actions", {}, {}, 401)]


def test_keep_alive_connections_serve_several_requests(sb: Sandbox) -> None:
    split = urlsplit(sb.url)
    conn = http.client.HTTPConnection(split.hostname, split.port, timeout=10)
    auth = {"Authorization": "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode(), "Accept": JSON}
    try:
        for _ in range(3):
            conn.request("GET", f"{BASE}/Actions/1000.4636.158201", headers=auth)
            assert conn.getresponse().read()
    finally:
        conn.close()
    assert len(sb.requests) == 3


# -- the seed and volume ------------------------------------------------------------------------------------

def _find(sb: Sandbox, record: dict[str, str]) -> dict[str, str]:
    if record.get("ActionId"):
        return sb.store.get(record["ActionId"])
    action = sb.store.find(record["ActionTrackerId"], record["OrderId"])
    assert action is not None, record
    return sb.store.get(action.Id)


def _skus(record: dict[str, str]) -> list[tuple[str, str]]:
    return [(record[k], record.get("Amount" + k[3:], "")) for k in record if re.fullmatch(r"Sku\d*", k) and record[k]]


def _check_covered(sb: Sandbox, path: Path) -> int:
    """Every record of a batch file names an open action of the seed, with its Skus; amounts never rise."""
    checked = 0
    with open(path, newline="") as fh:
        for record in csv.DictReader(fh):
            action = _find(sb, record)
            assert action["State"] == "PENDING" and action["ActionTrackerId"] == "2240", (path.name, record)
            skus = {i["Sku"]: i for i in sb.store.items(action["Id"])}
            for sku, amount in _skus(record):
                assert sku in skus, (path.name, record, sku)
                assert not amount or Decimal(amount) <= Decimal(skus[sku]["SaleAmount"])
            if not _skus(record) and record.get("Amount"):
                assert Decimal(record["Amount"]) <= Decimal(action["Amount"]) != 0
            checked += 1
    return checked


def test_the_seed_covers_every_record_of_the_sample_batch_files(sb: Sandbox) -> None:
    files = sorted((ROOT / "samples" / "batch").glob("*.csv"))
    assert len(files) == 4
    assert sum(_check_covered(sb, f) for f in files) == 13


def test_the_seed_covers_what_the_sample_exports_build(sb: Sandbox, tmp_path: Path) -> None:
    for sample, export in (("returns", "returns_export.csv"), ("shopify", "orders_export.csv")):
        folder = ROOT / "samples" / sample
        result = subprocess.run([sys.executable, "-m", "batchkit", "build", str(folder / export), "--config",
                                 str(folder / "batchkit.toml"), "--out", str(tmp_path / sample)],
                                capture_output=True, text=True, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    written = sorted(tmp_path.rglob("*.csv"))
    assert len(written) == 5
    assert sum(_check_covered(sb, f) for f in written) == 11
    assert sb.store.get("1000.4636.160001")["Amount"] == "98.90"  # the original total, not the corrected one
    assert sb.store.get("1000.4636.161045")["Amount"] == "12000"  # JPY: no decimals


def test_seeded_amounts_match_their_items(sb: Sandbox) -> None:
    for action_id in sb.store.ids():
        fields, items = sb.store.get(action_id), sb.store.items(action_id)
        if fields["State"] != "REVERSED" and items:
            assert Decimal(fields["Amount"]) == sum(Decimal(i["SaleAmount"]) for i in items), action_id


def test_the_pre_flight_actions_are_what_their_notes_say(sb: Sandbox) -> None:
    by_oid: dict[str, list[dict[str, str]]] = {}
    for action_id in sb.store.ids():
        fields = sb.store.get(action_id)
        if fields["Oid"].startswith("PF-"):
            by_oid.setdefault(fields["Oid"], []).append(fields)
            assert fields["Note"].startswith("pre-flight:")
    assert by_oid["PF-LOCKED"][0]["State"] == "APPROVED"
    assert by_oid["PF-LOCKPASSED"][0]["State"] == "APPROVED"
    assert sb.store.action("1000.4636.170002").State == "PENDING"  # as stored: only the reading says APPROVED
    assert by_oid["PF-REVERSED"][0]["State"] == "REVERSED"
    assert by_oid["PF-ZERO"][0]["Amount"] == "0.00"
    assert len(by_oid["PF-TWICE"]) == 2 and len({a["CreationDate"][:10] for a in by_oid["PF-TWICE"]}) == 2
    assert "SKU-MISSING" not in {i["Sku"] for i in sb.store.items(by_oid["PF-NOSKU"][0]["Id"])}
    assert by_oid["PF-TRACKER"][0]["ActionTrackerId"] == "3001"


def test_the_seed_is_found_from_the_source_tree() -> None:
    assert (seed_dir() / "actions.csv").is_file()


@pytest.mark.parametrize(("file", "text", "where"), [
    ("actions.csv", "Id,Oid,Amount\n1000.1.1,A,12;50\n", "actions.csv:2: Amount"),
    ("actions.csv", "Id,Oid,Bogus\n1000.1.1,A,x\n", "actions.csv:1: unknown column 'Bogus'"),
    ("actions.csv", "Id,Oid\n1000.1.1,A\n1000.1.1,B\n", "actions.csv:3: Id 1000.1.1 is given twice"),
    ("actions.csv", "Id,Oid,CreationDate\n1000.1.1,A,2026-11-01\n", "actions.csv:2: CreationDate"),
    ("actions.csv", "Id,Oid,State\n1000.1.1,A,OPEN\n", "actions.csv:2: State"),
    ("items.csv", "ActionId,Sku,SaleAmount\n1000.1.2,S,1\n", "items.csv:2: ActionId 1000.1.2 is not in actions.csv"),
    ("items.csv", "ActionId,Sku,Quantity\n1000.1.1,S,two\n", "items.csv:2: Quantity"),
], ids=["amount", "column", "twice", "naive-date", "state", "orphan-item", "quantity"])
def test_a_malformed_seed_is_a_config_error_naming_file_and_line(tmp_path: Path, file: str, text: str,
                                                                 where: str) -> None:
    (tmp_path / "account.toml").write_text('account_sid = "IRSANDBOXACME1"\n')
    (tmp_path / "actions.csv").write_text("Id,Oid\n1000.1.1,A\n")
    (tmp_path / "items.csv").write_text("ActionId,Sku\n")
    (tmp_path / file).write_text(text)
    with pytest.raises(ConfigError) as caught:
        Sandbox(auth_token=TOKEN, data=tmp_path)
    assert where in str(caught.value) and str(tmp_path) in str(caught.value)


def test_generated_volume_builds_quickly_and_looks_real(clock: Clock) -> None:
    began = time.monotonic()
    sb = Sandbox(auth_token=TOKEN, now=clock, generated=200_000)
    assert time.monotonic() - began < 10
    assert len(sb.store) == 200_000 + 33
    sample = [sb.store.action(f"1000.4636.{2_000_000 + n}") for n in range(0, 200_000, 997)]
    assert all(a is not None for a in sample)
    assert all(a.CreationDate <= a.updated and START - timedelta(days=90) <= a.updated <= START
               for a in sample if a is not None)
    counts = {len(a.items) for a in sample if a is not None}
    assert counts == {0, 1, 2, 3}
    assert all(isinstance(a.Amount, Decimal) for a in sample if a is not None)


# -- the command and the host ------------------------------------------------------------------------------

def test_the_sandbox_binds_loopback_only() -> None:
    sb = Sandbox(auth_token=TOKEN)
    for host in ("0.0.0.0", "localhost", "::"):
        with pytest.raises(ValueError, match="127.0.0.1"):
            sb.start(host=host)
    assert sb.start().startswith("http://127.0.0.1:")
    sb.stop()


@pytest.mark.parametrize("rate", ["fast", "0/10", "10/0", "10"])
def test_a_bad_rate_is_one_line_and_exit_2(runner, rate: str) -> None:
    from batchkit.cli.sandbox import sandbox

    result = runner.invoke(sandbox, ["--rate", rate, "--port", "0"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "--rate" in result.stderr


def test_a_port_in_use_is_one_line_and_exit_2(runner) -> None:
    from batchkit.cli.sandbox import sandbox

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = runner.invoke(sandbox, ["--port", str(taken.getsockname()[1])])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "in use" in result.stderr


def test_a_malformed_seed_folder_is_one_line_and_exit_2(runner, tmp_path: Path) -> None:
    from batchkit.cli.sandbox import sandbox

    (tmp_path / "account.toml").write_text("account_sid = \n")
    result = runner.invoke(sandbox, ["--data", str(tmp_path), "--port", "0"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "account.toml" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("given", [True, False], ids=["token-given", "token-made-up"])
def test_the_command_serves_until_sigterm_and_exits_0(tmp_path: Path, given: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k != "IMPACT_AUTH_TOKEN"}
    if given:
        env["IMPACT_AUTH_TOKEN"] = "cli-token"
    proc = subprocess.Popen([sys.executable, "-m", "batchkit.cli.sandbox", "--port", "0", "--rate", "20/10"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline() + proc.stdout.readline()
        match = re.fullmatch(r"sandbox: (http://127\.0\.0\.1:\d+) \(account IRSANDBOXACME1, campaign 4636, 33 actions, 10 inquiries\); "
                             r"to use it, paste into your shell:\n"
                             r"export BATCHKIT_API_URL=(\S+) IMPACT_ACCOUNT_SID=IRSANDBOXACME1 BATCHKIT_CAMPAIGN_ID=4636\n", line)
        assert match and match.group(1) == match.group(2), line
        token, printed = "cli-token", line
        if not given:
            printed += proc.stdout.readline()
            exported = re.fullmatch(r"export IMPACT_AUTH_TOKEN=(\S{20,})\n", printed.splitlines(True)[2])
            assert exported
            token = exported.group(1)
        reply = call(match.group(1), "GET", f"{BASE}/Actions/1000.4636.158201", auth=(SID, token))
        assert reply.status == 200 and reply.headers["X-RateLimit-Limit"] == "20"
        assert call(match.group(1), "GET", f"{BASE}/Actions/1000.4636.158201", auth=(SID, "guess")).status == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert ("IMPACT_AUTH_TOKEN" in printed + out) is not given


@pytest.mark.parametrize("kw", [{"rate": (0, 60.0)}, {"rate": (5, 0.0)}, {"reset_style": "minutes"},
                                {"process_seconds": -1}, {"auth_token": ""}, {"now": lambda: datetime(2026, 1, 1)}],
                         ids=["no-requests", "no-window", "reset-style", "negative-process", "no-token", "naive-clock"])
def test_bad_arguments_are_refused(kw: dict) -> None:
    with pytest.raises(ValueError):
        Sandbox(**{"auth_token": TOKEN, **kw})


def test_stop_closes_kept_alive_connections(sb: Sandbox) -> None:
    split = urlsplit(sb.url)
    conn = http.client.HTTPConnection(split.hostname, split.port, timeout=5)
    auth = {"Authorization": "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()}
    conn.request("GET", f"{BASE}/Actions/1000.4636.158201", headers=auth)
    assert conn.getresponse().read()
    sb.stop()
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, OSError)):
        conn.request("GET", f"{BASE}/Actions/1000.4636.158201", headers=auth)
        conn.getresponse().read()
    conn.close()
