"""Each record's action, vectorised (a table of the file's keys against the mirror's, never a query per row).

An ActionId names its action; otherwise OrderId + ActionTrackerId name the **newest** action with that
Oid and tracker (impact.com's rule), and the older ones are kept for BK709.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.validation.rules.registry import arrow_of
from batchkit.validation.rules.rows import ID_FIELDS, _normalised_arrow

_SEP = pa.scalar("\x1f", pa.large_string())
TEXT = pa.large_string()


def text(frame: pd.DataFrame, column: str) -> pa.Array:
    """A column as trimmed pyarrow strings ("" for a missing column or cell); ids (ActionId, OrderId, ActionTrackerId,
    Sku) normalised as every id is compared (core.change.normalise_id: spaces, NBSP, zero-width, BOM)."""
    if column not in frame.columns:
        return pa.array([""] * len(frame), type=TEXT)
    values = frame[column]
    found = arrow_of(values)
    arr = found.combine_chunks().cast(TEXT) if found is not None else \
        pa.array(values.to_numpy(dtype=object, na_value=""), type=TEXT)
    if column in ID_FIELDS:
        return _normalised_arrow(pc.fill_null(arr, ""))
    return pc.fill_null(pc.utf8_trim_whitespace(arr), "")


def column(keys: pa.Table, name: str) -> pa.Array:
    return keys.column(name).combine_chunks().cast(TEXT)


def utc_seconds(values: pa.Array) -> np.ndarray:
    """ISO 8601 texts with Z or an offset -> UTC seconds (float nan where empty or unreadable)."""
    blank = pc.equal(values, "")
    whole = pc.replace_substring_regex(values, r"(T\d\d:\d\d:\d\d)[.,]\d+", r"\1")  # to the second
    parsed = pc.strptime(pc.if_else(blank, pa.scalar(None, TEXT), whole), format="%Y-%m-%dT%H:%M:%S%z", unit="s",
                         error_is_null=True)
    out = pc.cast(parsed, pa.int64()).to_numpy(zero_copy_only=False).astype(float)
    slow = np.flatnonzero(np.isnan(out) & ~blank.to_numpy(zero_copy_only=False))
    if len(slow):  # other ISO 8601 forms strptime does not take (no seconds, a week date...)
        stamps = pd.to_datetime(pd.Series(values.take(pa.array(slow)).to_pylist()), utc=True, errors="coerce",
                                format="ISO8601")
        out[slow] = (stamps - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)
    return out


_PLAIN = {20: "Z", 25: None}  # lengths of 2026-12-31T19:56:46Z and 2026-12-31T11:56:46-08:00


def passed_by(values: pa.Array, now: datetime) -> np.ndarray:
    """True where the ISO 8601 date is at or before `now`. When every date is written alike (to the second,
    one offset: what the API sends), one text comparison with `now` written the same way decides; else each
    is read in UTC."""
    lengths = pc.utf8_length(values)
    sizes = [n for n in pc.unique(lengths).to_pylist() if n]
    if not sizes:
        return np.zeros(len(values), dtype=bool)
    suffixes = [x for x in pc.unique(pc.utf8_slice_codeunits(values, -6)).to_pylist() if x]
    offset = _offset(suffixes[0], sizes[0]) if len(suffixes) == 1 and len(sizes) == 1 and sizes[0] in _PLAIN \
        else None
    if offset is not None:
        bound = now.astimezone(offset).strftime("%Y-%m-%dT%H:%M:%S") + ("Z" if sizes[0] == 20 else suffixes[0])
        return pc.fill_null(pc.and_(pc.not_equal(lengths, 0), pc.less_equal(values, bound)), False).to_numpy(
            zero_copy_only=False)
    return np.nan_to_num(utc_seconds(values), nan=np.inf) <= now.timestamp()


def _offset(suffix: str, size: int) -> timezone | None:
    """The fixed offset a date ends with ("-08:00", "Z"), or None."""
    if size == 20:
        return timezone.utc if suffix.endswith("Z") else None
    if len(suffix) == 6 and suffix[0] in "+-" and suffix[3] == ":" and (suffix[1:3] + suffix[4:]).isdigit():
        minutes = int(suffix[1:3]) * 60 + int(suffix[4:])
        return timezone(timedelta(minutes=-minutes if suffix[0] == "-" else minutes))
    return None


@dataclass
class Matched:
    """For each record: the mirror row of its action (-1: none), and how it was named."""

    pos: np.ndarray
    by_id: np.ndarray
    by_order: np.ndarray
    ids: pa.Array
    oids: pa.Array
    trackers: pa.Array
    older: dict[int, np.ndarray] = field(default_factory=dict)  # record -> mirror rows of older actions (BK709)


def _positions(values: pa.Array, keys: pa.Array) -> np.ndarray:
    """Each value's row in `keys` (-1 when absent), by pyarrow's hash lookup (the fastest measured here:
    pandas' Index was 2-3x slower, 64-bit hashes sorted and searched in numpy 2x)."""
    return pc.fill_null(pc.index_in(values, value_set=keys), -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _newest(keys: pa.Table, refs: pa.Array) -> tuple[pa.Array, np.ndarray, dict[str, np.ndarray]]:
    """The (Oid, tracker) refs of the newest action of each, their mirror rows, and the older rows of repeats."""
    counts = pc.value_counts(refs)
    repeated_refs = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    repeated = pc.is_in(refs, value_set=repeated_refs).to_numpy(zero_copy_only=False)
    rows = np.arange(len(refs))
    keep = ~repeated
    older: dict[str, np.ndarray] = {}
    if repeated.any():
        dup = rows[repeated]
        taken = pa.array(dup)
        created = utc_seconds(column(keys, "CreationDate").take(taken))
        ids = column(keys, "Id").take(taken).to_numpy(zero_copy_only=False)
        order = np.lexsort((ids, np.nan_to_num(created, nan=-np.inf)))[::-1]
        ranked = pd.DataFrame({"ref": refs.take(taken).to_numpy(zero_copy_only=False)[order], "row": dup[order]})
        first = ~ranked["ref"].duplicated().to_numpy()
        keep[ranked["row"].to_numpy()[first]] = True
        for ref, group in ranked[~first].groupby("ref", sort=False):
            older[str(ref)] = group["row"].to_numpy()
    return refs.filter(pa.array(keep)), rows[keep], older


def match(record: pd.DataFrame, keys: pa.Table) -> Matched:
    """Find every record's action in `keys` (the mirror's key table)."""
    ids, trackers = text(record, "ActionId"), text(record, "ActionTrackerId")
    by_id = pc.not_equal(ids, "").to_numpy(zero_copy_only=False)
    oids = ids if by_id.all() else text(record, "OrderId")  # read only where a record is named by its order
    by_order = ~by_id & pc.and_(pc.not_equal(oids, ""), pc.not_equal(trackers, "")).to_numpy(zero_copy_only=False)
    pos = np.full(len(record), -1, dtype=np.int64)
    if by_id.any() and keys.num_rows:
        pos[by_id] = _positions(ids.filter(pa.array(by_id)), column(keys, "Id"))
    matched = Matched(pos, by_id, by_order, ids, oids, trackers)
    if by_order.any() and keys.num_rows:
        refs = pc.binary_join_element_wise(column(keys, "Oid"), column(keys, "ActionTrackerId"), _SEP)
        newest, rows, older = _newest(keys, refs)
        wanted = pc.binary_join_element_wise(oids, trackers, _SEP).filter(pa.array(by_order))
        at = _positions(wanted, newest)
        pos[by_order] = np.where(at >= 0, rows[np.maximum(at, 0)], -1)
        if older:
            hit = pc.is_in(wanted, value_set=pa.array(list(older), type=TEXT)).to_numpy(zero_copy_only=False)
            for i, ref in zip(np.flatnonzero(by_order)[hit], wanted.filter(pa.array(hit)).to_pylist()):
                matched.older[int(i)] = older[ref]
    return matched
