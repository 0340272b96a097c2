"""Rows of one order, together: grouping by an order key, and the row that carries an order's order-level fields.

Exports write an order either as one row per product with the order's totals repeated on each, or (Shopify) with
the order-level fields on one of its rows only; `carriers` finds that row wherever it stands.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from batchkit.orders.lines import codes_of


@dataclass
class Orders:
    """Lines sorted by order, with group boundaries and per-order aggregates."""

    order: np.ndarray  # line positions sorted by order, input order kept within an order
    starts: np.ndarray  # start of each order in `order`
    first: np.ndarray  # input position of each order's first line

    def reduce(self, values: np.ndarray, op: np.ufunc) -> np.ndarray:
        return op.reduceat(values[self.order], self.starts) if len(self.order) else values[:0]

    def spread(self, per_order: np.ndarray) -> np.ndarray:
        """Broadcast a per-order array back to lines (input positions)."""
        out = np.empty(len(self.order), dtype=per_order.dtype)
        sizes = np.diff(np.append(self.starts, len(self.order)))
        out[self.order] = np.repeat(per_order, sizes)
        return out


def group_orders(keys: pd.Series) -> Orders:
    """Group lines by order key, keeping the input order of orders and of lines within them."""
    return group_codes(codes_of(keys))


def group_codes(codes: np.ndarray) -> Orders:
    """Group lines by their key's code (codes in order of first appearance, as codes_of gives them)."""
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]) if len(order) else np.empty(0, int)
    return Orders(order, starts, order[starts])


def carriers(filled: np.ndarray, groups: Orders) -> np.ndarray:
    """Per order, the input position of the line that carries its order-level fields: the first of its lines
    where `filled` (it has a status or a total), wherever it stands (an export sorted by another column does not
    start each order with it), else its first line."""
    n = len(groups.order)
    if n == 0:
        return groups.first
    mine = filled[groups.order]
    firsts = np.minimum.reduceat(np.where(mine, np.arange(n), n), groups.starts)
    ends = np.append(groups.starts[1:], n)
    return np.where(firsts < ends, groups.order[np.minimum(firsts, n - 1)], groups.first)
