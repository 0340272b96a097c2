"""The journal: every change the platform receives, whichever channel (a file in a drop, a request to the API, an
inquiry resolution) and whichever file it came from, keyed by the change (core/change.py).

A write to the API is one `writes` row with its own state. A file delivered to a drop stays one entry (its
`deliveries` row: the drop receives files); its records are made known by their keys alone (`file_records`: the
key, the file delivery, the row), and their state is their file's outcome — delivered, failed (never renamed:
not sent), or unknown — so a big file costs the journal one small row a record.

States of a write (the three outcomes of SPEC §8, and the steps around them):

    sending    written just before the request goes (or the file's upload starts); a run killed here leaves it
               `unknown` at the next run (a file's records follow their file's outcome instead)
    queued     accepted: the API answered QUEUED (its QueuedUri is kept for `batchkit results`)
    applied    accepted and shown: an inquiry answered OK, or an unknown write the read-back proved
    delivered  the file that carries the record is complete in the drop (file records only)
    refused    the platform said it was not applied (400, 404, 409, 422): reported on every run until the row
               changes (a changed row is another change) or the user resends it
    unknown    no answer, a timeout, an unreadable body, a 5xx or 408, and the read-back could not prove it:
               listed on every run; sent again only on the user's word (--resend-unknown)
    failed     never sent (no connection, 429s that did not stop): safe to send, and sent by the next run
    dismissed  refused, and a person said it is not to be sent (`batchkit status --dismiss`): no longer listed,
               and not sent again (unless --resend)

DONE states are never sent again unless the user asks (--resend).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

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
_FILE_STATE = {"delivered": "delivered", "failed": "failed", "sending": "sending", "committing": "sending",
               "unknown": "unknown"}  # a file delivery's outcome -> the state of the records it carried


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


class Seen(NamedTuple):
    """What a file's check needs of an earlier write (lighter than an Entry: a big file looks up many)."""

    state: str
    channel: str
    sha256: str
    destination: str
    sent_at: str | None
    name: str
    row: int | None


class Journal:
    """The journal of one ledger."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._file_cache: dict[int, tuple[Any, ...]] = {}  # file deliveries as read by this journal (one lookup)

    def _select(self, where: str, args: tuple[Any, ...] = ()) -> list[Entry]:
        return [Entry(*row) for row in self.store.sql(f"SELECT {_COLUMNS} FROM writes {where}", args, create=False)]

    def get(self, key: str) -> Entry | None:
        """The write of one change, if there is one: its `writes` row, or the file record that carried it to a drop
        (when that is done and the write is not, or there is no write)."""
        found = self._select("WHERE change = ?", (key,))
        write = found[0] if found else None
        if write is not None and write.state in DONE:
            return write
        filed = self._file_entries([key]).get(key)
        return filed if filed is not None and (write is None or filed.state in DONE) else write

    def of(self, keys: list[str]) -> dict[str, Entry]:
        """The writes of these changes, by key (file records as for `get`)."""
        found: dict[str, Entry] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _CHUNK):
            part = unique[start:start + _CHUNK]
            for entry in self._select(f"WHERE change IN ({', '.join('?' * len(part))})", tuple(part)):
                found[entry.change] = entry
        rest = [k for k in unique if k not in found or found[k].state not in DONE]
        for key, filed in self._file_entries(rest).items():
            if key not in found or filed.state in DONE:
                found[key] = filed
        return found

    def seen(self, keys: list[str]) -> dict[str, Seen]:
        """What the journal holds of these changes (those it has), by key: lighter than `of` for a big file."""
        found: dict[str, Seen] = {}
        unique = list(dict.fromkeys(keys))
        self._file_cache.clear()  # file deliveries are read once per lookup, never kept across lookups
        writes = bool(self.store.sql("SELECT 1 FROM writes LIMIT 1", create=False))  # none: a drop-only ledger
        for start in range(0, len(unique) if writes else 0, _CHUNK):
            part = unique[start:start + _CHUNK]
            rows = self.store.sql("SELECT change, state, channel, sha256, destination, sent_at, name, row FROM writes "
                                  f"WHERE change IN ({', '.join('?' * len(part))})", tuple(part), create=False)
            found.update((row[0], Seen(*row[1:])) for row in rows)
        rest = [k for k in unique if k not in found or found[k].state not in DONE]
        for start in range(0, len(rest), _CHUNK):
            part = rest[start:start + _CHUNK]
            for row in self._file_rows(part):
                key, outcome, sha, dest, started, name, number = row[:7]
                seen = Seen(_FILE_STATE.get(outcome, "unknown"), "drop", sha, dest, started, name, number)
                if key not in found or seen.state in DONE:
                    found[key] = seen
        return found

    def _file_rows(self, keys: list[str]) -> list[Any]:
        """(key, outcome, sha256, destination, started_at, name, row, line, delivery id) of file records."""
        if not keys:
            return []
        rows = self.store.sql(f"SELECT change, delivery_id, row, line FROM file_records WHERE change IN "
                              f"({', '.join('?' * len(keys))})", tuple(bytes.fromhex(k) for k in keys), create=False)
        files = self._files({r[1] for r in rows})
        return [(bytes(change).hex(), *files[did], row, line, did) for change, did, row, line in rows if did in files]

    def _files(self, ids: set[int]) -> dict[int, tuple[str, str, str, str, str]]:
        """(outcome, sha256, destination, started_at, name) of file deliveries, by id (few, for many records)."""
        wanted = [i for i in ids if i not in self._file_cache]
        if wanted:
            rows = self.store.sql(f"SELECT id, outcome, sha256, destination, started_at, name FROM deliveries WHERE "
                                  f"id IN ({', '.join('?' * len(wanted))})", tuple(wanted), create=False)
            self._file_cache.update((r[0], tuple(r[1:])) for r in rows)
        return {i: self._file_cache[i] for i in ids if i in self._file_cache}

    def _file_entries(self, keys: list[str]) -> dict[str, Entry]:
        """File records as Entries (channel drop, the state their file's outcome; id 0: no `writes` row)."""
        found = {}
        self._file_cache.clear()
        for start in range(0, len(keys), _CHUNK):
            for key, outcome, sha, dest, started, name, row, line, did in self._file_rows(keys[start:start + _CHUNK]):
                found[key] = Entry(0, key, "", "", "", "drop", dest, "", "", did, sha, name, row, line, None,
                                   _FILE_STATE.get(outcome, "unknown"), None, None, None, started, None, 1)
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

    def record_file(self, delivery_id: int, records: list[tuple[str, int, int]]) -> None:
        """A batch file's records (key, row, line) go to a drop with the file delivery `delivery_id`: from now on
        their state is that delivery's outcome. A record sent again in another file (--resend) moves to that file,
        unless a file that carried it was delivered: then it stays with that one (delivered it is)."""
        self.store.many("INSERT INTO file_records (change, delivery_id, row, line) VALUES (?, ?, ?, ?) ON CONFLICT "
                        "(change) DO UPDATE SET delivery_id = excluded.delivery_id, row = excluded.row, line = "
                        "excluded.line WHERE (SELECT outcome FROM deliveries WHERE id = file_records.delivery_id) "
                        "IS NOT 'delivered'", [(bytes.fromhex(key), delivery_id, row, line) for key, row, line in records])

    def file_counts(self) -> dict[int, dict[str, int]]:
        """How many records each file delivery carried, by their state (the delivery's outcome)."""
        found: dict[int, dict[str, int]] = {}
        for did, outcome, n in self.store.sql("SELECT d.id, d.outcome, COUNT(*) FROM file_records f JOIN deliveries d "
                                              "ON d.id = f.delivery_id GROUP BY d.id", create=False):
            found[did] = {_FILE_STATE.get(outcome, "unknown"): n}
        return found

    def settle_interrupted(self) -> int:
        """Writes a killed run left `sending` become `unknown` (the lock is held). How many."""
        left = self.store.sql("SELECT COUNT(*) FROM writes WHERE state = 'sending'")[0][0]
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
            delivery_id: int | None, now: str | None = None) -> tuple[Any, ...]:
    return (change.key, change.account, change.target, change.digest, channel, destination, method, payload,
            delivery_id, origin.sha256, origin.name, origin.row, origin.line, origin.source, now or utc_now())
