"""Each inquiry's ResolutionStatus and OrderId as last read (a pull, or a re-read before resolving), per account:
what `inquiries resolve` decides staleness from and `--approvals` names orders by."""

from __future__ import annotations

from typing import TYPE_CHECKING

from batchkit.core.clock import seconds_since, utc_now

if TYPE_CHECKING:
    from batchkit.state.store import Store


class InquiriesSeen:
    """The `inquiry_seen` table of one ledger, for one account."""

    def __init__(self, store: Store, account: str) -> None:
        self.store, self.account = store, account

    def seen(self, statuses: list[tuple[str, str, str]]) -> None:
        """Record each inquiry's (Id, ResolutionStatus, OrderId) as read now."""
        now = utc_now()
        self.store.many("INSERT OR REPLACE INTO inquiry_seen VALUES (?, ?, ?, ?, ?)",
                        [(self.account, i, s.upper(), now, o) for i, s, o in statuses])

    def order_of(self, inquiry_id: str) -> str:
        """The inquiry's OrderId as last read ('' when never read)."""
        rows = self.store.sql("SELECT order_id FROM inquiry_seen WHERE account = ? AND inquiry_id = ?",
                              (self.account, inquiry_id), create=False)
        return str(rows[0][0]) if rows else ""

    def last_seen(self, inquiry_id: str) -> tuple[str, float] | None:
        """(status, seconds ago) as last read, or None when never read."""
        rows = self.store.sql("SELECT status, seen_at FROM inquiry_seen WHERE account = ? AND inquiry_id = ?",
                              (self.account, inquiry_id), create=False)
        return (str(rows[0][0]), seconds_since(rows[0][1])) if rows else None
