"""File names of batch files: the kind id a name carries, impact.com's reserved names, build's naming.

One place for these facts: validate reads the kind from a name (`kind_from_filename`), build names
what it writes (`batch_file_name`), `batchkit run` strips kind ids out of export names
(`without_kind_ids`), and every command refuses names that impact.com's drop ignores
(`is_reserved`: its own `receipt_*` and `result_*` reports).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

RESERVED_PREFIXES = ("receipt_", "result_")  # impact.com's own files: ignored when found in a drop
RESERVED_TEXT = " or ".join(f"{p}*" for p in RESERVED_PREFIXES)  # "receipt_* or result_*"
KIND_ID = re.compile(r"(?:(order|item)[-_ ]?(modification|reversal)|(?<![a-z])(reset))s?(?![a-z])", re.IGNORECASE)
UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")  # characters a written file name never holds
STAMP = "%Y%m%dT%H%M%SZ"


def kind_from_filename(name: str) -> str | None:
    """The kind id a file name contains (singular or plural), e.g. acme_order-reversals_2026.csv, acme_resets.csv."""
    found = {"reset" if m.group(3) else f"{m.group(1).lower()}-{m.group(2).lower()}" for m in KIND_ID.finditer(name)}
    return found.pop() if len(found) == 1 else None


def without_kind_ids(name: str) -> str:
    """`name` with every kind id replaced by '-' (a file name must contain only its own kind)."""
    return KIND_ID.sub("-", name)


def is_reserved(name: str) -> bool:
    """True when impact.com's drop ignores a file of this name (its receipt_*/result_* reports)."""
    return name.lower().startswith(RESERVED_PREFIXES)


def safe_prefix(prefix: str) -> str:
    """A prefix fit for a file name: unsafe characters become '-'; never empty, never reserved."""
    safe = UNSAFE.sub("-", prefix).strip("-.") or "batch"
    if is_reserved(f"{safe}_"):  # e.g. an export named receipt_2026-11.csv
        safe = f"batch-{safe}"
    return safe


def batch_file_name(prefix: str, kind_id: str, when: datetime | None = None) -> str:
    """`<prefix>_<kind>s_<UTC timestamp>.csv`: the kind id in the name, so validate recognises it."""
    stamp = (when or datetime.now(timezone.utc)).strftime(STAMP)
    return f"{safe_prefix(prefix)}_{kind_id}s_{stamp}.csv"
