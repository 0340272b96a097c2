"""`batchkit inquiries resolve`: validated resolutions sent exactly once, one `PUT /ActionInquiries` each, or the
bulk-upload CSV written to a folder or a drop (README "Action inquiries").

Through the API, under the ledger's lock, each resolution goes through the one write loop (api/writes.py),
journaled by its change (the inquiry's Id and what is sent): a resolution applied earlier is not sent again;
one refused is reported until its row changes (a row fixed in the review workbook is a new change, and is sent);
one whose answer was lost is read back (applied when the inquiry shows the status sent) and sent again only with
--resend-unknown. Before a new resolution goes, an inquiry whose last reading is older than `[api] max_age` (or
never read) is read again, and one that is no longer UNRESOLVED is not sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchkit.api.client import ApiClient
from batchkit.api.errors import ApiError, ApiNotFound
from batchkit.api.settings import ApiSettings
from batchkit.api.writes import (
    CANNOT_TELL,
    NOT_YET,
    SHOWS,
    Done,
    LostTooOften,
    Write,
    Writer,
    read_back_failed,
)
from batchkit.core.change import inquiry_change
from batchkit.core.config import Config
from batchkit.delivery.errors import DeliveryError, InvalidFiles, RefusedWrites, UncertainDelivery
from batchkit.inquiries.resolution import Resolution, read_resolutions
from batchkit.state.inquiries import InquiriesSeen
from batchkit.state.journal import DONE, Origin
from batchkit.state.ledger import Ledger
from batchkit.validation.engine import validate_paths

KIND = "inquiry-resolution"


@dataclass
class ResolveSummary:
    """What a resolve did, by outcome; `notes` say why for the ones that need a person."""

    destination: str
    account: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    requests: int = 0
    accepted: list[Resolution] = field(default_factory=list)  # VALID resolutions the platform has (for approvals)

    def add(self, outcome: str, note: str | None = None) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1
        if note:
            self.notes.append(note)

    def line(self) -> str:
        told = ", ".join(f"{n} {k}" for k, n in sorted(self.counts.items())) or "nothing to resolve"
        return f"inquiries resolve: {told} ({self.destination}; {self.requests} request(s))"


def inquiries_url(settings: ApiSettings) -> str:
    """Where resolutions of an account's campaign go (the journal's destination; never part of the key)."""
    return f"{settings.url.rstrip('/')}{settings.base}/ActionInquiries?CampaignId={settings.campaign_id}"


def checked_resolutions(path: Path, config: Config) -> list[Resolution]:
    """The file validated as kind inquiry-resolution (InvalidFiles when it has errors), then its rows."""
    report = validate_paths([str(path)], config, kind=KIND)
    if not report.valid:
        raise InvalidFiles(report)
    return read_resolutions(path)


def resolve_via_api(path: Path, config: Config, api: ApiSettings, ledger: Ledger, *, dry_run: bool = False,
                    resend_unknown: bool = False, client_factory: Callable[[], ApiClient] | None = None,
                    lock_wait: float = 30.0, notify: Callable[[str], None] | None = None) -> ResolveSummary:
    """Send each resolution of `path` once; RefusedWrites (exit 1) when impact.com refused one, a DeliveryError
    (exit 3) when one is unknown or not sent."""
    api.need_campaign()
    ledger.check()
    rows = checked_resolutions(path, config)
    summary = ResolveSummary(inquiries_url(api), api.account_sid)
    if dry_run:
        return _preview(rows, ledger, api, summary)
    factory = client_factory or (lambda: ApiClient(api, notify=notify))
    with ledger.locked(lock_wait):
        run = _Resolver(api, ledger, summary, factory, path)
        try:
            for r in rows:
                run.one(r, resend_unknown)
        except LostTooOften as exc:
            raise UncertainDelivery(str(exc)) from None
        finally:
            summary.requests = run.writer.requests()
            run.writer.close()
    raise_if_incomplete(summary)
    return summary


def _preview(rows: list[Resolution], ledger: Ledger, api: ApiSettings, summary: ResolveSummary) -> ResolveSummary:
    earlier = ledger.journal.of([inquiry_change(api.account_sid, r.form()).key for r in rows])
    for r in rows:
        before = earlier.get(inquiry_change(api.account_sid, r.form()).key)
        if before is not None and (before.state in DONE or before.state == "refused"):
            summary.add(f"would skip ({before.state} earlier)")
        else:
            summary.add("would send" if before is None or before.state != "unknown" else "would read back")
    return summary


def raise_if_incomplete(summary: ResolveSummary) -> None:
    """RefusedWrites (exit 1) when only refusals are left, a DeliveryError (exit 3) when any is unknown or unsent."""
    unknown, failed, refused = (summary.counts.get(k, 0) for k in ("unknown", "failed", "refused"))
    if not unknown and not failed and not refused:
        return
    error: type[DeliveryError] = UncertainDelivery if unknown else DeliveryError if failed else RefusedWrites
    raise error(f"{unknown + failed + refused} inquiry resolution(s) not done: " + "; ".join(summary.notes[:5])
                + (f" (and {len(summary.notes) - 5} more)" if len(summary.notes) > 5 else "")
                + " (the others are recorded: running again sends only what is left; `batchkit status` lists them)")


def accept(answer: Any) -> tuple[str, str | None] | None:
    """An inquiry PUT's answer: applied at once when it says OK; None otherwise (then: unknown, read back)."""
    return ("applied", None) if isinstance(answer, dict) and str(answer.get("Status", "")).upper() == "OK" else None


class _Resolver:
    """One run: the writer, what was seen of each inquiry, the summary."""

    def __init__(self, api: ApiSettings, ledger: Ledger, summary: ResolveSummary,
                 factory: Callable[[], ApiClient], path: Path) -> None:
        self.api, self.summary, self.path = api, summary, path
        self.seen: InquiriesSeen = ledger.inquiries(api.account_sid)
        self.writer = Writer(ledger.journal, factory, self._read_back, accept, api.retries)
        self._sent: dict[str, str] = {}  # change key -> the status that resolution sends

    def one(self, r: Resolution, resend_unknown: bool) -> None:
        form = r.form()
        change = inquiry_change(self.api.account_sid, form)
        self._sent[change.key] = r.status
        w = Write(change, "PUT", "ActionInquiries", form, f"PUT /ActionInquiries for inquiry {r.inquiry_id} "
                  f"(row {r.row})", "inquiry", self.summary.destination,
                  Origin(name=self.path.name, row=r.row, source=str(self.path.absolute())))
        done = self.writer.decide(w, resend_unknown=resend_unknown)
        if done is None:
            status = self._current(r)
            if status is None:
                return
            done = self.writer.send(w)
            done.notes += self.writer.pending_on_target(w)
        self._count(r, done)

    def _count(self, r: Resolution, done: Done) -> None:
        outcome = {"applied": "resolved", "earlier": "done earlier"}.get(done.state, done.state)
        self.summary.add(outcome, "; ".join(n for n in [done.note, *done.notes] if n) or None)
        if done.state in ("applied", "earlier") and r.status == "VALID":
            self.summary.accepted.append(r)
        if done.state == "applied":
            self.seen.seen([(r.inquiry_id, r.status, self.seen.order_of(r.inquiry_id))])

    def _current(self, r: Resolution) -> str | None:
        """The inquiry's status before a new resolution goes (read again when stale); None when it is not to go."""
        seen = self.seen.last_seen(r.inquiry_id)
        status = seen[0] if seen is not None and seen[1] <= self.api.max_age else self._read(r)
        if status is None or status == "UNRESOLVED":
            return status
        self.summary.add("skipped (no longer UNRESOLVED)", f"inquiry {r.inquiry_id} (row {r.row}) is already {status} "
                         "on impact.com: not sent")
        return None

    def _read(self, r: Resolution) -> str | None:
        """The inquiry's ResolutionStatus as read now (None, said in the summary, when it cannot be told)."""
        try:
            found = self.writer.client.get(f"ActionInquiries/{r.inquiry_id}",
                                           what=f"GET /ActionInquiries/{r.inquiry_id}")
        except ApiNotFound:
            self.summary.add("refused", f"inquiry {r.inquiry_id} (row {r.row}): impact.com has no such inquiry")
            return None
        status = _status(found)
        if status is None:
            self.summary.add("failed", f"inquiry {r.inquiry_id} (row {r.row}): its current status cannot be read "
                             "(an answer without a ResolutionStatus): not sent; run again later")
            return None
        self.seen.seen([(r.inquiry_id, status, str(found.get("OrderId", "") or ""))])
        return status

    def _read_back(self, w: Write) -> tuple[str, str]:
        """Does the inquiry show the resolution sent? (api/writes.py's read-back for inquiry writes)."""
        inquiry_id = w.form.get("Id", "")
        try:
            found = self.writer.client.get(f"ActionInquiries/{inquiry_id}", what=f"GET /ActionInquiries/{inquiry_id}")
        except ApiError as exc:
            return CANNOT_TELL, read_back_failed(f"inquiry {inquiry_id}", exc)
        status = _status(found)
        if status is None:
            return CANNOT_TELL, f"inquiry {inquiry_id} reads without a ResolutionStatus"
        sent = self._sent.get(w.change.key, w.form.get("ResolutionStatus", ""))
        if status == sent:
            return SHOWS, f"inquiry {inquiry_id} is {status}"
        return (NOT_YET if status == "UNRESOLVED" else CANNOT_TELL), f"inquiry {inquiry_id} is {status}, not {sent}"


def _status(found: Any) -> str | None:
    """An inquiry's ResolutionStatus, or None when the answer is not an inquiry with one ({}, null, a wrapper)."""
    if not isinstance(found, dict) or not isinstance(found.get("ResolutionStatus"), str):
        return None
    status = found["ResolutionStatus"].strip().upper()
    return status if status in ("UNRESOLVED", "VALID", "DECLINED", "INCOMPLETE") else None
