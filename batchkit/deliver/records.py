"""The records of a delivery: what goes (Outgoing), what the ledger remembers (LedgerEntry), what happened
(DeliveryResult)."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from batchkit.render.escape import printable

__all__ = ["DeliveryResult", "LedgerEntry", "Outgoing", "sha256_file", "utc_now"]


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
    source: str | None = None  # the local file that was sent (absolute), when known

    def as_dict(self) -> dict[str, Any]:
        """The entry as plain JSON-able data."""
        return asdict(self)


@dataclass(frozen=True)
class Outgoing:
    """A file about to be delivered, with the size and hash taken before validation."""

    path: Path
    name: str
    size: int
    sha256: str


def sha256_file(path: Path) -> tuple[str, int]:
    """The sha256 hex digest and size of a local file."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


@dataclass
class DeliveryResult:
    """What happened to one file."""

    path: Path
    name: str
    size: int
    sha256: str
    destination: str
    outcome: str  # delivered | skipped | would-send | would-skip | would-fail | uncertain | failed | not-attempted
    attempts: int = 0
    at: str | None = None
    remote: str | None = None
    seconds: float = 0.0
    error: str | None = None
    entry: LedgerEntry | None = None
    note: str | None = None  # said after the line (e.g. how an interrupted delivery was recovered)
    records: int = 0  # through the API: how many records the file has (0 for a file delivery)

    def describe(self) -> str:
        """One line for people (control characters of a file name written as \\xNN)."""
        line = self._describe()
        return printable(f"{line} ({self.note})" if self.note else line)

    def _describe(self) -> str:
        size = f"{self.size:,} bytes"
        if self.outcome == "delivered":
            tries = "" if self.attempts <= 1 else f", {self.attempts} attempts"
            return f"sent {self.name} -> {self.remote} ({size}, {self.seconds:.2f} s{tries})"
        if self.records and self.outcome in ("uncertain", "failed"):  # what went wrong follows on stderr
            return f"incomplete {self.name} -> {self.destination} ({self.seconds:.2f} s)"
        if self.records and self.outcome in ("skipped", "would-skip"):
            verb = "skipped" if self.outcome == "skipped" else "would be skipped"
            return f"{self.name}: all {self.records} record(s) delivered earlier, {verb} ({self.destination})"
        if self.outcome in ("skipped", "would-skip"):
            verb = "skipped" if self.outcome == "skipped" else "would be skipped"
            return f"{self.name}: already delivered on {self.at}, {verb} ({self.destination}; --resend sends it again)"
        if self.outcome == "would-send":
            return f"would send {self.name} -> {self.destination} ({size}, sha256 {self.sha256[:12]})"
        if self.outcome == "failed":  # the reason follows on stderr as `batchkit: error: ...`
            return f"failed {self.name} ({self.attempts} attempt{'' if self.attempts == 1 else 's'})"
        if self.outcome == "would-fail":  # the reason follows on stderr as `batchkit: error: ...`
            return f"would fail {self.name} -> {self.destination} (dry run: nothing was sent)"
        if self.outcome == "not-attempted":
            return f"not sent {self.name}: stopped at an earlier failure"
        return f"{self.outcome} {self.name}: {self.error}"
