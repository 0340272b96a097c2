"""The ledger: the state folder's store with its file deliveries, its journal, its verdicts and its inquiries.

Partners pick files up and delete them, so the drop cannot tell whether a file was sent: the ledger can. One
`deliveries` row per delivery attempt of one file to one destination, with its outcome:

    sending     the upload began (a run that dies here did not deliver: the .part was never renamed)
    committing  the final rename was requested (a run that dies here may or may not have delivered)
    delivered   the file is complete under its final name
    failed      the delivery gave up; nothing was renamed
    unknown     interrupted during the final rename: the next run looks at the drop

A batch file's records are known to the journal too (state/journal.py: `file_records`), so that the API does not
send them again: their state is their file's outcome.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from batchkit.core.clock import utc_now
from batchkit.state.store import Store

if TYPE_CHECKING:
    from batchkit.state.inquiries import InquiriesSeen
    from batchkit.state.journal import Journal
    from batchkit.state.verdicts import Verdicts

INTERRUPTED_UPLOAD = "interrupted during the upload (nothing was renamed)"
_COLUMNS = "id, name, sha256, size, destination, remote, started_at, finished_at, outcome, attempts, error, source"


@dataclass(frozen=True)
class LedgerEntry:
    """One file delivery."""

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
    source: str | None = None  # the local file that was sent (absolute), when known

    def as_dict(self) -> dict[str, Any]:
        """The entry as plain JSON-able data."""
        return asdict(self)


class Ledger(Store):
    """The store of one state folder, with its file deliveries; `journal`, `verdicts`, `inquiries` are its
    other tables."""

    @property
    def journal(self) -> Journal:
        """Every write the platform receives, keyed by the change."""
        from batchkit.state.journal import Journal

        return Journal(self)

    @property
    def verdicts(self) -> Verdicts:
        """What the platform said of what was delivered."""
        from batchkit.state.verdicts import Verdicts

        return Verdicts(self)

    def inquiries(self, account: str) -> InquiriesSeen:
        """Each inquiry's status as last read, for one account."""
        from batchkit.state.inquiries import InquiriesSeen

        return InquiriesSeen(self, account)

    def settle_interrupted(self) -> None:
        """Deliveries and writes a killed run left half done (the lock is held)."""
        now = utc_now()
        self.sql("UPDATE deliveries SET outcome = 'failed', finished_at = ?, error = ? WHERE outcome = 'sending'",
                 (now, INTERRUPTED_UPLOAD))
        self.sql("UPDATE deliveries SET outcome = 'unknown', finished_at = ?, error = ? WHERE outcome = 'committing'",
                 (now, "interrupted during the final rename: the partner may have the file"))
        self.journal.settle_interrupted()

    def last(self, sha256: str, destination: str) -> LedgerEntry | None:
        """The newest delivered (or uncertain) entry for this content at this destination."""
        rows = self.sql(f"SELECT {_COLUMNS} FROM deliveries WHERE sha256 = ? AND destination = ? "
                        "AND outcome IN ('delivered', 'unknown', 'committing') ORDER BY id DESC LIMIT 1",
                        (sha256, destination), create=False)
        return LedgerEntry(*rows[0]) if rows else None

    def begin(self, name: str, sha256: str, size: int, destination: str, source: str | None = None) -> int:
        """Record that sending starts (`source`: the local file sent); returns the entry id."""
        (row_id,) = self.sql("INSERT INTO deliveries (name, sha256, size, destination, started_at, outcome, source) "
                             "VALUES (?, ?, ?, ?, ?, 'sending', ?)",
                             (name, sha256, size, destination, utc_now(), source))
        return int(row_id or 0)

    def update(self, entry_id: int, outcome: str, attempts: int | None = None, remote: str | None = None,
               error: str | None = None) -> LedgerEntry:
        """Move an entry to `outcome` (final outcomes get a finish time; the records it carried share it)."""
        finished = None if outcome in ("sending", "committing") else utc_now()
        self.sql("UPDATE deliveries SET outcome = ?, finished_at = COALESCE(?, finished_at), "
                 "attempts = COALESCE(?, attempts), remote = COALESCE(?, remote), error = ? WHERE id = ?",
                 (outcome, finished, attempts, remote, error, entry_id))
        return self.get(entry_id)

    def get(self, entry_id: int) -> LedgerEntry:
        """One entry by id."""
        rows = self.sql(f"SELECT {_COLUMNS} FROM deliveries WHERE id = ?", (entry_id,))
        if not rows:
            raise KeyError(entry_id)
        return LedgerEntry(*rows[0])

    def interrupted_uploads(self, destination: str) -> list[LedgerEntry]:
        """Uploads to `destination` that a killed run left half done (their .part may still be in the drop)."""
        rows = self.sql(f"SELECT {_COLUMNS} FROM deliveries WHERE destination = ? AND outcome = 'failed' "
                        "AND error = ? ORDER BY id", (destination, INTERRUPTED_UPLOAD), create=False)
        return [LedgerEntry(*row) for row in rows]

    def entries(self) -> list[LedgerEntry]:
        """Every entry, oldest first."""
        return [LedgerEntry(*row) for row in self.sql(f"SELECT {_COLUMNS} FROM deliveries ORDER BY id",
                                                      create=False)]
