"""Failures of the tool itself (bad data is never raised: it becomes findings).

    BatchkitError            exit code 2: the tool could not run
    ├── UsageError           bad flags or arguments
    ├── ConfigError          batchkit.toml is invalid
    └── InputError           a file cannot be opened or read at all
"""

from __future__ import annotations


class BatchkitError(Exception):
    """batchkit could not run."""

    exit_code = 2


class UsageError(BatchkitError):
    """Bad command-line usage."""


class ConfigError(BatchkitError):
    """The configuration is invalid."""


class InputError(BatchkitError):
    """An input file cannot be opened or read."""
