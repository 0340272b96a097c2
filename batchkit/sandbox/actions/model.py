"""An action and its items as the platform keeps them: typed values in, the API's strings out.

Amounts are Decimals already rounded to the currency's minor unit (batchkit.core.money), dates are
aware datetimes (None when unset), everything else is text. The JSON and XML of an action are
rendered once and kept until the action changes (or its State as read changes: a PENDING action
whose LockingDate has passed reads as APPROVED).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from json.encoder import encode_basestring
from xml.sax.saxutils import escape

from batchkit.core.money import parse_money, quantize

PLATFORM_TZ = timezone(timedelta(hours=-8))  # the sandbox's account reports dates at -08:00, as a US account does

ACTION_FIELDS = (
    "Id", "CampaignId", "CampaignName", "ActionTrackerId", "ActionTrackerName", "EventTypeId", "MediaPartnerId",
    "MediaPartnerName", "State", "AdId", "Payout", "DeltaPayout", "IntendedPayout", "Amount", "DeltaAmount",
    "IntendedAmount", "Currency", "ReferringDate", "EventDate", "CreationDate", "LockingDate", "ClearedDate",
    "ReferringType", "Oid", "PromoCode", "CustomerId", "CustomerStatus", "Note", "Uri",
)
ACTION_MONEY = frozenset({"Payout", "DeltaPayout", "IntendedPayout", "Amount", "DeltaAmount", "IntendedAmount"})
ACTION_DATES = frozenset({"ReferringDate", "EventDate", "CreationDate", "LockingDate", "ClearedDate"})
ITEM_FIELDS = ("Sku", "ItemName", "Category", "Quantity", "SaleAmount", "SaleAmountCurrency", "Payout", "Rebate",
               "AdjustmentDate", "AdjustmentReason")
ITEM_MONEY = frozenset({"SaleAmount", "Payout", "Rebate"})
ITEM_DATES = frozenset({"AdjustmentDate"})
STATES = ("PENDING", "APPROVED", "REVERSED")
ZERO = Decimal("0.00")


_SHIFT = -8 * 3600
_DAYS: dict[int, str] = {}  # days since the epoch -> "2026-11-20"
_TIMES: dict[int, str] = {}  # seconds into the day -> "T10:15:00-08:00"
_DAY_ZERO = date(1970, 1, 1)


def render_date(value: datetime | None) -> str:
    """ISO 8601 with the account's offset (`2026-11-20T10:15:00-08:00`), "" when unset; whole seconds.
    (Built from cached day and time texts: the dates of 20,000 actions render in a blink.)"""
    if value is None:
        return ""
    days, rest = divmod(int(value.timestamp() // 1) + _SHIFT, 86400)
    day = _DAYS.get(days)
    if day is None:
        day = _DAYS[days] = (_DAY_ZERO + timedelta(days=days)).isoformat()
    time = _TIMES.get(rest)
    if time is None:
        time = _TIMES[rest] = "T%02d:%02d:%02d-08:00" % (rest // 3600, rest // 60 % 60, rest % 60)
    return day + time


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def micros(value: datetime) -> int:
    """Microseconds since the epoch: an exact, fast sort key for an aware datetime."""
    return (value - _EPOCH) // _MICROSECOND


def render_money(value: Decimal) -> str:
    """An amount as the API writes it ("21.99", "10000" for JPY): already rounded, never "-0.00"."""
    text = str(value)
    return text[1:] if text[0] == "-" and not value else text


def parse_date(text: str, base: datetime) -> datetime | None:
    """ISO 8601 with an offset or Z, or a signed whole number of days from `base`; "" is None."""
    text = text.strip()
    if not text:
        return None
    if text.lstrip("+-").isdigit():
        return base + timedelta(days=int(text))
    value = datetime.fromisoformat(text)  # ValueError when it is not ISO 8601
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no offset (add Z or +00:00)")
    return value


def money(text: str | Decimal, currency: str) -> Decimal:
    """An amount rounded to the currency's minor unit; ValueError when it is not a plain decimal."""
    value = text if isinstance(text, Decimal) else parse_money(text)
    if value is None:
        raise ValueError(f"{text!r} is not a plain decimal amount")
    return quantize(value, currency).copy_abs() if value == 0 else quantize(value, currency)


class Item:
    """One line item of an action."""

    __slots__ = ITEM_FIELDS
    Sku: str
    ItemName: str
    Category: str
    Quantity: str
    SaleAmount: Decimal
    SaleAmountCurrency: str
    Payout: Decimal
    Rebate: Decimal
    AdjustmentDate: datetime | None
    AdjustmentReason: str

    def texts(self) -> dict[str, str]:
        """The item's fields as the API gives them."""
        out = {}
        for name in ITEM_FIELDS:
            value = getattr(self, name)
            out[name] = render_date(value) if name in ITEM_DATES else (render_money(value) if name in ITEM_MONEY else value)
        return out


class Action:
    """One action: the API's fields (Uri is derived), its items, and its internal last-updated time."""

    __slots__ = (*(f for f in ACTION_FIELDS if f != "Uri"), "items", "updated", "key", "rank", "base_uri", "_cache")
    Id: str
    CampaignId: str
    CampaignName: str
    ActionTrackerId: str
    ActionTrackerName: str
    EventTypeId: str
    MediaPartnerId: str
    MediaPartnerName: str
    State: str
    AdId: str
    Payout: Decimal
    DeltaPayout: Decimal
    IntendedPayout: Decimal
    Amount: Decimal
    DeltaAmount: Decimal
    IntendedAmount: Decimal
    Currency: str
    ReferringDate: datetime | None
    EventDate: datetime | None
    CreationDate: datetime
    LockingDate: datetime | None
    ClearedDate: datetime | None
    ReferringType: str
    Oid: str
    PromoCode: str
    CustomerId: str
    CustomerStatus: str
    Note: str
    items: list[Item]
    updated: datetime
    key: tuple[int, ...]
    rank: tuple[int, tuple[int, ...]]
    base_uri: str
    _cache: dict[str, str]

    def state(self, now: datetime) -> str:
        """State as read: a PENDING action past its LockingDate reads as APPROVED (not an update)."""
        if self.State == "PENDING" and self.LockingDate is not None and self.LockingDate <= now:
            return "APPROVED"
        return self.State

    def locked(self, now: datetime) -> bool:
        """True when no modification may touch it any more: APPROVED or past its LockingDate."""
        return self.State == "APPROVED" or (self.LockingDate is not None and self.LockingDate <= now)

    def order(self) -> tuple[int, tuple[int, ...]]:
        """Sort key of "newest created first": CreationDate, then Id (kept by changed())."""
        return self.rank

    def item(self, sku: str) -> Item | None:
        """The item with this Sku (the first, should the action carry it twice)."""
        return next((i for i in self.items if i.Sku == sku), None)

    def changed(self) -> None:
        """Forget the rendered bodies after a change, and renew the sort key."""
        self._cache = {}
        self.rank = (micros(self.CreationDate), self.key)

    def texts(self, now: datetime) -> list[str]:
        """The values of ACTION_FIELDS as the API gives them, in that order."""
        m, d = render_money, render_date
        return [self.Id, self.CampaignId, self.CampaignName, self.ActionTrackerId, self.ActionTrackerName,
                self.EventTypeId, self.MediaPartnerId, self.MediaPartnerName, self.state(now), self.AdId,
                m(self.Payout), m(self.DeltaPayout), m(self.IntendedPayout), m(self.Amount), m(self.DeltaAmount),
                m(self.IntendedAmount), self.Currency, d(self.ReferringDate), d(self.EventDate), d(self.CreationDate),
                d(self.LockingDate), d(self.ClearedDate), self.ReferringType, self.Oid, self.PromoCode, self.CustomerId,
                self.CustomerStatus, self.Note, f"{self.base_uri}/Actions/{self.Id}"]

    def fields(self, now: datetime) -> dict[str, str]:
        """The action as the API gives it (a dict of strings)."""
        return dict(zip(ACTION_FIELDS, self.texts(now)))

    def json(self, now: datetime) -> str:
        """The action's JSON object, rendered once per State as read."""
        state = self.state(now)
        cached = self._cache.get("json" + state)
        if cached is None:
            values = self.texts(now)
            for at in _ESCAPED:
                values[at] = encode_basestring(values[at])
            cached = self._cache["json" + state] = _JSON_TEMPLATE % tuple(values)
        return cached

    def xml(self, now: datetime) -> str:
        """The action as an <Action> element, rendered once per State as read."""
        state = self.state(now)
        cached = self._cache.get("xml" + state)
        if cached is None:
            cells = "".join([f"<{k}>{escape(v)}</{k}>" for k, v in zip(ACTION_FIELDS, self.texts(now))])
            cached = self._cache["xml" + state] = f"<Action>{cells}</Action>"
        return cached


_ESCAPED = [at for at, name in enumerate(ACTION_FIELDS) if name not in ACTION_MONEY and name not in ACTION_DATES]
_JSON_TEMPLATE = "{" + ",".join(f'"{name}":%s' if at in _ESCAPED else f'"{name}":"%s"'
                                for at, name in enumerate(ACTION_FIELDS)) + "}"  # amounts and dates need no escapes


def id_key(action_id: str) -> tuple[int, ...]:
    """The numeric sort key of a dotted id (`1000.4636.158201` -> (1000, 4636, 158201))."""
    try:
        return tuple(int(part) for part in action_id.split("."))
    except ValueError:
        return (0,)
