"""Reading the API's JSON: exact numbers, the pagination envelope, required keys (never a traceback)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from batchkit.api.errors import ApiAnswerError


def parse_json(body: bytes, what: str, hook: Callable[[dict[str, Any]], Any] | None = None) -> Any:
    """JSON with every number exact (Decimal, never float); XML or a broken body is ApiAnswerError.
    `hook` (json's object_hook) may turn each object into something smaller as it is read."""
    text = body.lstrip()
    if text.startswith(b"<"):
        raise ApiAnswerError(f"{what}: impact.com answered XML, not JSON (it does so when a request lacks "
                             "'Accept: application/json'; a proxy in between may have dropped the header)")
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_no_constant, object_hook=hook)
    except (ValueError, RecursionError) as exc:
        at = getattr(exc, "pos", None)
        where = f" at byte {at:,}" if at is not None else ""
        raise ApiAnswerError(f"{what}: the answer is not complete JSON ({len(body):,} bytes, broken{where}): "
                             "a truncated or malformed body", broken=True) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def money(value: Any) -> Decimal | None:
    """An amount as the API gives it ("21.99", 21.99 read as Decimal, 21, "") -> Decimal, or None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError("amounts are never floats")  # parse_json reads numbers as Decimal
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def need(obj: Any, key: str, what: str) -> Any:
    """obj[key], or ApiAnswerError naming the missing key."""
    if not isinstance(obj, dict) or key not in obj:
        raise ApiAnswerError(f"{what}: the answer has no {key!r}")
    return obj[key]


@dataclass(frozen=True)
class Page:
    """One page of a list: its records and the envelope's numbers (the API sends them as strings)."""

    records: list[Any]  # dicts, or what the parse's hook made of them
    page: int
    pages: int
    total: int
    next_uri: str


def _count(envelope: dict[str, Any], key: str, what: str, default: int) -> int:
    value = envelope.get(key, default)
    try:
        return int(str(value).strip() or default)
    except ValueError:
        raise ApiAnswerError(f"{what}: {key} is {value!r}, not a number") from None


def page_of(body: Any, key: str, what: str) -> Page:
    """The records under `key` and the envelope of a paginated answer."""
    records = need(body, key, what)
    if not isinstance(records, list) or not all(isinstance(r, (dict, tuple)) for r in records):
        raise ApiAnswerError(f"{what}: {key!r} is not a list of records")
    next_uri = body.get("@nextpageuri") or ""
    if not isinstance(next_uri, str):
        raise ApiAnswerError(f"{what}: @nextpageuri is not a link")
    return Page(records, _count(body, "@page", what, 1), _count(body, "@numpages", what, 1),
                _count(body, "@total", what, len(records)), next_uri.strip())
