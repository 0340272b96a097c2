"""An action as the mirror stores it: its keys, its documented fields packed exactly into one text, the
fields the API may add later as JSON; and the times the mirror writes (README "The mirror")."""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

# the fields of an action the API documents, packed in order into one `fields` text (a field it adds later
# goes in `extra`); the KEYS are columns of their own too, for the indexes and preflight's join
FIELDS = ("Id", "CampaignId", "CampaignName", "ActionTrackerId", "ActionTrackerName", "EventTypeId", "MediaPartnerId",
          "MediaPartnerName", "State", "AdId", "Payout", "DeltaPayout", "IntendedPayout", "Amount", "DeltaAmount",
          "IntendedAmount", "Currency", "ReferringDate", "EventDate", "CreationDate", "LockingDate", "ClearedDate",
          "ReferringType", "Oid", "PromoCode", "CustomerId", "CustomerStatus", "Note", "Uri")
_KNOWN = frozenset(FIELDS)
KEYS = ("Id", "Oid", "ActionTrackerId", "State", "Amount", "Currency", "CreationDate", "LockingDate")
_KEY_AT = tuple(FIELDS.index(k) for k in KEYS)
_SEP, _NULL, _JSON = "\x1f", "\x00", "\x1e"  # between packed values; a missing value; a packing in JSON instead


def utc_text(moment: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC, to the second, with Z."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    """ISO 8601 with Z or an offset -> an aware datetime."""
    return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))


def plain(value: Any) -> Any:
    """JSON-ready: exact numbers (Decimal) as their text, so nothing passes through a float."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def cell(value: Any) -> str | None:
    """A field's value as stored: text as given, a number as its exact text, a structure as JSON."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(plain(value), ensure_ascii=False)
    return str(value)


def text_of(value: Any) -> str:
    return "" if value is None else str(value).strip()


_ALL = operator.itemgetter(*FIELDS)


def pack(values: tuple[str | None, ...]) -> str:
    """The documented fields in one text: joined by \\x1f (None as \\x00); JSON when a value holds either."""
    if None not in values:
        text = _SEP.join(values)  # type: ignore[arg-type]
        if text.count(_SEP) == len(values) - 1 and _NULL not in text and not text.startswith(_JSON):
            return text
    elif not any(v is not None and (_SEP in v or _NULL in v) for v in values) and not (values[0] or "").startswith(
            _JSON):
        return _SEP.join(_NULL if v is None else v for v in values)
    return _JSON + json.dumps(values, ensure_ascii=False)


def unpack(text: str) -> list[str | None]:
    if text.startswith(_JSON):
        return list(json.loads(text[1:]))
    return [None if v == _NULL else v for v in text.split(_SEP)]


def stored_row(action: dict[str, Any], stamp: str) -> tuple[Any, ...] | None:
    """What is stored of one action: its keys, its packed fields, extra ones as JSON (an upsert rewrites only
    rows whose content changed). The usual action, every documented field present as text and no other,
    takes the fast path: one C-level getter and one join."""
    try:
        values: tuple[Any, ...] = _ALL(action)
        complete = len(action) == len(FIELDS)
    except KeyError:
        values, complete = tuple(action.get(f) for f in FIELDS), False
    if not set(map(type, values)) <= {str}:
        values = tuple(cell(v) for v in values)
    if not (values[0] or "").strip():
        return None
    others = () if complete else action.keys() - _KNOWN
    extra = json.dumps({k: plain(action[k]) for k in others}, ensure_ascii=False, sort_keys=True) if others \
        else None
    return (*(values[i] for i in _KEY_AT), pack(values), extra, stamp)


def row_hook(now: datetime) -> Callable[[dict[str, Any]], Any]:
    """json's object_hook for a page of actions: each action becomes its stored row as soon as it is read, so a
    page of 20,000 holds a few texts per action, not dicts of 29 values; other objects stay as they are."""
    stamp = utc_text(now)

    def hook(obj: dict[str, Any]) -> Any:
        if "Id" not in obj or "CampaignId" not in obj:
            return obj
        return stored_row(obj, stamp) or obj

    return hook


def row_id(row: tuple[Any, ...]) -> str:
    return str(row[0] or "")
