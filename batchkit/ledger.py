"""The delivery ledger: which content went where and when (SQLite), and the lock that serialises runs.

Partners pick files up and delete them, so the drop cannot tell whether a file was sent: the
ledger can. One row per delivery attempt of one file to one destination, with its outcome:

    sending     the upload began (a run that dies here did not deliver: the .part was never renamed)
    committing  the final rename was requested (a run that dies here may or may not have delivered)
    delivered   the file is complete under its final name
    failed      the delivery gave up; nothing was renamed
    unknown     interrupted during the final rename: ask the partner, then --resend if needed

Rows are written only while the lock (flock on `deliver.lock`) is held, so two processes never
both decide to send the same content.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from batchkit.errors import BatchkitError

DB_NAME = "ledger.sqlite3"
LOCK_NAME = "deliver.lock"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    destination TEXT NOT NULL,
    remote      TEXT,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    outcome     TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_content ON deliveries (sha256, destination);
"""
_COLUMNS = "id, name, sha256, size, destination, remote, started_at, finished_at, outcome, attempts, error"


class LockBusy(BatchkitError):
    """Another batchkit delivery holds the ledger lock: try again when it has finished."""

    exit_code = 3


def utc_now() -> str:
    """The current time as ISO 8601 UTC, to the second."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class LedgerEntry:
    """One row of the ledger."""

    id: int
    name: str
    sha256: str
    size: int
    destination: str
    remote: str | None
    started_at: str
    finished_at: str | None
    outcome: str
    attempts: int
    error: str | None

    def as_dict(self) -> dict[str, Any]:
        """The entry as plain JSON-able data."""
        return asdict(self)


class Ledger:
    """The ledger of one state directory; opened lazily, created on the first write."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / DB_NAME
        self.lock_path = self.state_dir / LOCK_NAME
        self._db: sqlite3.Connection | None = None

    def _conn(self, create: bool = True) -> sqlite3.Connection | None:
        if self._db is None:
            if not create and not self.path.exists():
                return None
            self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._db.executescript(_SCHEMA)
        return self._db

    def close(self) -> None:
        """Close the database connection (the ledger reopens on next use)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    @contextmanager
    def locked(self, wait: float = 30.0) -> Iterator[None]:
        """Hold the delivery lock (waiting up to `wait` seconds); settle rows left by dead runs."""
        self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _acquire(fd, wait, self.lock_path)
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()} since {utc_now()}\n".encode())
            self._settle_interrupted()
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def _settle_interrupted(self) -> None:
        db = self._conn()
        assert db is not None
        now = utc_now()
        db.execute("UPDATE deliveries SET outcome = 'failed', finished_at = ?, error = ? WHERE outcome = 'sending'",
                   (now, "interrupted during the upload (nothing was renamed)"))
        db.execute("UPDATE deliveries SET outcome = 'unknown', finished_at = ?, error = ? WHERE outcome = 'committing'",
                   (now, "interrupted during the final rename: the partner may have the file"))

    def last(self, sha256: str, destination: str) -> LedgerEntry | None:
        """The newest delivered (or uncertain) entry for this content at this destination."""
        db = self._conn(create=False)
        if db is None:
            return None
        row = db.execute(f"SELECT {_COLUMNS} FROM deliveries WHERE sha256 = ? AND destination = ? "
                         "AND outcome IN ('delivered', 'unknown', 'committing') ORDER BY id DESC LIMIT 1",
                         (sha256, destination)).fetchone()
        return LedgerEntry(*row) if row else None

    def begin(self, name: str, sha256: str, size: int, destination: str) -> int:
        """Record that sending starts; returns the entry id."""
        db = self._conn()
        assert db is not None
        cur = db.execute("INSERT INTO deliveries (name, sha256, size, destination, started_at, outcome) "
                         "VALUES (?, ?, ?, ?, ?, 'sending')", (name, sha256, size, destination, utc_now()))
        return int(cur.lastrowid or 0)

    def update(self, entry_id: int, outcome: str, attempts: int | None = None, remote: str | None = None,
               error: str | None = None) -> LedgerEntry:
        """Move an entry to `outcome` (final outcomes get a finish time); returns the new row."""
        db = self._conn()
        assert db is not None
        finished = None if outcome in ("sending", "committing") else utc_now()
        db.execute("UPDATE deliveries SET outcome = ?, finished_at = COALESCE(?, finished_at), "
                   "attempts = COALESCE(?, attempts), remote = COALESCE(?, remote), error = ? WHERE id = ?",
                   (outcome, finished, attempts, remote, error, entry_id))
        return self.get(entry_id)

    def get(self, entry_id: int) -> LedgerEntry:
        """One entry by id."""
        db = self._conn()
        assert db is not None
        row = db.execute(f"SELECT {_COLUMNS} FROM deliveries WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise KeyError(entry_id)
        return LedgerEntry(*row)

    def entries(self) -> list[LedgerEntry]:
        """Every entry, oldest first."""
        db = self._conn(create=False)
        if db is None:
            return []
        return [LedgerEntry(*row) for row in db.execute(f"SELECT {_COLUMNS} FROM deliveries ORDER BY id")]


def _acquire(fd: int, wait: float, path: Path) -> None:
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
                raise LockBusy(f"another batchkit delivery is running ({holder}; lock {path}); "
                               f"waited {wait:g} s: try again when it has finished") from None
            time.sleep(0.05)
