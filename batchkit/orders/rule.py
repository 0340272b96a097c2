"""The order-list rule, once, for every order-list preset (README "batchkit build").

Per order, from its status, total, refunded amount, currency and cancellation:

- cancelled (a cancellation column set, or a status of the preset's `cancelled` words), or fully refunded (a
  `refunded` status word, or refunded >= total > 0) -> a reversal;
- partially refunded (refunded > 0) -> a modification to the amount kept: new = amount x (total - refunded) /
  total, rounded half-up to the currency's minor unit (the amount reported to impact.com: Shopify's Subtotal,
  else the total itself, when the rule is simply total - refunded). Refunds include tax and shipping; scaling
  by the refunded share of the total removes the same share from a pre-tax amount. Nothing left -> a reversal;
  a refund too small to change the amount -> nothing;
- marked partially refunded with no refunded amount -> nothing (counted), and when the export has no refunded
  amount column at all the order is `unsized`: its refund cannot be sized, which build reports per order;
- anything else -> nothing.

Exact integers of 10**-scale in and out (core/fixedpoint.py), vectorised over the orders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from batchkit.core.fixedpoint import minor_units, powers, round_half_up
from batchkit.orders.presets import Preset


@dataclass
class Decision:
    """What the rule decided per order (boolean masks, and the amount each order keeps)."""

    reversal: np.ndarray
    modification: np.ndarray
    kept: np.ndarray  # units: the amount left after refunds (0 at least); a modification's new amount
    cancelled: np.ndarray  # reversed because cancelled (its reason differs from a refund's)
    fully_refunded: np.ndarray  # refunded in full, or a partial refund that leaves nothing
    same: np.ndarray  # refunded, but too little to change the amount once rounded
    no_refund: np.ndarray  # marked partially refunded, with a refunded amount of 0
    unsized: np.ndarray  # marked partially refunded, and the export gives no refunded amount at all

    @property
    def untouched(self) -> np.ndarray:
        return ~(self.reversal | self.modification | self.same | self.no_refund | self.unsized)


def _is(status: np.ndarray, words: frozenset[str]) -> np.ndarray:
    return pd.Series(status, dtype=object).isin(words).to_numpy(dtype=bool) if words else np.zeros(len(status), bool)


def decide(preset: Preset, status: np.ndarray, flagged: np.ndarray, total: np.ndarray, refunded: np.ndarray,
           amount: np.ndarray, scale: int, currency: np.ndarray, refund_known: bool = True) -> Decision:
    """The rule for every order at once; `status` lower-case words, `flagged` the cancellation column's say."""
    cancelled = flagged | _is(status, preset.words("cancelled"))
    full = _is(status, preset.words("refunded")) | ((refunded >= total) & (total > 0))
    reversal = cancelled | full
    partial = ~reversal & (refunded > 0)
    marked = ~reversal & ~partial & _is(status, preset.words("partially_refunded"))
    kept = kept_amounts(amount, total, refunded, scale, currency)
    emptied = partial & (kept == 0)  # nothing left: that is a reversal
    same = partial & ~emptied & (kept == amount)
    return Decision(reversal | emptied, partial & ~emptied & ~same, kept, cancelled, full | ((refunded > 0) & (kept == 0)),
                    same, marked & refund_known, marked & (not refund_known))


def kept_amounts(amount: np.ndarray, total: np.ndarray, refunded: np.ndarray, scale: int,
                 currency: np.ndarray) -> np.ndarray:
    """amount x (total - refunded) / total (the amount itself when total <= 0), at least 0, rounded half-up to
    the currency's minor unit; exact integers of 10**-scale in and out."""
    step = powers(scale - minor_units(currency), amount)
    positive = total > 0
    numerator = np.where(positive, amount * (total - refunded), amount)
    denominator = np.where(positive, total * step, step)
    kept = round_half_up(numerator, denominator)
    return np.where(kept > 0, kept, 0) * step
