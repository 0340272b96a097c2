"""The mirror's action keys as one Arrow table (Id, Oid, ActionTrackerId, State, Amount, Currency,
CreationDate, LockingDate), cached in an Arrow file beside the mirror: read whole the first time, then
brought up to date with only the actions mirrored since (README "Preflight")."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather

from batchkit.state.mirror import KEYS, Mirror

_TEXT = pa.large_string()


def _cache(mirror: Mirror) -> Path:
    return mirror.path.with_suffix(".keys.arrow")


def _read(mirror: Mirror, stamp: str | None) -> tuple[pa.Table, str | None]:
    """The keys of the actions mirrored at or after `stamp` (all when None), and the newest mirrored_at seen.
    SQLite joins each row's keys into one text and pyarrow splits them: no Python object per cell."""
    texts, newest = [], stamp
    for joined, mirrored in mirror.keys_since(stamp):
        texts.append(joined)
        newest = mirrored if newest is None or mirrored > newest else newest
    flat = pc.list_flatten(pc.split_pattern(pa.array(texts, type=_TEXT), "\x1f"))
    width = len(KEYS)
    columns = {k: flat.take(pa.array(range(i, len(flat), width))) if len(flat) else pa.array([], type=_TEXT)
               for i, k in enumerate(KEYS)}
    return pa.table(columns), newest


def load_cache(path: Path) -> tuple[pa.Table, dict[bytes, bytes]] | None:
    """A cached Arrow table and its metadata (None when missing or unreadable: the caller rebuilds it)."""
    try:
        table = feather.read_table(path, memory_map=True)  # uncompressed: mapped, not copied
    except (OSError, pa.ArrowInvalid, KeyError):
        return None
    return table, dict(table.schema.metadata or {})


def write_cache(path: Path, table: pa.Table, meta: dict[str, str]) -> None:
    """`table` with `meta` written atomically as uncompressed Arrow (mapped, not copied, when read); a cache only:
    a failure leaves no file and the caller goes on without it."""
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        feather.write_feather(table.replace_schema_metadata(meta), part, compression="uncompressed")
        os.replace(part, path)
    except OSError:
        part.unlink(missing_ok=True)


def key_frame(mirror: Mirror) -> pa.Table:
    """Every mirrored action's keys (text, "" when unset)."""
    generation, epoch = str(mirror.generation()), mirror.get_meta("epoch") or ""
    path = _cache(mirror)
    cached = load_cache(path)
    if cached and cached[1].get(b"epoch") == epoch.encode() and cached[1].get(b"generation") == generation.encode():
        return cached[0].replace_schema_metadata(None)
    if cached and cached[1].get(b"epoch") == epoch.encode() and cached[1].get(b"stamp"):
        old, stamp = cached[0].replace_schema_metadata(None), cached[1][b"stamp"].decode()
        fresh, newest = _read(mirror, stamp)
        kept = old.filter(pc.invert(pc.is_in(old.column("Id"), value_set=fresh.column("Id").combine_chunks())))
        table = pa.concat_tables([kept, fresh])
    else:
        table, newest = _read(mirror, None)
    write_cache(path, table, {"epoch": epoch, "generation": generation, "stamp": newest or ""})
    return table
