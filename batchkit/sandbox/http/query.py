"""GET /Actions: its parameters checked as the platform checks them, and the actions they select.

CampaignId required; StartDate/EndDate (last-updated), ActionDateStart/ActionDateEnd (EventDate),
LockingDateStart/LockingDateEnd: each pair together, ISO 8601 with an offset or Z, [start, end),
at most 45 days; StartDate at most 3 years back; no pair at all = the past 7 days of last-updated.
PageSize 2,000..20,000 (default 20,000); more than 10 x PageSize matches is an error. Newest created
first (CreationDate, then Id, descending).

Two 400s that must not be mistaken for each other (only the second asks for a narrower date range):

    a CampaignId that is not the account's   "CampaignId 9999 is not a campaign of this account"
                                             Errors [{"Field": "CampaignId", "Message": "unknown campaign"}]
    more than 10 x PageSize matches          "20100 actions match, more than 10 x PageSize (20000): narrow
                                             the date range"
                                             Errors [{"Field": "EndDate", "Message": "too many results"}]

A CampaignId is the account's when it is the account's campaign as a number ("04636" is 4636).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from operator import attrgetter

from batchkit.sandbox.actions.model import STATES, Action
from batchkit.sandbox.actions.store import Store
from batchkit.sandbox.http.render import ApiError

_RANK = attrgetter("rank")
PAIRS = {"updated": ("StartDate", "EndDate"), "event": ("ActionDateStart", "ActionDateEnd"),
         "locking": ("LockingDateStart", "LockingDateEnd")}
MAX_RANGE = timedelta(days=45)
DEFAULT_RANGE = timedelta(days=7)
PAGE_SIZES = (2000, 20000)  # minimum, maximum (and default) of GET /Actions


@dataclass(frozen=True)
class ActionQuery:
    """What a GET /Actions asks for."""

    campaign_id: str
    state: str | None
    ranges: dict[str, tuple[datetime, datetime]]
    page: int
    size: int
    default_window: bool = False

    def cache_key(self, now: datetime) -> tuple[object, ...]:
        """What the selection depends on besides the store (the clock only for State and the default window)."""
        clocked = now if self.state or self.default_window else None
        return self.campaign_id, self.state, tuple(sorted(self.ranges.items())), self.size, clocked


def page_params(query: Mapping[str, str], smallest: int, largest: int) -> tuple[int, int]:
    """(Page, PageSize) of a list request: Page >= 1 (default 1), PageSize in [smallest, largest]."""
    page, size = query.get("Page", "1"), query.get("PageSize", str(largest))
    if not page.isdigit() or int(page) < 1:
        raise ApiError(400, f"Page must be a whole number >= 1, not {page!r}", [("Page", "invalid")])
    if not size.isdigit() or not smallest <= int(size) <= largest:
        raise ApiError(400, f"PageSize must be a whole number from {smallest} to {largest}, not {size!r}",
                       [("PageSize", "out of range")])
    return int(page), int(size)


def parse_date(name: str, text: str) -> datetime:
    """An ISO 8601 date with an offset or Z; a 400 naming the parameter otherwise."""
    hint = " (a '+' in a query must be sent as %2B)" if " " in text else ""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ApiError(400, f"{name} must be an ISO 8601 date with an offset or Z, such as 2026-11-01T00:00:00Z, "
                            f"not {text!r}{hint}", [(name, "invalid date")])
    return value


def parse_action_query(query: Mapping[str, str], now: datetime) -> ActionQuery:
    """The parameters of a GET /Actions, or the platform's 400 for them."""
    campaign = query.get("CampaignId", "")
    if not campaign:
        raise ApiError(400, "CampaignId is required", [("CampaignId", "required")])
    state = query.get("State") or None
    if state is not None and state not in STATES:
        raise ApiError(400, f"State must be one of {', '.join(STATES)}, not {state!r}", [("State", "invalid")])
    ranges = {}
    for what, (first, last) in PAIRS.items():
        given = [n for n in (first, last) if query.get(n)]
        if len(given) == 1:
            missing = last if given[0] == first else first
            raise ApiError(400, f"{given[0]} needs {missing}: give both or neither", [(missing, "required")])
        if given:
            ranges[what] = _range(first, last, query, now)
    default = not ranges
    if default:
        ranges["updated"] = (now - DEFAULT_RANGE, datetime.max.replace(tzinfo=now.tzinfo))
    page, size = page_params(query, *PAGE_SIZES)
    return ActionQuery(campaign, state, ranges, page, size, default)


def own_campaign(q: ActionQuery, campaign_id: str) -> ActionQuery:
    """The query for the account's campaign (its spelling), or the 400 for a campaign the account does not have."""
    asked = q.campaign_id.strip()
    if asked == campaign_id or (asked.isdigit() and campaign_id.isdigit() and int(asked) == int(campaign_id)):
        return replace(q, campaign_id=campaign_id)
    raise ApiError(400, f"CampaignId {q.campaign_id} is not a campaign of this account",
                   [("CampaignId", "unknown campaign")])


def _range(first: str, last: str, query: Mapping[str, str], now: datetime) -> tuple[datetime, datetime]:
    """One date pair, checked: end after start, at most 45 days; StartDate at most 3 years back."""
    start, end = parse_date(first, query[first]), parse_date(last, query[last])
    if end <= start:
        raise ApiError(400, f"{last} must be after {first}", [(last, "before start")])
    if end - start > MAX_RANGE:
        raise ApiError(400, f"{first} to {last} spans more than 45 days: split it into windows of at most 45 days",
                       [(last, "range too long")])
    if first == "StartDate" and start < _years_back(now, 3):
        raise ApiError(400, "StartDate may be at most 3 years back", [(first, "too far back")])
    return start, end


def _years_back(now: datetime, years: int) -> datetime:
    """The same moment `years` years earlier (28 February for a 29 February)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def select(store: Store, q: ActionQuery, now: datetime) -> list[Action]:
    """The actions a query selects, newest created first; a 400 when more than 10 x PageSize match.
    The last selection is kept until the store changes, so paging through it costs one selection."""
    key = (q.cache_key(now), store.version)
    cached = store.selection
    if cached is not None and cached[0] == key:
        return cached[1]
    hits = _select(store, q, now)
    store.selection = (key, hits)
    return hits


def _select(store: Store, q: ActionQuery, now: datetime) -> list[Action]:
    updated = q.ranges.get("updated")
    found = store.updated_between(*updated) if updated else store.everything()
    tests = _tests(q, now)
    hits = [a for a in found if a.CampaignId == q.campaign_id and all(t(a) for t in tests)]
    if len(hits) > 10 * q.size:
        raise ApiError(400, f"{len(hits)} actions match, more than 10 x PageSize ({10 * q.size}): "
                            "narrow the date range", [("EndDate", "too many results")])
    hits.sort(key=_RANK, reverse=True)
    return hits


def _tests(q: ActionQuery, now: datetime) -> list[Callable[[Action], bool]]:
    """Filters other than the campaign and last-updated (which the store's order answers)."""
    tests: list[Callable[[Action], bool]] = []
    if q.state:
        tests.append(lambda a: a.state(now) == q.state)
    for what, attribute in (("event", "EventDate"), ("locking", "LockingDate")):
        if what in q.ranges:
            tests.append(_within(attribute, *q.ranges[what]))
    return tests


def _within(attribute: str, low: datetime, high: datetime) -> Callable[[Action], bool]:
    """A filter: the action's date `attribute` is set and in [low, high)."""
    def test(action: Action) -> bool:
        value = getattr(action, attribute)
        return value is not None and low <= value < high
    return test
