"""One delivery through the API (deliver --to api): each file's records, one request each, through the one write
loop (api/writes.py) under the lock; send.py validates and plans first (README "Delivering through the API").

Each record's change (core/change.py) is the journal's key: a change that reached impact.com earlier — from this
file, another file, a re-saved copy, the drop — is not sent again; one refused is reported until the row changes;
one whose outcome is unknown is read back, and sent again only with --resend-unknown.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from batchkit.api.client import ApiClient
from batchkit.api.errors import ApiError
from batchkit.state.mirror import Mirror, MirrorError
from batchkit.api.settings import ApiSettings
from batchkit.api.writes import CANNOT_TELL, Done, LostTooOften, Write, Writer, read_back_failed
from batchkit.delivery.errors import UncertainDelivery
from batchkit.delivery.files import result_of
from batchkit.delivery.plan import Planned
from batchkit.delivery.prepare import FilePlan
from batchkit.delivery.records import DeliveryResult
from batchkit.delivery.viaapi import confirm
from batchkit.delivery.viaapi.destination import ApiDestination
from batchkit.state.journal import DONE, Origin
from batchkit.state.ledger import Ledger


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
    again: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, done: Done) -> None:
        setattr(self, done.state, getattr(self, done.state) + 1)
        self.again += done.again
        self.notes += [n for n in [done.note, *done.notes] if n]

    def line(self, total: int) -> str:
        parts = [f"{getattr(self, k)} {k.replace('earlier', 'done earlier')}"
                 for k in ("queued", "applied", "earlier", "skipped", "refused", "unknown", "failed")
                 if getattr(self, k)]
        again = f" ({self.again} of them sent again: --resend)" if self.again else ""
        return f"{total} record(s): " + (", ".join(parts) or "nothing to send") + again


def accept(answer: Any) -> tuple[str, str | None] | None:
    """An Actions write's answer: queued with its QueuedUri; None when it does not say so (then: unknown)."""
    if not isinstance(answer, dict):
        return None
    uri, status = answer.get("QueuedUri"), str(answer.get("Status", "")).upper()
    return ("queued", uri) if isinstance(uri, str) and uri and status in ("QUEUED", "OK") else None


class ApiRun:
    """One run: the writer (journal, client, read-back), the counts, the progress."""

    def __init__(self, dest: ApiDestination, api: ApiSettings, ledger: Ledger, factory: Callable[[], ApiClient],
                 resend_unknown: bool, progress: Callable[[ApiProgress], None] | None, resend: bool = False,
                 notify: Callable[[str], None] | None = None) -> None:
        self.dest, self.api, self.ledger, self.notify = dest, api, ledger, notify
        self.resend_unknown, self.resend, self.progress = resend_unknown, resend, progress
        self.writer = Writer(ledger.journal, factory, self._read_back, accept, api.retries)
        self._mirror: Mirror | None | bool = False
        self._planned: dict[str, Planned] = {}
        self.total = self.done = 0
        self.started = time.monotonic()

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
        self.writer.close()
        if isinstance(self._mirror, Mirror):
            self._mirror.close()

    def requests(self) -> int:
        return self.writer.requests()

    def _writes(self, fp: FilePlan, delivery: int | None = None) -> list[tuple[Planned, Write]]:
        source = str(fp.item.path.absolute())
        found = []
        for p in fp.plans:
            if not p.method:
                continue
            change = p.change(self.api.account_sid)
            self._planned[change.key] = p
            origin = Origin(fp.item.sha256, fp.item.name, p.row, p.line, source)
            what = f"{p.method} /Actions for row {p.row} of {fp.item.name} ({p.names()})"
            found.append((p, Write(change, p.method, "Actions", p.form, what, "api", self.dest.url, origin,
                                   delivery)))
        return found

    def todo(self, fp: FilePlan) -> int:
        """The records of a file that are not done (sent, or read back, in this run)."""
        writes = self._writes(fp)
        earlier = self.ledger.journal.of([w.change.key for _, w in writes])
        return sum(1 for _, w in writes if self.resend or w.change.key not in earlier
                   or earlier[w.change.key].state not in DONE)

    def file(self, fp: FilePlan) -> DeliveryResult:
        """Deliver one file's records; its result (never raises for one record's trouble)."""
        if self.todo(fp) == 0 and fp.plans:
            return result_of(fp.item, self.dest, "skipped", records=len(fp.plans))
        started, counts = time.monotonic(), Counts(skipped=sum(1 for p in fp.plans if not p.method))
        item = fp.item
        delivery = self.ledger.begin(item.name, item.sha256, item.size, self.dest.url, str(item.path.absolute()))
        try:
            for _p, w in self._writes(fp, delivery):
                done = self.writer.one(w, self.resend, self.resend_unknown)
                counts.add(done)
                self._say(done.notes)
                self._tick()
        except LostTooOften as exc:
            self._finish(fp, delivery, counts, time.monotonic() - started)
            raise UncertainDelivery(str(exc)) from None
        return self._finish(fp, delivery, counts, time.monotonic() - started)

    def _say(self, notes: list[str]) -> None:
        """Notes on a record that went (e.g. an earlier, different change to the same action is still unknown)."""
        for note in notes:
            if self.notify is not None:
                self.notify(note)

    def _finish(self, fp: FilePlan, delivery: int, counts: Counts, seconds: float) -> DeliveryResult:
        line = counts.line(len(fp.plans))
        problems = counts.unknown + counts.failed + counts.refused
        outcome = "uncertain" if counts.unknown else "failed" if counts.failed else "refused" if problems else "delivered"
        error = None
        if problems:
            error = "; ".join(counts.notes[:3]) + (f" (and {len(counts.notes) - 3} more)" if len(counts.notes) > 3
                                                    else "")
        entry = self.ledger.update(delivery, "delivered" if not problems else "failed", attempts=1,
                                   remote=self.dest.url, error=error and line)
        return result_of(fp.item, self.dest, outcome, attempts=1, at=entry.finished_at, remote=self.dest.url,
                         seconds=seconds, entry=entry, note=line, error=error, records=len(fp.plans))

    def _read_back(self, w: Write) -> tuple[str, str]:
        """Does the action show the change? (api/writes.py's read-back for Actions writes)."""
        p = self._planned[w.change.key]
        action_id = p.ident[0] or confirm.action_id_of(p.ident, self.mirror())
        if not action_id:
            return CANNOT_TELL, (f"{p.names()} is not in the mirror, so its action cannot be read: `batchkit actions "
                                 "sync`, then run again")
        try:
            verdict, seen, action, items = confirm.read_back(self.writer.client, action_id, p.expect)
        except ApiError as exc:
            return CANNOT_TELL, read_back_failed(action_id, exc)
        confirm.store(self.mirror(), action, items)
        return verdict, seen

    def _tick(self) -> None:
        self.done += 1
        if self.progress is None:
            return
        seconds = time.monotonic() - self.started
        left = self.total - self.done
        per = seconds / self.done if self.done >= 5 else 3600 / self.api.requests_per_hour
        self.progress(ApiProgress(self.done, self.total, self.requests(), seconds, per * left))
