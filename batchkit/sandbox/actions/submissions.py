"""API submissions: what a PUT or DELETE queued, and what became of it.

A submission reads Queued for the first third of `process_seconds`, In Progress until then, and
Complete after; it is applied to the store exactly once, at its completion time (lazily, at the
start of the next request, or at once by settle()). Only then is it decided whether the action
exists and may change: ErrorType/ErrorReason say why not, with the reasons SPEC §5.3 documents
(actions/changes.py: ACTION_REF_NOT_FOUND, ACTIONTRACKER_NOT_FOUND, ACTIONTRACKER_CAMPAIGN_MISMATCH, NO_ITEM,
NO_VALID_ACTION_REF for a reversed (Validation) or locked (Contract Error) action, MALFORMED).
Queue is shared with the dropped batch files (ftp/submissions.py).
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from batchkit.sandbox.actions.changes import apply_change, apply_to
from batchkit.sandbox.actions.forms import Change
from batchkit.sandbox.actions.model import render_date
from batchkit.sandbox.actions.store import Store

__all__ = ["Queue", "Submission", "Submissions", "apply_change", "status_of"]


def status_of(submitted: datetime, applied_at: datetime | None, now: datetime, process: timedelta) -> str:
    """Queued for the first third of `process`, In Progress until then, Complete after (or once applied)."""
    if applied_at is not None or now - submitted >= process:
        return "Complete"
    return "Queued" if now - submitted < process / 3 else "In Progress"


@dataclass
class Submission:
    """One queued PUT or DELETE."""

    batch_id: str
    submitted: datetime
    change: Change
    payload: str
    campaign_id: str
    applied_at: datetime | None = None
    action_id: str = ""
    error_type: str = ""
    error_reason: str = ""

    def status(self, now: datetime, process: timedelta) -> str:
        """Queued -> In Progress -> Complete, by the time since submission (Complete once applied)."""
        return status_of(self.submitted, self.applied_at, now, process)

    def fields(self, now: datetime, process: timedelta) -> dict[str, str]:
        """The submission as GET /APISubmissions/{BatchId} gives it."""
        c = self.change
        return {"BatchId": self.batch_id, "SubmissionDate": render_date(self.submitted), "CampaignId": self.campaign_id,
                "ActionTrackerId": c.tracker, "OrderId": c.order_id, "ActionId": self.action_id or c.action_id,
                "Payload": self.payload, "Type": c.type, "Status": self.status(now, process),
                "CompletionDate": render_date(self.applied_at), "ErrorType": self.error_type,
                "ErrorReason": self.error_reason}


class Pending(Protocol):
    """What a queue keeps: a BatchId and a submission time."""

    batch_id: str
    submitted: datetime


S = TypeVar("S", bound=Pending)


class Queue(Generic[S]):
    """Submissions in order, each applied once at its completion time; subclasses say how (`_apply`)."""

    def __init__(self, store: Store, process_seconds: float, now: Callable[[], datetime]) -> None:
        self.store, self.now, self.process = store, now, timedelta(seconds=process_seconds)
        self._all: dict[str, S] = {}
        self._pending: deque[S] = deque()

    def _add(self, sub: S) -> S:
        with self.store.lock:
            self._all[sub.batch_id] = sub
            self._pending.append(sub)
            return sub

    def get(self, batch_id: str) -> S | None:
        """The submission with this BatchId."""
        return self._all.get(batch_id)

    def newest_first(self) -> list[S]:
        """Every submission, the newest first."""
        return list(reversed(self._all.values()))

    def process_due(self) -> int:
        """Apply every submission whose completion time has come; how many were applied."""
        with self.store.lock:
            now, applied = self.now(), 0
            while self._pending and self._pending[0].submitted + self.process <= now:
                sub = self._pending.popleft()
                self._apply(sub, sub.submitted + self.process)
                applied += 1
            return applied

    def settle(self) -> int:
        """Apply every queued submission now, however recent; how many were applied."""
        with self.store.lock:
            applied = self.process_due()
            while self._pending:
                self._apply(self._pending.popleft(), self.now())
                applied += 1
            return applied

    def _apply(self, sub: S, at: datetime) -> None:
        raise NotImplementedError


class Submissions(Queue[Submission]):
    """Every API submission of the sandbox, in order; the store they apply to.

    `forced_error`, when set, is asked at each completion: an (ErrorType, ErrorReason) it returns is the
    submission's, verbatim, and its change does not apply (the submission_error fault)."""

    forced_error: Callable[[], tuple[str, str] | None] | None = None

    def queue(self, change: Change, payload: str) -> Submission:
        """Queue a change (always accepted: whether it can apply is decided at completion)."""
        return self._add(Submission(f"A-{uuid.uuid4()}", self.now(), change, payload, self.store.account.campaign_id))

    def _apply(self, sub: Submission, at: datetime) -> None:
        """Complete a submission at `at`: find its action, apply the change or say why not."""
        sub.applied_at = at
        forced = self.forced_error() if self.forced_error is not None else None
        if forced is not None:
            sub.error_type, sub.error_reason = forced
            return
        action, (sub.error_type, sub.error_reason) = apply_to(self.store, sub.change, at)
        sub.action_id = action.Id if action is not None else ""
