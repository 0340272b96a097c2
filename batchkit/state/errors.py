"""The state folder's failures (one line each, exit codes in the class).

    BatchkitError
    ├── LedgerError   exit 2: the state folder, the ledger or its lock cannot be used (fix the environment)
    └── LockBusy      exit 3: another batchkit run holds the lock (try again when it has finished)
"""

from __future__ import annotations

from batchkit.core.errors import BatchkitError

__all__ = ["LedgerError", "LockBusy"]


class LockBusy(BatchkitError):
    """Another batchkit run holds the state folder's lock: try again when it has finished (exit 3).

    Example::

        try:
            batchkit.status()
        except batchkit.LockBusy as exc:
            print(exc)
    """

    exit_code = 3


class LedgerError(BatchkitError):
    """The state folder, the ledger or its lock file cannot be used (exit 2: fix the environment).

    Example::

        try:
            batchkit.status(state_dir="samples/batch/acme_order-reversals_2026-11-22.csv")  # a file, not a folder
        except batchkit.LedgerError as exc:
            print(exc)
    """
