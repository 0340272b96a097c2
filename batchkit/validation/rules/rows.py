"""Whole-row and across-row checks (BK209, BK213-BK215, BK401-BK403), registered through registry.rule.

Frames may carry bookkeeping columns (names starting with "_") computed once per frame by the
validator: `_key` (action_key), `_repeated` (repeated(_key)) and, in the long form of item files,
`_sku_repeated` (sku_repeats_by_group); the rules use them when present.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.validation.rules.registry import _blank, _empty, arrow_of, rule, text_series

DATA_PREFIX = "_"  # frame columns starting with this are bookkeeping, not file cells
KEY, REPEATED, SKU_REPEATED = "_key", "_repeated", "_sku_repeated"
MAX_PAIRED_GROUPS = 10  # item groups compared pairwise for BK403 candidates


def action_key(df: pd.DataFrame) -> pd.Series:
    """The action a record targets: its ActionId, else OrderId + ActionTrackerId ("" if none)."""
    if KEY in df.columns:
        return df[KEY]
    found = [arrow_of(df[c]) for c in ("ActionId", "OrderId", "ActionTrackerId")]
    arrays = [a for a in found if a is not None and not a.null_count]
    if len(arrays) < 3:
        action = df["ActionId"].str.strip()
        by_order = "O|" + df["OrderId"] + "|" + df["ActionTrackerId"].str.strip()
        no_order = _blank(df["OrderId"]) & _blank(df["ActionTrackerId"])
        return action.where(action.str.len().gt(0), by_order.where(~no_order, ""))
    if len({a.type for a in arrays}) > 1:  # string and large_string mixed (frames built from lists)
        arrays = [a.cast(pa.large_string()) for a in arrays]
    action_id, order_id, tracker = arrays
    action = pc.utf8_trim_whitespace(action_id)
    has_action = pc.greater(pc.binary_length(action), 0)
    if len(action) and not pc.all(has_action).as_py():
        text = action_id.type
        by_order = pc.binary_join_element_wise(pa.scalar("O", text), order_id, pc.utf8_trim_whitespace(tracker),
                                               pa.scalar("|", text))
        no_order = pa.array((_blank(df["OrderId"]) & _blank(df["ActionTrackerId"])).to_numpy())
        action = pc.if_else(has_action, action, pc.if_else(no_order, pa.scalar("", text), by_order))
    return text_series(action, df["ActionId"], df.index)


def repeated(values: pd.Series) -> np.ndarray:
    """True for values that occur more than once.

    Values are hashed to 64 bits first; only those sharing a hash (equal values always do) are
    compared as text, so a file without repeats costs one pass over its bytes.
    """
    arr = arrow_of(values)
    hashes = None if arr is None or arr.null_count else _hashes(arr)
    if hashes is None:
        return values.duplicated(keep=False).to_numpy()
    candidates = pd.Series(hashes).duplicated(keep=False).to_numpy().copy()
    if candidates.any():
        candidates[candidates] = values[candidates].duplicated(keep=False).to_numpy()
    return candidates


_MIX = np.uint64(0x9E3779B97F4A7C15)
MAX_HASHED_BYTES = 64  # longer values are compared by pandas directly


def _hashes(arr: pa.ChunkedArray) -> np.ndarray | None:
    """A 64-bit hash of every string (its length, then 8 bytes at a time); None for long values."""
    chunks = []
    for chunk in arr.chunks:
        if not pa.types.is_large_string(chunk.type):
            return None
        if len(chunk):
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64, count=len(chunk) + 1, offset=chunk.offset * 8)
            chunks.append((chunk, offsets, np.diff(offsets)))
    width = max((int(lengths.max()) for _, _, lengths in chunks), default=0)  # the same word count for all
    if width > MAX_HASHED_BYTES:
        return None
    out = [np.zeros(0, dtype=np.uint64)]
    for chunk, offsets, lengths in chunks:
        end = int(offsets[-1])
        data = np.zeros(end + 8, dtype=np.uint8)  # 8 spare bytes: no word runs past the end
        if end:
            data[:end] = np.frombuffer(chunk.buffers()[2], dtype=np.uint8, count=end)
        words = np.lib.stride_tricks.as_strided(data, shape=(len(data) - 7, 8), strides=(1, 1))
        h = lengths.astype(np.uint64) * _MIX
        for at in range(0, width, 8):
            word = words[np.minimum(offsets[:-1] + at, end)].view("<u8").ravel()
            kept = np.clip(lengths - at, 0, 8).astype(np.uint64) * np.uint64(8)  # bits of this value
            word &= np.where(kept >= 64, np.uint64(2**64 - 1), (np.uint64(1) << (kept % np.uint64(64))) - np.uint64(1))
            h = (h ^ word) * _MIX
            h ^= h >> np.uint64(29)
        out.append(h)
    return np.concatenate(out)


def _cells(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if not str(c).startswith(DATA_PREFIX)]


def _first_repeats(key: pd.Series, targeted: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """True for targeted rows whose key an earlier targeted row has (only candidates can be)."""
    out = np.zeros(len(key), dtype=bool)
    pick = candidates & targeted
    if pick.any():
        out[pick] = key[pick].duplicated(keep="first").to_numpy()
    return out


@rule("BK215", scope="frame",
      message=lambda v, c: "the row changes nothing: give a new Amount, CurrencyCode or CustomerStatus, or delete it")
def changes_nothing(df: pd.DataFrame) -> pd.Series:
    """An approval (Reason APPROVED, SPEC §6.1) changes the action's state, not its values: not this finding."""
    approval = df["Reason"].astype(str).str.strip().eq("APPROVED") if "Reason" in df else False
    return ~(_blank(df["Amount"]) & _blank(df["CurrencyCode"]) & _blank(df["CustomerStatus"])) | approval


def repeats(df: pd.DataFrame, key: pd.Series | None = None) -> pd.Series:
    """True for rows that repeat an earlier row exactly (compared only among rows sharing an action key)."""
    if REPEATED in df.columns and key is None:
        candidates = df[REPEATED].to_numpy()
    else:
        candidates = repeated(action_key(df) if key is None else key)
    out = np.zeros(len(df), dtype=bool)
    if candidates.any():
        out[candidates] = df[candidates].duplicated(subset=_cells(df), keep="first").to_numpy()
    return pd.Series(out, index=df.index)


@rule("BK401", scope="frame", message=lambda v, c: "this row repeats an earlier row exactly: delete it")
def exact_duplicate(df: pd.DataFrame) -> pd.Series:
    return ~repeats(df)


@rule("BK402", scope="frame",
      message=lambda v, c: "an earlier row already targets this action: keep one order-level row per action")
def one_row_per_action(df: pd.DataFrame) -> pd.Series:
    key = action_key(df)
    candidates = df[REPEATED].to_numpy() if REPEATED in df.columns else repeated(key)
    if not candidates.any():
        return pd.Series(True, index=df.index)
    targeted = (~_empty(key) & ~repeats(df)).to_numpy()
    return pd.Series(~_first_repeats(key, targeted, candidates), index=df.index)


@rule("BK213", scope="frame", column="Sku",
      message=lambda v, c: "Sku is empty: every item needs its Sku to identify it within the action")
def sku_missing(df: pd.DataFrame) -> pd.Series:
    return ~(df["_group"].eq(1) & _blank(df["Sku"]))


@rule("BK214", scope="frame", column="Sku",
      message=lambda v, c: "this item group has values but no Sku: fill the Sku, or clear the group's other cells")
def group_without_sku(df: pd.DataFrame) -> pd.Series:
    return ~(df["_group"].gt(1) & _blank(df["Sku"]))


@rule("BK209", scope="frame", column="Amount",
      message=lambda v, c: "Quantity is given without Amount: add the new item amount (unit price x new quantity)")
def quantity_without_amount(df: pd.DataFrame) -> pd.Series:
    return ~(~_blank(df["Quantity"]) & _blank(df["Amount"]))


@rule("BK403", scope="frame", column="Sku",
      message=lambda v, c: f"Sku {v!r} of this action appears in an earlier item group or row: check it is meant")
def same_action_sku(df: pd.DataFrame) -> pd.Series:
    action = action_key(df)
    targeted = (~_empty(action) & ~_blank(df["Sku"]) & ~df["_dup"]).to_numpy()
    if SKU_REPEATED in df.columns:
        candidates = df[SKU_REPEATED].to_numpy() & targeted
        if not candidates.any():
            return pd.Series(True, index=df.index)
        out = np.zeros(len(df), dtype=bool)
        key = action[candidates] + "\x1f" + df["Sku"][candidates].str.strip()
        out[candidates] = key.duplicated(keep="first").to_numpy()
        return pd.Series(~out, index=df.index)
    key = action + "\x1f" + df["Sku"].str.strip()
    candidates = repeated(key)
    if not candidates.any():
        return pd.Series(True, index=df.index)
    return pd.Series(~_first_repeats(key, targeted, candidates), index=df.index)


def sku_repeats_by_group(record: pd.DataFrame, dup: np.ndarray, skus: list[pd.Series]) -> list[np.ndarray] | None:
    """Candidates for BK403, from the Sku column of each item group (wide form, one row per record):
    True where another group of the same record has the same Sku (after trimming).

    An action + Sku can only repeat within one record when no action with a key spans records
    (exact duplicate records `dup` aside) and no key holds the separator; otherwise (or with many
    groups) None: no narrowing.
    """
    key = arrow_of(record[KEY])
    trimmed = [arrow_of(s) for s in skus]
    if key is None or len(skus) > MAX_PAIRED_GROUPS or any(t is None for t in trimmed):
        return None
    spans = record[REPEATED].to_numpy() & ~_empty(record[KEY]).to_numpy() & ~dup
    if spans.any() and repeated(record[KEY][spans]).any():
        return None
    if pc.any(pc.match_substring(key, "\x1f")).as_py():
        return None
    trimmed = [pc.utf8_trim_whitespace(t) for t in trimmed]
    out = [np.zeros(len(record), dtype=bool) for _ in skus]
    for g in range(len(skus)):
        for h in range(g + 1, len(skus)):
            same = pc.equal(trimmed[g], trimmed[h]).fill_null(False).to_numpy()
            out[g] |= same
            out[h] |= same
    return out
