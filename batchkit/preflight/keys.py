"""The mirror's action keys as one frame (Id, Oid, ActionTrackerId, State, Amount, Currency, CreationDate,
LockingDate), cached in an Arrow file beside the mirror and rebuilt when the mirror has changed."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather

from batchkit.api.mirror import KEYS, Mirror

_TEXT = pa.large_string()


def _cache(mirror: Mirror) -> Path:
    return mirror.path.with_suffix(".keys.arrow")


def _from_mirror(mirror: Mirror) -> pa.Table:
    columns: list[list[str]] = [[] for _ in KEYS]
    cursor = mirror.db.execute(f"SELECT {', '.join(KEYS)} FROM actions")
    while batch := cursor.fetchmany(50_000):
        for i, values in enumerate(zip(*batch)):
            columns[i].extend(v or "" for v in values)
    return pa.table({k: pa.array(c, type=_TEXT) for k, c in zip(KEYS, columns)})


def key_frame(mirror: Mirror) -> pd.DataFrame:
    """Every mirrored action's keys (text, "" when unset), from the cache when it is of this generation."""
    generation = mirror.generation()
    path = _cache(mirror)
    table: pa.Table | None = None
    try:
        table = feather.read_table(path)
        if (table.schema.metadata or {}).get(b"generation") != str(generation).encode():
            table = None
    except (OSError, pa.ArrowInvalid, KeyError):
        table = None
    if table is None:
        table = _from_mirror(mirror).replace_schema_metadata({"generation": str(generation)})
        part = path.with_name(f".{path.name}.{os.getpid()}.part")
        try:
            feather.write_feather(table, part, compression="uncompressed")
            os.replace(part, path)
        except OSError:  # a cache only: preflight goes on without it
            part.unlink(missing_ok=True)
    return table.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow") if t in (pa.string(), _TEXT) else None)
