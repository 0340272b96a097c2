"""PUT /ActionInquiries: the form-encoded body checked at once (a 400 naming the field), turned into a
Resolution that inquiries/routes.py applies at once.

`Id` and `ResolutionStatus` (VALID, DECLINED, INCOMPLETE) are required; `ActionTrackerId` when VALID (a
tracker of the account); `RejectReason` when DECLINED, exactly one of the nine reasons (a RejectReason
with VALID is a 400: a VALID inquiry has none). Optional: ResolutionNotes, TransactionAmount, FinalPayout
(plain decimals), TransactionDate (ISO 8601 with an offset), PromoCode, CustomerId, and items numbered
from 1: ItemSku1, ItemCategory1, ItemName1, ItemQty1, ItemSubtotal1, ItemSku2, ... (used when VALID:
the new action's items). Empty values count as not given; unknown or repeated parameters are a 400.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from batchkit.core.inquiry import REASONS, RESOLUTIONS
from batchkit.sandbox.actions.forms import plain_amount
from batchkit.sandbox.http.query import parse_date
from batchkit.sandbox.http.render import ApiError

FIXED = ("Id", "ResolutionStatus", "ActionTrackerId", "RejectReason", "ResolutionNotes", "TransactionAmount",
         "FinalPayout", "TransactionDate", "PromoCode", "CustomerId")
_ITEM = re.compile(r"Item(Sku|Category|Name|Qty|Subtotal)([1-9][0-9]*)")
_LONGEST = {"Sku": 40, "Category": 255, "Name": 255, "ResolutionNotes": 1000, "PromoCode": 255, "CustomerId": 255}


@dataclass(frozen=True)
class ResolvedItem:
    """One item of the action a VALID resolution creates."""

    sku: str
    category: str = ""
    name: str = ""
    quantity: int = 1
    subtotal: Decimal | None = None


@dataclass(frozen=True)
class Resolution:
    """What a PUT /ActionInquiries asks."""

    inquiry_id: str
    status: str
    tracker: str = ""
    reason: str = ""
    notes: str = ""
    amount: Decimal | None = None
    payout: Decimal | None = None
    date: datetime | None = None
    promo_code: str = ""
    customer_id: str = ""
    items: tuple[ResolvedItem, ...] = ()


def resolution(form: Mapping[str, str], trackers: Mapping[str, str]) -> Resolution:
    """The Resolution of a PUT /ActionInquiries body, or the 400 that names the field at fault."""
    given = _given(form)
    for name in ("Id", "ResolutionStatus"):
        if not given.get(name):
            raise ApiError(400, f"{name} is required", [(name, "required")])
    status, tracker, reason = given["ResolutionStatus"], given.get("ActionTrackerId", ""), given.get("RejectReason", "")
    if status not in RESOLUTIONS:
        raise ApiError(400, f"ResolutionStatus must be one of {', '.join(RESOLUTIONS)}, not {status!r}",
                       [("ResolutionStatus", "invalid")])
    if status == "VALID" and not tracker:
        raise ApiError(400, "ActionTrackerId is required when ResolutionStatus is VALID", [("ActionTrackerId", "required")])
    if status == "VALID" and tracker not in trackers:
        raise ApiError(400, f"ActionTrackerId {tracker!r} is no action tracker of this account",
                       [("ActionTrackerId", "invalid")])
    _check_reason(status, reason)
    for name, longest in _LONGEST.items():
        if len(given.get(name, "")) > longest:
            raise ApiError(400, f"{name} is longer than {longest} characters", [(name, "too long")])
    amount, payout = (plain_amount(n, given[n]) if n in given else None for n in ("TransactionAmount", "FinalPayout"))
    date = parse_date("TransactionDate", given["TransactionDate"]) if "TransactionDate" in given else None
    return Resolution(given["Id"], status, tracker, reason, given.get("ResolutionNotes", ""), amount, payout, date,
                      given.get("PromoCode", ""), given.get("CustomerId", ""), _items(given))


def _given(form: Mapping[str, str]) -> dict[str, str]:
    """The non-empty parameters; a 400 for one the endpoint does not take."""
    unknown = [n for n in form if n not in FIXED and _ITEM.fullmatch(n) is None]
    if unknown:
        hint = " (items are numbered from 1: ItemSku1, ItemQty1, ...)" if unknown[0].startswith("Item") else ""
        raise ApiError(400, f"{unknown[0]} is not a parameter of this request{hint}", [(unknown[0], "unknown")])
    return {name: value.strip() for name, value in form.items() if value.strip()}


def _check_reason(status: str, reason: str) -> None:
    """RejectReason: required with DECLINED, exactly one of the nine; none with VALID."""
    if status == "DECLINED" and not reason:
        raise ApiError(400, "RejectReason is required when ResolutionStatus is DECLINED", [("RejectReason", "required")])
    if reason and status == "VALID":
        raise ApiError(400, "RejectReason is for a DECLINED (or INCOMPLETE) resolution, not a VALID one",
                       [("RejectReason", "not allowed")])
    if reason and reason not in REASONS:
        raise ApiError(400, f"RejectReason {reason!r} is not one of the documented reasons: " + "; ".join(REASONS),
                       [("RejectReason", "invalid")])


def _items(given: Mapping[str, str]) -> tuple[ResolvedItem, ...]:
    """The numbered item groups, each checked: ItemSku<n> present, ItemQty<n> whole, ItemSubtotal<n> an amount."""
    groups: dict[int, dict[str, str]] = {}
    for name, value in given.items():
        match = _ITEM.fullmatch(name)
        if match:
            groups.setdefault(int(match.group(2)), {})[match.group(1)] = value
    found = []
    for number, group in sorted(groups.items()):
        if not group.get("Sku"):
            raise ApiError(400, f"Item{next(iter(group))}{number} without ItemSku{number}",
                           [(f"ItemSku{number}", "required")])
        for name in ("Sku", "Category", "Name"):
            if len(group.get(name, "")) > _LONGEST[name]:
                raise ApiError(400, f"Item{name}{number} is longer than {_LONGEST[name]} characters",
                               [(f"Item{name}{number}", "too long")])
        quantity = group.get("Qty", "1")
        if not quantity.isdigit():
            raise ApiError(400, f"ItemQty{number} must be a whole number >= 0", [(f"ItemQty{number}", "invalid")])
        subtotal = group.get("Subtotal")
        found.append(ResolvedItem(group["Sku"], group.get("Category", ""), group.get("Name", ""), int(quantity),
                                  None if subtotal is None else plain_amount(f"ItemSubtotal{number}", subtotal)))
    return tuple(found)
