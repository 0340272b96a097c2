"""The verdicts, kept in the ledger in their own tables (state/schema.py), so that asking again costs no requests:

    verdict_files    one row per file delivery (deliveries.id): its FTPFileSubmission, and once it is
                     Complete, its ErrorDetails as JSON
    verdict_records  one row per APISubmission (the BatchId of a queued API record): its Status and errors
    built_origins    for a file `batchkit run` built: each record's export row and OrderId (by sha256)
    verdict_copies   where a copy of a delivered content was last seen (a FILE given), to place details later
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from batchkit.core.clock import utc_now

if TYPE_CHECKING:
    from batchkit.state.store import Store

COMPLETE = "Complete"
_FILE_COLUMNS = ("delivery_id, batch_id, file_name, status, total_records, total_errors, submitted_at, completed_at, "
                 "details, checked_at")


@dataclass(frozen=True)
class FileVerdict:
    """What the platform said of one delivered file (its FTPFileSubmission)."""

    delivery_id: int
    batch_id: str
    file_name: str
    status: str
    total_records: str = ""
    total_errors: str = ""
    submitted_at: str = ""
    completed_at: str = ""
    details: list[dict[str, str]] | None = None  # the ErrorDetails, once read
    checked_at: str = ""

    @property
    def complete(self) -> bool:
        """Complete, and its ErrorDetails read: nothing more to ask."""
        return self.status == COMPLETE and self.details is not None


@dataclass(frozen=True)
class RecordVerdict:
    """What the platform said of one API record (its APISubmission)."""

    batch_id: str
    record_id: int
    status: str  # Queued, In Progress, Complete; "not found" when the API had no such submission
    error_type: str = ""
    error_reason: str = ""
    completed_at: str = ""
    checked_at: str = ""

    @property
    def complete(self) -> bool:
        return self.status == COMPLETE


def _file_verdict(row: tuple[Any, ...]) -> FileVerdict:
    details = json.loads(row[8]) if row[8] is not None else None
    return FileVerdict(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], details, row[9])


class Verdicts:
    """The verdict tables of one ledger (created on first use)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _q(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        return self.store.sql(sql, args)

    def files(self) -> dict[int, FileVerdict]:
        """Every file verdict, by delivery id."""
        rows = self._q(f"SELECT {_FILE_COLUMNS} FROM verdict_files")
        return {row[0]: _file_verdict(row) for row in rows}

    def put_file(self, v: FileVerdict) -> None:
        """Record (or update) a file's verdict."""
        details = json.dumps(v.details, ensure_ascii=False) if v.details is not None else None
        self._q(f"INSERT OR REPLACE INTO verdict_files ({_FILE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (v.delivery_id, v.batch_id, v.file_name, v.status, v.total_records, v.total_errors, v.submitted_at,
                 v.completed_at, details, utc_now()))

    def records(self) -> dict[str, RecordVerdict]:
        """Every API record verdict, by BatchId."""
        rows = self._q("SELECT batch_id, record_id, status, error_type, error_reason, completed_at, checked_at "
                       "FROM verdict_records")
        return {row[0]: RecordVerdict(*row) for row in rows}

    def put_record(self, v: RecordVerdict) -> None:
        """Record (or update) an API record's verdict."""
        self._q("INSERT OR REPLACE INTO verdict_records (batch_id, record_id, status, error_type, error_reason, "
                "completed_at, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (v.batch_id, v.record_id, v.status, v.error_type, v.error_reason, v.completed_at, utc_now()))

    def put_origins(self, sha256: str, export: str, origins: list[tuple[int, str]]) -> None:
        """Where each record of a built file came from: (export row, OrderId) in the file's record order."""
        blob = zlib.compress(json.dumps(origins, ensure_ascii=False).encode())
        self._q("INSERT OR REPLACE INTO built_origins (sha256, export, origins, recorded_at) VALUES (?, ?, ?, ?)",
                (sha256, export, blob, utc_now()))

    def origins(self, sha256: str) -> tuple[str, list[tuple[int, str]]] | None:
        """(export, [(export row, OrderId), ...]) of a built file, or None for a file batchkit did not build."""
        rows = self._q("SELECT export, origins FROM built_origins WHERE sha256 = ?", (sha256,))
        if not rows:
            return None
        return rows[0][0], [(int(r), str(o)) for r, o in json.loads(zlib.decompress(rows[0][1]))]

    def remember_copy(self, sha256: str, path: str) -> None:
        """A copy of this content is at `path` (checked again by its hash before it is used)."""
        self._q("INSERT OR REPLACE INTO verdict_copies (sha256, path, seen_at) VALUES (?, ?, ?)",
                (sha256, path, utc_now()))

    def copies(self) -> dict[str, str]:
        """Where copies of delivered contents were seen, by sha256."""
        return {row[0]: row[1] for row in self._q("SELECT sha256, path FROM verdict_copies")}
