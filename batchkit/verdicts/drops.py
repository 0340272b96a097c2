"""A file drop's verdict: its FTPFileSubmission (by FileName, submitted at or after the delivery) and, once
Complete, the ErrorDetails its ErrorsUri leads to. One listing per call covers every open delivery."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import PurePosixPath
from typing import Any

from batchkit.api.client import ApiClient
from batchkit.api.links import account_path
from batchkit.verdicts.spend import Spend, budgeted_pages
from batchkit.state.verdicts import COMPLETE, FileVerdict, Verdicts
from batchkit.verdicts.targets import Target

KEPT_DAYS = 90  # impact.com keeps file submissions this long
AHEAD = timedelta(seconds=60)  # the listing's end, past now: the range is [start, end), in whole seconds
DETAIL_KEYS = ("Line", "CampaignId", "ActionTrackerId", "MediaPartnerId", "OrderId", "Sku", "Category", "Status",
               "Reason")


def when(text: str) -> datetime | None:
    """An ISO 8601 time (Z or an offset) as an aware datetime; None when it is not one."""
    try:
        moment = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def poll_drops(client: ApiClient, verdicts: Verdicts, targets: list[Target], spend: Spend, now: datetime) -> None:
    """Ask about every file delivery without a complete verdict; record what the platform says."""
    known = verdicts.files()
    open_ = [t for t in targets if not (t.entry.id in known and known[t.entry.id].complete)]
    if not open_:
        return
    start = max(min(when(t.entry.started_at) or now for t in open_), now - timedelta(days=KEPT_DAYS))
    params = {"SubmissionDateStart": _iso(start), "SubmissionDateEnd": _iso(now + AHEAD)}
    listed = budgeted_pages(client.pages("FTPFileSubmissions", params, "FTPFileSubmissions",
                                         what="GET FTPFileSubmissions"), spend)
    if listed is None:
        return
    claimed = {v.batch_id: v.delivery_id for v in known.values()}
    for target in sorted(open_, key=lambda t: t.entry.id, reverse=True):  # the newest delivery takes the newest
        sub = _match(target, [s for s in listed if isinstance(s, dict)], claimed, known.get(target.entry.id))
        if sub is None:
            continue
        claimed[str(sub["BatchId"])] = target.entry.id
        verdicts.put_file(_verdict(client, target, sub, spend))


def _match(target: Target, listed: list[dict[str, Any]], claimed: dict[str, int],
           known: FileVerdict | None) -> dict[str, Any] | None:
    """The delivery's submission: the one already known by BatchId, else the earliest one of its name
    submitted at or after the delivery that no other delivery has."""
    if known is not None:
        return next((s for s in listed if str(s.get("BatchId")) == known.batch_id), None)
    started = when(target.entry.started_at)
    fits = [(moment, s) for s in listed
            if PurePosixPath(str(s.get("FileName", ""))).name == target.entry.name and s.get("BatchId")
            and claimed.get(str(s["BatchId"]), target.entry.id) == target.entry.id
            and (moment := when(s.get("SubmissionDate", ""))) is not None and started and moment >= started]
    return min(fits, key=lambda f: f[0])[1] if fits else None


def _verdict(client: ApiClient, target: Target, sub: dict[str, Any], spend: Spend) -> FileVerdict:
    status = str(sub.get("Status", "")).strip()
    details = _details(client, sub, spend) if status == COMPLETE else None
    return FileVerdict(target.entry.id, str(sub["BatchId"]), str(sub.get("FileName", "")), status,
                       str(sub.get("TotalRecords", "")), str(sub.get("TotalErrors", "")),
                       str(sub.get("SubmissionDate", "")), str(sub.get("CompletionDate", "")), details)


def _details(client: ApiClient, sub: dict[str, Any], spend: Spend) -> list[dict[str, str]] | None:
    """The submission's ErrorDetails (none asked when TotalErrors is 0); None when over the budget."""
    if str(sub.get("TotalErrors", "")).strip() == "0":
        return []
    uri = _errors_uri(client, sub)
    found = budgeted_pages(client.pages(uri, {}, "ErrorDetail", what=f"GET {uri.split('?')[0]}"), spend)
    if found is None:
        return None
    return [{k: str(d.get(k, "") or "") for k in DETAIL_KEYS} for d in found if isinstance(d, dict)]


def _errors_uri(client: ApiClient, sub: dict[str, Any]) -> str:
    """The ErrorsUri the answer gave (checked by api/links.py to lead into this account on this API, dot segments
    and encoded slashes refused: ForeignLink), else the documented path."""
    given = str(sub.get("ErrorsUri") or "").strip()
    if not given:
        return f"FTPFileSubmissions/{sub['BatchId']}/ErrorDetails"
    return account_path(given, client.settings.url, client.settings.base,
                        f"FTPFileSubmission {sub['BatchId']}: its ErrorsUri")
