"""Did a change whose answer was lost reach the action? Read the action (and its items) and compare with what
the record asked for (plan.Expect). Three answers: it shows, it does not (yet), or batchkit cannot tell (the
action cannot be found: an OrderId not in the mirror, say)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from batchkit.api.answers import money
from batchkit.api.client import ApiClient
from batchkit.api.errors import ApiAnswerError, ApiNotFound
from batchkit.api.mirror import Mirror
from batchkit.deliver.viaapi.plan import Expect, ItemExpect

SHOWS, NOT_YET, CANNOT_TELL = "shows", "not-yet", "cannot-tell"


def action_id_of(ident: tuple[str, str, str], mirror: Mirror | None) -> str:
    """The ActionId a record names, directly or (OrderId + ActionTrackerId) as the mirror's newest; '' if unknown."""
    action_id, order_id, tracker = ident
    if action_id or mirror is None:
        return action_id
    found = mirror.by_order(order_id, tracker)
    return str(found[0].get("Id", "")) if found else ""


def read_back(client: ApiClient, action_id: str, expect: Expect) -> tuple[str, dict[str, Any] | None, list[Any]]:
    """(verdict, the action as read, its items) — one request, two when items matter (every page)."""
    try:
        action = client.get(f"Actions/{action_id}", what=f"GET /Actions/{action_id}")
    except ApiNotFound:
        return CANNOT_TELL, None, []
    if not isinstance(action, dict):
        raise ApiAnswerError(f"GET /Actions/{action_id}: the answer is not an action")
    items: list[Any] = []
    if expect.items:
        for page in client.pages(f"Actions/{action_id}/Items", {"PageSize": "20000"}, "Items",
                                 what=f"GET /Actions/{action_id}/Items"):
            items += page.records
    return (SHOWS if shows(action, items, expect) else NOT_YET), action, items


def shows(action: dict[str, Any], items: list[Any], expect: Expect) -> bool:
    """Whether the action (and its items) read as the record asked."""
    if expect.reversed:
        return str(action.get("State", "")).upper() == "REVERSED"
    if expect.amount is not None and not _same(money(action.get("Amount")), expect.amount):
        return False
    if expect.currency is not None and str(action.get("Currency", "")).upper() != expect.currency.upper():
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
