"""Exact sums of the commission at stake per group (bucket, currency, partner, month): integers of cents, never a
float, never added across currencies."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from batchkit.core.fixedpoint import rounded


@dataclass
class Total:
    """How many corrections, the commission at stake per currency (exact), and how many of them hold a commission
    nobody can tell (no action or no Payout in the mirror: counted here, never added as 0)."""

    count: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)
    unknown: int = 0

    def add(self, currency: str, units: int, count: int, unknown: int) -> None:
        self.count += count
        self.unknown += unknown
        if count > unknown:
            total = self.amounts.get(currency, Decimal(0)) + rounded(units, 2, currency)
            self.amounts[currency] = total

    def money(self) -> str:
        """`EUR 3.10 + USD 5.00 (1 without a known commission)`: each currency apart."""
        money = " + ".join(f"{c} {a:,}" for c, a in sorted(self.amounts.items()))
        unknown = f"{self.unknown:,} without a known commission" if self.unknown else ""
        return f"{money} ({unknown})" if money and unknown else money or unknown or "nothing"

    def text(self) -> str:
        """`2: EUR 3.10 + USD 5.00`."""
        if not self.count:
            return "0"
        return f"{self.count:,}: {self.money()}" if self.amounts else f"{self.count:,}, commission not known"

    def as_dict(self) -> dict[str, object]:
        return {"count": self.count, "commission": {c: str(a) for c, a in sorted(self.amounts.items())},
                "commission_unknown": self.unknown}


def grouped(labels: np.ndarray, names: list[str], currency: np.ndarray, currencies: list[str], units: np.ndarray,
            known: np.ndarray) -> dict[str, Total]:
    """A Total per label of the records given: `labels` and `currency` are integer codes into `names` and
    `currencies` (sums of int64 cents per group with np.add.at: exact, one pass)."""
    found: dict[str, Total] = {}
    if not len(labels):
        return found
    width = max(len(currencies), 1)
    keys = labels.astype(np.int64) * width + currency.astype(np.int64)
    size = max(len(names), 1) * width
    sums = np.zeros(size, dtype=np.int64)
    np.add.at(sums, keys, np.where(known, units, 0).astype(np.int64))
    counts, unknown = np.bincount(keys, minlength=size), np.bincount(keys[~known], minlength=size)
    for key in np.flatnonzero(counts).tolist():
        label, cur = divmod(key, width)
        found.setdefault(names[label], Total()).add(currencies[cur] if currencies else "", int(sums[key]),
                                                    int(counts[key]), int(unknown[key]))
    return found
