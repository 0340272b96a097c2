"""PUT /Actions and DELETE /Actions: the form-encoded body checked at once (a 400 for bad parameters),
turned into a Change that a submission applies later.

The action is named by ActionId, or by ActionTrackerId + OrderId. PUT: Reason required; Amount,
CurrencyCode, CustomerStatus, ItemSubTotalDelta; items as Sku, Sku2, ... with Quantity<n>, Amount<n>,
Category<n> (with a Sku, Amount is item 1's amount, not the order's). DELETE: DispositionCode from
the platform's list. Empty values count as not given; unknown or repeated parameters are a 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qsl

from batchkit.core.codes import DISPOSITION_CODES
from batchkit.core.money import currencies, parse_money
from batchkit.sandbox.http.render import ApiError

IDENTIFIERS = ("ActionId", "ActionTrackerId", "OrderId")
_ITEM = re.compile(r"(Sku|Quantity|Amount|Category)([2-9]|[1-9][0-9]+)?")
_ACTION_ID = re.compile(r"[0-9]+(\.[0-9]+)*")
_MAX_AMOUNT = Decimal("999999.99")


@dataclass(frozen=True)
class ItemChange:
    """New values for one item of the action."""

    sku: str
    quantity: int | None = None
    amount: Decimal | None = None
    category: str | None = None


@dataclass(frozen=True)
class Change:
    """What a PUT (Modification) or DELETE (Reversal) asks of one action."""

    type: str
    action_id: str
    tracker: str
    order_id: str
    reason: str
    amount: Decimal | None = None
    delta: Decimal | None = None
    currency: str | None = None
    customer_status: str | None = None
    items: tuple[ItemChange, ...] = ()


def read_form(content_type: str, body: bytes) -> dict[str, str]:
    """The parameters of a form-encoded body; a 400 for JSON or any other kind of body."""
    kind = content_type.split(";")[0].strip().lower()
    looks_json = body.lstrip()[:1] in (b"{", b"[")
    if kind != "application/x-www-form-urlencoded" or looks_json:
        what = "a JSON body" if looks_json else (kind or "a body without Content-Type")
        raise ApiError(400, f"The body must be form-encoded (Content-Type: application/x-www-form-urlencoded), "
                            f"not {what}", [("Content-Type", "expected application/x-www-form-urlencoded")])
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body.strip()))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "The body is not valid form encoding (UTF-8, name=value&...)") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise ApiError(400, f"{name} is given twice", [(name, "given twice")])
        form[name] = value
    return form


def reversal(form: dict[str, str]) -> Change:
    """The Change of a DELETE /Actions body."""
    given = _given(form, allowed=lambda n: n in (*IDENTIFIERS, "DispositionCode"))
    code = given.get("DispositionCode", "")
    if not code:
        raise ApiError(400, "DispositionCode is required", [("DispositionCode", "required")])
    if code not in DISPOSITION_CODES:
        raise ApiError(400, f"DispositionCode {code!r} is not one of {', '.join(DISPOSITION_CODES)}",
                       [("DispositionCode", "invalid")])
    return Change("Reversal", *_identity(given), reason=code)


def modification(form: dict[str, str]) -> Change:
    """The Change of a PUT /Actions body."""
    fixed = (*IDENTIFIERS, "Reason", "CurrencyCode", "CustomerStatus", "ItemSubTotalDelta")
    given = _given(form, allowed=lambda n: n in fixed or _ITEM.fullmatch(n) is not None)
    identity = _identity(given)
    if not given.get("Reason"):
        raise ApiError(400, "Reason is required", [("Reason", "required")])
    items = _items(given)
    if items and "Amount" in given and "Sku" not in given:
        raise ApiError(400, "Amount without Sku while items are named: with items, Amount is the first item's",
                       [("Sku", "required")])
    currency, status = given.get("CurrencyCode"), given.get("CustomerStatus")
    if currency is not None and currency not in currencies():
        raise ApiError(400, f"CurrencyCode {currency!r} is not an ISO 4217 code", [("CurrencyCode", "invalid")])
    if status is not None and len(status) > 40:
        raise ApiError(400, "CustomerStatus is longer than 40 characters", [("CustomerStatus", "too long")])
    amount = None if items or "Amount" not in given else _amount("Amount", given["Amount"])
    delta = given.get("ItemSubTotalDelta")
    return Change("Modification", *identity, reason=given["Reason"], amount=amount, currency=currency,
                  delta=None if delta is None else _amount("ItemSubTotalDelta", delta, signed=True),
                  customer_status=status, items=items)


def _given(form: dict[str, str], allowed: Callable[[str], bool]) -> dict[str, str]:
    """The non-empty parameters; a 400 for one the endpoint does not take."""
    unknown = [n for n in form if not allowed(n)]
    if unknown:
        hint = f" (write {unknown[0][:-1]} for the first item)" if unknown[0][-1:] == "1" else ""
        raise ApiError(400, f"{unknown[0]} is not a parameter of this request{hint}", [(unknown[0], "unknown")])
    return {name: value.strip() for name, value in form.items() if value.strip()}


def _identity(given: dict[str, str]) -> tuple[str, str, str]:
    """(ActionId, ActionTrackerId, OrderId): an ActionId, or a tracker and an OrderId."""
    action_id, tracker, order_id = (given.get(n, "") for n in IDENTIFIERS)
    if not action_id and not (tracker and order_id):
        missing = ["ActionId"] + (["OrderId"] if tracker else ["ActionTrackerId"] if order_id else [])
        raise ApiError(400, "Name the action by ActionId, or by ActionTrackerId and OrderId",
                       [(name, "required") for name in missing])
    if action_id and not _ACTION_ID.fullmatch(action_id):
        raise ApiError(400, f"ActionId {action_id!r} is not an action id", [("ActionId", "invalid")])
    if tracker and (not tracker.isdigit() or int(tracker) < 1):
        raise ApiError(400, f"ActionTrackerId {tracker!r} is not a positive whole number", [("ActionTrackerId", "invalid")])
    if len(order_id) > 64 or any(ord(c) < 32 for c in order_id):
        raise ApiError(400, "OrderId is longer than 64 characters or holds control characters", [("OrderId", "invalid")])
    return action_id, tracker, order_id


def _items(given: dict[str, str]) -> tuple[ItemChange, ...]:
    """The item groups (Sku, Sku2, ...), each checked; () without any Sku."""
    groups: dict[int, dict[str, str]] = {}
    for name, value in given.items():
        match = _ITEM.fullmatch(name)
        if match:
            groups.setdefault(int(match.group(2) or 1), {})[match.group(1)] = value
    if 1 in groups and "Sku" not in groups[1]:
        groups.pop(1).pop("Amount", None)  # an unnumbered Amount without Sku is the order's amount
        if groups.get(1):
            raise ApiError(400, "Quantity/Category without Sku", [("Sku", "required")])
    changes = []
    for number, group in sorted(groups.items()):
        suffix = "" if number == 1 else str(number)
        changes.append(_item(group, suffix))
    return tuple(changes)


def _item(group: dict[str, str], suffix: str) -> ItemChange:
    """One item group, checked: Sku present and <= 40 characters, Amount with Quantity, Category <= 255."""
    sku, quantity, amount, category = (group.get(n) for n in ("Sku", "Quantity", "Amount", "Category"))
    if not sku:
        field = next(f"{n}{suffix}" for n in ("Amount", "Quantity", "Category") if n in group)
        raise ApiError(400, f"{field} without Sku{suffix}", [(f"Sku{suffix}", "required")])
    if len(sku) > 40:
        raise ApiError(400, f"Sku{suffix} is longer than 40 characters", [(f"Sku{suffix}", "too long")])
    if quantity is not None and not quantity.isdigit():
        raise ApiError(400, f"Quantity{suffix} must be a whole number >= 0", [(f"Quantity{suffix}", "invalid")])
    if quantity is not None and amount is None:
        raise ApiError(400, f"Quantity{suffix} needs Amount{suffix}", [(f"Amount{suffix}", "required")])
    if category is not None and len(category) > 255:
        raise ApiError(400, f"Category{suffix} is longer than 255 characters", [(f"Category{suffix}", "too long")])
    value = None if amount is None else _amount(f"Amount{suffix}", amount)
    return ItemChange(sku, None if quantity is None else int(quantity), value, category)


def _amount(name: str, text: str, signed: bool = False) -> Decimal:
    """A plain decimal, at most 2 places and 999999.99, not negative (unless `signed`); a 400 otherwise."""
    value = parse_money(text)
    exponent = value.as_tuple().exponent if value is not None else 0
    if value is None or not isinstance(exponent, int) or -exponent > 2 or abs(value) > _MAX_AMOUNT \
            or (value < 0 and not signed):
        raise ApiError(400, f"{name} must be a plain decimal from 0 to 999999.99 with at most 2 decimals, "
                            f"not {text!r}", [(name, "invalid amount")])
    return value


plain_amount = _amount  # for the other forms of the sandbox (inquiries/forms.py)
