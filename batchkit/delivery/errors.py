"""The exception tree of a delivery (one tree: every failure of a delivery, the ledger's too).

    BatchkitError
    ├── InvalidFiles            exit 1: a file has errors; nothing was sent
    ├── DeliveryError           exit 3: a delivery failed; running again is safe (the ledger prevents doubles)
    │   ├── TransientError      the link broke or stalled: retried over a fresh connection first
    │   ├── PermanentError      retrying cannot help: fails at the first attempt
    │   │   ├── HostKeyError        the server's host key is unknown or changed
    │   │   ├── AuthError           the server refused the key or password
    │   │   ├── RemotePathError     missing directory, no permission, name already taken
    │   │   ├── DropFull            the drop's disk has no room for the file (said, not retried)
    │   │   ├── UnsupportedServer   no posix-rename@openssh.com, no common algorithm
    │   │   └── UncertainDelivery   an earlier final link was interrupted: the partner may have the file
    │   ├── RefusedWrites       exit 1: impact.com refused records (reported on every run until the rows change)
    │   └── UnrecordedDelivery  delivered, but the ledger could not record it: the next run finds it
    ├── ArchiveError            exit 2: a delivered file could not be copied into the archive
    ├── LedgerError             exit 2: the state dir, the ledger or its lock cannot be used (state/errors.py)
    └── LockBusy                exit 3: another run holds the state folder's lock (state/errors.py)

A class's docstring says what went wrong; the message raised with it says what to do.
"""

from __future__ import annotations

from batchkit.core.errors import BatchkitError
from batchkit.core.findings import Report
from batchkit.delivery.records import DeliveryResult
from batchkit.state.errors import LedgerError, LockBusy

__all__ = ["ArchiveError", "AuthError", "DeliveryError", "DropFull", "HostKeyError", "InvalidFiles", "LedgerError", "LockBusy",
           "PermanentError", "RefusedWrites", "RemotePathError", "TransientError", "UncertainDelivery", "UnrecordedDelivery",
           "UnsupportedServer"]


class InvalidFiles(BatchkitError):
    """Validation found errors: nothing was sent (`report` holds the findings; exit 1).

    Example::

        try:
            batchkit.deliver("samples/broken/acme_order-modifications_broken.csv", to="outbox")
        except batchkit.InvalidFiles as exc:
            print(exc, exc.report.errors)
    """

    exit_code = 1

    def __init__(self, report: Report) -> None:
        bad = sum(1 for f in report.files if not f.valid)
        super().__init__(f"{bad} of {len(report.files)} file(s) have errors: nothing was sent "
                         "(fix them and run again; batchkit validate shows every finding)")
        self.report = report


class ArchiveError(BatchkitError):
    """A delivered file could not be copied into the archive (the delivery itself stands)."""


class DeliveryError(BatchkitError):
    """A delivery failed; nothing was sent twice and it is safe to run again (`results`: what happened to each
    file before it failed; exit 3).

    Example::

        try:
            batchkit.deliver("samples/batch/acme_order-reversals_2026-11-22.csv",
                             to="samples/batch/acme_order-reversals_2026-11-22.csv")  # a file, not a folder
        except batchkit.DeliveryError as exc:
            print(exc, [r.describe() for r in exc.results])
    """

    exit_code = 3
    attempts = 0

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.results: list[DeliveryResult] = []


class TransientError(DeliveryError):
    """The connection broke, was reset or stalled (retried with backoff before giving up)."""


class PermanentError(DeliveryError):
    """A failure that retrying cannot fix."""


class HostKeyError(PermanentError):
    """The server's host key is not pinned in known_hosts, or differs from the pinned one."""


class AuthError(PermanentError):
    """The server refused the login, or the key cannot be used."""


class RemotePathError(PermanentError):
    """The remote directory is missing or not writable, or the name is taken by a different file."""


class DropFull(PermanentError):
    """The drop's disk has no room for the file: retrying cannot help until the partner makes room."""


class UnsupportedServer(PermanentError):
    """The server lacks something atomic delivery needs (posix-rename@openssh.com, an algorithm)."""


class UncertainDelivery(PermanentError):
    """An earlier final rename was interrupted: the partner may already have the file."""


class RefusedWrites(DeliveryError):
    """impact.com refused records (400, 404, 409, 422): nothing of them was applied; they are reported on every run
    until their row changes (exit 1: the data needs a person, like a file with errors).

    Example::

        try:
            batchkit.deliver("samples/batch/acme_order-reversals_2026-11-22.csv", to="api", dry_run=True)
        except batchkit.RefusedWrites as exc:
            print(exc, [r.describe() for r in exc.results])
    """

    exit_code = 1


class UnrecordedDelivery(DeliveryError):
    """A file was delivered but the ledger could not record it (a full state disk): the next run finds it."""
