"""Sync the account's actions into the mirror (README "The mirror").

The first sync reads `sync_days` of last-updated time in windows of at most 45 days (the API's
limit), oldest first, pages of `page_size`; a window the API refuses for holding more than
10 x PageSize (its documented "too many records" answer, and only that) is split in two; any other
refusal (an unknown CampaignId, ...) fails at once with the API's words. Later syncs are incremental:
from the high-water mark (less a small overlap) to now. Every window ends in the past, so actions
arriving newest-first during the sync do not shift its pages; an action updated while its window is
read leaves the window and shifts the later pages, which the page totals show: such a window is read
again (upserts make that harmless).

A window is done only when one read of it was whole: its pages advanced (no page twice, no record on two
pages, as many pages as @numpages: ApiClient.pages), its total held still and as many actions came as it
said. After REREADS reads that were not, the window is incomplete: the actions read are kept, but it stays
pending (the mirror's high-water mark does not move past it) and the sync stops with ListingIncomplete
(exit 3) naming it: the next sync reads it again. The windows are recorded before they are read, so a sync
stopped half-way resumes them.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from batchkit.api.answers import Page
from batchkit.api.client import ApiClient
from batchkit.api.errors import ApiRejected, ListingIncomplete
from batchkit.state.mirror import Mirror, Stored
from batchkit.state.rows import row_hook, row_id, utc_text

MAX_WINDOW = timedelta(days=45)
MAX_BACK = timedelta(days=3 * 365)
OVERLAP = timedelta(minutes=5)  # an incremental sync re-reads this much before the high-water mark
MIN_SPLIT = timedelta(hours=1)  # a window this short that still holds too much is an error, not split
REREADS = 3  # reads of one window before it is taken as incomplete (not synced)
# the API's answer to a query over 10 x PageSize records (SPEC §5.2; the sandbox: "N actions match, more than
# 10 x PageSize (M): narrow the date range", EndDate: "too many results"): the only 400 that splits a window
TOO_MANY = re.compile(r"too many (records|results|actions)|more than 10 ?[x×*] ?pagesize", re.IGNORECASE)


def too_many_records(exc: ApiRejected) -> bool:
    """Whether a refusal is the documented "too many records" answer (a window to split), and not another
    400 (an unknown CampaignId, a bad date) that splitting would only repeat."""
    return exc.status == 400 and bool(TOO_MANY.search(exc.said or ""))


@dataclass
class SyncProgress:
    """Where a sync is, for a progress bar."""

    window: int
    windows: int
    page: int
    pages: int
    requests: int
    left: int | None
    seconds: float


@dataclass
class SyncSummary:
    """What a sync did: the window synced, pages and requests spent, actions new, updated and unchanged.

    Example::

        summary = batchkit.sync_actions(days=30)
        print(summary.requests, summary.new, summary.updated, summary.actions)
    """

    since: datetime
    until: datetime
    windows: int = 0
    pages: int = 0
    new: int = 0
    updated: int = 0
    same: int = 0
    requests: int = 0
    waited: float = 0.0
    rereads: int = 0
    splits: int = 0
    resumed: int = 0
    actions: int = 0
    incremental: bool = False
    mirror: str = ""
    notes: list[str] = field(default_factory=list)

    def _add(self, stored: Stored) -> None:
        self.new, self.updated, self.same = self.new + stored.new, self.updated + stored.updated, \
            self.same + stored.same

    def as_dict(self) -> dict[str, Any]:
        """The JSON document of `batchkit actions sync --format json`.

        Example::

            print(json.dumps(batchkit.sync_actions(days=30).as_dict()))
        """
        return {"since": utc_text(self.since), "until": utc_text(self.until), "incremental": self.incremental,
                "windows": self.windows, "pages": self.pages, "new": self.new, "updated": self.updated,
                "unchanged": self.same, "requests": self.requests, "waited_seconds": round(self.waited, 1),
                "reread_windows": self.rereads, "split_windows": self.splits, "resumed_windows": self.resumed,
                "actions_in_mirror": self.actions, "mirror": self.mirror, "notes": self.notes}


def windows_between(start: datetime, end: datetime, size: timedelta = MAX_WINDOW) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into windows of at most `size`, oldest first."""
    out = []
    while start < end:
        out.append((start, min(end, start + size)))
        start = out[-1][1]
    return out


def _range(mirror: Mirror, days: int | None, since: datetime | None, until: datetime | None,
           default_days: int, now: datetime) -> tuple[datetime, datetime, bool]:
    end = min(until or now, now).astimezone(UTC).replace(microsecond=0)
    if since is not None:
        start = since
    elif days is not None:
        start = end - timedelta(days=days)
    else:
        high = mirror.high_water()
        if high is not None and high > now - MAX_BACK:
            return max(high - OVERLAP, now - MAX_BACK + timedelta(days=1)), end, True
        start = end - timedelta(days=default_days)
    return max(start.astimezone(UTC), now - MAX_BACK + timedelta(days=1)), end, False


def prefetched(pages: Iterator[Page]) -> Iterator[Page]:
    """The pages of `pages`, the next one fetched (in a thread) while the caller stores this one.

    Storing releases the GIL inside SQLite and fetching waits on the socket, so the two overlap. The
    fetcher starts a page only when the caller has taken the previous one, so at most two pages are held
    at once. An error of the fetch is raised here, in the caller's thread."""
    slot: queue.Queue[tuple[str, Any]] = queue.Queue()
    turn = threading.Semaphore(1)  # a token per page the fetcher may start
    stop = threading.Event()

    def fetch() -> None:
        try:
            while True:
                while not turn.acquire(timeout=0.2):
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
                page = next(pages, None)
                slot.put(("end", None) if page is None else ("page", page))
                if page is None:
                    return
        except BaseException as exc:  # handed to the caller's thread
            slot.put(("error", exc))

    worker = threading.Thread(target=fetch, name="batchkit-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = slot.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            turn.release()  # the fetcher may start the next page while this one is stored
            yield value
            del value
    finally:
        stop.set()


def _action_id(action: Any) -> str | None:
    """An action's Id, whether the parse made a row of it (row_hook) or left it a dict."""
    if isinstance(action, tuple):
        found = row_id(action)
    else:
        found = str(action.get("Id") or "") if isinstance(action, dict) else ""
    return found.strip() or None


class Syncer:
    """One sync of one mirror through one client."""

    def __init__(self, client: ApiClient, mirror: Mirror, campaign_id: str, page_size: int,
                 progress: Callable[[SyncProgress], None] | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.client, self.mirror, self.campaign, self.page_size = client, mirror, campaign_id, page_size
        self.progress, self.now = progress, now
        self.started = client.budget.clock()

    def run(self, days: int | None = None, since: datetime | None = None, until: datetime | None = None,
            default_days: int = 90) -> SyncSummary:
        requests0, waited0 = self.client.budget.requests, self.client.budget.waited
        pending = self.mirror.pending_windows()
        start, end, incremental = _range(self.mirror, days, since, until, default_days, self.now())
        summary = SyncSummary(since=start, until=end, incremental=incremental, resumed=len(pending),
                              mirror=str(self.mirror.path))
        todo = [(plan, s, e) for plan, s, e in pending]
        if start < end:
            plan = self.mirror.plan(windows_between(start, end))
            todo += [(plan, s, e) for s, e in windows_between(start, end)]
        for number, (plan, s, e) in enumerate(todo, 1):
            self._window(summary, plan, s, e, number, len(todo))
        self.mirror.set_meta("synced_at", utc_text(self.now()))
        summary.requests = self.client.budget.requests - requests0
        summary.waited = self.client.budget.waited - waited0
        summary.actions = self.mirror.count()
        return summary

    def _params(self, start: datetime, end: datetime) -> dict[str, str]:
        return {"CampaignId": self.campaign, "StartDate": utc_text(start), "EndDate": utc_text(end),
                "PageSize": str(self.page_size)}

    def _window(self, summary: SyncSummary, plan: int, start: datetime, end: datetime, number: int,
                count: int) -> None:
        """Read one window whole (again while it is not); split it when the API says it holds too many records;
        ListingIncomplete when no read of it was whole (it stays pending, its actions kept)."""
        why = ""
        for _ in range(REREADS):
            try:
                pages, seen, stable = self._read(summary, start, end, number, count)
            except ApiRejected as exc:
                if not too_many_records(exc):
                    raise ApiRejected(f"{exc} (window {utc_text(start)} .. {utc_text(end)}); only a 'too many "
                                      f"records' answer splits a window: check the campaign id ({self.campaign})",
                                      exc.status, exc.said) from None
                self._split(summary, plan, start, end, number, count, exc)
                return
            except ListingIncomplete as exc:
                stable, why = False, str(exc)
            else:
                why = "its total changed, or fewer actions came than it said, while it was read"
            if stable:
                summary.windows += 1
                self.mirror.finish_window(plan, start, end, pages, seen, self.now())
                return
            summary.rereads += 1
        raise ListingIncomplete(f"the window {utc_text(start)} .. {utc_text(end)} could not be read whole in "
                                f"{REREADS} reads (the last: {why}); the actions read are kept, but the window is not "
                                "counted as synced: the next sync reads it again")

    def _split(self, summary: SyncSummary, plan: int, start: datetime, end: datetime, number: int, count: int,
               exc: ApiRejected) -> None:
        """Read a window the API says holds too many records as two halves (an error below MIN_SPLIT)."""
        if end - start <= MIN_SPLIT:
            raise exc
        middle = (start + (end - start) / 2).replace(microsecond=0)
        self.mirror.split_window(plan, start, middle, end)
        summary.splits += 1
        self._window(summary, plan, start, middle, number, count)
        self._window(summary, plan, middle, end, number, count)

    def _read(self, summary: SyncSummary, start: datetime, end: datetime, number: int,
              count: int) -> tuple[int, int, bool]:
        """One read of a window: (pages, distinct actions seen, whether its total held still)."""
        totals: set[int] = set()
        seen: set[str] = set()
        pages = 0
        listing = self.client.pages("Actions", self._params(start, end), "Actions", what="GET /Actions",
                                    hook=row_hook(self.now()), ident=_action_id)
        for page in prefetched(listing):
            pages += 1
            totals.add(page.total)
            seen.update(_action_id(a) or "" for a in page.records)
            summary._add(self.mirror.store(page.records, self.now()))
            summary.pages += 1
            self._tell(number, count, page.page, page.pages)
        seen.discard("")
        return pages, len(seen), len(totals) <= 1 and len(seen) >= max(totals, default=0)

    def _tell(self, number: int, count: int, page: int, pages: int) -> None:
        if self.progress:
            b = self.client.budget
            self.progress(SyncProgress(number, count, page, pages, b.requests, b.left(),
                                       b.clock() - self.started))
