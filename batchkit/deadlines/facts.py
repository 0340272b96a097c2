"""The mirror's facts the radar needs beyond preflight's key frame (Payout, the partner, when each action was
mirrored) and the numbers it computes from them once (Payout and Amount in cents, the LockingDate and the mirroring
in UTC seconds), as one Arrow table in the key frame's row order, cached beside the mirror like the keys: read whole
the first time, then brought up to date with only the actions mirrored since."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.deadlines.commission import cents
from batchkit.deadlines.dates import lock_seconds
from batchkit.preflight.keys import load_cache, write_cache
from batchkit.state.mirror import Mirror
from batchkit.state.rows import FIELDS, unpack

TEXT = pa.large_string()
WANTED = ("Id", "Payout", "MediaPartnerId", "MediaPartnerName", "Amount", "LockingDate")
FACTS = ("Id", "Payout", "MediaPartnerId", "MediaPartnerName", "mirrored_at")  # texts kept
NUMBERS = {"payout_cents": 0, "payout_ok": False, "amount_cents": 0, "amount_ok": False, "lock_s": np.nan,
           "mirrored_s": np.nan}  # computed once per action, and their value for a record without one
LAYOUT = "2"  # the cache's columns: a cache of another layout is read again whole
_AT = tuple(FIELDS.index(f) for f in WANTED)


def _cache(mirror: Mirror) -> Path:
    return mirror.path.with_suffix(".facts.arrow")


def _chunk(rows: list[tuple[str, str]]) -> pa.Table:
    """One chunk of (packed fields, mirrored_at) -> the FACTS columns (text, "" when unset). The usual packing is
    split by pyarrow; one packed as JSON (a value holding the separator) is read by rows.unpack."""
    packed = pa.array([r[0] for r in rows], type=TEXT)
    lists = pc.split_pattern(packed, "\x1f")
    ok = pc.and_(pc.equal(pc.list_value_length(lists), len(FIELDS)),
                 pc.invert(pc.starts_with(packed, "\x1e"))).to_numpy(zero_copy_only=False)
    slow = [int(i) for i in (~ok).nonzero()[0]]
    if slow:
        lists = pc.split_pattern(pc.if_else(pa.array(ok), packed, pa.scalar("\x1f" * (len(FIELDS) - 1), TEXT)),
                                 "\x1f")
    columns = {}
    for name, at in zip(WANTED, _AT):
        values = pc.replace_substring(pc.list_element(lists, at).cast(TEXT), "\x00", "")
        if slow:
            got = values.to_pylist()
            for i in slow:
                got[i] = (unpack(rows[i][0]) + [None] * len(FIELDS))[at] or ""
            values = pa.array(got, type=TEXT)
        columns[name] = values
    columns["mirrored_at"] = pa.array([r[1] for r in rows], type=TEXT)
    return pa.table(_numbers(columns))


def _numbers(columns: dict[str, pa.Array]) -> dict[str, pa.Array]:
    """The texts kept, and the numbers computed from them (exact cents; UTC seconds)."""
    (pay, pay_ok), (amount, amount_ok) = cents(columns["Payout"]), cents(columns["Amount"])
    return {**{name: columns[name] for name in FACTS}, "payout_cents": pa.array(pay), "payout_ok": pa.array(pay_ok),
            "amount_cents": pa.array(amount), "amount_ok": pa.array(amount_ok),
            "lock_s": pa.array(lock_seconds(columns["LockingDate"])),
            "mirrored_s": pa.array(lock_seconds(columns["mirrored_at"]))}


def _read(mirror: Mirror, stamp: str | None) -> pa.Table:
    chunks = [_chunk(rows) for rows in mirror.fields_since(stamp)]
    if not chunks:
        return pa.table(_numbers({name: pa.array([], type=TEXT) for name in (*WANTED, "mirrored_at")}))
    return pa.concat_tables(chunks)


def _aligned(facts: pa.Table, keys: pa.Table) -> pa.Table:
    """`facts` in the order of `keys` (by Id); "" for an action it lacks."""
    if facts.num_rows == keys.num_rows and (not keys.num_rows or pc.all(pc.equal(
            facts.column("Id"), keys.column("Id").cast(TEXT))).as_py()):
        return facts
    at = pc.index_in(keys.column("Id").cast(TEXT), value_set=facts.column("Id").combine_chunks())
    taken = {name: pc.fill_null(facts.column(name).combine_chunks().take(at), "") for name in FACTS}
    for name, none in NUMBERS.items():
        column = facts.column(name).combine_chunks().take(at)
        taken[name] = pc.fill_null(column, pa.scalar(none, column.type)) if not isinstance(none, float) else \
            pc.fill_null(column, np.nan)
    return pa.table(taken)


def fact_frame(mirror: Mirror, keys: pa.Table) -> pa.Table:
    """The FACTS of every action of `keys` (preflight's key frame of this mirror), row for row."""
    generation, epoch = str(mirror.generation()), mirror.get_meta("epoch") or ""
    path = _cache(mirror)
    cached = load_cache(path)
    meta = cached[1] if cached else {}
    if cached and meta.get(b"layout") != LAYOUT.encode():
        cached, meta = None, {}
    if cached and meta.get(b"epoch") == epoch.encode() and meta.get(b"generation") == generation.encode():
        table = cached[0].replace_schema_metadata(None)
        stamp = meta.get(b"stamp", b"").decode()
    elif cached and meta.get(b"epoch") == epoch.encode() and meta.get(b"stamp"):
        old, since = cached[0].replace_schema_metadata(None), meta[b"stamp"].decode()
        fresh = _read(mirror, since)
        kept = old.filter(pc.invert(pc.is_in(old.column("Id"), value_set=fresh.column("Id").combine_chunks())))
        table, stamp = pa.concat_tables([kept, fresh]), _newest(fresh, since)
    else:
        table = _read(mirror, None)
        stamp = _newest(table, "")
    aligned = _aligned(table, keys)
    if aligned is not table or not cached or meta.get(b"generation") != generation.encode():
        write_cache(path, aligned, {"epoch": epoch, "generation": generation, "stamp": stamp, "layout": LAYOUT})
    return aligned


def _newest(table: pa.Table, floor: str) -> str:
    if not table.num_rows:
        return floor
    top = pc.max(table.column("mirrored_at")).as_py() or ""
    return max(top, floor)
