"""The prefilter in front of pandera: which rows the per-field checks must see.

A clean file is made of a few value shapes, so for every checked column this marks the rows whose
value surely passes every per-field rule on that column ("fine"), two ways:

* shape: the value fully matches its field's shape in `SHAPES`, and every rule on the column is
  one that shape is known to pass (one RE2 pass over the column);
* distinct values: a column with few distinct values (codes, statuses, reasons, quantities,
  reversal amounts) has its rules run once on those distinct values; rows holding a value that
  passed are fine (one hash pass and one lookup).

Both are exact because per-field rules are elementwise: a value's verdict depends on the value
alone. Rows that are not fine in some column are validated by pandera with all of the frame's
per-field rules, so every finding still comes from pandera; frame-level rules (identifiers,
duplicates, item groups) always run on every row.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any, Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.validation.rules.registry import Rule, arrow_of, text_series

# Field -> (shape, the rules every value of that shape passes). Shapes are ASCII-only fullmatch
# patterns for RE2; each claim is tested in tests/test_fastpath.py.
SHAPES: dict[str, tuple[str, frozenset[str]]] = {
    "ActionId": (r"[0-9]+\.[0-9]+\.[0-9]+(?:\.[0-9]+)*", frozenset({"id_mangled", "action_id_format", "id_padded"})),
    "OrderId": (r"[A-Za-z][A-Za-z0-9_\-]{0,63}|[0-9]{1,16}",
                frozenset({"id_mangled", "order_id_format", "formula_injection", "id_padded"})),
    "Amount": (r"[1-9][0-9]{0,5}(?:\.[0-9]{1,2})?",
               frozenset({"amount_plain", "amount_negative", "amount_decimals", "amount_max",
                          "modification_amount_zero", "reversal_amount_empty"})),
    "Sku": (r"[A-Za-z][A-Za-z0-9_\-]{0,39}|[0-9]{1,16}", frozenset({"id_mangled", "sku_length", "formula_injection", "id_padded"})),
}
SAMPLE = 4096  # values looked at to guess whether a column has few distinct values
FEW = 8  # "few distinct values": at most one in FEW of the sample
PARALLEL_ROWS = 100_000  # smaller frames are looked at in the caller's thread
ENABLED = True  # False sends every row through pandera (tests compare both ways)


def suspects(frame: pd.DataFrame, columns: dict[str, tuple[Rule, ...]], ctx: dict[str, Any],
             pool: Executor | None = None) -> Callable[[], np.ndarray]:
    """Start finding the rows the per-field checks must see (not surely fine in some column).

    Returns a function that waits for the answer. With a `pool`, columns are looked at in its
    threads (pyarrow's kernels release the GIL) while the caller gets on with other work.
    """
    if not ENABLED:
        return lambda: np.ones(len(frame), dtype=bool)
    jobs = [(frame[c], c, rules) for c, rules in columns.items() if c in frame.columns and rules]
    jobs.sort(key=lambda job: job[1] not in SHAPES)  # the regex passes first, they take longest
    if pool is None or len(frame) < PARALLEL_ROWS:
        masks = [fine(s, c, rules, ctx) for s, c, rules in jobs]
        return lambda: _union(len(frame), masks)
    futures = [pool.submit(fine, s, c, rules, ctx) for s, c, rules in jobs]
    return lambda: _union(len(frame), [f.result() for f in futures])


def _union(n: int, fine_masks: list[np.ndarray]) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    for mask in fine_masks:
        out |= ~mask
    return out


def fine(s: pd.Series, field: str, rules: tuple[Rule, ...], ctx: dict[str, Any]) -> np.ndarray:
    """True where the value surely passes every rule in `rules` (False means: not known)."""
    arr = arrow_of(s)
    ok = np.zeros(len(s), dtype=bool)
    if arr is None or arr.null_count or len(arr) == 0:
        return ok
    shape = SHAPES.get(field)
    if shape and all(r.name in shape[1] for r in rules):
        ok = pc.match_substring_regex(arr, f"^(?:{shape[0]})$").to_numpy()
        if ok.all():
            return ok
    rest = arr if not ok.any() else arr.filter(pa.array(~ok))
    passing = _passing_values(rest, s, rules, ctx)
    if passing is not None:
        ok |= pc.is_in(arr, value_set=passing).to_numpy()
    return ok


def _passing_values(values: pa.ChunkedArray, like: pd.Series, rules: tuple[Rule, ...],
                    ctx: dict[str, Any]) -> pa.Array | None:
    """The distinct values that pass every rule, when there are few distinct values; else None."""
    sample = values.slice(0, SAMPLE)
    if len(sample) < FEW or len(pc.unique(sample)) * FEW > len(sample):
        return None
    distinct = pc.unique(values)
    series = text_series(distinct, like)
    keep = np.ones(len(distinct), dtype=bool)
    for rule in rules:
        assert rule.fn is not None
        keep &= rule.fn(series, **{p: ctx[p] for p in rule.params}).to_numpy(dtype=bool)
    return distinct.filter(pa.array(keep))
