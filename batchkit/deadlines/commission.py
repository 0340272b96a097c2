"""The commission at stake in each correction, exact (README "batchkit radar").

    order-reversal       the action's Payout
    order-modification   Payout x (old Amount - new Amount) / old Amount, rounded to the currency: an estimate
    item-reversal        each reversed item's Payout (the mirrored items')
    item-modification    each item's Payout x (old SaleAmount - new Amount) / old SaleAmount: an estimate

Order-level amounts run on integers of cents (core/fixedpoint: never a float); a text that is no Decimal(8,2)
amount is read by core.money.parse_money one at a time. What cannot be known (no action, no Payout, no Amount
changed, an amount of 0, items not mirrored) is said per record, never a zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.core.fixedpoint import round_half_up
from batchkit.core.money import minor_unit, parse_money, quantize

_FAST = r"^[-+]?[0-9]{1,8}(\.[0-9]{0,2})?$"
_CENTS = pa.decimal128(12, 2)


@dataclass
class Commission:
    """Per record: cents at the currency's minor unit (`units`), whether known, an estimate, and why not known."""

    units: np.ndarray
    known: np.ndarray
    estimate: np.ndarray
    why: np.ndarray  # object: None, or what is missing


def cents(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Each text's amount in cents (int64) and whether it is one ("" and texts that are no amount with at most 2
    decimals: False). Arrow's decimal cast reads them exactly (its integers are the cents) and refuses any text it
    would have to round; then the plain texts are sorted out first, and the others read by parse_money."""
    values = pc.fill_null(values.cast(pa.large_string()), "")
    blank = pc.equal(values, "")
    try:
        exact = pc.cast(pc.if_else(blank, pa.scalar(None, values.type), values), _CENTS)
        ok = pc.is_valid(exact).to_numpy(zero_copy_only=False).copy()
    except pa.ArrowInvalid:  # a text with more decimals, too big, or no number: sorted out first
        fast = pc.fill_null(pc.match_substring_regex(values, _FAST), False)
        exact = pc.cast(pc.if_else(fast, values, pa.scalar(None, values.type)), _CENTS)
        ok = fast.to_numpy(zero_copy_only=False).copy()
    words = np.frombuffer(exact.buffers()[1], dtype=np.int64)[::2][exact.offset:exact.offset + len(exact)]
    units = np.where(ok, words, 0).astype(np.int64)  # |cents| < 10**12: the low 64 bits are the value
    for i in np.flatnonzero(~ok & ~blank.to_numpy(zero_copy_only=False)):
        value = parse_money(values[int(i)].as_py())
        if value is not None and value == value.quantize(Decimal("0.01")) and abs(value) < 10**9:
            units[i], ok[i] = int(value * 100), True
    return units, ok


def to_minor(units: np.ndarray, currency: pa.Array) -> np.ndarray:
    """Cents rounded half-up to each currency's minor unit (JPY: whole yen), still counted in cents."""
    encoded = pc.fill_null(currency, "").dictionary_encode()
    minor = np.array([minor_unit(str(c)) for c in encoded.dictionary.to_pylist()], dtype=np.int64)
    if not len(units) or (minor == 2).all():
        return units
    step = 10 ** (2 - minor[encoded.indices.to_numpy(zero_copy_only=False)])
    return round_half_up(units, step) * step


Cents = tuple[np.ndarray, np.ndarray]  # cents and whether each is an amount


def orders(kind: str, found: np.ndarray, payout: Cents, old: Cents, new: pa.Array, currency: pa.Array,
           text_of: Callable[[str, int], str]) -> Commission:
    """Order-level corrections, vectorised: the mirror's Payout and Amount in cents (facts.py computed them once),
    the correction's new Amount as text; `text_of(field, i)` gives a mirrored text for a message."""
    n = len(found)
    (pay, pay_ok), why = payout, np.full(n, None, dtype=object)
    if kind == "order-reversal":
        units, known, estimate = pay, found & pay_ok, np.zeros(n, dtype=bool)
    else:
        (before, before_ok), (after, after_ok) = old, cents(new)
        usable = found & pay_ok & before_ok & after_ok & (before != 0)
        every = bool(usable.all())  # the usual file: no masking of a million values
        units = round_half_up(pay * (before - after) if every else np.where(usable, pay * (before - after), 0),
                              np.abs(before) if every else np.where(usable, np.abs(before), 1))
        units = units if every or not (before < 0).any() else np.where(before < 0, -units, units)
        known, estimate = usable, np.ones(n, dtype=bool)
        _say(why, found & pay_ok & ~after_ok, lambda i: "no new Amount: its effect on the commission is not estimated")
        _say(why, found & pay_ok & after_ok & ~before_ok, lambda i: f"the mirror's Amount {text_of('Amount', i)!r} "
             "is no amount to estimate from")
        _say(why, found & pay_ok & after_ok & before_ok & (before == 0), lambda i: "the action's Amount is 0: "
             "nothing to estimate from")
    _say(why, found & ~pay_ok, lambda i: "no Payout in the mirror" if not text_of("Payout", i) else
         f"the mirror's Payout {text_of('Payout', i)!r} is no amount impact.com holds")
    _say(why, ~found, lambda i: "the action is not in the mirror")
    return Commission(np.where(known, to_minor(units, currency), 0), known, estimate & known, why)


def _say(why: np.ndarray, mask: np.ndarray, message: Callable[[int], str]) -> None:
    for i in np.flatnonzero(mask):
        if why[i] is None:
            why[i] = message(int(i))


def _decimal(text: Any) -> Decimal | None:
    return parse_money(str(text)) if text not in (None, "") else None


def items(given: list[tuple[str, str]], mirrored: list[dict[str, Any]] | None,
          currency: str) -> tuple[Decimal | None, bool, str | None]:
    """One item-level correction: the sum over its items, whether an estimate, and why it is not known."""
    if mirrored is None:
        return None, False, "the action's items are not in the mirror (batchkit actions show ID --items)"
    by_sku = {str(i.get("Sku", "")).strip(): i for i in mirrored}
    total, estimate = Decimal(0), False
    for sku, new_text in given:
        item = by_sku.get(sku)
        if item is None:
            return None, False, f"Sku {sku} is not among the action's mirrored items"
        payout, old, new = _decimal(item.get("Payout")), _decimal(item.get("SaleAmount")), _decimal(new_text)
        if payout is None:
            return None, False, f"no Payout for Sku {sku} in the mirror"
        if new is not None and new == 0:
            total += payout
            continue
        if new is None or old is None or old == 0:
            return None, False, f"Sku {sku}: no amount to estimate from"
        total += (payout * (old - new) / old).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        estimate = True
    return quantize(total, currency), estimate, None
