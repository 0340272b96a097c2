"""What the journal holds, for `batchkit status` and the end of `batchkit run`: per file delivery and per write —
sent, queued, applied, refused (with the platform's reason), unknown (since when, what to check) — and above all
what needs a person. Exit code 1 when something is refused, 3 when something's outcome is unknown.

A refused write stops needing a person once its fix reached impact.com (the same row of the same file, changed and
sent to the same target; for an inquiry, any later resolution of it); an unknown one never does by itself: only a
read-back that proves it, or the user's word.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from batchkit.state.journal import DONE, Entry
from batchkit.state.ledger import Ledger, LedgerEntry

WHAT_TO_DO = {
    "refused": "fix the row and run again (a changed row is a new change), --resend to send it unchanged, or "
               "`batchkit status --dismiss ID` if it is not to be sent",
    "unknown": "check it on impact.com: if the change is there, nothing to do but wait for the next run's read-back "
               "(or `batchkit status --applied ID`); if it is not, run again with --resend-unknown",
}


FILE_TO_DO = ("deliver it again: batchkit looks at the drop first (the file there: recorded delivered; its temporary "
              "alone: completed or sent again); if the drop holds nothing, ask the partner, then --resend")


@dataclass
class FileLine:
    """One file delivery and its records' states."""

    entry: LedgerEntry
    records: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        e = self.entry
        return {"id": e.id, "name": e.name, "destination": e.destination, "outcome": e.outcome,
                "started_at": e.started_at, "finished_at": e.finished_at, "sha256": e.sha256, "records": self.records,
                "error": e.error}

    def line(self) -> str:
        e = self.entry
        told = ", ".join(f"{n} {s}" for s, n in sorted(self.records.items()))
        return (f"{e.finished_at or e.started_at}  {e.name} -> {e.destination}  {e.outcome}"
                + (f" ({sum(self.records.values())} record(s): {told})" if self.records else ""))


@dataclass
class Status:
    """The journal's summary."""

    ledger: str
    schema: int
    counts: dict[str, int]
    files: list[FileLine]
    attention: list[Entry]
    earlier_files: int = 0
    unsure_files: list[LedgerEntry] = field(default_factory=list)  # file deliveries whose final step was cut

    @property
    def exit_code(self) -> int:
        """3 when a write's outcome is unknown, 1 when one is refused, else 0."""
        states = {e.state for e in self.attention}
        return 3 if "unknown" in states or self.unsure_files else 1 if "refused" in states else 0

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (no secret is ever in the journal)."""
        return {"ledger": self.ledger, "schema": self.schema, "counts": self.counts,
                "files": [f.as_dict() for f in self.files], "earlier_files": self.earlier_files,
                "needs_a_person": [_attention(e) for e in self.attention],
                "files_unknown": [{**FileLine(d).as_dict(), "what_to_do": FILE_TO_DO} for d in self.unsure_files],
                "exit_code": self.exit_code}

    def attention_lines(self) -> list[str]:
        """One line per write (or file delivery) that needs a person, and what to do."""
        return [_attention_line(e) for e in self.attention] + [
            f"file {d.name} -> {d.destination}: interrupted during its final step on {d.finished_at or d.started_at}"
            f" -> {FILE_TO_DO}" for d in self.unsure_files]

    def lines(self) -> list[str]:
        """The whole summary for people."""
        told = ", ".join(f"{n} {s}" for s, n in sorted(self.counts.items())) or "none yet"
        out = [f"journal: {self.ledger} (schema {self.schema}): {len(self.files) + self.earlier_files} file "
               f"delivery(ies); writes: {told}"]
        if self.files:
            out.append("files" + (f" (the last {len(self.files)}; --all for the {self.earlier_files} before)"
                                  if self.earlier_files else "") + ":")
            out += [f"  {f.line()}" for f in self.files]
        out.append("needs a person:" if self.attention or self.unsure_files else "needs a person: nothing")
        out += [f"  {line}" for line in self.attention_lines()]
        return out


def _attention(e: Entry) -> dict[str, Any]:
    return {"id": e.id, "state": e.state, "channel": e.channel, "account": e.account, "target": e.target,
            "method": e.method, "request": e.payload, "file": e.name, "row": e.row, "source": e.source,
            "sent_at": e.sent_at, "since": e.finished_at, "status": e.status, "reason": e.reason,
            "what_to_do": WHAT_TO_DO.get(e.state, "")}


def _attention_line(e: Entry) -> str:
    where = f"row {e.row} of {e.name}" if e.name and e.row is not None else (e.name or e.channel)
    return (f"#{e.id} {e.state}: {where}: {e.method} {e.target} (sent {e.sent_at}): {e.reason or 'no reason given'}"
            f" -> {WHAT_TO_DO.get(e.state, '')}")


def needs_a_person(entries: list[Entry]) -> list[Entry]:
    """The refused and unknown writes, without the refusals that a later write made good: the same inquiry resolved
    since, or the same row of the same file (fixed) sent since to the same target with the same method."""
    made_good: dict[tuple[str, ...], int] = {}  # the newest write (rows are numbered in order) done, by slot
    for e in entries:
        if e.state in DONE:
            made_good[_slot(e)] = max(made_good.get(_slot(e), 0), e.id)
    return [e for e in entries if e.state == "unknown" or e.state == "refused"
            and made_good.get(_slot(e), 0) < e.id]


def _slot(e: Entry) -> tuple[str, ...]:
    """What a fix of `e` shares with it: an inquiry's Id; else the target, the method, the file and the row."""
    if e.channel == "inquiry":
        return (e.account, e.target)
    return (e.account, e.target, e.method, e.name, str(e.row))


def summarise(ledger: Ledger, last: int | None = 20) -> Status:
    """The journal's summary: the `last` file deliveries (None: all) and everything that needs a person."""
    entries = ledger.journal.entries()
    per_delivery: dict[int, Counter[str]] = {}
    for e in entries:
        if e.delivery_id is not None:
            per_delivery.setdefault(e.delivery_id, Counter())[e.state] += 1
    for did, states in ledger.journal.file_counts().items():
        per_delivery.setdefault(did, Counter()).update(states)
    deliveries = ledger.entries()
    shown = deliveries if last is None else deliveries[max(len(deliveries) - last, 0):]
    files = [FileLine(d, dict(per_delivery.get(d.id, {}))) for d in shown]
    counts = Counter(ledger.journal.counts())
    for states in ledger.journal.file_counts().values():
        counts.update(states)
    unsure = [d for d in deliveries if d.outcome == "unknown"]
    return Status(str(ledger.path), ledger.schema_version(), dict(counts), files, needs_a_person(entries),
                  len(deliveries) - len(shown), unsure)


def mark(ledger: Ledger, ids: list[int], state: str) -> list[Entry]:
    """A person's word on writes that need one: `applied` (an unknown write checked on impact.com and found there)
    or `dismissed` (a refused write that is not to be sent: it stops being listed and is not sent again, from any
    file, unless --resend). KeyError for an id that is not such a write."""
    wanted = ("unknown",) if state == "applied" else ("refused",)
    by_id = {e.id: e for e in ledger.journal.entries(states=wanted)}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise KeyError(missing)
    why = "checked on impact.com by a person: applied" if state == "applied" else "dismissed by a person: not sent"
    return [ledger.journal.settle(by_id[i], state, status=by_id[i].status, reason=f"{why} ({by_id[i].reason})")
            for i in ids]
