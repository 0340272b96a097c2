"""Failures of the tool itself (bad data is never raised: it becomes findings).

    BatchkitError            exit code 2: the tool could not run
    ├── UsageError           bad flags, or a bad argument to a library function
    ├── ConfigError          batchkit.toml is invalid
    └── InputError           a file cannot be opened or read at all
"""

from __future__ import annotations


class BatchkitError(Exception):
    """batchkit could not run; `exit_code` is what the CLI exits with (2 unless a subclass says otherwise).

    Example::

        try:
            report = batchkit.validate("samples/batch/acme_order-modifications_2026-11-22.csv")
        except batchkit.BatchkitError as exc:
            raise SystemExit(exc.exit_code) from exc
    """

    exit_code = 2


class UsageError(BatchkitError):
    """Bad command-line usage, or a bad argument to a library function: the message names the argument
    (`kind='nope' is not a batch file kind (known: ...)`, `max_samples=-1 is not a whole number of at least 0`).

    Example::

        try:
            batchkit.validate("samples/batch/acme_order-modifications_2026-11-22.csv", kind="nope")
        except batchkit.UsageError as exc:
            print(exc)  # kind='nope' is not a batch file kind (known: order-modification, ...)
    """


class ConfigError(BatchkitError):
    """The configuration is invalid (batchkit.toml, or what the environment gives); the message names where.

    Example::

        try:
            config = batchkit.load_config("samples/returns/batchkit.toml")
        except batchkit.ConfigError as exc:
            print(exc)
    """


class InputError(BatchkitError):
    """An input file cannot be opened or read at all (missing, a folder, not CSV nor XLSX).

    Example::

        try:
            batchkit.validate("no-such-file.csv")
        except batchkit.InputError as exc:
            print(exc)  # no-such-file.csv: no such file
    """
