"""The action inquiries under /Advertisers/{AccountSID}/ (SPEC §6):

    GET ActionInquiries         the list, newest filed first, paginated (Page, PageSize 1..20,000, default 20,000)
    GET ActionInquiries/{Id}    one inquiry (404 when unknown)
    PUT ActionInquiries         resolve one (form-encoded, inquiries/forms.py) -> {"Status": "OK", "Uri": ...}

List filters: CampaignId (required), StartDate/EndDate on the inquiry's last change (filed, or resolved),
TransactionDateStart/TransactionDateEnd on its TransactionDate, each pair together, ISO 8601 with an
offset, [start, end), no limit on the span (none is documented for inquiries) and no default window;
MediaPartnerId, OrderId (exact), ResolutionStatus (one of the four).

A resolution is applied at once and exactly once (no queue, unlike PUT /Actions), recorded in faults/applied.py's
log, then answered (or not) as an after-apply fault says. An inquiry that is not
UNRESOLVED any more is a 400 "already resolved" (the sandbox's choice: the documentation says nothing of a
second resolution), an unknown Id a 404. VALID creates a new PENDING action (Oid = the inquiry's OrderId,
the given tracker, Amount = the TransactionAmount given or the inquiry's, EventDate = the TransactionDate
given or the inquiry's, CreationDate now, LockingDate now + the account's locking_days, or none when
open-ended) and sets the inquiry's ActionId. Every resolution sets ResolutionStatus, RejectReason,
FinalPayout (given; else the new action's Payout, or 0 when not VALID) and ResolutionDate (now).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from batchkit.core.inquiry import STATUSES
from batchkit.core.money import quantize
from batchkit.sandbox.actions import forms
from batchkit.sandbox.actions.make import make_action
from batchkit.sandbox.actions.model import ZERO, Item
from batchkit.sandbox.faults.applied import AppliedWrites, after_apply
from batchkit.sandbox.faults.faults import Faults
from batchkit.sandbox.http.query import page_params, parse_date
from batchkit.sandbox.http.render import (
    ApiError,
    envelope,
    fragment,
    object_body,
    page_body,
)
from batchkit.sandbox.inquiries.forms import Resolution, resolution
from batchkit.sandbox.inquiries.store import Inquiries, Inquiry

Render = Callable[[bool], bytes]
RESOURCE = "ActionInquiries"
PAGE_SIZES = (1, 20000)
PAIRS = {"changed": ("StartDate", "EndDate"), "TransactionDate": ("TransactionDateStart", "TransactionDateEnd")}
EXACT = ("CampaignId", "MediaPartnerId", "OrderId", "ResolutionStatus")


@dataclass(frozen=True)
class InquiryQuery:
    """What a GET /ActionInquiries asks for."""

    exact: dict[str, str]
    ranges: dict[str, tuple[datetime, datetime]]
    page: int
    size: int


def known(rest: list[str]) -> bool:
    """ActionInquiries or ActionInquiries/{Id}."""
    return rest[0] == RESOURCE and len(rest) <= 2


def inquiry_route(inquiries: Inquiries, faults: Faults, method: str, path: str, query: Mapping[str, str],
                  headers: Mapping[str, str], body: bytes, rest: list[str],
                  applied: AppliedWrites, target: str = "") -> tuple[int, Render, str]:
    """(status, renderer, mode) of a request for ActionInquiries[/{Id}] (`target`: its path and query as sent,
    what after-apply faults match; the path when not given)."""
    allow = "GET, PUT" if len(rest) == 1 else "GET"
    if method not in allow.split(", "):
        raise ApiError(405, f"{method} is not allowed on {path} (allowed: {allow})", headers={"Allow": allow})
    if len(rest) == 2:
        inquiry = inquiries.inquiry(rest[1])
        if inquiry is None:
            raise ApiError(404, f"No action inquiry with Id {rest[1]}")
        fields = inquiry.fields()
        return 200, lambda as_json: object_body(fields, as_json), "send"
    if method == "GET":
        return 200, _page(inquiries, path, query), "send"
    form = forms.read_form(headers.get("content-type", ""), body)
    inquiry = resolve(inquiries, resolution(form, inquiries.store.account.trackers))
    applied.record("PUT", RESOURCE, inquiry.Id, form, at=inquiry.ResolutionDate)
    answer = {"Status": "OK", "Uri": f"{inquiries.store.account.base_uri}/{RESOURCE}/{inquiry.Id}"}
    return after_apply(faults, target or path, answer)


def parse_inquiry_query(query: Mapping[str, str]) -> InquiryQuery:
    """The parameters of a GET /ActionInquiries, or the 400 for them."""
    if not query.get("CampaignId"):
        raise ApiError(400, "CampaignId is required", [("CampaignId", "required")])
    status = query.get("ResolutionStatus", "")
    if status and status not in STATUSES:
        raise ApiError(400, f"ResolutionStatus must be one of {', '.join(STATUSES)}, not {status!r}",
                       [("ResolutionStatus", "invalid")])
    ranges = {}
    for attribute, (first, last) in PAIRS.items():
        given = [n for n in (first, last) if query.get(n)]
        if len(given) == 1:
            missing = last if given[0] == first else first
            raise ApiError(400, f"{given[0]} needs {missing}: give both or neither", [(missing, "required")])
        if given:
            start, end = parse_date(first, query[first]), parse_date(last, query[last])
            if end <= start:
                raise ApiError(400, f"{last} must be after {first}", [(last, "before start")])
            ranges[attribute] = (start, end)
    page, size = page_params(query, *PAGE_SIZES)
    return InquiryQuery({n: query[n] for n in EXACT if query.get(n)}, ranges, page, size)


def select(inquiries: Inquiries, q: InquiryQuery) -> list[Inquiry]:
    """The inquiries a query selects, newest filed first."""
    def wanted(inquiry: Inquiry) -> bool:
        if any(getattr(inquiry, name) != value for name, value in q.exact.items()):
            return False
        return all(low <= getattr(inquiry, attribute) < high for attribute, (low, high) in q.ranges.items())
    return [i for i in inquiries.newest_first() if wanted(i)]


def _page(inquiries: Inquiries, path: str, query: Mapping[str, str]) -> Render:
    q = parse_inquiry_query(query)
    hits = select(inquiries, q)
    rows = [i.fields() for i in hits[(q.page - 1) * q.size: q.page * q.size]]
    env = envelope(path, query, len(hits), q.page, q.size, len(rows))
    return lambda as_json: page_body(RESOURCE, env, [fragment(r, "ActionInquiry", as_json) for r in rows], as_json)


def resolve(inquiries: Inquiries, res: Resolution) -> Inquiry:
    """Apply a resolution to its inquiry now (a VALID one creates its action); the inquiry."""
    store = inquiries.store
    with store.lock:
        inquiry = inquiries.inquiry(res.inquiry_id)
        if inquiry is None:
            raise ApiError(404, f"No action inquiry with Id {res.inquiry_id}", [("Id", "not found")])
        if inquiry.ResolutionStatus != "UNRESOLVED":
            raise ApiError(400, f"Action inquiry {inquiry.Id} is already resolved ({inquiry.ResolutionStatus})",
                           [("Id", "already resolved")])
        now = store.now()
        payout = res.payout
        if res.status == "VALID":
            action_id, action_payout = _create_action(inquiries, inquiry, res, now)
            inquiry.ActionId, payout = action_id, payout if payout is not None else action_payout
        inquiry.TransactionAmount = _money(res.amount, inquiry) if res.amount is not None else inquiry.TransactionAmount
        inquiry.TransactionDate = res.date or inquiry.TransactionDate
        inquiry.ResolutionStatus, inquiry.RejectReason, inquiry.notes = res.status, res.reason, res.notes
        inquiry.FinalPayout = _money(payout if payout is not None else ZERO, inquiry)
        inquiry.ResolutionDate = now
        store.version += 1
        return inquiry


def _money(value: Decimal, inquiry: Inquiry) -> Decimal:
    return quantize(value, inquiry.Currency)


def _create_action(inquiries: Inquiries, inquiry: Inquiry, res: Resolution, now: datetime) -> tuple[str, Decimal]:
    """The new PENDING action of an accepted inquiry: (its Id, its Payout)."""
    store, account = inquiries.store, inquiries.store.account
    fields: dict[str, Any] = {
        "Id": store.new_id(), "CampaignId": inquiry.CampaignId, "ActionTrackerId": res.tracker,
        "MediaPartnerId": inquiry.MediaPartnerId, "MediaPartnerName": inquiry.MediaPartnerName,
        "Oid": inquiry.OrderId, "Currency": inquiry.Currency, "EventDate": res.date or inquiry.TransactionDate,
        "CreationDate": now, "UpdatedDate": now, "PromoCode": res.promo_code, "CustomerId": res.customer_id,
        "Amount": res.amount if res.amount is not None else inquiry.TransactionAmount,
        "Note": f"created by accepting action inquiry {inquiry.Id}"}
    if res.payout is not None:
        fields["Payout"] = res.payout
    if account.locking_days is not None:
        fields["LockingDate"] = now + timedelta(days=account.locking_days)
    items: list[Mapping[str, Any] | Item] = [{"Sku": i.sku, "ItemName": i.name or i.sku, "Category": i.category, "Quantity": str(i.quantity),
              "SaleAmount": "0" if i.subtotal is None else str(i.subtotal)} for i in res.items]
    try:
        action = make_action(fields, items, account, now)
    except ValueError as exc:
        raise ApiError(400, f"The inquiry's action cannot be made: {exc}") from None
    if account.locking_days is None:
        action.LockingDate = None
        action.changed()
    store.load([action])
    return action.Id, action.Payout
