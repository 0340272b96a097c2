"""Reading the API's JSON: exact numbers, the pagination envelope, required keys (never a traceback), and the
pages of a listing checked to advance (Walk)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from batchkit.api.errors import ApiAnswerError, ListingIncomplete


def parse_json(body: bytes, what: str, hook: Callable[[dict[str, Any]], Any] | None = None) -> Any:
    """JSON with every number exact (Decimal, never float); XML or a broken body is ApiAnswerError.
    `hook` (json's object_hook) may turn each object into something smaller as it is read."""
    text = body.lstrip()
    if text.startswith(b"<"):
        raise ApiAnswerError(f"{what}: impact.com answered XML, not JSON (it does so when a request lacks "
                             "'Accept: application/json'; a proxy in between may have dropped the header)")
    try:
        return json.loads(body, parse_float=_number, parse_constant=_no_constant, object_hook=hook)
    except (ValueError, RecursionError) as exc:
        at = getattr(exc, "pos", None)
        where = f" at byte {at:,}" if at is not None else ""
        raise ApiAnswerError(f"{what}: the answer is not complete JSON ({len(body):,} bytes, broken{where}): "
                             "a truncated or malformed body", broken=True) from None


def _number(text: str) -> Decimal:
    """A JSON number with a fraction or an exponent, exact and plain (`1e2` -> 100, `-0.0` -> 0: core/money.py's one
    parser); a number beyond its digits stays as Decimal gives it (the range is judged where it is used)."""
    from batchkit.core.money import parse_money

    value = parse_money(text)
    return Decimal(text) if value is None else value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def money(value: Any) -> Decimal | None:
    """An amount as the API gives it ("21.99", 21.99 or 1e2 read as Decimal, 21, "") -> Decimal, or None when
    empty or not an amount: through batchkit.core.money.parse_money, the one parser (1e2 -> 100, -0 -> 0)."""
    from batchkit.core.money import parse_money

    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError("amounts are never floats")  # parse_json reads numbers as Decimal
    return parse_money(str(value))


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


MAX_PAGES = 1000  # pages of one listing, whatever @numpages says: an hour of the account's requests


def record_id(record: Any) -> str | None:
    """A record's Id (actions, inquiries), None when it has none (items, ErrorDetails, submissions)."""
    if not isinstance(record, dict):
        return None
    return str(record.get("Id") or "").strip() or None


def link_key(link: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A page's link as what it asks for: its decoded path and its sorted query (no Page = Page 1)."""
    parts = urlsplit(link)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if not any(k == "Page" for k, _ in query):
        query.append(("Page", "1"))
    return unquote(parts.path), tuple(sorted(query))


class Walk:
    """The pages of one listing, checked to advance (SPEC §8: a listing whose pages do not advance is
    incomplete): a page asked for twice, more pages than @numpages (or MAX_PAGES), a next link missing before
    @numpages, a record (by `ident`) on two pages -> ListingIncomplete, naming which."""

    def __init__(self, what: str, first: str, ident: Callable[[Any], str | None] = record_id) -> None:
        self.what, self.ident, self.read = what, ident, 0
        self.links = {link_key(first)}
        self.ids: set[str] = set()

    def _incomplete(self, why: str) -> ListingIncomplete:
        return ListingIncomplete(f"{self.what}: {why}; the listing is incomplete (what was read is kept, nothing is "
                                 "taken as the whole list): try again later")

    def count(self, page: Page) -> None:
        """One more page read: its records must be new to this listing."""
        self.read += 1
        for record in page.records:
            key = self.ident(record)
            if key is None:
                continue
            if key in self.ids:
                raise self._incomplete(f"record {key!r} is on page {self.read} and on an earlier page")
            self.ids.add(key)

    def end(self, page: Page) -> None:
        """The page has no next link: it must be the last @numpages announced."""
        if self.read < page.pages:
            raise self._incomplete(f"@numpages says {page.pages:,}, but page {self.read:,} has no next-page link")

    def follow(self, page: Page, link: str) -> str:
        """The next page's link (already checked to lead into the account), when it leads somewhere new."""
        if self.read >= min(page.pages, MAX_PAGES):
            limit = f"@numpages ({page.pages:,})" if page.pages < MAX_PAGES else f"{MAX_PAGES:,} pages"
            raise self._incomplete(f"page {self.read:,} links to a next page past {limit}")
        key = link_key(link)
        if key in self.links:
            raise self._incomplete(f"page {self.read:,} links to a page already read ({link[:160]})")
        self.links.add(key)
        return link
