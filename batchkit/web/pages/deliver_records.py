"""Each record of a delivery as the journal knows it (batchkit/state/journal.py), for the Deliver page: sent now,
already sent (when, and how), refused by impact.com (the platform's words, at the record's row), unknown, not sent.

A record is "sent" only when its journal state is one of the DONE states and the write (or the file that carried
it) belongs to this run; refused and unknown are never shown as done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from batchkit.core.config import Config
from batchkit.delivery.earlier import account_of
from batchkit.delivery.plan import Planned
from batchkit.delivery.prepare import FilePlan
from batchkit.state.journal import DONE, Entry, Journal

LIMIT = 500  # record lines shown per file (every record that needs a person is shown besides)


@dataclass(frozen=True)
class RecordLine:
    row: int
    action: str
    method: str
    status: str  # sent | already-sent | refused | unknown | not-sent | to-send | nothing-to-change | dismissed
    said: str  # what to tell: when and how, or the platform's words


@dataclass
class FileRecords:
    name: str
    lines: list[RecordLine] = field(default_factory=list)
    hidden: int = 0  # record lines not shown (over LIMIT)
    counts: dict[str, int] = field(default_factory=dict)


def _how(e: Entry) -> str:
    if e.channel == "api":
        return "through the API" + (f" (row {e.row} of {e.name})" if e.name and e.row is not None else "")
    return f"in {e.name} to {e.destination}" if e.name else f"to {e.destination}"


def _done_line(p: Planned, e: Entry, this_run: set[int]) -> RecordLine:
    if e.delivery_id is not None and e.delivery_id in this_run:
        told = {"queued": "queued by impact.com", "applied": "applied", "delivered": "in the file delivered"}
        return RecordLine(p.row, p.names(), p.method, "sent", told.get(e.state, e.state))
    return RecordLine(p.row, p.names(), p.method, "already-sent", f"sent on {e.sent_at or '?'} {_how(e)}")


def line_of(p: Planned, e: Entry | None, this_run: set[int], planning: bool) -> RecordLine:
    """One record's line; `planning`: before anything is sent (what would happen)."""
    if not p.method:
        return RecordLine(p.row, p.names(), "", "nothing-to-change", "the record changes nothing: never sent")
    if e is None or e.state == "failed" and planning:
        why = "" if e is None else f"an earlier attempt was not sent ({e.reason or 'no reason given'})"
        return RecordLine(p.row, p.names(), p.method, "to-send" if planning else "not-sent", why)
    if e.state in DONE:
        return _done_line(p, e, this_run)
    if e.state == "refused":
        when = "" if e.delivery_id in this_run else f" (on {e.finished_at or e.sent_at}; not sent again until the row changes)"
        return RecordLine(p.row, p.names(), p.method, "refused", f"{e.reason or 'no reason given'}{when}")
    if e.state in ("unknown", "sending"):
        return RecordLine(p.row, p.names(), p.method, "unknown",
                          f"sent {e.sent_at or '?'}: {e.reason or 'no answer'}; check it on impact.com")
    if e.state == "dismissed":
        return RecordLine(p.row, p.names(), p.method, "dismissed", "refused earlier and dismissed by a person")
    return RecordLine(p.row, p.names(), p.method, "not-sent", e.reason or "not sent")


def records_of(plans: list[FilePlan], config: Config, account: str | None, journal: Journal,
               this_run: set[int], planning: bool) -> list[FileRecords]:
    """Every file's record lines; `account`: the API's (None: the drop's, as delivery/earlier.py has it)."""
    sid = account_of(config) if account is None else account
    found = []
    for fp in plans:
        keys = {id(p): p.change(sid).key for p in fp.plans if p.method}
        entries = journal.of(list(keys.values()))
        lines = [line_of(p, entries.get(keys.get(id(p), "")), this_run, planning) for p in fp.plans]
        found.append(_limited(fp.item.name, lines))
    return found


def _limited(name: str, lines: list[RecordLine]) -> FileRecords:
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.status] = counts.get(line.status, 0) + 1
    if len(lines) <= LIMIT:
        return FileRecords(name, lines, 0, counts)
    urgent = [x for x in lines if x.status in ("refused", "unknown", "not-sent")]
    rest = [x for x in lines if x.status not in ("refused", "unknown", "not-sent")][:LIMIT]
    shown = sorted(urgent + rest, key=lambda x: x.row)
    return FileRecords(name, shown, len(lines) - len(shown), counts)
