"""The delivery ledger: which content went where and when (SQLite), and the lock that serialises runs.

Partners pick files up and delete them, so the drop cannot tell whether a file was sent: the
ledger can. One row per delivery attempt of one file to one destination, with its outcome:

    sending     the upload began (a run that dies here did not deliver: the .part was never renamed)
    committing  the final rename was requested (a run that dies here may or may not have delivered)
    delivered   the file is complete under its final name
    failed      the delivery gave up; nothing was renamed
    unknown     interrupted during the final rename: ask the partner, then --resend if needed

Rows are written only while the lock (flock on `deliver.lock`) is held, so two processes never
both decide to send the same content. A ledger that cannot be opened, read or written raises
LedgerError (exit 2) naming the file; a damaged one is never deleted or recreated.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from batchkit.deliver.errors import LedgerError, LockBusy
from batchkit.deliver.records import LedgerEntry, utc_now
from batchkit.io.write import folder_problem

DB_NAME = "ledger.sqlite3"
INTERRUPTED_UPLOAD = "interrupted during the upload (nothing was renamed)"
APPLICATION_ID = 0x424B4C47  # "BKLG" in SQLite's header: this file is batchkit's ledger
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
    error       TEXT,
    source      TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_content ON deliveries (sha256, destination);
"""
_COLUMNS = "id, name, sha256, size, destination, remote, started_at, finished_at, outcome, attempts, error, source"
_FIRST_COLUMNS = set(_COLUMNS.split(", ")) - {"source"}  # a ledger of an earlier batchkit: `source` is added


_T = TypeVar("_T")
_STATE_HINT = "set --state-dir, BATCHKIT_STATE_DIR or [deliver] state_dir to a writable folder"


class Ledger:
    """The ledger of one state directory; opened lazily, created on the first write."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / DB_NAME
        self.lock_path = self.state_dir / LOCK_NAME
        self._db: sqlite3.Connection | None = None
        self._ensured: set[str] = set()

    def _conn(self, create: bool = True) -> sqlite3.Connection | None:
        if self._db is None:
            if not create and not self.path.exists():
                return None
            self._make_state_dir()
            if self.path.exists() and not self.path.is_file():
                raise LedgerError(f"the ledger {self.path} is not a file: move it aside (batchkit never deletes it)")
            existed = self.path.exists()
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                if existed:
                    self._recognise(db)
                db.executescript(_SCHEMA)
                if "source" not in {row[1] for row in db.execute("PRAGMA table_info(deliveries)")}:
                    db.execute("ALTER TABLE deliveries ADD COLUMN source TEXT")
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            except BaseException:
                db.close()
                raise
            self._db = db
        return self._db

    def _recognise(self, db: sqlite3.Connection) -> None:
        """Refuse a file that is not batchkit's ledger: empty (0 bytes), foreign, or another SQLite
        database. A ledger of an earlier batchkit (no stamp yet, but its table) is stamped."""
        stamp = db.execute("PRAGMA application_id").fetchone()[0]
        if stamp == APPLICATION_ID:
            return
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        columns = {row[1] for row in db.execute("PRAGMA table_info(deliveries)")} if "deliveries" in tables else set()
        if stamp == 0 and tables == {"deliveries"} and columns in (_FIRST_COLUMNS, set(_COLUMNS.split(", "))):
            return
        what = "is empty (0 bytes)" if self.path.stat().st_size == 0 else "is not a batchkit ledger"
        raise LedgerError(f"{self.path} {what}: it may have been damaged or replaced; nothing was sent - restore "
                          "the ledger from a backup, or move this file aside yourself (batchkit never deletes it)")

    def _make_state_dir(self) -> None:
        try:
            self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            problem = folder_problem(self.state_dir) or f"{self.state_dir} cannot be created"
            raise LedgerError(f"state directory: {problem}: {_STATE_HINT}") from None

    def _guarded(self, work: Callable[[], _T]) -> _T:
        """Run `work`, turning SQLite and file-system errors into one-line LedgerErrors."""
        try:
            return work()
        except sqlite3.OperationalError as exc:
            if str(exc).startswith("no such"):  # a SQLite file, but not batchkit's ledger
                raise LedgerError(f"{self.path} is not a batchkit ledger ({exc}): move it aside (keep it) "
                                  "and point --state-dir at batchkit's own state directory") from None
            raise LedgerError(f"cannot use the ledger {self.path}: {exc} (check the state directory "
                              f"{self.state_dir}: permissions, free space, a folder in the way)") from None
        except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
            raise LedgerError(f"the ledger {self.path} is damaged ({exc}): batchkit cannot tell what was already "
                              "delivered; restore it from a backup, or move it aside (keep it: it records past "
                              "deliveries) to start a new one") from None
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot use the ledger {self.path}: {exc}") from None
        except OSError as exc:
            raise LedgerError(f"cannot use the state directory {self.state_dir}: {exc.strerror or exc}"
                              + (f" ({exc.filename})" if exc.filename else "")) from None

    def check(self) -> None:
        """Raise LedgerError now if the state directory, the ledger or the lock cannot be used; creates nothing.

        Opens an existing ledger (a damaged one is reported, never replaced); cheap enough for --dry-run.
        """
        problem = folder_problem(self.state_dir)
        if problem:
            raise LedgerError(f"state directory: {problem}: {_STATE_HINT}")
        for path, what in ((self.path, "the ledger"), (self.lock_path, "the lock file")):
            if self._guarded(path.exists) and not path.is_file():
                raise LedgerError(f"{what} {path} is not a file: move it aside (batchkit never deletes it)")
        if self.path.exists():
            self._guarded(lambda: self._conn(create=False))

    def close(self) -> None:
        """Close the database connection (the ledger reopens on next use)."""
        if self._db is not None:
            self._db.close()
            self._db = None
        self._ensured.clear()

    @contextmanager
    def locked(self, wait: float = 30.0) -> Iterator[None]:
        """Hold the delivery lock (waiting up to `wait` seconds); settle rows left by dead runs."""
        self._make_state_dir()
        if self._guarded(self.lock_path.is_dir):
            raise LedgerError(f"the lock file {self.lock_path} is not a file: move it aside "
                              "(batchkit never deletes it)")
        fd = self._guarded(lambda: os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644))
        try:
            self._guarded(lambda: _acquire(fd, wait, self.lock_path))
            self._guarded(lambda: _stamp(fd))
            self._guarded(self._settle_interrupted)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def _settle_interrupted(self) -> None:
        db = self._conn()
        assert db is not None
        now = utc_now()
        db.execute("UPDATE deliveries SET outcome = 'failed', finished_at = ?, error = ? WHERE outcome = 'sending'",
                   (now, INTERRUPTED_UPLOAD))
        db.execute("UPDATE deliveries SET outcome = 'unknown', finished_at = ?, error = ? WHERE outcome = 'committing'",
                   (now, "interrupted during the final rename: the partner may have the file"))

    def _rows(self, sql: str, args: tuple[Any, ...] = (), create: bool = True) -> list[Any]:
        """Run one statement (guarded); the rows it returns ([] when the ledger does not exist yet)."""
        def work() -> list[Any]:
            db = self._conn(create)
            if db is None:
                return []
            cur = db.execute(sql, args)
            return [cur.lastrowid] if sql.startswith("INSERT") else cur.fetchall()
        return self._guarded(work)

    def query(self, sql: str, args: tuple[Any, ...] = (), create: bool = True, schema: str | None = None) -> list[Any]:
        """One SQL statement on the ledger (guarded: errors are LedgerErrors), for the tables other parts keep
        here (the API's per-record book, the platform's verdicts, inquiries): its rows, or [lastrowid] for an
        INSERT. `schema`: that part's tables, created first if they are not there yet."""
        if schema is not None:
            self.ensure(schema)
        return self._rows(sql, args, create)

    def ensure(self, schema: str) -> None:
        """Create a part's own tables in the ledger if they are not there yet (CREATE ... IF NOT EXISTS; once
        per open ledger)."""
        if schema in self._ensured and self._db is not None:
            return

        def work() -> None:
            db = self._conn()
            assert db is not None
            db.executescript(schema)
        self._guarded(work)
        self._ensured.add(schema)

    def exists(self) -> bool:
        """Whether the ledger file exists (nothing was ever delivered from this state directory if not)."""
        return self._guarded(self.path.exists)

    def last(self, sha256: str, destination: str) -> LedgerEntry | None:
        """The newest delivered (or uncertain) entry for this content at this destination."""
        rows = self._rows(f"SELECT {_COLUMNS} FROM deliveries WHERE sha256 = ? AND destination = ? "
                          "AND outcome IN ('delivered', 'unknown', 'committing') ORDER BY id DESC LIMIT 1",
                          (sha256, destination), create=False)
        return LedgerEntry(*rows[0]) if rows else None

    def begin(self, name: str, sha256: str, size: int, destination: str, source: str | None = None) -> int:
        """Record that sending starts (`source`: the local file sent, so its rows can be found again later);
        returns the entry id."""
        (row_id,) = self._rows("INSERT INTO deliveries (name, sha256, size, destination, started_at, outcome, source) "
                               "VALUES (?, ?, ?, ?, ?, 'sending', ?)",
                               (name, sha256, size, destination, utc_now(), source))
        return int(row_id or 0)

    def update(self, entry_id: int, outcome: str, attempts: int | None = None, remote: str | None = None,
               error: str | None = None) -> LedgerEntry:
        """Move an entry to `outcome` (final outcomes get a finish time); returns the new row."""
        finished = None if outcome in ("sending", "committing") else utc_now()
        self._rows("UPDATE deliveries SET outcome = ?, finished_at = COALESCE(?, finished_at), "
                   "attempts = COALESCE(?, attempts), remote = COALESCE(?, remote), error = ? WHERE id = ?",
                   (outcome, finished, attempts, remote, error, entry_id))
        return self.get(entry_id)

    def get(self, entry_id: int) -> LedgerEntry:
        """One entry by id."""
        rows = self._rows(f"SELECT {_COLUMNS} FROM deliveries WHERE id = ?", (entry_id,))
        if not rows:
            raise KeyError(entry_id)
        return LedgerEntry(*rows[0])

    def interrupted_uploads(self, destination: str) -> list[LedgerEntry]:
        """Uploads to `destination` that a killed run left half done (their .part may still be in the drop)."""
        rows = self._rows(f"SELECT {_COLUMNS} FROM deliveries WHERE destination = ? AND outcome = 'failed' "
                          "AND error = ? ORDER BY id", (destination, INTERRUPTED_UPLOAD), create=False)
        return [LedgerEntry(*row) for row in rows]

    def entries(self) -> list[LedgerEntry]:
        """Every entry, oldest first."""
        return [LedgerEntry(*row) for row in self._rows(f"SELECT {_COLUMNS} FROM deliveries ORDER BY id",
                                                        create=False)]


def _stamp(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.write(fd, f"pid {os.getpid()} since {utc_now()}\n".encode())


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
