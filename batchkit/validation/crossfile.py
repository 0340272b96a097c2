"""Across the files of one batch: BK404, the same action both modified and reversed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.core.findings import Finding, finding
from batchkit.core.kinds import Kind
from batchkit.io.read import Table
from batchkit.validation.rules.rows import action_key, normalised_ids


@dataclass
class Targets:
    """The actions (and items) one file targets, with where each record is."""

    file: int
    kind: Kind
    frame: pd.DataFrame  # key, sku, row, line


def targets_of(file: int, kind: Kind, record: pd.DataFrame, items: pd.DataFrame | None, table: Table) -> Targets:
    """Every targeted action key (with the Sku for item-level files) and its position."""
    if items is None:
        frame = pd.DataFrame({"key": action_key(record), "sku": "", "row": table.rows, "line": table.lines})
    else:
        recs = items["_rec"].to_numpy()
        frame = pd.DataFrame({"key": action_key(items), "sku": normalised_ids(items["Sku"]),
                              "row": table.rows[recs], "line": table.lines[recs]})
    frame = frame[frame["key"].str.len().gt(0)]
    return Targets(file, kind, frame.reset_index(drop=True))


def _keys(targets: list[Targets], action: str) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Keys targeted at order level, keys targeted at all, and key+Sku pairs, for one action."""
    order = [t.frame["key"] for t in targets if t.kind.action == action and not t.kind.is_item]
    every = [t.frame["key"] for t in targets if t.kind.action == action]
    pairs = [t.frame["key"] + "\x1f" + t.frame["sku"] for t in targets if t.kind.action == action and t.kind.is_item]
    return _union(order), _union(every), _union(pairs)


def _union(parts: list[pd.Series]) -> pa.Array:
    """The distinct values of `parts`, by Arrow's hash kernel."""
    if not parts:
        return pa.array([], type=pa.string())
    return pa.chunked_array([pa.array(p, type=pa.string()) for p in parts], type=pa.string()).unique()


def cross_file_findings(targets: list[Targets], paths: list[str]) -> Iterator[tuple[int, list[Finding]]]:
    """BK404 findings per file index."""
    targets = [t for t in targets if t.kind.action in ("modification", "reversal")]  # a reset undoes, it is no third
    actions = {t.kind.action for t in targets}
    if actions != {"modification", "reversal"}:
        return
    by_action = {a: _keys(targets, a) for a in ("modification", "reversal")}
    for t in targets:
        other = "reversal" if t.kind.action == "modification" else "modification"
        o_order, o_every, o_pairs = by_action[other]
        keys = t.frame["key"]
        if t.kind.is_item:
            hit = _isin(keys, o_order) | _isin(keys + "\x1f" + t.frame["sku"], o_pairs)
        else:
            hit = _isin(keys, o_every)
        if hit.any():
            yield t.file, [_finding(r, other, paths, t) for r in t.frame[hit].itertuples()]


def _isin(values: pd.Series, pool: pa.Array) -> np.ndarray:
    """Membership by pyarrow's hash kernel (pandas' isin on arrow strings is ~20x slower here)."""
    found = pc.is_in(pa.array(values, type=pa.string()), value_set=pool)
    return found.to_numpy(zero_copy_only=False).astype(bool)


def _finding(r: object, other: str, paths: list[str], t: Targets) -> Finding:
    verb = "reversed" if other == "reversal" else "modified"
    names = ", ".join(sorted({Path(p).name for i, p in enumerate(paths) if i != t.file}))
    key = str(getattr(r, "key"))
    what = key.split("|", 1)[1].replace("|", " / tracker ") if key.startswith("O|") else key
    return finding("BK404", f"action {what} is also {verb} in another file of this batch ({names}): "
                   "keep it in one file only", row=int(getattr(r, "row")), line=int(getattr(r, "line")))
