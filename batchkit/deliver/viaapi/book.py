"""The per-record book of API deliveries: one row per record (file sha256 + row) and destination, kept in the
delivery ledger's SQLite file beside the file deliveries, written only under the ledger's lock.

    sending   written just before the request goes (a run killed here left it: `unknown` at the next run)
    queued    the API answered QUEUED; its QueuedUri (the APISubmission) is kept for `batchkit results`
    unknown   sent, but the answer was lost (connection dropped, timeout, kill -9): never resent blindly
    applied   an unknown record whose action, read again, shows the change: delivered without a QueuedUri
    refused   the API refused the request itself (a 4xx with its message): not queued, not sent again
    failed    not accepted (429, an answered 5xx, never sent): sending it again is safe
    skipped   nothing to send (a row that changes nothing)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from batchkit.deliver.ledger import Ledger
from batchkit.deliver.records import utc_now

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_records (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    destination TEXT NOT NULL,
    name        TEXT NOT NULL,
    row         INTEGER NOT NULL,
    line        INTEGER NOT NULL,
    method      TEXT NOT NULL,
    payload     TEXT NOT NULL,
    action_id   TEXT NOT NULL DEFAULT '',
    order_id    TEXT NOT NULL DEFAULT '',
    tracker     TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL,
    queued_uri  TEXT,
    sent_at     TEXT,
    finished_at TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    UNIQUE (sha256, destination, row)
);
CREATE INDEX IF NOT EXISTS api_records_state ON api_records (destination, state);
"""
COLUMNS = ("id, delivery_id, sha256, destination, name, row, line, method, payload, action_id, order_id, tracker, "
           "state, queued_uri, sent_at, finished_at, attempts, error")
DONE = ("queued", "applied", "refused", "skipped")  # a rerun sends none of these again
INTERRUPTED = "the run stopped after sending it, before the answer was recorded"


@dataclass(frozen=True)
class RecordEntry:
    """One row of the book."""

    id: int
    delivery_id: int
    sha256: str
    destination: str
    name: str
    row: int
    line: int
    method: str
    payload: str
    action_id: str
    order_id: str
    tracker: str
    state: str
    queued_uri: str | None
    sent_at: str | None
    finished_at: str | None
    attempts: int
    error: str | None

    @property
    def batch_id(self) -> str:
        """The APISubmission's BatchId (the last part of the QueuedUri), '' when not queued."""
        return (self.queued_uri or "").rstrip("/").rpartition("/")[2]

    def as_dict(self) -> dict[str, Any]:
        """The entry as plain JSON-able data."""
        return asdict(self)


class RecordBook:
    """The API records of one ledger (the table is created on first use)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def _q(self, sql: str, args: tuple[Any, ...] = (), create: bool = True) -> list[Any]:
        """A statement on the book; a read (`create` False) of a ledger without the table finds nothing and
        creates nothing (a dry run writes no file)."""
        if create:
            return self.ledger.query(sql, args, schema=SCHEMA)
        if not self._has_table():
            return []
        return self.ledger.query(sql, args, create=False)

    def _has_table(self) -> bool:
        if not self.ledger.exists():
            return False
        rows = self.ledger.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'api_records'",
                                 create=False)
        return bool(rows)

    def settle_interrupted(self) -> int:
        """Records a killed run left `sending` become `unknown` (call with the lock held); how many."""
        rows = self._q("SELECT id FROM api_records WHERE state = 'sending'")
        self._q("UPDATE api_records SET state = 'unknown', finished_at = ?, error = ? WHERE state = 'sending'",
                (utc_now(), INTERRUPTED))
        return len(rows)

    def of_file(self, sha256: str, destination: str) -> dict[int, RecordEntry]:
        """The records of one file's content at one destination, by row."""
        rows = self._q(f"SELECT {COLUMNS} FROM api_records WHERE sha256 = ? AND destination = ? ORDER BY row",
                       (sha256, destination), create=False)
        return {r.row: r for r in map(_entry, rows)}

    def sending(self, delivery_id: int, sha256: str, destination: str, name: str, row: int, line: int,
                method: str, payload: str, ident: tuple[str, str, str]) -> RecordEntry:
        """Record that this record's request goes now (a new row, or the next attempt of a resendable one)."""
        now = utc_now()
        self._q("INSERT INTO api_records (delivery_id, sha256, destination, name, row, line, method, payload, "
                "action_id, order_id, tracker, state, sent_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "'sending', ?, 1) ON CONFLICT (sha256, destination, row) DO UPDATE SET state = 'sending', "
                "delivery_id = excluded.delivery_id, sent_at = excluded.sent_at, attempts = attempts + 1, "
                "finished_at = NULL, error = NULL, method = excluded.method, payload = excluded.payload",
                (delivery_id, sha256, destination, name, row, line, method, payload, *ident, now))
        return self.get(sha256, destination, row)

    def settle(self, entry: RecordEntry, state: str, queued_uri: str | None = None,
               error: str | None = None) -> RecordEntry:
        """Move a record to `state`."""
        self._q("UPDATE api_records SET state = ?, queued_uri = COALESCE(?, queued_uri), finished_at = ?, error = ? "
                "WHERE id = ?", (state, queued_uri, utc_now(), error, entry.id))
        return self.get(entry.sha256, entry.destination, entry.row)

    def skipped(self, delivery_id: int, sha256: str, destination: str, name: str, row: int, line: int,
                why: str) -> None:
        """Record a row that needs no request (said once, never sent)."""
        self._q("INSERT OR IGNORE INTO api_records (delivery_id, sha256, destination, name, row, line, method, "
                "payload, state, finished_at, error) VALUES (?, ?, ?, ?, ?, ?, '', '', 'skipped', ?, ?)",
                (delivery_id, sha256, destination, name, row, line, utc_now(), why))

    def get(self, sha256: str, destination: str, row: int) -> RecordEntry:
        """One record."""
        rows = self._q(f"SELECT {COLUMNS} FROM api_records WHERE sha256 = ? AND destination = ? AND row = ?",
                       (sha256, destination, row))
        if not rows:
            raise KeyError((sha256, destination, row))
        return _entry(rows[0])

    def all(self, destination: str | None = None) -> list[RecordEntry]:
        """Every record (of one destination), oldest first."""
        where, args = ("WHERE destination = ?", (destination,)) if destination else ("", ())
        return [_entry(r) for r in self._q(f"SELECT {COLUMNS} FROM api_records {where} ORDER BY id", args,
                                           create=False)]


def _entry(row: tuple[Any, ...]) -> RecordEntry:
    return RecordEntry(*row)
