"""BK706 and the item-level BK707: each item group against the items of its record's action."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.core.findings import FileReport
from batchkit.preflight.checks import RETURN_REASONS
from batchkit.preflight.emit import Locate, above, emit, out_of_range, unchecked_amounts
from batchkit.preflight.match import text

Items = dict[str, list[dict[str, str]]]  # ActionId -> its items as the API gave them


def _known_items(items: Items) -> tuple[pd.Index, dict[str, pa.Array]]:
    """An index of "ActionId\\x1fSku" and the items' Quantity and SaleAmount in the same order."""
    keys, quantity, amount = [], [], []
    for action_id, found in items.items():
        for item in found:
            keys.append(f"{action_id}\x1f{str(item.get('Sku', '')).strip()}")
            quantity.append(str(item.get("Quantity", "") or ""))
            amount.append(str(item.get("SaleAmount", "") or ""))
    return pd.Index(keys), {"Quantity": pa.array(quantity, type=pa.large_string()),
                            "Amount": pa.array(amount, type=pa.large_string())}


def check_items(fr: FileReport, kind_id: str, long: pd.DataFrame, locate: Locate, action_of: np.ndarray,
                items: Items, named: Callable[[int], str]) -> np.ndarray:
    """BK706/BK707 on the item groups whose action's items are known; returns the groups left unchecked
    (their action matched, its items unknown) for BK710. `action_of`: each group's ActionId ("" if none)."""
    skus = text(long, "Sku").to_numpy(zero_copy_only=False)
    has = np.array([a in items for a in action_of], dtype=bool) if len(action_of) else np.zeros(0, dtype=bool)
    matched = action_of != ""
    index, known = _known_items(items)
    wanted = np.char.add(np.char.add(action_of.astype(str), "\x1f"), skus.astype(str)) if len(skus) else skus
    at = index.get_indexer(wanted) if len(wanted) else np.zeros(0, dtype=np.int64)
    absent = matched & has & (skus != "") & (at < 0)
    emit(fr, "BK706", absent, locate, "Sku",
         lambda j: f"Sku {skus[j]} is not among the items of {named(j)}: impact.com answers NO_ITEM; check the Sku "
                   "(the action's items: batchkit actions show ID --items)", lambda j: str(skus[j]))
    if kind_id == "item-modification":
        _raised_items(fr, long, locate, matched & has & (at >= 0), at, known, named)
    return matched & ~has


def _raised_items(fr: FileReport, long: pd.DataFrame, locate: Locate, found: np.ndarray, at: np.ndarray,
                  known: dict[str, pa.Array], named: Callable[[int], str]) -> None:
    reason = text(long, "Reason")
    returned = pc.is_in(reason, value_set=pa.array(RETURN_REASONS, type=pa.large_string())).to_numpy(
        zero_copy_only=False)
    for field, theirs in (("Quantity", "Quantity"), ("Amount", "SaleAmount")):
        given = text(long, field)
        original = known[field].take(pa.array(np.maximum(at, 0))) if len(known[field]) else \
            pa.array([""] * len(long), type=pa.large_string())
        judged = found & returned
        if field == "Amount":  # a SaleAmount impact.com cannot hold is said (BK711), not compared
            judged &= ~unchecked_amounts(fr, judged & out_of_range(original), locate, field,
                                         _unheld_message(original, named))
        emit(fr, "BK707", judged & above(given, original), locate, field,
             _raised_message(field, theirs, given, original, reason, named), _cell(given))


def _unheld_message(original: pa.Array, named: Callable[[int], str]) -> Callable[[int], str]:
    """BK711's message for an item whose mirrored SaleAmount impact.com cannot hold."""
    return lambda j: (f"the item's SaleAmount {original[j].as_py()!r} in {named(j)} is no amount impact.com holds "
                      "(Decimal(8,2)): the amount check was not made; check the action on impact.com")


def _raised_message(field: str, theirs: str, given: pa.Array, original: pa.Array, reason: pa.Array,
                    named: Callable[[int], str]) -> Callable[[int], str]:
    return lambda j: (f"{field} {given[j].as_py()} is above the item's {theirs} {original[j].as_py()} in "
                      f"{named(j)}, with the return reason {reason[j].as_py()}: a return lowers it")


def _cell(values: pa.Array) -> Callable[[int], str | None]:
    return lambda j: values[j].as_py()
