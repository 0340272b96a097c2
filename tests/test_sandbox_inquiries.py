"""The sandbox's action inquiries (SPEC §6): GET ActionInquiries with its filters, GET ActionInquiries/{Id},
PUT ActionInquiries with the documented rules, and the seed's cases against the sample Shopify export.
Everything goes through a real socket with httpx; the clock is a fake the tests move."""

from __future__ import annotations

import csv
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from conftest_api import START, READER, Clock, clock, clocked_sandbox  # noqa: F401 (fixtures)

from batchkit.core.errors import ConfigError
from batchkit.core.inquiry import FIELDS, REASONS
from batchkit.sandbox import Sandbox, seed_dir
from batchkit.sandbox.actions.model import render_date

ROOT = Path(__file__).resolve().parent.parent
SID, TOKEN = "IRSANDBOXACME1", "tok"
BASE = f"/Advertisers/{SID}"
NEWEST_FIRST = ["500007", "500006", "500001", "500002", "500004", "500003", "500005", "500008", "500010", "500009"]
SERVED = {*FIELDS, "MediaPartnerName", "Currency", "Uri"}



@pytest.fixture
def sb(clocked_sandbox: Sandbox) -> Sandbox:
    return clocked_sandbox


def client(sb: Sandbox, token: str = TOKEN, accept: str | None = "application/json") -> httpx.Client:
    headers = {"Accept": accept} if accept else {}
    return httpx.Client(base_url=sb.url, auth=(SID, token), headers=headers, timeout=10)


def get(sb: Sandbox, path: str, **params: str) -> httpx.Response:
    with client(sb) as c:
        return c.get(f"{BASE}/{path}", params=params)


def listed(sb: Sandbox, **params: str) -> list[str]:
    """The Ids GET ActionInquiries gives (CampaignId 4636 unless given), in order."""
    reply = get(sb, "ActionInquiries", **{"CampaignId": "4636", **params})
    assert reply.status_code == 200, reply.text
    return [i["Id"] for i in reply.json()["ActionInquiries"]]


def put(sb: Sandbox, token: str = TOKEN, **form: str) -> httpx.Response:
    with client(sb, token) as c:
        return c.put(f"{BASE}/ActionInquiries", data=form)


def error_fields(reply: httpx.Response) -> list[str]:
    body = reply.json()
    assert body["Status"] == "ERROR" and body["Message"], body
    return [e["Field"] for e in body.get("Errors", [])]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def days(n: float) -> datetime:
    return START + timedelta(days=n)


# -- the list and its filters --------------------------------------------------------------------------------

def test_the_list_is_the_seed_newest_filed_first_every_field_a_string(sb: Sandbox) -> None:
    reply = get(sb, "ActionInquiries", CampaignId="4636")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/json")
    rows = reply.json()["ActionInquiries"]
    assert [r["Id"] for r in rows] == NEWEST_FIRST
    assert all(set(r) == SERVED and all(isinstance(v, str) for v in r.values()) for r in rows)
    by_id = {r["Id"]: r for r in rows}
    assert by_id["500006"]["TransactionAmount"] == "1500.00" and by_id["500006"]["Currency"] == "BDT"
    assert by_id["500010"]["TransactionAmount"] == "12000" and by_id["500010"]["FinalPayout"] == "0"  # JPY
    assert by_id["500006"]["TransactionDate"] == render_date(days(-10))
    assert by_id["500005"]["ResolutionDeadlineDate"] == render_date(days(2))
    assert by_id["500001"]["Uri"] == f"{BASE}/ActionInquiries/500001"
    assert "Note" not in by_id["500001"] and "SubmittedDate" not in by_id["500001"]


def test_campaign_id_is_required_and_filters(sb: Sandbox) -> None:
    reply = get(sb, "ActionInquiries")
    assert reply.status_code == 400 and error_fields(reply) == ["CampaignId"]
    other = sb.inquiries.add({"CampaignId": "9999", "OrderId": "#1041", "TransactionAmount": "5.00"})
    assert listed(sb, CampaignId="9999") == [other]
    assert other not in listed(sb) and len(listed(sb)) == 10


def test_filters_by_status_partner_and_order(sb: Sandbox) -> None:
    assert listed(sb, ResolutionStatus="DECLINED") == ["500010"]
    assert listed(sb, ResolutionStatus="VALID") == ["500009"]
    assert listed(sb, ResolutionStatus="UNRESOLVED") == [i for i in NEWEST_FIRST if i not in ("500009", "500010")]
    assert listed(sb, ResolutionStatus="INCOMPLETE") == []
    assert listed(sb, MediaPartnerId="34567") == ["500003", "500010"]
    assert listed(sb, OrderId="#1046") == ["500007", "500006"]
    assert listed(sb, OrderId="#1046", MediaPartnerId="12345") == ["500006"]
    assert listed(sb, OrderId="1046") == []  # exact, not a substring
    bad = get(sb, "ActionInquiries", CampaignId="4636", ResolutionStatus="PENDING")
    assert bad.status_code == 400 and error_fields(bad) == ["ResolutionStatus"]


def test_start_and_end_date_filter_on_the_last_change(sb: Sandbox, clock: Clock) -> None:
    # 500010 was filed 7 days ago and resolved 3 days ago: it counts as changed 3 days ago
    assert listed(sb, StartDate=iso(days(-3.5)), EndDate=iso(days(-2.5))) == ["500002", "500010"]
    assert listed(sb, StartDate=iso(days(-7.5)), EndDate=iso(days(-6.5))) == []
    assert listed(sb, StartDate=iso(days(-1)), EndDate=iso(days(1))) == ["500007", "500006"]
    assert listed(sb, StartDate=iso(days(-1)), EndDate=iso(days(-1) + timedelta(seconds=1))) == ["500007", "500006"]
    assert listed(sb, StartDate=iso(days(-1) + timedelta(seconds=1)), EndDate=iso(days(1))) == []  # [start, end)
    clock.advance(hours=5)
    assert put(sb, Id="500005", ResolutionStatus="DECLINED", RejectReason=REASONS[0]).status_code == 200
    assert listed(sb, StartDate=iso(clock.now - timedelta(minutes=1)), EndDate=iso(clock.now + timedelta(minutes=1))) \
        == ["500005"]


def test_transaction_date_filters_on_the_transaction_date(sb: Sandbox) -> None:
    assert listed(sb, TransactionDateStart=iso(days(-6.5)), TransactionDateEnd=iso(days(-5.5))) == ["500001"]
    assert listed(sb, TransactionDateStart=iso(days(-9.5)), TransactionDateEnd=iso(days(-8.5))) == ["500002"]
    ten_days_ago = listed(sb, TransactionDateStart=iso(days(-10.5)), TransactionDateEnd=iso(days(-9.5)))
    assert ten_days_ago == [i for i in NEWEST_FIRST if i not in ("500001", "500002")]  # the Shopify orders
    both = listed(sb, TransactionDateStart=iso(days(-10.5)), TransactionDateEnd=iso(days(-9.5)),
                  StartDate=iso(days(-4.5)), EndDate=iso(days(-3.5)))
    assert both == ["500004", "500003"]


@pytest.mark.parametrize(("given", "missing"), [({"StartDate": "2026-11-01T00:00:00Z"}, "EndDate"),
                                                ({"EndDate": "2026-11-01T00:00:00Z"}, "StartDate"),
                                                ({"TransactionDateStart": "2026-11-01T00:00:00Z"}, "TransactionDateEnd"),
                                                ({"TransactionDateEnd": "2026-11-01T00:00:00Z"}, "TransactionDateStart")])
def test_each_date_pair_is_given_together(sb: Sandbox, given: dict[str, str], missing: str) -> None:
    reply = get(sb, "ActionInquiries", CampaignId="4636", **given)
    assert reply.status_code == 400 and error_fields(reply) == [missing]


def test_bad_dates_and_ranges_are_400s(sb: Sandbox) -> None:
    backwards = get(sb, "ActionInquiries", CampaignId="4636", StartDate=iso(days(0)), EndDate=iso(days(-1)))
    assert backwards.status_code == 400 and error_fields(backwards) == ["EndDate"]
    naive = get(sb, "ActionInquiries", CampaignId="4636", TransactionDateStart="2026-11-01T00:00:00",
                TransactionDateEnd="2026-11-02T00:00:00Z")
    assert naive.status_code == 400 and error_fields(naive) == ["TransactionDateStart"]
    # no 45-day limit is documented for inquiries: a long span is fine
    assert len(listed(sb, StartDate=iso(days(-400)), EndDate=iso(days(1)))) == 10


def test_pages_with_the_envelope_as_strings(sb: Sandbox) -> None:
    seen, page, pages = [], 1, []
    while True:
        body = get(sb, "ActionInquiries", CampaignId="4636", PageSize="3", Page=str(page)).json()
        envelope = {k: v for k, v in body.items() if k.startswith("@")}
        assert all(isinstance(v, str) for v in envelope.values()) and len(envelope) == 11
        pages.append(envelope)
        seen += [r["Id"] for r in body["ActionInquiries"]]
        if not body["@nextpageuri"]:
            break
        assert body["@nextpageuri"].startswith(f"{BASE}/ActionInquiries?") and "Page=" in body["@nextpageuri"]
        page += 1
    assert seen == NEWEST_FIRST
    assert [p["@page"] for p in pages] == ["1", "2", "3", "4"]
    assert {(p["@total"], p["@numpages"], p["@pagesize"]) for p in pages} == {("10", "4", "3")}
    assert (pages[0]["@previouspageuri"], pages[0]["@start"], pages[0]["@end"]) == ("", "0", "2")
    assert (pages[3]["@start"], pages[3]["@end"]) == ("9", "9")
    bad = get(sb, "ActionInquiries", CampaignId="4636", PageSize="0")
    assert bad.status_code == 400 and error_fields(bad) == ["PageSize"]


def test_one_inquiry_and_404(sb: Sandbox) -> None:
    reply = get(sb, "ActionInquiries/500009")
    assert reply.status_code == 200
    one = reply.json()
    assert set(one) == SERVED
    assert (one["ResolutionStatus"], one["ActionId"], one["FinalPayout"]) == ("VALID", "1000.4636.161047", "8.00")
    missing = get(sb, "ActionInquiries/599999")
    assert missing.status_code == 404 and missing.json()["Status"] == "ERROR"
    assert get(sb, "ActionInquiries/500009/Items").status_code == 404


def test_xml_without_accept(sb: Sandbox) -> None:
    with client(sb, accept=None) as c:
        listing = c.get(f"{BASE}/ActionInquiries", params={"CampaignId": "4636", "PageSize": "2"})
        one = c.get(f"{BASE}/ActionInquiries/500010")
        answer = c.put(f"{BASE}/ActionInquiries", data={"Id": "500003", "ResolutionStatus": "INCOMPLETE"})
    assert listing.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(listing.content)
    assert root.tag == "ImpactRadiusResponse"
    block = root.find("ActionInquiries")
    assert block is not None and block.get("total") == "10" and block.get("numpages") == "5"
    assert [e.findtext("Id") for e in block.findall("ActionInquiry")] == NEWEST_FIRST[:2]
    assert ET.fromstring(one.content).findtext("RejectReason") == "This transaction has been tracked successfully"
    assert ET.fromstring(answer.content).findtext("Status") == "OK"


def test_other_methods_and_paths(sb: Sandbox) -> None:
    with client(sb) as c:
        delete = c.request("DELETE", f"{BASE}/ActionInquiries", data={"Id": "500001"})
        put_one = c.put(f"{BASE}/ActionInquiries/500001", data={"Id": "500001", "ResolutionStatus": "INCOMPLETE"})
    assert delete.status_code == 405 and delete.headers["Allow"] == "GET, PUT"
    assert put_one.status_code == 405 and put_one.headers["Allow"] == "GET"
    assert sb.inquiries.get("500001")["ResolutionStatus"] == "UNRESOLVED"


def test_auth_and_the_read_only_token(sb: Sandbox) -> None:
    with httpx.Client(base_url=sb.url, timeout=10) as c:
        assert c.get(f"{BASE}/ActionInquiries", params={"CampaignId": "4636"}).status_code == 401
    with client(sb, READER) as c:
        assert c.get(f"{BASE}/ActionInquiries/500001").status_code == 200
    refused = put(sb, READER, Id="500001", ResolutionStatus="INCOMPLETE")
    assert refused.status_code == 403 and sb.inquiries.get("500001")["ResolutionStatus"] == "UNRESOLVED"
    with client(sb) as c:
        assert c.get("/Advertisers/IROTHER/ActionInquiries", params={"CampaignId": "4636"}).status_code == 403


# -- PUT: the rules ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("form", "field"), [
    ({"ResolutionStatus": "INCOMPLETE"}, "Id"),
    ({"Id": "500001"}, "ResolutionStatus"),
    ({"Id": "500001", "ResolutionStatus": "UNRESOLVED"}, "ResolutionStatus"),
    ({"Id": "500001", "ResolutionStatus": "valid", "ActionTrackerId": "2240"}, "ResolutionStatus"),
    ({"Id": "500006", "ResolutionStatus": "VALID"}, "ActionTrackerId"),
    ({"Id": "500006", "ResolutionStatus": "VALID", "ActionTrackerId": "9999"}, "ActionTrackerId"),
    ({"Id": "500006", "ResolutionStatus": "VALID", "ActionTrackerId": "2240", "RejectReason": REASONS[8]},
     "RejectReason"),
    ({"Id": "500002", "ResolutionStatus": "DECLINED"}, "RejectReason"),
    ({"Id": "500002", "ResolutionStatus": "DECLINED", "RejectReason": "   "}, "RejectReason"),
    ({"Id": "500002", "ResolutionStatus": "DECLINED", "RejectReason": "Another marketing channel was credited with sale"},
     "RejectReason"),
    ({"Id": "500002", "ResolutionStatus": "DECLINED", "RejectReason": "transaction cannot be traced"}, "RejectReason"),
    ({"Id": "500002", "ResolutionStatus": "DECLINED", "RejectReason": "OTHER"}, "RejectReason"),
    ({"Id": "500001", "ResolutionStatus": "INCOMPLETE", "Reason": "x"}, "Reason"),
    ({"Id": "500001", "ResolutionStatus": "INCOMPLETE", "ItemSku": "x"}, "ItemSku"),
    ({"Id": "500001", "ResolutionStatus": "INCOMPLETE", "ItemSku0": "x"}, "ItemSku0"),
    ({"Id": "500001", "ResolutionStatus": "INCOMPLETE", "TransactionAmount": "12,50"}, "TransactionAmount"),
    ({"Id": "500001", "ResolutionStatus": "INCOMPLETE", "TransactionAmount": "1.234"}, "TransactionAmount"),
    ({"Id": "500001", "ResolutionStatus": "INCOMPLETE", "FinalPayout": "-1.00"}, "FinalPayout"),
    ({"Id": "500001", "ResolutionStatus": "INCOMPLETE", "TransactionDate": "yesterday"}, "TransactionDate"),
    ({"Id": "500006", "ResolutionStatus": "VALID", "ActionTrackerId": "2240", "ItemQty1": "1"}, "ItemSku1"),
    ({"Id": "500006", "ResolutionStatus": "VALID", "ActionTrackerId": "2240", "ItemSku1": "A", "ItemQty1": "1.5"},
     "ItemQty1"),
    ({"Id": "500006", "ResolutionStatus": "VALID", "ActionTrackerId": "2240", "ItemSku2": "A", "ItemSubtotal2": "x"},
     "ItemSubtotal2"),
])
def test_a_bad_resolution_is_a_400_naming_the_field_and_changes_nothing(sb: Sandbox, form: dict[str, str],
                                                                        field: str) -> None:
    before = {i: sb.inquiries.get(i) for i in sb.inquiries.ids()}
    actions = len(sb.store)
    reply = put(sb, **form)
    assert reply.status_code == 400, reply.text
    assert error_fields(reply) == [field]
    assert {i: sb.inquiries.get(i) for i in sb.inquiries.ids()} == before and len(sb.store) == actions


@pytest.mark.parametrize("reason", REASONS)
def test_each_of_the_nine_reasons_declines(sb: Sandbox, clock: Clock, reason: str) -> None:
    clock.advance(hours=1)
    reply = put(sb, Id="500002", ResolutionStatus="DECLINED", RejectReason=reason, ResolutionNotes="checked")
    assert reply.status_code == 200 and reply.json() == {"Status": "OK", "Uri": f"{BASE}/ActionInquiries/500002"}
    got = get(sb, "ActionInquiries/500002").json()
    assert (got["ResolutionStatus"], got["RejectReason"], got["ActionId"]) == ("DECLINED", reason, "")
    assert (got["FinalPayout"], got["ResolutionDate"]) == ("0.00", render_date(clock.now))


def test_repeated_json_and_unknown_bodies_are_refused(sb: Sandbox) -> None:
    with client(sb) as c:
        twice = c.put(f"{BASE}/ActionInquiries", content=b"Id=500001&Id=500002&ResolutionStatus=INCOMPLETE",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        as_json = c.put(f"{BASE}/ActionInquiries", json={"Id": "500001", "ResolutionStatus": "INCOMPLETE"})
    assert twice.status_code == 400 and error_fields(twice) == ["Id"]
    assert as_json.status_code == 400 and error_fields(as_json) == ["Content-Type"]
    unknown = put(sb, Id="599999", ResolutionStatus="INCOMPLETE")
    assert unknown.status_code == 404 and error_fields(unknown) == ["Id"]
    assert sb.inquiries.get("500001")["ResolutionStatus"] == "UNRESOLVED"


def test_an_inquiry_is_resolved_exactly_once(sb: Sandbox) -> None:
    for seeded in ("500009", "500010"):
        before = sb.inquiries.get(seeded)
        reply = put(sb, Id=seeded, ResolutionStatus="INCOMPLETE")
        assert reply.status_code == 400 and "already resolved" in reply.json()["Message"]
        assert error_fields(reply) == ["Id"] and sb.inquiries.get(seeded) == before
    first = put(sb, Id="500006", ResolutionStatus="VALID", ActionTrackerId="2240")
    actions = len(sb.store)
    again = put(sb, Id="500006", ResolutionStatus="VALID", ActionTrackerId="2240")
    assert first.status_code == 200 and again.status_code == 400 and len(sb.store) == actions
    assert [a for a in sb.store.ids() if sb.store.get(a)["Oid"] == "#1046"] == [sb.inquiries.get("500006")["ActionId"]]


def test_incomplete_needs_no_reason_but_takes_one(sb: Sandbox) -> None:
    assert put(sb, Id="500001", ResolutionStatus="INCOMPLETE").status_code == 200
    assert sb.inquiries.get("500001")["ResolutionStatus"] == "INCOMPLETE"
    assert put(sb, Id="500004", ResolutionStatus="INCOMPLETE", RejectReason=REASONS[7]).status_code == 200
    assert sb.inquiries.get("500004")["RejectReason"] == REASONS[7]
    assert listed(sb, ResolutionStatus="INCOMPLETE") == ["500001", "500004"]


# -- PUT: VALID creates an action ----------------------------------------------------------------------------

def test_valid_creates_a_pending_action_from_the_inquiry(sb: Sandbox, clock: Clock) -> None:
    clock.advance(hours=2)
    before = len(sb.store)
    reply = put(sb, Id="500006", ResolutionStatus="VALID", ActionTrackerId="2240")
    assert reply.status_code == 200 and reply.json() == {"Status": "OK", "Uri": f"{BASE}/ActionInquiries/500006"}
    inquiry = get(sb, "ActionInquiries/500006").json()
    assert (inquiry["ResolutionStatus"], inquiry["RejectReason"]) == ("VALID", "")
    assert (inquiry["FinalPayout"], inquiry["ResolutionDate"]) == ("150.00", render_date(clock.now))
    assert len(sb.store) == before + 1 and inquiry["ActionId"] in sb.store
    action = get(sb, f"Actions/{inquiry['ActionId']}").json()
    assert (action["Oid"], action["ActionTrackerId"], action["State"]) == ("#1046", "2240", "PENDING")
    assert (action["Amount"], action["Currency"], action["Payout"]) == ("1500.00", "BDT", "150.00")
    assert (action["MediaPartnerId"], action["CampaignId"]) == ("12345", "4636")
    assert action["EventDate"] == render_date(days(-10)) == inquiry["TransactionDate"]
    assert action["CreationDate"] == render_date(clock.now)
    assert action["LockingDate"] == render_date(clock.now + timedelta(days=30))  # account.toml's locking_days
    page = get(sb, "Actions", CampaignId="4636").json()["Actions"]  # the past 7 days, newest created first
    assert page[0]["Id"] == inquiry["ActionId"]
    window = get(sb, "Actions", CampaignId="4636", StartDate=iso(clock.now - timedelta(minutes=1)),
                 EndDate=iso(clock.now + timedelta(minutes=1))).json()["Actions"]
    assert [a["Id"] for a in window] == [inquiry["ActionId"]]


def test_valid_with_the_brands_details(sb: Sandbox) -> None:
    reply = put(sb, Id="500007", ResolutionStatus="VALID", ActionTrackerId="3001", TransactionAmount="1500.00",
                FinalPayout="120.00", TransactionDate="2026-11-20T09:30:00Z", PromoCode="WINTER", CustomerId="C-77",
                ResolutionNotes="the export says 1500.00", ItemSku1="SC-006", ItemName1="Scarf", ItemCategory1="Scarves",
                ItemQty1="1", ItemSubtotal1="1000.00", ItemSku2="SC-007", ItemSubtotal2="500.00", ItemQty2="2")
    assert reply.status_code == 200, reply.text
    inquiry = sb.inquiries.get("500007")
    assert (inquiry["TransactionAmount"], inquiry["FinalPayout"]) == ("1500.00", "120.00")
    assert inquiry["TransactionDate"] == render_date(datetime(2026, 11, 20, 9, 30, tzinfo=UTC))
    action = get(sb, f"Actions/{inquiry['ActionId']}").json()
    assert (action["ActionTrackerId"], action["ActionTrackerName"]) == ("3001", "Phone Sale")
    assert (action["Amount"], action["Payout"], action["PromoCode"], action["CustomerId"]) == \
        ("1500.00", "120.00", "WINTER", "C-77")
    assert (action["MediaPartnerId"], action["EventDate"]) == ("23456", inquiry["TransactionDate"])
    items = get(sb, f"Actions/{inquiry['ActionId']}/Items").json()["Items"]
    assert [(i["Sku"], i["ItemName"], i["Category"], i["Quantity"], i["SaleAmount"]) for i in items] == \
        [("SC-006", "Scarf", "Scarves", "1", "1000.00"), ("SC-007", "SC-007", "", "2", "500.00")]


def test_declined_and_incomplete_create_no_action(sb: Sandbox) -> None:
    before = set(sb.store.ids())
    assert put(sb, Id="500005", ResolutionStatus="DECLINED", RejectReason=REASONS[0],
               ActionTrackerId="2240").status_code == 200
    assert put(sb, Id="500001", ResolutionStatus="INCOMPLETE", ActionTrackerId="2240").status_code == 200
    assert set(sb.store.ids()) == before
    assert sb.inquiries.get("500005")["ActionId"] == "" and sb.inquiries.get("500001")["FinalPayout"] == "0.00"


def test_an_open_ended_contract_leaves_the_action_pending(tmp_path: Path, clock: Clock) -> None:
    folder = tmp_path / "seed"
    shutil.copytree(seed_dir(), folder)
    toml = (folder / "account.toml").read_text()
    assert "locking_days = 30" in toml
    (folder / "account.toml").write_text(toml.replace("locking_days = 30", "locking_days = 0"))
    with Sandbox(auth_token=TOKEN, now=clock, data=folder) as box:
        assert put(box, Id="500006", ResolutionStatus="VALID", ActionTrackerId="2240").status_code == 200
        action_id = box.inquiries.get("500006")["ActionId"]
        clock.advance(days=90)
        action = get(box, f"Actions/{action_id}").json()
        assert (action["LockingDate"], action["State"]) == ("", "PENDING")


# -- faults and the budget -----------------------------------------------------------------------------------

def test_drop_after_apply_resolves_then_closes_without_an_answer(sb: Sandbox) -> None:
    sb.faults.drop_after_apply()
    with pytest.raises(httpx.RemoteProtocolError):
        put(sb, Id="500006", ResolutionStatus="VALID", ActionTrackerId="2240")
    assert sb.requests[-1].status == 0 and sb.requests[-1].form["Id"] == "500006"
    assert sb.faults.pending() == []
    resolved = get(sb, "ActionInquiries/500006").json()
    assert resolved["ResolutionStatus"] == "VALID" and resolved["ActionId"] in sb.store
    resent = put(sb, Id="500006", ResolutionStatus="VALID", ActionTrackerId="2240")  # a blind resend
    assert resent.status_code == 400 and "already resolved" in resent.json()["Message"]


def test_drop_after_apply_is_not_spent_on_a_refused_put(sb: Sandbox) -> None:
    sb.faults.drop_after_apply()
    assert put(sb, Id="500006", ResolutionStatus="VALID").status_code == 400  # answered: nothing was applied
    assert len(sb.faults.pending()) == 1
    with pytest.raises(httpx.RemoteProtocolError):
        put(sb, Id="500002", ResolutionStatus="DECLINED", RejectReason=REASONS[5])
    assert sb.inquiries.get("500002")["RejectReason"] == REASONS[5]


def test_the_rate_limit_counts_inquiry_requests(clock: Clock) -> None:
    with Sandbox(auth_token=TOKEN, now=clock, rate=(3, 60.0)) as box:
        remaining = [get(box, "ActionInquiries", CampaignId="4636").headers["X-RateLimit-Remaining"],
                     get(box, "ActionInquiries/500001").headers["X-RateLimit-Remaining"],
                     put(box, Id="500001", ResolutionStatus="INCOMPLETE").headers["X-RateLimit-Remaining"]]
        assert remaining == ["2", "1", "0"]
        over = put(box, Id="500002", ResolutionStatus="INCOMPLETE")
        assert over.status_code == 429 and over.headers["X-RateLimit-Limit"] == "3"
        assert box.inquiries.get("500002")["ResolutionStatus"] == "UNRESOLVED"  # a 429 resolved nothing
        assert get(box, "ActionInquiries/500002").status_code == 429
        clock.advance(seconds=61)
        assert get(box, "ActionInquiries/500002").status_code == 200


# -- the seed against the sample Shopify export -------------------------------------------------------------

def _export() -> dict[str, dict[str, str]]:
    with open(ROOT / "samples/shopify/orders_export.csv", newline="", encoding="utf-8") as fh:
        return {row["Name"]: row for row in csv.DictReader(fh) if row["Financial Status"]}


def test_the_seed_gives_each_decision_a_case_against_the_shopify_export(sb: Sandbox) -> None:
    orders, inquiries = _export(), {i: sb.inquiries.get(i) for i in sb.inquiries.ids()}
    tracked = {sb.store.get(a)["Oid"] for a in sb.store.ids()}
    assert sorted(orders) == [f"#{n}" for n in range(1041, 1048)]
    assert tracked & set(orders) == set(orders) - {"#1046"}  # #1046 alone is untracked
    open_ = {i: q for i, q in inquiries.items() if q["ResolutionStatus"] == "UNRESOLVED"}
    by_order = {q["OrderId"]: i for i, q in sorted(open_.items(), reverse=True)}
    assert "" in by_order  # no OrderId -> INCOMPLETE
    assert "#1099" in by_order and "#1099" not in orders  # cannot be traced
    assert {orders[o]["Financial Status"] for o in ("#1042", "#1044")} == {"refunded", "voided"}
    assert {"#1042", "#1044"} <= set(by_order)  # not completed
    assert orders["#1041"]["Financial Status"] == "paid" and "#1041" in by_order and "#1041" in tracked
    claims = {q["TransactionAmount"] for q in open_.values() if q["OrderId"] == "#1046"}
    assert orders["#1046"]["Financial Status"] == "paid" and claims == {orders["#1046"]["Subtotal"], "1700.00"}
    assert "#1043" in by_order and orders["#1043"]["Currency"] == open_[by_order["#1043"]]["Currency"] == "EUR"
    resolved = [q for q in inquiries.values() if q["ResolutionStatus"] != "UNRESOLVED"]
    assert {q["ResolutionStatus"] for q in resolved} == {"VALID", "DECLINED"}
    assert all(q["ResolutionDate"] and q["OrderId"] in orders for q in resolved)
    assert len({q["MediaPartnerId"] for q in inquiries.values()}) >= 2
    assert {q["InquiryType"] for q in inquiries.values()} == {"UNTRACKED", "INCORRECT", "DECLINED"}
    soon = [i for i, q in open_.items() if q["ResolutionDeadlineDate"] < render_date(days(3))]
    assert soon == ["500005"]
    assert all(q["ResolutionDeadlineDate"] > render_date(START) for q in open_.values())


def test_every_seed_row_says_what_it_is_for() -> None:
    with open(seed_dir() / "inquiries.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["Id"] for r in rows] == [str(500001 + n) for n in range(10)]
    assert all(len(r["Note"]) > 20 for r in rows)


# -- seed errors ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("InquiryType", "Kind", 1), "unknown column 'Kind'"),
    (lambda t: t.replace("This transaction has been tracked successfully", "Tracked"), "RejectReason"),
    (lambda t: t.replace("1000.4636.161047", "1000.4636.999999"), "ActionId 1000.4636.999999"),
    (lambda t: t.replace("500002,", "500001,", 1), "given twice"),
    (lambda t: t.replace(",UNTRACKED,", ",MISSING,", 1), "InquiryType"),
])
def test_a_bad_inquiries_csv_is_a_config_error_naming_the_line(tmp_path: Path, edit, message: str) -> None:
    folder = tmp_path / "seed"
    shutil.copytree(seed_dir(), folder)
    path = folder / "inquiries.csv"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Sandbox(auth_token=TOKEN, data=folder)
    assert message in str(caught.value) and "inquiries.csv:" in str(caught.value)


def test_a_seed_without_inquiries_csv_has_none(tmp_path: Path) -> None:
    folder = tmp_path / "seed"
    shutil.copytree(seed_dir(), folder)
    (folder / "inquiries.csv").unlink()
    with Sandbox(auth_token=TOKEN, data=folder) as box:
        assert len(box.inquiries) == 0 and listed(box) == []
