"""The judged blocks summed into a Radar: per bucket, per currency, per partner, the lost column per month, and
the count per state (integer codes grouped at once: a million corrections cost a few sorts of integers)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.deadlines.judge import BUCKETS, Block
from batchkit.deadlines.model import Radar
from batchkit.deadlines.sources import STATES
from batchkit.deadlines.totals import Total, grouped

TEXT = pa.large_string()
_TOO_LATE = STATES.index("too late")


def _codes(arrays: list[pa.Array]) -> tuple[np.ndarray, list[str]]:
    """One dictionary over the blocks' texts: each record's code and the texts."""
    if not arrays:
        return np.zeros(0, dtype=np.int64), []
    encoded = pa.chunked_array(arrays, type=TEXT).combine_chunks().dictionary_encode()
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary.to_pylist()


def _partners(blocks: list[Block]) -> tuple[np.ndarray, list[str]]:
    """Each record's partner as a code, and the labels (`Name (Id)`; the records whose action or partner the mirror
    lacks get a label saying so)."""
    ids = [b.facts["MediaPartnerId"] if (b.pos >= 0).all() else
           pc.if_else(pa.array(b.pos < 0), pa.scalar("\x00", TEXT), b.facts["MediaPartnerId"]) for b in blocks]
    codes, uniques = _codes(ids)
    if not len(codes):
        return codes, []
    first = np.zeros(len(uniques), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # the last write wins: each code's first record
    starts = np.cumsum([0] + [len(b) for b in blocks])
    labels = []
    for pid, at in zip(uniques, first.tolist()):
        n = int(np.searchsorted(starts, at, side="right")) - 1
        name = blocks[n].facts.at("MediaPartnerName", at - int(starts[n]))
        labels.append("(action not in the mirror)" if pid == "\x00" else "(no partner in the mirror)" if not pid
                      else f"{name} ({pid})" if name else f"partner {pid}")
    return codes, labels


def _months(blocks: list[Block], lost: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The month of the LockingDate (the account's time, as given) of each lost record, as codes."""
    starts = np.cumsum([0] + [len(b) for b in blocks])
    parts = []
    for n, b in enumerate(blocks):
        rows = np.flatnonzero(lost[starts[n]:starts[n + 1]])
        if len(rows):
            parts.append(pc.utf8_slice_codeunits(b.facts.some("LockingDate", rows), 0, 7))
    return _codes(parts)


def summarise(blocks: list[Block], now: datetime, days: int) -> Radar:
    cur, currencies = _codes([b.facts["Currency"] for b in blocks])
    partner, partners = _partners(blocks)
    cat = (lambda name: np.concatenate([getattr(b, name) for b in blocks]) if blocks else np.zeros(0))
    units = np.concatenate([b.commission.units for b in blocks]) if blocks else np.zeros(0, dtype=np.int64)
    known = np.concatenate([b.commission.known for b in blocks]) if blocks else np.zeros(0, dtype=bool)
    risk, locked, state = cat("at_risk").astype(bool), cat("locked").astype(bool), cat("state").astype(np.int64)
    bucket = cat("bucket").astype(np.int64)
    for n, b in enumerate(blocks):  # kept for the radar's own sums (Radar.within)
        b.cur = cur[sum(len(x) for x in blocks[:n]):][:len(b)]
    by_bucket = grouped(bucket[risk], list(BUCKETS), cur[risk], currencies, units[risk], known[risk])
    open_ = risk & ~locked
    whole: dict[str, Decimal] = {}  # at stake, not locked yet: the buckets but the first, per currency
    for key, total in by_bucket.items():
        for code, amount in total.amounts.items() if key != "locked" else ():
            whole[code] = whole.get(code, Decimal(0)) + amount
    lost = risk & (state == _TOO_LATE)
    month, months = _months(blocks, lost)
    radar = Radar(now, days, len(units), {k: by_bucket.get(k, Total()) for k in BUCKETS}, whole,
                  grouped(partner[open_], partners, cur[open_], currencies, units[open_], known[open_]),
                  grouped(month, [m or "(no LockingDate)" for m in months], cur[lost], currencies, units[lost],
                          known[lost]),
                  {s: int(n) for s, n in zip(STATES, np.bincount(state, minlength=len(STATES))) if n},
                  blocks=blocks)
    radar.currency_names = currencies
    return radar
