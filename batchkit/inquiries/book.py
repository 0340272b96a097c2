"""What batchkit knows of inquiries, kept in the delivery ledger's SQLite file (its own tables, under its lock):

    inquiry_seen          each inquiry's ResolutionStatus as last read (pull, or a re-read before resolving)
    inquiry_resolutions   one row per inquiry and destination: the resolution sent and its state

States of a resolution: `sending` (written before the PUT goes; a killed run leaves it: `unknown` at the next
run), `sent` (answered OK), `unknown` (the answer was lost: the inquiry is read again before anything is sent),
`applied` (an unknown one the platform shows resolved as sent), `skipped` (no longer UNRESOLVED when looked at),
`refused` (the API refused it: its message kept), `failed` (not accepted: 429/5xx, safe to send again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from batchkit.deliver.ledger import Ledger
from batchkit.deliver.records import utc_now

SCHEMA = """
CREATE TABLE IF NOT EXISTS inquiry_seen (
    account     TEXT NOT NULL,
    inquiry_id  TEXT NOT NULL,
    status      TEXT NOT NULL,
    seen_at     TEXT NOT NULL,
    order_id    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account, inquiry_id)
);
CREATE TABLE IF NOT EXISTS inquiry_resolutions (
    id          INTEGER PRIMARY KEY,
    destination TEXT NOT NULL,
    inquiry_id  TEXT NOT NULL,
    status      TEXT NOT NULL,
    payload     TEXT NOT NULL,
    state       TEXT NOT NULL,
    source      TEXT,
    row         INTEGER,
    sent_at     TEXT,
    finished_at TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    UNIQUE (destination, inquiry_id)
);
"""
COLUMNS = "id, destination, inquiry_id, status, payload, state, source, row, sent_at, finished_at, attempts, error"
DONE = ("sent", "applied", "skipped", "refused")  # never sent again


@dataclass(frozen=True)
class Resolved:
    """One row of inquiry_resolutions."""

    id: int
    destination: str
    inquiry_id: str
    status: str
    payload: str
    state: str
    source: str | None
    row: int | None
    sent_at: str | None
    finished_at: str | None
    attempts: int
    error: str | None


class InquiryBook:
    """The inquiry tables of one ledger (created on first use)."""

    def __init__(self, ledger: Ledger, account: str = "") -> None:
        self.ledger, self.account = ledger, account

    def _q(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        return self.ledger.query(sql, args, schema=SCHEMA)

    def seen(self, statuses: list[tuple[str, str, str]]) -> None:
        """Record each inquiry's (Id, ResolutionStatus, OrderId) as read now."""
        now = utc_now()
        for inquiry_id, status, order_id in statuses:
            self._q("INSERT OR REPLACE INTO inquiry_seen VALUES (?, ?, ?, ?, ?)",
                    (self.account, inquiry_id, status.upper(), now, order_id))

    def order_of(self, inquiry_id: str) -> str:
        """The inquiry's OrderId as last read ('' when never read)."""
        rows = self._q("SELECT order_id FROM inquiry_seen WHERE account = ? AND inquiry_id = ?",
                       (self.account, inquiry_id))
        return rows[0][0] if rows else ""

    def last_seen(self, inquiry_id: str) -> tuple[str, float] | None:
        """(status, seconds ago) as last read, or None when never read."""
        rows = self._q("SELECT status, seen_at FROM inquiry_seen WHERE account = ? AND inquiry_id = ?",
                       (self.account, inquiry_id))
        if not rows:
            return None
        at = datetime.strptime(rows[0][1], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        return rows[0][0], (datetime.now(UTC) - at).total_seconds()

    def settle_interrupted(self) -> int:
        """Resolutions a killed run left `sending` become `unknown` (with the lock held)."""
        rows = self._q("SELECT id FROM inquiry_resolutions WHERE state = 'sending'")
        self._q("UPDATE inquiry_resolutions SET state = 'unknown', finished_at = ?, error = ? WHERE state = 'sending'",
                (utc_now(), "the run stopped after sending it, before the answer was recorded"))
        return len(rows)

    def get(self, destination: str, inquiry_id: str) -> Resolved | None:
        rows = self._q(f"SELECT {COLUMNS} FROM inquiry_resolutions WHERE destination = ? AND inquiry_id = ?",
                       (destination, inquiry_id))
        return Resolved(*rows[0]) if rows else None

    def sending(self, destination: str, inquiry_id: str, status: str, payload: str, source: str,
                row: int) -> Resolved:
        """Record that this resolution's PUT goes now (a new row, or the next attempt of a resendable one)."""
        self._q("INSERT INTO inquiry_resolutions (destination, inquiry_id, status, payload, state, source, row, "
                "sent_at, attempts) VALUES (?, ?, ?, ?, 'sending', ?, ?, ?, 1) ON CONFLICT (destination, inquiry_id) "
                "DO UPDATE SET state = 'sending', status = excluded.status, payload = excluded.payload, "
                "source = excluded.source, row = excluded.row, sent_at = excluded.sent_at, attempts = attempts + 1, "
                "finished_at = NULL, error = NULL", (destination, inquiry_id, status, payload, source, row, utc_now()))
        found = self.get(destination, inquiry_id)
        assert found is not None
        return found

    def settle(self, entry: Resolved, state: str, error: str | None = None) -> None:
        self._q("UPDATE inquiry_resolutions SET state = ?, finished_at = ?, error = ? WHERE id = ?",
                (state, utc_now(), error, entry.id))

    def skip(self, destination: str, inquiry_id: str, status: str, source: str, row: int, why: str) -> None:
        """Record an inquiry that will not be sent (no longer UNRESOLVED)."""
        self._q("INSERT OR IGNORE INTO inquiry_resolutions (destination, inquiry_id, status, payload, state, source, "
                "row, finished_at, error) VALUES (?, ?, ?, '', 'skipped', ?, ?, ?, ?)",
                (destination, inquiry_id, status, source, row, utc_now(), why))

    def all(self, destination: str | None = None) -> list[Resolved]:
        where, args = ("WHERE destination = ?", (destination,)) if destination else ("", ())
        return [Resolved(*r) for r in self._q(f"SELECT {COLUMNS} FROM inquiry_resolutions {where} ORDER BY id", args)]
