"""The journal: one row per change the platform receives, whichever channel (a file in a drop, a request to the
API, an inquiry resolution) and whichever file it came from, keyed by the change (core/change.py).

States of a write (the three outcomes of SPEC §8, and the steps around them):

    sending    written just before the request goes (or the file's upload starts); a run killed here leaves it
               `unknown` at the next run (a file's records follow their file's outcome instead)
    queued     accepted: the API answered QUEUED (its QueuedUri is kept for `batchkit results`)
    applied    accepted and shown: an inquiry answered OK, or an unknown write the read-back proved
    delivered  the file that carries the record is complete in the drop
    refused    the platform said it was not applied (400, 404, 409, 422): reported on every run until the row
               changes (a changed row is another change) or the user resends it
    unknown    no answer, a timeout, an unreadable body, a 5xx or 408, and the read-back could not prove it:
               listed on every run; sent again only on the user's word (--resend-unknown)
    failed     never sent (no connection, 429s that did not stop): safe to send, and sent by the next run
    dismissed  refused, and a person said it is not to be sent (`batchkit status --dismiss`): no longer listed

DONE states are never sent again unless the user asks (--resend).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from batchkit.core.change import Change
from batchkit.core.clock import utc_now

if TYPE_CHECKING:
    from batchkit.state.store import Store

DONE = ("queued", "applied", "delivered")
NEEDS_A_PERSON = ("refused", "unknown")
INTERRUPTED = "the run stopped after sending it, before the answer was recorded"
_COLUMNS = ("id, change, account, target, digest, channel, destination, method, payload, delivery_id, sha256, name, "
            "row, line, source, state, queued_uri, status, reason, sent_at, finished_at, attempts")
_CHUNK = 500  # keys per SELECT ... IN (...)


@dataclass(frozen=True)
class Origin:
    """Where a write came from: the file (its content hash, name, path) and its row."""

    sha256: str = ""
    name: str = ""
    row: int | None = None
    line: int | None = None
    source: str | None = None


@dataclass(frozen=True)
class Entry:
    """One journal row."""

    id: int
    change: str
    account: str
    target: str
    digest: str
    channel: str  # drop | api | inquiry
    destination: str
    method: str
    payload: str
    delivery_id: int | None
    sha256: str
    name: str
    row: int | None
    line: int | None
    source: str | None
    state: str
    queued_uri: str | None
    status: int | None
    reason: str | None
    sent_at: str | None
    finished_at: str | None
    attempts: int

    @property
    def batch_id(self) -> str:
        """The APISubmission's BatchId (the last part of the QueuedUri), '' when not queued."""
        return (self.queued_uri or "").rstrip("/").rpartition("/")[2]

    @property
    def action_id(self) -> str:
        """The ActionId the target names ('' when it names an OrderId or an inquiry)."""
        return self.target.split()[1] if self.target.startswith("ActionId ") else ""

    @property
    def order_id(self) -> str:
        """The OrderId the target names ('' when it names an ActionId or an inquiry)."""
        return self.target.split()[1] if self.target.startswith("OrderId ") else ""

    @property
    def error(self) -> str | None:
        """The platform's reason (refused) or what to check (unknown)."""
        return self.reason

    @property
    def done(self) -> bool:
        return self.state in DONE

    def as_dict(self) -> dict[str, Any]:
        """The entry as plain JSON-able data (the request's form, never a secret: none is ever in it)."""
        return asdict(self)


class Journal:
    """The journal of one ledger."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _select(self, where: str, args: tuple[Any, ...] = ()) -> list[Entry]:
        return [Entry(*row) for row in self.store.sql(f"SELECT {_COLUMNS} FROM writes {where}", args, create=False)]

    def get(self, key: str) -> Entry | None:
        """The write of one change, if there is one."""
        found = self._select("WHERE change = ?", (key,))
        return found[0] if found else None

    def of(self, keys: list[str]) -> dict[str, Entry]:
        """The writes of these changes, by key."""
        found: dict[str, Entry] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _CHUNK):
            part = unique[start:start + _CHUNK]
            for entry in self._select(f"WHERE change IN ({', '.join('?' * len(part))})", tuple(part)):
                found[entry.change] = entry
        return found

    def to_target(self, account: str, target: str) -> list[Entry]:
        """Every write to one target of one account (other changes to it included), oldest first."""
        return self._select("WHERE account = ? AND target = ? ORDER BY id", (account, target))

    def sending(self, change: Change, channel: str, destination: str, method: str, payload: str,
                origin: Origin, delivery_id: int | None = None) -> Entry:
        """Record that this change's request goes now (a new row, or the next attempt of the same change)."""
        self.store.sql(_UPSERT, _values(change, channel, destination, method, payload, origin, delivery_id))
        found = self.get(change.key)
        assert found is not None
        return found

    def settle(self, entry: Entry, state: str, queued_uri: str | None = None, status: int | None = None,
               reason: str | None = None) -> Entry:
        """Move a write to `state` (its QueuedUri, the HTTP status and the platform's reason kept)."""
        self.store.sql("UPDATE writes SET state = ?, queued_uri = COALESCE(?, queued_uri), status = ?, reason = ?, "
                       "finished_at = ? WHERE id = ?", (state, queued_uri, status, reason, utc_now(), entry.id))
        found = self.get(entry.change)
        assert found is not None
        return found

    def restore(self, before: Entry | None, now: Entry) -> None:
        """Undo `sending` for a write that did not go (the credentials were refused: nothing is marked)."""
        if before is None:
            self.store.sql("DELETE FROM writes WHERE id = ?", (now.id,))
            return
        self.store.sql("UPDATE writes SET state = ?, status = ?, reason = ?, sent_at = ?, finished_at = ?, "
                       "attempts = ? WHERE id = ?", (before.state, before.status, before.reason, before.sent_at,
                                                     before.finished_at, before.attempts, now.id))

    def record_file(self, delivery_id: int, destination: str,
                    records: list[tuple[Change, str, str, Origin]]) -> None:
        """A batch file's records (change, method, payload, origin) start going to a drop with the file."""
        self.store.many(_UPSERT, [_values(change, "drop", destination, method, payload, origin, delivery_id)
                                  for change, method, payload, origin in records])

    def follow_file(self, delivery_id: int, state: str, reason: str | None = None) -> None:
        """The records of a file delivery take its outcome."""
        self.store.sql("UPDATE writes SET state = ?, reason = ?, finished_at = ? WHERE delivery_id = ? "
                       "AND channel = 'drop'", (state, reason, utc_now(), delivery_id))

    def settle_interrupted(self) -> int:
        """Writes a killed run left `sending` become `unknown`; a file's records follow their file (the lock is
        held, the deliveries are settled first). How many were left sending."""
        left = self.store.sql("SELECT COUNT(*) FROM writes WHERE state = 'sending'")[0][0]
        self.store.sql("UPDATE writes SET state = COALESCE((SELECT CASE d.outcome WHEN 'delivered' THEN 'delivered' "
                       "WHEN 'failed' THEN 'failed' ELSE 'unknown' END FROM deliveries d WHERE d.id = "
                       "writes.delivery_id), 'unknown'), finished_at = ? WHERE state = 'sending' AND channel = 'drop'",
                       (utc_now(),))
        self.store.sql("UPDATE writes SET state = 'unknown', finished_at = ?, reason = ? WHERE state = 'sending'",
                       (utc_now(), INTERRUPTED))
        return int(left)

    def entries(self, states: tuple[str, ...] = (), channel: str | None = None) -> list[Entry]:
        """Every write (in `states`, of `channel`), oldest first."""
        where, args = [], []
        if states:
            where.append(f"state IN ({', '.join('?' * len(states))})")
            args += list(states)
        if channel:
            where.append("channel = ?")
            args.append(channel)
        return self._select(("WHERE " + " AND ".join(where) if where else "") + " ORDER BY id", tuple(args))

    def counts(self) -> dict[str, int]:
        """How many writes are in each state."""
        return {state: n for state, n in self.store.sql("SELECT state, COUNT(*) FROM writes GROUP BY state",
                                                        create=False)}


_UPSERT = ("INSERT INTO writes (change, account, target, digest, channel, destination, method, payload, delivery_id, "
           "sha256, name, row, line, source, state, sent_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
           "?, 'sending', ?, 1) ON CONFLICT (change) DO UPDATE SET state = 'sending', channel = excluded.channel, "
           "destination = excluded.destination, method = excluded.method, payload = excluded.payload, "
           "delivery_id = excluded.delivery_id, sha256 = excluded.sha256, name = excluded.name, row = excluded.row, "
           "line = excluded.line, source = excluded.source, sent_at = excluded.sent_at, attempts = attempts + 1, "
           "finished_at = NULL, status = NULL, reason = NULL, queued_uri = NULL")


def _values(change: Change, channel: str, destination: str, method: str, payload: str, origin: Origin,
            delivery_id: int | None) -> tuple[Any, ...]:
    return (change.key, change.account, change.target, change.digest, channel, destination, method, payload,
            delivery_id, origin.sha256, origin.name, origin.row, origin.line, origin.source, utc_now())
