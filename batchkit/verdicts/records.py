"""An API delivery's verdict: each queued record's APISubmission (GET APISubmissions/{BatchId}), asked only
while it is not Complete, one request per record within the budget."""

from __future__ import annotations

from typing import Any

from batchkit.api.client import ApiClient
from batchkit.api.errors import ApiAnswerError, ApiNotFound
from batchkit.api.links import account_path
from batchkit.state.journal import Entry as RecordEntry
from batchkit.verdicts.spend import Spend
from batchkit.state.verdicts import RecordVerdict, Verdicts
from batchkit.verdicts.targets import Target

NOT_FOUND = "not found"


def poll_records(client: ApiClient, verdicts: Verdicts, targets: list[Target], spend: Spend) -> None:
    """Ask about every queued record of `targets` whose submission is not Complete yet."""
    known = verdicts.records()
    for target in targets:
        for record in target.records:
            if record.state != "queued" or not record.batch_id:
                continue
            if record.batch_id in known and known[record.batch_id].complete:
                continue
            if not spend.take():
                return
            verdicts.put_record(_ask(client, record))


def _path(client: ApiClient, record: RecordEntry) -> str:
    """The QueuedUri (checked by api/links.py to lead into this account: ForeignLink when it leads elsewhere or
    hides where it leads) when it names an APISubmission, else the documented path."""
    uri = (record.queued_uri or "").strip()
    if uri:
        path = account_path(uri, client.settings.url, client.settings.base, f"APISubmission {record.batch_id}: "
                            "its QueuedUri")
        if path.startswith(f"{client.settings.base}/APISubmissions/"):
            return path
    return f"APISubmissions/{record.batch_id}"


def _ask(client: ApiClient, record: RecordEntry) -> RecordVerdict:
    what = f"GET APISubmissions/{record.batch_id}"
    try:
        body: Any = client.get(_path(client, record), what=what)
    except ApiNotFound:
        return RecordVerdict(record.batch_id, record.id, NOT_FOUND)
    if not isinstance(body, dict) or not str(body.get("Status", "")).strip():
        raise ApiAnswerError(f"{what}: the answer has no 'Status'")
    return RecordVerdict(record.batch_id, record.id, str(body["Status"]).strip(),
                         str(body.get("ErrorType") or "").strip(), str(body.get("ErrorReason") or "").strip(),
                         str(body.get("CompletionDate") or "").strip())
