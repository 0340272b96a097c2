"""Across the files of one batch: BK404, the same action both modified and reversed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pandas as pd

from batchkit.checks_rows import action_key
from batchkit.kinds import Kind
from batchkit.read import Table, finding
from batchkit.report import Finding


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
        frame = pd.DataFrame({"key": action_key(items), "sku": items["Sku"].str.strip(),
                              "row": table.rows[recs], "line": table.lines[recs]})
    frame = frame[frame["key"].str.len().gt(0)]
    return Targets(file, kind, frame.reset_index(drop=True))


def _sets(targets: list[Targets], action: str) -> tuple[set[str], set[str], set[str]]:
    """Keys targeted at order level, keys targeted at all, and key+sku pairs, for one action."""
    order, every, pairs = set(), set(), set()
    for t in targets:
        if t.kind.action != action:
            continue
        keys = set(t.frame["key"])
        every |= keys
        if t.kind.is_item:
            pairs |= set(t.frame["key"] + "\x1f" + t.frame["sku"])
        else:
            order |= keys
    return order, every, pairs


def cross_file_findings(targets: list[Targets], paths: list[str]) -> Iterator[tuple[int, list[Finding]]]:
    """BK404 findings per file index."""
    actions = {t.kind.action for t in targets}
    if actions != {"modification", "reversal"}:
        return
    sets = {a: _sets(targets, a) for a in ("modification", "reversal")}
    for t in targets:
        other = "reversal" if t.kind.action == "modification" else "modification"
        o_order, o_every, o_pairs = sets[other]
        keys = t.frame["key"]
        if t.kind.is_item:
            hit = keys.isin(o_order) | (keys + "\x1f" + t.frame["sku"]).isin(o_pairs)
        else:
            hit = keys.isin(o_every)
        if hit.any():
            yield t.file, [_finding(r, other, paths, t, sets) for r in t.frame[hit].itertuples()]


def _finding(r: object, other: str, paths: list[str], t: Targets, sets: dict) -> Finding:
    verb = "reversed" if other == "reversal" else "modified"
    names = ", ".join(sorted({Path(p).name for i, p in enumerate(paths) if i != t.file}))
    key = str(getattr(r, "key"))
    what = key.split("|", 1)[1].replace("|", " / tracker ") if key.startswith("O|") else key
    return finding("BK404", f"action {what} is also {verb} in another file of this batch ({names}): "
                   "keep it in one file only", row=int(getattr(r, "row")), line=int(getattr(r, "line")))
