"""One delivery through the API (deliver --to api): the records of each file sent, confirmed or left unknown, one
by one under the lock (send.py validates and plans first; README "Delivering through the API")."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from batchkit.api.client import ApiClient
from batchkit.api.errors import (
    ApiCredentials,
    ApiForbidden,
    ApiRejected,
    NotAccepted,
    UnknownWrite,
)
from batchkit.api.mirror import Mirror, MirrorError
from batchkit.api.settings import ApiSettings
from batchkit.core.findings import FileReport
from batchkit.deliver.delivery import result_of
from batchkit.deliver.errors import UncertainDelivery
from batchkit.deliver.failpoints import crash_point
from batchkit.deliver.ledger import Ledger
from batchkit.deliver.records import DeliveryResult, Outgoing
from batchkit.deliver.viaapi import confirm
from batchkit.deliver.viaapi.book import DONE, RecordBook, RecordEntry
from batchkit.deliver.viaapi.destination import ApiDestination
from batchkit.deliver.viaapi.plan import Planned

MAX_STORMS = 5  # 429s in a row for one record before the run gives up (the budget waits out each)
MAX_LOST = 3  # answers lost in a row before the run stops (the link is failing: each is one more unknown)


@dataclass
class FilePlan:
    """One file's records and their requests."""

    item: Outgoing
    report: FileReport
    plans: list[Planned]


@dataclass
class ApiProgress:
    """Where a delivery through the API is, for a progress bar."""

    done: int
    total: int
    requests: int
    seconds: float
    left_seconds: float


@dataclass
class Counts:
    """What happened to one file's records in one run."""

    queued: int = 0
    applied: int = 0
    refused: int = 0
    skipped: int = 0
    earlier: int = 0
    unknown: int = 0
    failed: int = 0
    notes: list[str] = field(default_factory=list)

    def line(self, total: int) -> str:
        parts = [f"{getattr(self, k)} {k.replace('earlier', 'done earlier')}"
                 for k in ("queued", "applied", "earlier", "skipped", "refused", "unknown", "failed")
                 if getattr(self, k)]
        return f"{total} record(s): " + (", ".join(parts) or "nothing to send")


class ApiRun:
    """One run: one client, the book, the counts, the progress."""

    def __init__(self, dest: ApiDestination, api: ApiSettings, ledger: Ledger, book: RecordBook,
                 factory: Callable[[], ApiClient], resend_unknown: bool,
                 progress: Callable[[ApiProgress], None] | None) -> None:
        self.dest, self.api, self.ledger, self.book = dest, api, ledger, book
        self.factory, self.resend_unknown, self.progress = factory, resend_unknown, progress
        self._client: ApiClient | None = None
        self._mirror: Mirror | None | bool = False
        self.total = self.done = 0
        self.started = time.monotonic()
        self.lost_in_a_row = 0

    @property
    def client(self) -> ApiClient:
        if self._client is None:
            self._client = self.factory()
        return self._client

    def mirror(self) -> Mirror | None:
        """The account's mirror, for records named by OrderId (None when there is none)."""
        if self._mirror is False:
            from batchkit.api.actions import open_mirror

            try:
                self._mirror = open_mirror(self.api, create=False)
            except MirrorError:
                self._mirror = None
        return self._mirror if isinstance(self._mirror, Mirror) else None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if isinstance(self._mirror, Mirror):
            self._mirror.close()

    def todo(self, fp: FilePlan) -> int:
        done = self.book.of_file(fp.item.sha256, self.dest.url)
        return sum(1 for p in fp.plans if p.method and (p.row not in done or done[p.row].state not in DONE))

    def file(self, fp: FilePlan) -> DeliveryResult:
        """Deliver one file's records; its result (never raises for one record's trouble)."""
        item, counts = fp.item, Counts()
        earlier = self.book.of_file(item.sha256, self.dest.url)
        if fp.plans and all(p.row in earlier and earlier[p.row].state in DONE for p in fp.plans):
            return result_of(item, self.dest, "skipped", at=max(e.finished_at or "" for e in earlier.values()),
                             records=len(fp.plans))
        started = time.monotonic()
        delivery = self.ledger.begin(item.name, item.sha256, item.size, self.dest.url, str(item.path.resolve()))
        for p in fp.plans:
            state = self._record(fp, p, earlier.get(p.row), delivery, counts)
            setattr(counts, state, getattr(counts, state) + 1)
        return self._finish(fp, delivery, counts, time.monotonic() - started)

    def _finish(self, fp: FilePlan, delivery: int, counts: Counts, seconds: float) -> DeliveryResult:
        line = counts.line(len(fp.plans))
        problems = counts.unknown + counts.failed + counts.refused
        outcome = "delivered" if not problems else ("uncertain" if counts.unknown else "failed")
        error = None
        if problems:
            error = "; ".join(counts.notes[:3]) + (f" (and {len(counts.notes) - 3} more)" if len(counts.notes) > 3
                                                    else "")
        entry = self.ledger.update(delivery, "delivered" if not problems else "failed", attempts=1,
                                   remote=self.dest.url, error=error and line)
        return result_of(fp.item, self.dest, outcome, attempts=1, at=entry.finished_at, remote=self.dest.url,
                         seconds=seconds, entry=entry, note=line, error=error, records=len(fp.plans))

    def _record(self, fp: FilePlan, p: Planned, entry: RecordEntry | None, delivery: int, counts: Counts) -> str:
        """One record: skipped, done earlier, confirmed, or sent; the state it ends in."""
        item = fp.item
        if not p.method:
            self.book.skipped(delivery, item.sha256, self.dest.url, item.name, p.row, p.line,
                              "the row changes nothing (no Amount, CurrencyCode, CustomerStatus or item value)")
            return "skipped" if entry is None else "earlier"
        if entry is not None and entry.state in DONE:
            return "earlier"
        if entry is not None and entry.state == "unknown":
            decided = self._unknown(p, entry, counts)
            if decided is not None:
                self._tick()
                return decided
        state = self._send(fp, p, delivery, counts)
        self._tick()
        return state

    def _unknown(self, p: Planned, entry: RecordEntry, counts: Counts) -> str | None:
        """A record whose answer was lost: 'applied' if the action shows the change, 'unknown' if it must wait,
        None when it is to be sent again."""
        action_id = p.ident[0] or confirm.action_id_of(p.ident, self.mirror())
        verdict = confirm.CANNOT_TELL
        if action_id:
            verdict, action, items = confirm.read_back(self.client, action_id, p.expect)
            confirm.store(self._mirror if isinstance(self._mirror, Mirror) else None, action, items)
        if verdict == confirm.SHOWS:
            self.book.settle(entry, "applied", error=f"the answer was lost; {action_id} shows the change")
            return "applied"
        if self.resend_unknown:
            return None
        waited = _seconds_since(entry.sent_at)
        if verdict == confirm.NOT_YET and waited >= self.api.settle_seconds:
            return None
        counts.notes.append(_why_unknown(p, entry, verdict, waited, self.api.settle_seconds))
        self.book.settle(entry, "unknown", error=entry.error)
        return "unknown"

    def _send(self, fp: FilePlan, p: Planned, delivery: int, counts: Counts) -> str:
        item = fp.item
        entry = self.book.sending(delivery, item.sha256, self.dest.url, item.name, p.row, p.line, p.method,
                                  p.payload, p.ident)
        crash_point("api-sending")
        what = f"{p.method} /Actions for row {p.row} of {item.name} ({p.names()})"
        storms = failures = 0
        while True:
            try:
                answer = self.client.write(p.method, "Actions", p.form, what)
            except NotAccepted as exc:  # not queued: safe to send again, after the budget's wait or a backoff
                storms, failures = storms + (exc.status == 429), failures + (exc.status != 429)
                if storms > MAX_STORMS or failures > self.api.retries:
                    return self._settled(entry, "failed", f"{exc} (gave up after {storms + failures} tries)", counts)
                if exc.status != 429:  # a 429: the budget waits for the reset before the next try
                    _backoff(self.api, failures - 1)
                continue
            except UnknownWrite as exc:
                return self._lost(entry, str(exc), counts)
            except (ApiCredentials, ApiForbidden):
                self.book.settle(entry, "failed", error="the credentials were refused: not queued")
                raise
            except ApiRejected as exc:
                return self._settled(entry, "refused", str(exc), counts)
            return self._answered(entry, answer, what, counts)

    def _answered(self, entry: RecordEntry, answer: object, what: str, counts: Counts) -> str:
        crash_point("api-answered")
        uri = answer.get("QueuedUri") if isinstance(answer, dict) else None
        status = str(answer.get("Status", "")).upper() if isinstance(answer, dict) else ""
        if not uri or not isinstance(uri, str) or status not in ("QUEUED", "OK"):
            said = status or "no Status"
            return self._lost(entry, f"{what}: answered without a QueuedUri ({said}); it may have been queued",
                              counts)
        self.lost_in_a_row = 0
        self.book.settle(entry, "queued", queued_uri=uri)
        crash_point("api-recorded")
        return "queued"

    def _lost(self, entry: RecordEntry, message: str, counts: Counts) -> str:
        self.lost_in_a_row += 1
        state = self._settled(entry, "unknown", message, counts)
        if self.lost_in_a_row >= MAX_LOST:
            raise UncertainDelivery(f"{MAX_LOST} answers in a row were lost (the last: {message}); the run stopped so "
                                    "as not to add more unknown records: run again when impact.com answers (batchkit "
                                    "reads each unknown record's action first)")
        return state

    def _settled(self, entry: RecordEntry, state: str, message: str, counts: Counts) -> str:
        self.book.settle(entry, state, error=message)
        counts.notes.append(message)
        return state

    def _tick(self) -> None:
        self.done += 1
        if self.progress is None:
            return
        seconds = time.monotonic() - self.started
        left = self.total - self.done
        per = seconds / self.done if self.done >= 5 else 3600 / self.api.requests_per_hour
        self.progress(ApiProgress(self.done, self.total, self.client.budget.requests, seconds, per * left))


def _why_unknown(p: Planned, entry: RecordEntry, verdict: str, waited: float, settle: float) -> str:
    sent = entry.sent_at or "earlier"
    if verdict == confirm.CANNOT_TELL:
        return (f"row {p.row} ({p.names()}) was sent on {sent} and its answer was lost; its action cannot be read "
                "(an OrderId not in the mirror, or no such action): `batchkit actions sync`, then run again, or "
                "check it in impact.com and run with --resend-unknown to send it again")
    return (f"row {p.row} ({p.names()}) was sent on {sent} and its answer was lost; the action does not show the "
            f"change yet ({waited:,.0f} s ago; the platform's queue applies changes within minutes): run again "
            f"after [api] settle_seconds ({settle:,.0f} s), or with --resend-unknown to send it again now")


def _seconds_since(stamp: str | None) -> float:
    if not stamp:
        return 0.0
    sent = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return (datetime.now(UTC) - sent).total_seconds()


def _backoff(api: ApiSettings, attempt: int) -> None:
    time.sleep(min(api.backoff_cap, api.backoff * 2 ** attempt) * random.uniform(0.5, 1.0))
