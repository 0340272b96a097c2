"""Each record's action, vectorised (a frame of the file's keys against the mirror's, never a query per row).

An ActionId names its action; otherwise OrderId + ActionTrackerId name the **newest** action with that
Oid and tracker (impact.com's rule), and the older ones are kept for BK709.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_SEP = "\x1f"


def text(frame: pd.DataFrame, column: str) -> pa.Array:
    """A column as trimmed pyarrow strings ("" for a missing column or cell)."""
    if column not in frame.columns:
        return pa.array([""] * len(frame), type=pa.large_string())
    values = frame[column]
    arr = pa.array(values.to_numpy(dtype=object, na_value=""), type=pa.large_string()) \
        if not (isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow") \
        else pa.chunked_array(values.array.__arrow_array__()).combine_chunks().cast(pa.large_string())
    return pc.fill_null(pc.utf8_trim_whitespace(arr), "")


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


def _created(keys: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """CreationDate of mirror rows as UTC nanoseconds (unparseable: the oldest possible)."""
    stamps = pd.to_datetime(keys["CreationDate"].iloc[rows].astype(object), utc=True, errors="coerce",
                            format="ISO8601")
    return stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64)


def _newest(keys: pd.DataFrame, refs: pa.Array) -> tuple[pd.Index, np.ndarray, dict[str, np.ndarray]]:
    """The (Oid, tracker) index of the newest action of each, its mirror rows, and the older rows of repeats."""
    refs_series = pd.Series(refs.to_numpy(zero_copy_only=False))
    repeated = refs_series.duplicated(keep=False).to_numpy()
    rows = np.arange(len(keys))
    keep = ~repeated
    older: dict[str, np.ndarray] = {}
    if repeated.any():
        dup_rows = rows[repeated]
        order = np.lexsort((keys["Id"].iloc[dup_rows].to_numpy(dtype=object), _created(keys, dup_rows)))[::-1]
        ranked = pd.DataFrame({"ref": refs_series.iloc[dup_rows].to_numpy()[order], "row": dup_rows[order]})
        first = ~ranked["ref"].duplicated().to_numpy()
        keep[ranked["row"].to_numpy()[first]] = True
        for ref, group in ranked[~first].groupby("ref", sort=False):
            older[str(ref)] = group["row"].to_numpy()
    return pd.Index(refs_series[keep].to_numpy()), rows[keep], older


def match(record: pd.DataFrame, keys: pd.DataFrame) -> Matched:
    """Find every record's action in `keys` (the mirror's key frame)."""
    ids, oids, trackers = text(record, "ActionId"), text(record, "OrderId"), text(record, "ActionTrackerId")
    by_id = pc.not_equal(ids, "").to_numpy(zero_copy_only=False)
    by_order = ~by_id & pc.and_(pc.not_equal(oids, ""), pc.not_equal(trackers, "")).to_numpy(zero_copy_only=False)
    pos = np.full(len(record), -1, dtype=np.int64)
    if by_id.any():
        index = pd.Index(keys["Id"].to_numpy(dtype=object))
        pos[by_id] = index.get_indexer(ids.filter(pa.array(by_id)).to_numpy(zero_copy_only=False))
    matched = Matched(pos, by_id, by_order, ids, oids, trackers)
    if by_order.any() and len(keys):
        sep = pa.scalar(_SEP, pa.large_string())
        mirror_refs = pc.binary_join_element_wise(text(keys, "Oid"), text(keys, "ActionTrackerId"), sep)
        index, rows, older = _newest(keys, mirror_refs)
        wanted = pc.binary_join_element_wise(oids, trackers, sep).filter(pa.array(by_order))
        at = index.get_indexer(wanted.to_numpy(zero_copy_only=False))
        pos[by_order] = np.where(at >= 0, rows[np.maximum(at, 0)], -1)
        if older:
            hit = pc.is_in(wanted, value_set=pa.array(list(older), type=pa.large_string())).to_numpy(
                zero_copy_only=False)
            for i, ref in zip(np.flatnonzero(by_order)[hit], wanted.filter(pa.array(hit)).to_pylist()):
                matched.older[int(i)] = older[ref]
    return matched
