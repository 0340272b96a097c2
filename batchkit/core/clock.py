"""Time as batchkit records it: ISO 8601 UTC to the second (the ledger's, the journal's and the verdicts' stamps)."""

from __future__ import annotations

from datetime import UTC, datetime

STAMP = "%Y-%m-%dT%H:%M:%SZ"


def utc_now() -> str:
    """The current time as ISO 8601 UTC, to the second."""
    return datetime.now(UTC).strftime(STAMP)


def seconds_since(stamp: str | None) -> float:
    """Seconds from a recorded stamp to now (0 for none or one that cannot be read)."""
    if not stamp:
        return 0.0
    try:
        then = datetime.strptime(stamp, STAMP).replace(tzinfo=UTC)
    except ValueError:
        return 0.0
    return (datetime.now(UTC) - then).total_seconds()
