"""The state folder's SQLite file and its lock: opened lazily, recognised by its stamp, migrated in place.

`ledger.sqlite3` in the state folder (mode 0700) holds every table batchkit keeps (state/schema.py is their
registry). It carries batchkit's stamp (SQLite's `application_id`), so an empty (0-byte) file, another SQLite
database or any other file in its place is refused as damage, never taken for a fresh ledger that would send
everything again; a ledger of an earlier batchkit (no stamp yet, but its table) is recognised, stamped and
migrated. A damaged ledger is never deleted or recreated. Every SQLite or file-system error becomes a one-line
LedgerError (exit 2) naming the file. The lock (`deliver.lock`, flock) serialises the runs that write.

Only the modules of this package write SQL (`Store.sql`); everything else calls their methods.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from batchkit.core.clock import utc_now
from batchkit.io.write import folder_problem
from batchkit.state.errors import LedgerError, LockBusy
from batchkit.state.schema import KNOWN_TABLES, MIGRATIONS, VERSION

DB_NAME = "ledger.sqlite3"
LOCK_NAME = "deliver.lock"
APPLICATION_ID = 0x424B4C47  # "BKLG" in SQLite's header: this file is batchkit's ledger
_LEGACY_COLUMNS = {"id", "name", "sha256", "size", "destination", "remote", "started_at", "finished_at", "outcome",
                   "attempts", "error"}
STATE_HINT = "set --state-dir, BATCHKIT_STATE_DIR or state_dir in batchkit.toml to a writable folder"

_T = TypeVar("_T")



class Store:
    """The SQLite file of one state folder; opened on first use, created on the first write."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / DB_NAME
        self.lock_path = self.state_dir / LOCK_NAME
        self._db: sqlite3.Connection | None = None

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
                self._migrate(db)
            except BaseException:
                db.close()
                raise
            self._db = db
        return self._db

    def _recognise(self, db: sqlite3.Connection) -> None:
        """Refuse a file that is not batchkit's ledger: empty (0 bytes), foreign, or another SQLite database."""
        stamp = db.execute("PRAGMA application_id").fetchone()[0]
        if stamp == APPLICATION_ID:
            return
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        columns = {row[1] for row in db.execute("PRAGMA table_info(deliveries)")} if "deliveries" in tables else set()
        ours = "deliveries" in tables and tables <= KNOWN_TABLES
        if stamp == 0 and ours and columns in (_LEGACY_COLUMNS, _LEGACY_COLUMNS | {"source"}):
            return
        what = "is empty (0 bytes)" if self.path.stat().st_size == 0 else "is not a batchkit ledger"
        raise LedgerError(f"{self.path} {what}: it may have been damaged or replaced; nothing was sent - restore "
                          "the ledger from a backup, or move this file aside yourself (batchkit never deletes it)")

    def _migrate(self, db: sqlite3.Connection) -> None:
        """Bring the schema to VERSION, one transaction for all the steps (another process may do it first)."""
        current = db.execute("PRAGMA user_version").fetchone()[0] == VERSION
        if current and db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID:
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > VERSION:
                raise LedgerError(f"the ledger {self.path} was written by a newer batchkit (schema {version}; this "
                                  f"one knows {VERSION}): upgrade batchkit (the ledger is never downgraded)")
            for _name, step in MIGRATIONS[version:]:
                step(db)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {VERSION}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _make_state_dir(self) -> None:
        try:
            self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            problem = folder_problem(self.state_dir) or f"{self.state_dir} cannot be created"
            raise LedgerError(f"state directory: {problem}: {STATE_HINT}") from None

    def guarded(self, work: Callable[[], _T]) -> _T:
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

    def sql(self, sql: str, args: tuple[Any, ...] = (), create: bool = True) -> list[Any]:
        """One statement (for the modules of state/ only): its rows, or [lastrowid] for an INSERT; [] when the
        ledger does not exist and `create` is False (a read creates nothing)."""
        def work() -> list[Any]:
            db = self._conn(create)
            if db is None:
                return []
            cur = db.execute(sql, args)
            return [cur.lastrowid] if sql.lstrip().startswith("INSERT") else cur.fetchall()
        return self.guarded(work)

    def many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """One statement for many rows, in one transaction (for the modules of state/ only)."""
        def work() -> None:
            db = self._conn()
            assert db is not None
            db.execute("BEGIN")
            try:
                db.executemany(sql, rows)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        self.guarded(work)

    def schema_version(self) -> int:
        """The ledger's schema version (0 when it does not exist yet)."""
        rows = self.sql("PRAGMA user_version", create=False)
        return int(rows[0][0]) if rows else 0

    def check(self) -> None:
        """Raise LedgerError now if the state directory, the ledger or the lock cannot be used; creates nothing.

        Opens an existing ledger (a damaged one is reported, never replaced; an older one is migrated)."""
        problem = folder_problem(self.state_dir)
        if problem:
            raise LedgerError(f"state directory: {problem}: {STATE_HINT}")
        for path, what in ((self.path, "the ledger"), (self.lock_path, "the lock file")):
            if self.guarded(path.exists) and not path.is_file():
                raise LedgerError(f"{what} {path} is not a file: move it aside (batchkit never deletes it)")
        if self.path.exists():
            self.guarded(lambda: self._conn(create=False))

    def exists(self) -> bool:
        """Whether the ledger file exists (nothing was ever recorded from this state directory if not)."""
        return self.guarded(self.path.exists)

    def close(self) -> None:
        """Close the database connection (it reopens on next use)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    @contextmanager
    def locked(self, wait: float = 30.0) -> Iterator[None]:
        """Hold the state folder's lock (waiting up to `wait` seconds); settle what dead runs left."""
        self._make_state_dir()
        if self.guarded(self.lock_path.is_dir):
            raise LedgerError(f"the lock file {self.lock_path} is not a file: move it aside "
                              "(batchkit never deletes it)")
        fd = self.guarded(lambda: os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644))
        try:
            self.guarded(lambda: _acquire(fd, wait, self.lock_path))
            self.guarded(lambda: _stamp(fd))
            self.guarded(self.settle_interrupted)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def settle_interrupted(self) -> None:
        """What runs killed mid-way left behind, settled once the lock is held (subclasses say what)."""


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
