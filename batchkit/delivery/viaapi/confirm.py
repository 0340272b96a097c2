"""Did a change whose answer was lost reach the action? Read the action (and its items) and compare with what
the record asked for (plan.Expect), only where the platform keeps what was sent: an amount sent in another
currency than the action's is converted, so it proves nothing. Three answers (api/writes.py): it shows, it does
not (yet: the platform's queue may still be applying it), or batchkit cannot tell (the action cannot be found or
read: an OrderId not in the mirror, say). Only "it shows" ever settles a write."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from batchkit.api.answers import money
from batchkit.api.client import ApiClient
from batchkit.api.errors import ApiAnswerError, ApiNotFound
from batchkit.api.writes import CANNOT_TELL, NOT_YET, SHOWS
from batchkit.state.mirror import Mirror
from batchkit.delivery.plan import Expect, ItemExpect

def action_id_of(ident: tuple[str, str, str], mirror: Mirror | None) -> str:
    """The ActionId a record names, directly or (OrderId + ActionTrackerId) as the mirror's newest; '' if unknown."""
    action_id, order_id, tracker = ident
    if action_id or mirror is None:
        return action_id
    found = mirror.by_order(order_id, tracker)
    return str(found[0].get("Id", "")) if found else ""


def read_back(client: ApiClient, action_id: str, expect: Expect) -> tuple[str, str, dict[str, Any] | None, list[Any]]:
    """(verdict, what was seen, the action as read, its items) — one request, two when items matter."""
    try:
        action = client.get(f"Actions/{action_id}", what=f"GET /Actions/{action_id}")
    except ApiNotFound:
        return CANNOT_TELL, f"impact.com has no action {action_id}", None, []
    if not isinstance(action, dict):
        raise ApiAnswerError(f"GET /Actions/{action_id}: the answer is not an action")
    items: list[Any] = []
    if expect.items:
        for page in client.pages(f"Actions/{action_id}/Items", {"PageSize": "20000"}, "Items",
                                 what=f"GET /Actions/{action_id}/Items"):
            items += page.records
    verdict, seen = judge(action, items, expect)
    return verdict, f"action {action_id} {seen}", action, items


def judge(action: dict[str, Any], items: list[Any], expect: Expect) -> tuple[str, str]:
    """(SHOWS | NOT_YET | CANNOT_TELL, what was seen) for the action as read."""
    state = str(action.get("State", "")).upper()
    if expect.reversed:
        return (SHOWS if state == "REVERSED" else NOT_YET), f"is {state or 'without a State'}"
    currency = str(action.get("Currency", "")).upper()
    if expect.currency and currency and expect.currency.upper() != currency and (expect.amount is not None
                                                                                or expect.items):
        return CANNOT_TELL, (f"keeps its currency {currency}: an amount sent in {expect.currency.upper()} is converted, "
                             "so what it shows cannot prove the change")
    return (SHOWS if shows(action, items, expect) else NOT_YET), f"reads Amount {action.get('Amount')!s}, {state}"


def shows(action: dict[str, Any], items: list[Any], expect: Expect) -> bool:
    """Whether the action (and its items) read as the record asked, in what the platform keeps as sent."""
    if expect.reversed:
        return str(action.get("State", "")).upper() == "REVERSED"
    if expect.amount is not None and not _same(money(action.get("Amount")), expect.amount):
        return False
    if expect.customer_status is not None and str(action.get("CustomerStatus", "")) != expect.customer_status:
        return False
    by_sku = {str(i.get("Sku", "")): i for i in items if isinstance(i, dict)}
    return all(_item_shows(by_sku.get(e.sku), e) for e in expect.items)


def _item_shows(item: dict[str, Any] | None, e: ItemExpect) -> bool:
    if item is None:
        return False
    if e.quantity is not None and str(item.get("Quantity", "")).strip() != str(e.quantity):
        return False
    if e.amount is not None and not _same(money(item.get("SaleAmount")), e.amount):
        return False
    return e.category is None or str(item.get("Category", "")) == e.category


def _same(value: Decimal | None, wanted: Decimal) -> bool:
    return value is not None and value == wanted


def store(mirror: Mirror | None, action: dict[str, Any] | None, items: list[Any]) -> None:
    """Keep what was read in the mirror (it is the freshest copy there is)."""
    if mirror is None or action is None:
        return
    now = datetime.now(UTC)
    mirror.store([action], now)
    if items:
        mirror.store_items(str(action.get("Id", "")), items, now)
