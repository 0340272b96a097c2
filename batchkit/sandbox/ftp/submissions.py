"""FTP file submissions: the batch files the drop watcher (ftp/drop.py) picked up, and what became of them.

A file is read when it is picked up (ftp/read.py; its records as changes: ftp/records.py) and, like an API
submission, reads Queued, In Progress, then Complete over `process_seconds`. At completion (lazily at
the next request, or at once by settle()) every change is applied once, in file order, by the same logic
as an API change (actions/changes.py); each that cannot apply becomes an ErrorDetail. A file whose header
matches no kind is Type "Unknown" and every record an ErrorDetail MALFORMED; a file that cannot be read
at all (not UTF-8 CSV, or empty) completes with TotalRecords 0 and no ErrorDetails.

Fields (GET FTPFileSubmissions/{BatchId}): BatchId (`F-<uuid>`), FileName, Type, Status, SubmissionDate,
CompletionDate, TotalRecords, TotalErrors (the ErrorDetails; "0" until Complete), ErrorsUri, Uri.
ErrorDetail: Line, CampaignId, ActionTrackerId, MediaPartnerId, OrderId, Sku, Category, Status
(Validation or Contract Error), Reason. TotalRecords counts records (rows), an item row once whatever
its items; an item row can give one ErrorDetail per item that fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from batchkit.sandbox.actions.changes import apply_to
from batchkit.sandbox.actions.model import Action, render_date
from batchkit.sandbox.actions.store import Store
from batchkit.sandbox.actions.submissions import Queue, status_of
from batchkit.sandbox.ftp.read import read_batch
from batchkit.sandbox.ftp.records import Step, steps_of


@dataclass
class FileSubmission:
    """One picked-up file."""

    batch_id: str
    file_name: str
    submitted: datetime
    type: str
    total_records: int
    steps: list[Step]
    base_uri: str
    applied_at: datetime | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    @property
    def uri(self) -> str:
        return f"{self.base_uri}/FTPFileSubmissions/{self.batch_id}"

    def status(self, now: datetime, process: timedelta) -> str:
        return status_of(self.submitted, self.applied_at, now, process)

    def fields(self, now: datetime, process: timedelta) -> dict[str, str]:
        """The submission as GET /FTPFileSubmissions/{BatchId} gives it."""
        return {"BatchId": self.batch_id, "FileName": self.file_name, "Type": self.type,
                "Status": self.status(now, process), "SubmissionDate": render_date(self.submitted),
                "CompletionDate": render_date(self.applied_at), "TotalRecords": str(self.total_records),
                "TotalErrors": str(len(self.errors)), "ErrorsUri": f"{self.uri}/ErrorDetails", "Uri": self.uri}


class FtpSubmissions(Queue[FileSubmission]):
    """Every file submission of the sandbox, in the order picked up."""

    def __init__(self, store: Store, process_seconds: float, now: Callable[[], datetime],
                 line_counts_header: bool = False) -> None:
        super().__init__(store, process_seconds, now)
        self.line_counts_header = line_counts_header

    def queue_file(self, file_name: str, raw: bytes) -> FileSubmission:
        """A picked-up file, read now and applied at its completion."""
        batch = read_batch(file_name, raw, self.line_counts_header)
        return self._add(FileSubmission(f"F-{uuid.uuid4()}", file_name, self.now(), batch.type, len(batch.records),
                                        steps_of(batch), self.store.account.base_uri))

    def _apply(self, sub: FileSubmission, at: datetime) -> None:
        """Apply every change of the file once; an ErrorDetail for each that cannot apply."""
        sub.applied_at = at
        for step in sub.steps:
            if step.change is None:
                named = self.store.action(step.action_id) if step.action_id else \
                    self.store.find(step.tracker, step.order_id)
                sub.errors.append(self._detail(step, named, ("Validation", step.reason)))
                continue
            action, (kind, reason) = apply_to(self.store, step.change, at)
            if kind:
                sub.errors.append(self._detail(step, action, (kind, reason)))
        sub.steps = []

    def _detail(self, step: Step, action: Action | None, error: tuple[str, str]) -> dict[str, str]:
        """The ErrorDetail of a step: the record's values, else the action's."""
        item = action.item(step.sku) if action is not None and step.sku else None
        return {"Line": str(step.line), "CampaignId": self.store.account.campaign_id,
                "ActionTrackerId": step.tracker or (action.ActionTrackerId if action else ""),
                "MediaPartnerId": action.MediaPartnerId if action else "",
                "OrderId": step.order_id or (action.Oid if action else ""), "Sku": step.sku,
                "Category": step.category or (item.Category if item else ""), "Status": error[0], "Reason": error[1]}
