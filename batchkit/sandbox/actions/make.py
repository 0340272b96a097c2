"""Actions and items from field values given as text (the seed files, Store.add_action, Store.touch).

Every field may be left out: the defaults are those of a fresh PENDING sale (tracker from the account,
LockingDate 30 days after the event, Payout 10 % of the amount, IntendedAmount = Amount). Dates are
ISO 8601 with an offset, or a signed whole number of days from `base` (`-12`, `30`). A bad value is a
ValueError naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from batchkit.core.money import quantize
from batchkit.sandbox.actions.model import (
    ACTION_DATES,
    ACTION_FIELDS,
    ACTION_MONEY,
    ITEM_DATES,
    ITEM_FIELDS,
    ITEM_MONEY,
    STATES,
    ZERO,
    Action,
    Item,
    id_key,
    money,
    parse_date,
)

PAYOUT_RATE = Decimal("0.10")
UPDATED_FIELDS = ("UpdatedDaysAgo", "UpdatedDate")  # the internal last-updated time; never an API field


@dataclass(frozen=True)
class Account:
    """What the sandbox's account is: its SID, its campaign, the names of its trackers, and its contract's
    locking period in days (what an accepted inquiry's action follows; None: open-ended)."""

    sid: str = "IRSANDBOXACME1"
    campaign_id: str = "4636"
    campaign_name: str = "Acme Outfitters"
    trackers: Mapping[str, str] = field(default_factory=lambda: {"2240": "Online Sale"})
    locking_days: int | None = 30

    @property
    def base_uri(self) -> str:
        """`/Advertisers/SID`."""
        return f"/Advertisers/{self.sid}"


def _value(name: str, text: Any, currency: str, base: datetime) -> Any:
    """The typed value of one action field."""
    if name in ACTION_MONEY:
        return money(_text(text), currency)
    if name in ACTION_DATES:
        return text if isinstance(text, datetime) or text is None else parse_date(str(text), base)
    if name == "State" and text not in STATES:
        raise ValueError(f"{text!r} is not one of {', '.join(STATES)}")
    return str(text)


def set_fields(action: Action, fields: Mapping[str, Any], base: datetime) -> None:
    """Change fields of an action (API names); ValueError naming the field when a value is bad, and then
    nothing changes."""
    unknown = [n for n in fields if n not in ACTION_FIELDS or n in ("Uri", "Id")]
    if unknown:
        raise ValueError(f"{unknown[0]} cannot be set (not an action field, or derived)")
    currency = str(fields["Currency"] if "Currency" in fields else action.Currency)
    values = {}
    for name, text in fields.items():
        try:
            values[name] = _value(name, text, currency, base)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    if "CreationDate" in values and values["CreationDate"] is None:
        raise ValueError("CreationDate: cannot be empty")
    for name, value in values.items():
        setattr(action, name, value)
    if "Currency" in fields:
        for name in ACTION_MONEY:
            setattr(action, name, quantize(getattr(action, name), action.Currency))
    action.changed()


def make_action(fields: Mapping[str, Any], items: list[Mapping[str, Any] | Item], account: Account,
                base: datetime) -> Action:
    """A new action from API field values (Id required), its items (field values, or made by make_item),
    and UpdatedDaysAgo/UpdatedDate."""
    given = {k: v for k, v in fields.items() if k not in UPDATED_FIELDS and v not in ("", None)}
    action = Action()
    action.Id = str(given.pop("Id", "")).strip()
    if not action.Id:
        raise ValueError("Id: missing")
    action.key, action.base_uri, action.items, action._cache = id_key(action.Id), account.base_uri, [], {}
    for name in ACTION_MONEY:
        setattr(action, name, ZERO)
    defaults = _defaults(account, str(given.get("ActionTrackerId", next(iter(account.trackers), ""))), base)
    set_fields(action, {**defaults, **{k: v for k, v in given.items() if k not in ACTION_MONEY}}, base)
    action.items = [i if isinstance(i, Item) else make_item(i, action.Currency, base) for i in items]
    _money_defaults(action, given)
    action.EventDate = action.EventDate or action.CreationDate
    action.ReferringDate = action.ReferringDate or action.EventDate
    if "LockingDate" not in given:
        action.LockingDate = action.EventDate + timedelta(days=30)
    action.updated = _updated(fields, base)
    if action.CreationDate > action.updated:
        raise ValueError("CreationDate: later than the action's last-updated time")
    action.changed()
    return action


def _defaults(account: Account, tracker: str, base: datetime) -> dict[str, Any]:
    """The fields of a fresh PENDING sale in the account's campaign."""
    blank = {n: "" for n in ACTION_FIELDS if n not in ACTION_MONEY and n not in ACTION_DATES and n not in ("Id", "Uri")}
    return {**blank, "CampaignId": account.campaign_id, "CampaignName": account.campaign_name,
            "ActionTrackerId": tracker, "ActionTrackerName": account.trackers.get(tracker, ""), "EventTypeId": tracker,
            "State": "PENDING", "Currency": "USD", "ReferringType": "CLICK_COOKIE", "CreationDate": base,
            "ReferringDate": None, "EventDate": None, "LockingDate": None, "ClearedDate": None}


def _money_defaults(action: Action, given: Mapping[str, Any]) -> None:
    """Amount (default: the items' sum), Payout (10 %), the intended values and the deltas."""
    _set_money(action, "Amount", given.get("Amount", sum((i.SaleAmount for i in action.items), ZERO)))
    _set_money(action, "Payout", given.get("Payout", action.Amount * PAYOUT_RATE))
    _set_money(action, "IntendedAmount", given.get("IntendedAmount", action.Amount))
    _set_money(action, "IntendedPayout", given.get("IntendedPayout", action.Payout))
    _set_money(action, "DeltaAmount", given.get("DeltaAmount", action.Amount - action.IntendedAmount))
    _set_money(action, "DeltaPayout", given.get("DeltaPayout", action.Payout - action.IntendedPayout))


def _set_money(action: Action, name: str, value: Any) -> None:
    """Set one amount, rounded to the action's currency; ValueError naming the field."""
    try:
        setattr(action, name, money(_text(value), action.Currency))
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _text(value: Any) -> str | Decimal:
    """A Decimal as it is, anything else as text (an int 0 given to add_action is "0")."""
    return value if isinstance(value, Decimal) else str(value)


def _updated(fields: Mapping[str, Any], base: datetime) -> datetime:
    """The internal last-updated time: UpdatedDate, or UpdatedDaysAgo days before `base`, or `base`."""
    days, when = fields.get("UpdatedDaysAgo", ""), fields.get("UpdatedDate", "")
    if isinstance(when, datetime):
        return when
    if str(when).strip():
        parsed = parse_date(str(when), base)
        assert parsed is not None
        return parsed
    if str(days).strip():
        text = str(days).strip()
        if not text.isdigit():
            raise ValueError(f"UpdatedDaysAgo: {text!r} is not a whole number of days >= 0")
        return base - timedelta(days=int(text))
    return base


def make_item(fields: Mapping[str, Any], currency: str, base: datetime) -> Item:
    """One item from its API field values (Sku required)."""
    unknown = [n for n in fields if n not in ITEM_FIELDS and n != "ActionId"]
    if unknown:
        raise ValueError(f"{unknown[0]}: not an item field")
    item = Item()
    values = {"Category": "", "Quantity": "1", "SaleAmount": "0", "SaleAmountCurrency": currency,
              "Rebate": "0", "AdjustmentDate": "", "AdjustmentReason": "",
              **{k: v for k, v in fields.items() if k != "ActionId" and v not in ("", None)}}
    item.Sku = str(values.get("Sku", "")).strip()
    if not item.Sku:
        raise ValueError("Sku: missing")
    values.setdefault("ItemName", item.Sku)
    for name in ("SaleAmountCurrency", *(n for n in ITEM_FIELDS[1:] if n != "SaleAmountCurrency")):
        try:
            setattr(item, name, _item_value(name, values.get(name), item, base))
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    return item


def _item_value(name: str, text: Any, item: Item, base: datetime) -> Any:
    """The typed value of one item field (Payout defaults to 10 % of the SaleAmount)."""
    if name == "Payout" and text is None:
        return quantize(item.SaleAmount * PAYOUT_RATE, item.SaleAmountCurrency)
    if name in ITEM_MONEY:
        return money(_text(text), item.SaleAmountCurrency)
    if name in ITEM_DATES:
        return text if isinstance(text, datetime) else parse_date(str(text), base)
    if name == "Quantity" and not str(text).isdigit():
        raise ValueError(f"{text!r} is not a whole number >= 0")
    return str(text)
