"""The tables of the ledger, their schema version and the migrations that bring an older ledger up to date.

One SQLite file (`ledger.sqlite3` in the state folder) holds every table batchkit keeps; this module is the
registry of them. SQLite's `user_version` is the schema version: 0 is a ledger of batchkit 0.1.0 (or older:
only `deliveries`), each migration below takes it one step and runs in one transaction, so a ledger is never
half-migrated. A ledger whose version is newer than this batchkit knows is refused (never downgraded).

    deliveries          one row per file delivery attempt (state/ledger.py)
    writes              the journal: one row per change sent through the API (state/journal.py)
    file_records        the journal's records of files delivered to a drop: key, delivery, row
    inquiry_seen        each inquiry's ResolutionStatus as last read (state/inquiries.py)
    verdict_files, verdict_records, built_origins, verdict_copies   the platform's verdicts (state/verdicts.py)
    api_records, inquiry_resolutions   batchkit 0.1.0's per-channel books: read once by migration 2 into
                        `writes`, then kept untouched (never written again) as a record of the past
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from batchkit.state import migrate

DELIVERIES = """
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

WRITES = """
CREATE TABLE IF NOT EXISTS writes (
    id          INTEGER PRIMARY KEY,
    change      TEXT NOT NULL UNIQUE,
    account     TEXT NOT NULL,
    target      TEXT NOT NULL,
    digest      TEXT NOT NULL,
    channel     TEXT NOT NULL,
    destination TEXT NOT NULL,
    method      TEXT NOT NULL,
    payload     TEXT NOT NULL,
    delivery_id INTEGER,
    sha256      TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL DEFAULT '',
    row         INTEGER,
    line        INTEGER,
    source      TEXT,
    state       TEXT NOT NULL,
    queued_uri  TEXT,
    status      INTEGER,
    reason      TEXT,
    sent_at     TEXT,
    finished_at TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS writes_target ON writes (account, target);
CREATE INDEX IF NOT EXISTS writes_delivery ON writes (delivery_id);
CREATE TABLE IF NOT EXISTS file_records (
    change      BLOB PRIMARY KEY,
    delivery_id INTEGER NOT NULL,
    row         INTEGER NOT NULL,
    line        INTEGER NOT NULL
) WITHOUT ROWID;
"""

INQUIRY_SEEN = """
CREATE TABLE IF NOT EXISTS inquiry_seen (
    account     TEXT NOT NULL,
    inquiry_id  TEXT NOT NULL,
    status      TEXT NOT NULL,
    seen_at     TEXT NOT NULL,
    order_id    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account, inquiry_id)
);
"""

VERDICTS = """
CREATE TABLE IF NOT EXISTS verdict_files (
    delivery_id   INTEGER PRIMARY KEY,
    batch_id      TEXT NOT NULL UNIQUE,
    file_name     TEXT NOT NULL,
    status        TEXT NOT NULL,
    total_records TEXT NOT NULL DEFAULT '',
    total_errors  TEXT NOT NULL DEFAULT '',
    submitted_at  TEXT NOT NULL DEFAULT '',
    completed_at  TEXT NOT NULL DEFAULT '',
    details       TEXT,
    checked_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS verdict_records (
    batch_id      TEXT PRIMARY KEY,
    record_id     INTEGER NOT NULL,
    status        TEXT NOT NULL,
    error_type    TEXT NOT NULL DEFAULT '',
    error_reason  TEXT NOT NULL DEFAULT '',
    completed_at  TEXT NOT NULL DEFAULT '',
    checked_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS built_origins (
    sha256        TEXT PRIMARY KEY,
    export        TEXT NOT NULL,
    origins       BLOB NOT NULL,
    recorded_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS verdict_copies (
    sha256        TEXT PRIMARY KEY,
    path          TEXT NOT NULL,
    seen_at       TEXT NOT NULL
);
"""

TABLES = {"deliveries": DELIVERIES, "writes": WRITES, "inquiry_seen": INQUIRY_SEEN, "verdicts": VERDICTS}
KNOWN_TABLES = frozenset({"deliveries", "writes", "file_records", "inquiry_seen", "verdict_files", "verdict_records", "built_origins",
                          "verdict_copies", "api_records", "inquiry_resolutions"})  # what a ledger may hold


def run_script(db: sqlite3.Connection, script: str) -> None:
    """Each statement of `script` in the open transaction (sqlite3's executescript would commit it first)."""
    for statement in (s.strip() for s in script.split(";")):
        if statement:
            db.execute(statement)


def _v1(db: sqlite3.Connection) -> None:
    """The tables of batchkit 0.1.0 (a ledger older than it has only `deliveries`, maybe without `source`)."""
    run_script(db, DELIVERIES + INQUIRY_SEEN + VERDICTS)
    if "source" not in {row[1] for row in db.execute("PRAGMA table_info(deliveries)")}:
        db.execute("ALTER TABLE deliveries ADD COLUMN source TEXT")


def _v2(db: sqlite3.Connection) -> None:
    """The journal: every write keyed by its change; 0.1.0's api_records and inquiry_resolutions copied in."""
    run_script(db, WRITES)
    migrate.books_into_journal(db)


MIGRATIONS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = [
    ("the tables of batchkit 0.1.0", _v1),
    ("one journal of writes keyed by the change", _v2),
]
VERSION = len(MIGRATIONS)
