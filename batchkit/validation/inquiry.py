"""Kind inquiry-resolution: which file is the web app's bulk-resolution CSV (SPEC §6), and which of its columns
are which. Plain facts over header texts and file names; the checks are in validate/resolutions.py.

A header is matched case- and space-insensitively against RESOLUTION_COLUMNS (`Resolution Status`,
`resolution_status`, `ResolutionStatus`). Columns headed `Evidence: ...` or `Partner: ...` are what batchkit's
review workbook shows beside each inquiry: not part of the upload, never checked.
"""

from __future__ import annotations

import re
from pathlib import Path

from batchkit.core.inquiry import RESOLUTION_COLUMNS, field_key
from batchkit.core.kinds import INQUIRY_RESOLUTION

REQUIRED = ("Id", "Resolution Status")
EVIDENCE_PREFIXES = ("evidence:", "partner:")
_BY_KEY = {field_key(c): c for c in RESOLUTION_COLUMNS}
_NAME = re.compile(r"(?<![a-z])inquir(?:y|ies)[-_ ]?resolutions?(?![a-z])", re.IGNORECASE)

__all__ = ["EVIDENCE_PREFIXES", "INQUIRY_RESOLUTION", "REQUIRED", "is_evidence", "named_in", "resolution_column",
           "resolution_columns_in", "says_resolutions"]


def resolution_column(header: str) -> str | None:
    """The bulk-resolution column a header names (`resolution status` -> `Resolution Status`), None if none."""
    return _BY_KEY.get(field_key(header))


def is_evidence(header: str) -> bool:
    """True for the review workbook's own columns (`Evidence: ...`, `Partner: ...`): ignored, never flagged."""
    return header.strip().lstrip("\ufeff").casefold().startswith(EVIDENCE_PREFIXES)


def named_in(path: str) -> bool:
    """True when the file name says inquiry-resolution (also inquiry_resolutions, inquiries-resolution)."""
    return bool(_NAME.search(Path(path).name))


def resolution_columns_in(header: list[str]) -> int:
    """How many distinct bulk-resolution columns a header row names."""
    return len({c for c in map(resolution_column, header) if c})


def says_resolutions(header: list[str], batch_identifiers: bool) -> bool:
    """True when the columns are a bulk-resolution file's: Id and Resolution Status, and no batch-file identifier
    (ActionId, OrderId/Oid, ActionTrackerId) among them."""
    named = {resolution_column(h) for h in header}
    return set(REQUIRED) <= named and not batch_identifiers
