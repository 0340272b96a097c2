"""`batchkit inquiries resolve`: validated resolutions sent exactly once, one `PUT /ActionInquiries` each, or the
bulk-upload CSV written to a folder or a drop (README "Action inquiries").

Through the API, under the ledger's lock: an inquiry whose last reading is older than `[api] max_age` (or that
was never read) is read again first, and one that is no longer UNRESOLVED is skipped; each resolution is
written `sending` before its PUT goes and `sent` when answered. A lost answer is `unknown`: the next run reads
the inquiry and counts it applied if it shows the status sent, sends it again only if it is still UNRESOLVED
(the PUT is applied at once, not queued: an UNRESOLVED inquiry was not resolved). 429/5xx: not accepted, sent
again after the budget's wait or a backoff.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from batchkit.api.client import ApiClient
from batchkit.api.errors import (
    ApiCredentials,
    ApiForbidden,
    ApiNotFound,
    ApiRejected,
    NotAccepted,
    UnknownWrite,
)
from batchkit.api.settings import ApiSettings
from batchkit.core.config import Config
from batchkit.deliver.errors import DeliveryError, InvalidFiles, UncertainDelivery
from batchkit.deliver.failpoints import crash_point
from batchkit.deliver.ledger import Ledger
from batchkit.inquiries.book import DONE, InquiryBook, Resolved
from batchkit.inquiries.resolution import Resolution, read_resolutions
from batchkit.validate.engine import validate_paths

KIND = "inquiry-resolution"
MAX_STORMS = 5


@dataclass
class ResolveSummary:
    """What a resolve did, by outcome; `notes` say why for the ones that need a person."""

    destination: str
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
    """The ledger's name for an account's campaign's inquiries."""
    return f"{settings.url.rstrip('/')}{settings.base}/ActionInquiries?CampaignId={settings.campaign_id}"


def checked_resolutions(path: Path, config: Config) -> list[Resolution]:
    """The file validated as kind inquiry-resolution (InvalidFiles when it has errors), then its rows."""
    report = validate_paths([str(path)], config, kind=KIND)
    if not report.valid:
        raise InvalidFiles(report)
    return read_resolutions(path)


def resolve_via_api(path: Path, config: Config, api: ApiSettings, ledger: Ledger, *, dry_run: bool = False,
                    client_factory: Callable[[], ApiClient] | None = None, lock_wait: float = 30.0,
                    notify: Callable[[str], None] | None = None) -> ResolveSummary:
    """Send each resolution of `path` once; DeliveryError (exit 3) when any is unknown, refused or not accepted."""
    api.need_campaign()
    ledger.check()
    rows = checked_resolutions(path, config)
    summary = ResolveSummary(inquiries_url(api))
    book = InquiryBook(ledger, api.account_sid)
    if dry_run:
        return _preview(rows, book, summary, str(path.resolve()))
    factory = client_factory or (lambda: ApiClient(api, notify=notify))
    with ledger.locked(lock_wait):
        book.settle_interrupted()
        run = _Resolver(api, book, summary, factory, str(path.resolve()))
        try:
            for r in rows:
                run.one(r)
        finally:
            summary.requests = run.requests()
            run.close()
    _raise_if_incomplete(summary)
    return summary


def _preview(rows: list[Resolution], book: InquiryBook, summary: ResolveSummary, source: str) -> ResolveSummary:
    for r in rows:
        before = book.get(summary.destination, r.inquiry_id)
        if before is not None and before.state in DONE:
            summary.add(f"would skip ({before.state} earlier)")
        else:
            summary.add("would send" if before is None or before.state != "unknown" else "would read, then decide")
    return summary


def _raise_if_incomplete(summary: ResolveSummary) -> None:
    unknown, failed = summary.counts.get("unknown", 0), summary.counts.get("failed", 0) + summary.counts.get(
        "refused", 0)
    if not unknown and not failed:
        return
    error = UncertainDelivery if unknown else DeliveryError
    raise error(f"{unknown + failed} inquiry resolution(s) not done: " + "; ".join(summary.notes[:5])
                + (f" (and {len(summary.notes) - 5} more)" if len(summary.notes) > 5 else "")
                + " (the others are recorded: running again sends only what is left)")


class _Resolver:
    """One run: the client, the book, the summary."""

    def __init__(self, api: ApiSettings, book: InquiryBook, summary: ResolveSummary,
                 factory: Callable[[], ApiClient], source: str) -> None:
        self.api, self.book, self.summary, self.factory, self.source = api, book, summary, factory, source
        self._client: ApiClient | None = None

    @property
    def client(self) -> ApiClient:
        if self._client is None:
            self._client = self.factory()
        return self._client

    def requests(self) -> int:
        return self._client.budget.requests if self._client is not None else 0

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def one(self, r: Resolution) -> None:
        dest = self.summary.destination
        before = self.book.get(dest, r.inquiry_id)
        if before is not None and before.state in DONE:
            self.summary.add("done earlier")
            if before.state in ("sent", "applied") and before.status == "VALID":
                self.summary.accepted.append(r)
            return
        status = self._current(r, before)
        if status is None:
            return
        self._send(r)

    def _current(self, r: Resolution, before: Resolved | None) -> str | None:
        """The inquiry's status now (read again when stale or unknown); None when there is nothing to send."""
        seen = self.book.last_seen(r.inquiry_id)
        if before is not None and before.state == "unknown" or seen is None or seen[1] > self.api.max_age:
            found = self._read(r)
            if found is None:
                return None
            status = found
        else:
            status = seen[0]
        if status == "UNRESOLVED":
            return status
        if before is not None and before.state == "unknown" and status == r.status:
            self.book.settle(before, "applied", "the answer was lost; the inquiry shows the resolution sent")
            self.summary.add("applied")
            if r.status == "VALID":
                self.summary.accepted.append(r)
            return None
        self.book.skip(self.summary.destination, r.inquiry_id, r.status, self.source, r.row,
                       f"already {status} on impact.com")
        self.summary.add("skipped (no longer UNRESOLVED)", f"inquiry {r.inquiry_id} (row {r.row}) is already {status} "
                         "on impact.com: not sent")
        return None

    def _read(self, r: Resolution) -> str | None:
        try:
            found = self.client.get(f"ActionInquiries/{r.inquiry_id}", what=f"GET /ActionInquiries/{r.inquiry_id}")
        except ApiNotFound:
            self.summary.add("refused", f"inquiry {r.inquiry_id} (row {r.row}): impact.com has no such inquiry")
            return None
        found = found if isinstance(found, dict) else {}
        status = str(found.get("ResolutionStatus", "")).upper() or "UNRESOLVED"
        self.book.seen([(r.inquiry_id, status, str(found.get("OrderId", "") or ""))])
        return status

    def _send(self, r: Resolution) -> None:
        form = r.form()
        entry = self.book.sending(self.summary.destination, r.inquiry_id, r.status, urlencode(form), self.source,
                                  r.row)
        crash_point("api-sending")
        what = f"PUT /ActionInquiries for inquiry {r.inquiry_id} (row {r.row})"
        outcome, note = self._put(form, what)
        self.book.settle(entry, outcome, note)
        if outcome == "sent":
            self.book.seen([(r.inquiry_id, r.status, self.book.order_of(r.inquiry_id))])
            if r.status == "VALID":
                self.summary.accepted.append(r)
        self.summary.add(outcome, note)

    def _put(self, form: dict[str, str], what: str) -> tuple[str, str | None]:
        storms = failures = 0
        while True:
            try:
                answer: Any = self.client.write("PUT", "ActionInquiries", form, what)
            except NotAccepted as exc:
                storms, failures = storms + (exc.status == 429), failures + (exc.status != 429)
                if storms > MAX_STORMS or failures > self.api.retries:
                    return "failed", f"{exc} (gave up after {storms + failures} tries)"
                if exc.status != 429:
                    time.sleep(min(self.api.backoff_cap, self.api.backoff * 2 ** (failures - 1))
                               * random.uniform(0.5, 1.0))
                continue
            except UnknownWrite as exc:
                return "unknown", str(exc)
            except (ApiCredentials, ApiForbidden):
                raise
            except ApiRejected as exc:
                return "refused", str(exc)
            crash_point("api-answered")
            ok = isinstance(answer, dict) and str(answer.get("Status", "")).upper() == "OK"
            return ("sent", None) if ok else ("unknown", f"{what}: answered without Status OK; it may be resolved")

