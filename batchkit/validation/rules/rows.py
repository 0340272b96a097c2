"""Whole-row and across-row checks (BK109, BK209, BK213-BK215, BK401-BK403), registered through registry.rule.

Frames may carry bookkeeping columns (names starting with "_") computed once per frame by the
validator: `_key` (action_key), `_repeated` (repeated(_key)) and, in the long form of item files,
`_sku_repeated` (sku_repeats_by_group); the rules use them when present.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.core.change import ID_INVISIBLE, normalise_id
from batchkit.validation.rules.registry import _blank, _empty, arrow_of, rule, text_series

DATA_PREFIX = "_"  # frame columns starting with this are bookkeeping, not file cells
KEY, REPEATED, SKU_REPEATED = "_key", "_repeated", "_sku_repeated"
MAX_PAIRED_GROUPS = 10  # item groups compared pairwise for BK403 candidates
ID_FIELDS = ("ActionId", "OrderId", "ActionTrackerId", "Sku")  # compared through normalise_id (SPEC §8)
INVISIBLE_RE2 = "[" + "".join(f"\\x{{{ord(c):04x}}}" for c in ID_INVISIBLE) + "]"  # change.ID_INVISIBLE for RE2


def _normalised_arrow(arr: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """normalise_id over pyarrow strings: values are rewritten only when one holds such a character (one pass of
    numpy over the raw bytes first: ids of plain ASCII without a space or a control byte need nothing more)."""
    if len(arr) and not _plain_bytes(arr) and pc.any(pc.match_substring_regex(arr, INVISIBLE_RE2)).as_py():
        return pc.replace_substring_regex(arr, INVISIBLE_RE2, "")
    return arr


def _plain_bytes(arr: pa.ChunkedArray | pa.Array) -> bool:
    """True when every byte behind the strings is printable ASCII other than a space (so none is invisible); False
    when one may not be, or the layout is not a plain string array (the exact scan then decides)."""
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    for chunk in chunks:
        buffers = chunk.buffers()
        if len(buffers) != 3 or buffers[2] is None:
            if len(chunk):
                return False
            continue
        raw = np.frombuffer(buffers[2], dtype=np.uint8)
        if raw.size and (raw.min() <= 0x20 or raw.max() >= 0x7F):
            return False
    return True


def normalised_ids(s: pd.Series) -> pd.Series:
    """core.change.normalise_id applied to a column of ids, vectorised (the raw column is left as it is)."""
    arr = arrow_of(s)
    if arr is None or arr.null_count:
        return s.fillna("").astype(str).map(normalise_id) if len(s) else s
    out = _normalised_arrow(arr)
    return s if out is arr else text_series(out, s, s.index)


def action_key(df: pd.DataFrame) -> pd.Series:
    """The action a record targets: its ActionId, else OrderId + ActionTrackerId ("" if none)."""
    if KEY in df.columns:
        return df[KEY]
    found = [arrow_of(df[c]) for c in ("ActionId", "OrderId", "ActionTrackerId")]
    arrays = [a for a in found if a is not None and not a.null_count]
    if len(arrays) < 3:
        action = normalised_ids(df["ActionId"])
        by_order = "O|" + normalised_ids(df["OrderId"]) + "|" + normalised_ids(df["ActionTrackerId"])
        no_order = _blank(df["OrderId"]) & _blank(df["ActionTrackerId"])
        return action.where(action.str.len().gt(0), by_order.where(~no_order, ""))
    if len({a.type for a in arrays}) > 1:  # string and large_string mixed (frames built from lists)
        arrays = [a.cast(pa.large_string()) for a in arrays]
    action_id, order_id, tracker = arrays
    action = _normalised_arrow(action_id)
    has_action = pc.greater(pc.binary_length(action), 0)
    if len(action) and not pc.all(has_action).as_py():
        text = action_id.type
        by_order = pc.binary_join_element_wise(pa.scalar("O", text), _normalised_arrow(order_id),
                                               _normalised_arrow(tracker),
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
    candidates = shared(hashes)
    if candidates.any():
        candidates[candidates] = values[candidates].duplicated(keep=False).to_numpy()
    return candidates


def shared(hashes: np.ndarray) -> np.ndarray:
    """True for the values that occur more than once (pandas' duplicated(keep=False), by a sort: the sorted
    values compared with their neighbours give the repeated ones, and membership in those the mask)."""
    out = np.zeros(len(hashes), dtype=bool)
    if len(hashes) < 2:
        return out
    ordered = np.sort(hashes)
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return out
    twice = ordered[1:][same]
    twice = twice[np.concatenate(([True], twice[1:] != twice[:-1]))]  # sorted, each once
    if len(twice) > len(hashes) // 16:  # most values repeat: pandas' hash table is quicker than a search each
        return pd.Series(hashes).duplicated(keep=False).to_numpy().copy()
    bits = 1 << max(16, min(26, (8 * len(twice)).bit_length()))  # a bit table narrows the search to a few values
    table = np.zeros(bits, dtype=bool)
    table[twice.view(np.int64) & (bits - 1)] = True  # the low bits, as non-negative positions
    maybe = np.flatnonzero(table[hashes.view(np.int64) & (bits - 1)])
    values = hashes[maybe]
    at = np.minimum(np.searchsorted(twice, values), len(twice) - 1)
    out[maybe] = twice[at] == values
    return out


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
        rows = df[candidates][_cells(df)]
        ids = [c for c in rows.columns if c in ID_FIELDS or (c.startswith("Sku") and c[3:].isdigit())]  # " ORD-1001" and "ORD-1001" are one id (SPEC §8)
        rows = rows.assign(**{c: rows[c].map(normalise_id) for c in ids}) if ids else rows
        out[candidates] = rows.duplicated(keep="first").to_numpy()
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
        key = action[candidates] + "\x1f" + normalised_ids(df["Sku"][candidates])
        out[candidates] = key.duplicated(keep="first").to_numpy()
        return pd.Series(~out, index=df.index)
    key = action + "\x1f" + normalised_ids(df["Sku"])
    candidates = repeated(key)
    if not candidates.any():
        return pd.Series(True, index=df.index)
    return pd.Series(~_first_repeats(key, targeted, candidates), index=df.index)


def sku_repeats_by_group(record: pd.DataFrame, dup: np.ndarray, skus: list[pd.Series]) -> list[np.ndarray] | None:
    """Candidates for BK403, from the Sku column of each item group (wide form, one row per record):
    True where another group of the same record has the same Sku (after normalise_id).

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
    trimmed = [_normalised_arrow(t) for t in trimmed]
    out = [np.zeros(len(record), dtype=bool) for _ in skus]
    for g in range(len(skus)):
        for h in range(g + 1, len(skus)):
            same = pc.equal(trimmed[g], trimmed[h]).fill_null(False).to_numpy()
            out[g] |= same
            out[h] |= same
    return out


# Lost leading zeros (BK109) -----------------------------------------------------------------------
PADDED_SHARE = 0.5  # "most ids": more than this share of a column's ids are digits of one zero-padded width
_WIDTHS: dict[str, tuple[int, str]] = {}  # column -> (width, an example) of the last frame checked, for the message


def padded_width(ids: pd.Series) -> tuple[int, str] | None:
    """(width, example) when most non-empty ids are digits of one width and at least two of them start with 0."""
    arr = arrow_of(ids)
    if arr is not None and not arr.null_count:
        if not pc.any(pc.starts_with(arr, "0")).as_py():
            return None  # the common case: no id starts with a zero (one cheap pass)
        return _padded_width_arrow(pa.chunked_array([_normalised_arrow(arr)]) if isinstance(arr, pa.Array)
                                   else _normalised_arrow(arr))
    values = normalised_ids(ids)
    values = values[values.str.len().gt(0)]
    if values.empty:
        return None
    digits = values[values.str.fullmatch(r"[0-9]+").fillna(False).astype(bool)]
    zero = digits[digits.str.startswith("0")]
    if len(zero) < 2:  # one id with a leading zero is no convention
        return None
    width = int(zero.str.len().mode().iloc[0])
    if zero.str.len().eq(width).sum() < 2 or digits.str.len().eq(width).sum() <= PADDED_SHARE * len(values):
        return None
    return width, str(zero[zero.str.len().eq(width)].iloc[0])


def _padded_width_arrow(values: pa.ChunkedArray) -> tuple[int, str] | None:
    """padded_width over normalised Arrow strings without nulls, in a few Arrow passes (the same answer: digits are
    ASCII [0-9]+, so characters are bytes; the width is the most common one, the smallest of a tie, as pandas'
    mode gives it; the example the first id of that width in file order)."""
    lengths = pc.binary_length(values).to_numpy()
    filled = int(np.count_nonzero(lengths))
    if not filled:
        return None
    digits = pc.ascii_is_decimal(values).to_numpy(zero_copy_only=False)
    zero = digits & pc.starts_with(values, "0").to_numpy(zero_copy_only=False)
    if np.count_nonzero(zero) < 2:  # one id with a leading zero is no convention
        return None
    widths, counts = np.unique(lengths[zero], return_counts=True)
    width = int(widths[np.argmax(counts)])  # np.unique sorts: argmax takes the smallest of a tie
    if counts.max() < 2 or np.count_nonzero(digits & (lengths == width)) <= PADDED_SHARE * filled:
        return None
    first = int(np.flatnonzero(zero & (lengths == width))[0])
    return width, str(values[first].as_py())


def _short_ids(df: pd.DataFrame, column: str) -> pd.Series:
    found = padded_width(df[column])
    if found is None:
        return pd.Series(True, index=df.index)
    _WIDTHS[column] = found
    arr = arrow_of(df[column])
    if arr is not None and not arr.null_count:
        values = _normalised_arrow(arr)
        short = pc.ascii_is_decimal(values).to_numpy(zero_copy_only=False) & \
            (pc.binary_length(values).to_numpy(zero_copy_only=False) < found[0])
        return pd.Series(~short, index=df.index)
    values = normalised_ids(df[column])
    short = values.str.fullmatch(r"[0-9]+").fillna(False).astype(bool) & values.str.len().lt(found[0])
    return ~short


def _zeros_message(column: str) -> Callable[[str, dict], str]:
    def message(value: str, ctx: dict) -> str:
        width, example = _WIDTHS.get(column, (0, ""))
        if not width:
            return f"{column} {value!r} is shorter than the column's zero-padded ids: leading zeros lost?"
        return (f"{example}-like {column}s are {width} digits; {value!r} has {len(normalise_id(value))}: leading zeros "
                f"lost? ({normalise_id(value).zfill(width)}?) Re-export the ids as text")
    return message


@rule("BK109", scope="frame", column="OrderId", message=_zeros_message("OrderId"))
def order_id_zeros(df: pd.DataFrame) -> pd.Series:
    return _short_ids(df, "OrderId")


@rule("BK109", scope="frame", column="Sku", message=_zeros_message("Sku"))
def sku_zeros(df: pd.DataFrame) -> pd.Series:
    return _short_ids(df, "Sku")
