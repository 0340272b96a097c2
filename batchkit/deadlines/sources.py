"""The corrections the radar looks at, one Source per block of one kind: the records of a validated file (a batch
file given, or one built in memory from an export) and the journal's writes to actions not yet applied. Each
record carries the journal's state of its change (core/change.py: the same key deliver uses)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import numpy as np
import pandas as pd

from batchkit.core.kinds import Kind
from batchkit.delivery.plan import plan_file
from batchkit.state.journal import Entry, Journal
from batchkit.state.status import needs_a_person
from batchkit.validation.engine import Frames, Validated

# the states of a correction (README "batchkit radar"); a Source holds their indexes
STATES = ("to send", "sent", "queued", "applied", "refused", "unknown", "dismissed", "too late")
KINDS = ("order-modification", "order-reversal", "item-modification", "item-reversal")
# the journal's state of a write -> the radar's state of its correction
STATE_OF = {"sending": "sent", "delivered": "sent", "queued": "queued", "applied": "applied", "refused": "refused",
            "unknown": "unknown", "failed": "to send", "dismissed": "dismissed"}
IDENTS = ("ActionId", "OrderId", "ActionTrackerId")
Locate = Callable[[int, str], tuple[int, int, str]]
Items = list[list[tuple[str, str]]]  # per record: (Sku, its new Amount; "0" reverses the item)


def code(journal_state: str) -> int:
    """The index in STATES of a journal state's correction state."""
    return STATES.index(STATE_OF.get(journal_state, "unknown"))


@dataclass
class Source:
    """Records of one kind: their identifiers and new Amount (record), their items, and the journal's word."""

    kind: str
    record: pd.DataFrame
    items: Items | None = None
    path: str | None = None
    locate: Locate | None = None
    journal: list[Entry] | None = None  # the writes themselves (a journal source)
    state: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))  # indexes of STATES
    reason: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    sent: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))

    def __post_init__(self) -> None:
        n = len(self.record)
        if len(self.state) != n:
            self.state = np.zeros(n, dtype=np.int8)
            self.reason = np.full(n, None, dtype=object)
            self.sent = np.full(n, None, dtype=object)

    def where(self, i: int) -> tuple[str | None, int | None, int | None]:
        """(file, row, journal id) of record i."""
        if self.journal is not None:
            e = self.journal[i]
            return e.name or None, e.row, e.id
        return self.path, self.locate(i, "Reason")[0] if self.locate else None, None


def from_validated(kept: list[Validated]) -> list[Source]:
    """A Source per validated file of an action kind (resets and inquiry uploads are not corrections)."""
    found = []
    for fr, frames, kind in kept:
        if frames is None or kind is None or kind.id not in KINDS:
            continue
        found.append(Source(kind.id, frames.record, _file_items(frames, kind), fr.path, frames.locate_record))
    return found


def _file_items(frames: Frames, kind: Kind) -> Items | None:
    if not kind.is_item or frames.items is None:
        return None
    items: Items = [[] for _ in range(len(frames.record))]
    long = frames.items
    amounts = long["Amount"] if "Amount" in long.columns else pd.Series([""] * len(long))
    for rec, sku, amount in zip(long["_rec"].tolist(), long["Sku"].tolist(), amounts.tolist()):
        if str(sku or "").strip():
            new = "0" if kind.id == "item-reversal" else str(amount or "").strip()
            items[int(rec)].append((str(sku).strip(), new))
    return items


def mark_journal(sources: list[Source], kept: list[Validated], journal: Journal, account: str) -> set[str]:
    """Each file record's journal state (its change's key looked up); the keys found, so that the journal's own
    block leaves them out. Nothing is computed when the journal holds nothing."""
    if not journal.counts() and not journal.file_counts():
        return set()
    found: set[str] = set()
    files = [(fr, frames, kind) for fr, frames, kind in kept if frames is not None and kind is not None
             and kind.id in KINDS]
    for source, (fr, frames, kind) in zip(sources, files):
        assert frames is not None and kind is not None
        plans = plan_file(fr, frames, kind, strict=False)
        if len(plans) != len(source.record):
            continue  # not one request per record: the states stay "to send"
        keys = [p.change(account).key if p.method else "" for p in plans]
        seen = journal.seen([k for k in keys if k])
        for i, key in enumerate(keys):
            if key in seen:
                source.state[i] = code(seen[key].state)
                source.sent[i] = seen[key].sent_at
                found.add(key)
        _reasons(source, keys, journal)
    return found


def _reasons(source: Source, keys: list[str], journal: Journal) -> None:
    """The platform's words for the refused and unknown records (few: read by their writes)."""
    wanted = [k for k, s in zip(keys, source.state) if STATES[s] in ("refused", "unknown")]
    if wanted:
        entries = journal.of(wanted)
        for i, key in enumerate(keys):
            if key in entries:
                source.reason[i] = entries[key].reason


def from_journal(journal: Journal, skip: set[str]) -> list[Source]:
    """The journal's writes to actions not yet applied (sending, queued, refused and not made good, unknown,
    failed), except the changes of the files given (`skip`), one Source per kind."""
    entries = journal.entries(channel="api")
    open_ = {e.id for e in needs_a_person(entries)}
    chosen = [e for e in entries if e.change not in skip and e.target.startswith(("ActionId ", "OrderId "))
              and (e.state in ("sending", "queued", "failed") or e.id in open_)]
    by_kind: dict[str, list[tuple[Entry, dict[str, str]]]] = {}
    for e in chosen:
        form = dict(parse_qsl(e.payload, keep_blank_values=True))
        by_kind.setdefault(_kind(e.method, form), []).append((e, form))
    return [_journal_source(kind, rows) for kind, rows in sorted(by_kind.items())]


def _kind(method: str, form: dict[str, str]) -> str:
    if method == "DELETE":
        return "order-reversal"
    if "Sku" not in form:
        return "order-modification"
    reverses = all(v in ("0", "0.00", "0.0") for k, v in form.items() if k.startswith(("Amount", "Quantity")))
    return "item-reversal" if reverses else "item-modification"


def _journal_source(kind: str, rows: list[tuple[Entry, dict[str, str]]]) -> Source:
    record = pd.DataFrame({name: [form.get(name, form.get("Oid", "") if name == "OrderId" else "") for _, form in rows]
                           for name in (*IDENTS, "Amount")})
    items = None
    if kind.startswith("item"):
        items = [[(v, form.get(f"Amount{k[3:]}", "")) for k, v in form.items() if k.startswith("Sku") and
                  (k[3:] == "" or k[3:].isdigit())] for _, form in rows]
    entries = [e for e, _ in rows]
    source = Source(kind, record, items, journal=entries)
    for i, e in enumerate(entries):
        source.state[i], source.reason[i], source.sent[i] = code(e.state), e.reason, e.sent_at
    return source
