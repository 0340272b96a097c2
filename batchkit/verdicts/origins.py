"""Where each record of a file `batchkit run` built came from: its export row and OrderId, kept in the
ledger (built_origins) by the built file's sha256, so that a rejection names the export row to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from batchkit.core.kinds import get_kind
from batchkit.state.ledger import Ledger
from batchkit.state.verdicts import Verdicts


def origins_of(kind_id: str, records: Any) -> list[tuple[int, str]]:
    """(export row, OrderId) of each record of a built file, in its order (item kinds: one per order)."""
    origin = records.drop_duplicates("_order") if get_kind(kind_id).is_item else records
    orders = origin["OrderId"].fillna("").astype(str).tolist()
    return [(int(row), order) for row, order in zip(origin["_row"].tolist(), orders)]


def record_origins(ledger: Ledger, sha256: str, export: Path, origins: list[tuple[int, str]]) -> None:
    """Keep the origins of one built file (by its content's sha256)."""
    Verdicts(ledger).put_origins(sha256, export.name, origins)
