"""The records of a delivery: what goes (Outgoing), what the ledger remembers (LedgerEntry), what happened
(DeliveryResult)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from batchkit.core.clock import utc_now
from batchkit.render.escape import printable
from batchkit.state.ledger import LedgerEntry

__all__ = ["DeliveryResult", "LedgerEntry", "Outgoing", "sha256_file", "utc_now"]


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
    """What happened to one file: `outcome` (delivered, skipped, refused, would-send, would-skip, would-fail,
    uncertain, failed, not-attempted), where it went, its size and SHA-256, and the ledger's entry.

    Example::

        for result in batchkit.deliver("samples/batch/acme_order-reversals_2026-11-22.csv", to="outbox"):
            print(result.outcome, result.destination, result.sha256)
    """

    path: Path
    name: str
    size: int
    sha256: str
    destination: str
    outcome: str  # delivered | skipped | refused (records) | would-send | would-skip | would-fail | uncertain | failed | not-attempted
    attempts: int = 0
    at: str | None = None
    remote: str | None = None
    seconds: float = 0.0
    error: str | None = None
    entry: LedgerEntry | None = None
    note: str | None = None  # said after the line (e.g. how an interrupted delivery was recovered)
    records: int = 0  # through the API: how many records the file has (0 for a file delivery)

    def describe(self) -> str:
        """One line for people (control characters of a file name written as \\xNN).

        Example::

            for result in batchkit.deliver("samples/batch/acme_order-reversals_2026-11-22.csv", to="outbox"):
                print(result.describe())
        """
        if self.outcome in ("skipped", "would-skip") and self.entry is None and self.note and not self.records:
            verb = "skipped" if self.outcome == "skipped" else "would be skipped"  # its records went another way
            return printable(f"{self.name}: {self.note}, {verb} ({self.destination}; --resend sends it again)")
        line = self._describe()
        return printable(f"{line} ({self.note})" if self.note else line)

    def _describe(self) -> str:
        size = f"{self.size:,} bytes"
        if self.outcome == "delivered":
            tries = "" if self.attempts <= 1 else f", {self.attempts} attempts"
            return f"sent {self.name} -> {self.remote} ({size}, {self.seconds:.2f} s{tries})"
        if self.records and self.outcome in ("uncertain", "failed", "refused"):  # what went wrong follows on stderr
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
