"""Exact amounts for many lines at once: integers of 10**-scale between Decimal parsing and text.

build reads every amount as an exact Decimal (money.py) and writes every amount as the text
format_money would give. In between, a million lines of Decimal objects cost seconds of Python
calls, so the arithmetic (price x quantity, sums per order, rounding to the currency's minor unit)
runs on integers that count 10**-scale units: exact, like Decimal, never a float. The arrays are
int64 when the largest possible sum fits with room to spare, and Python ints (dtype object, the
same numpy operations, arbitrary precision) when it might not. tests/test_fixedpoint.py checks
both against Decimal.
"""

from __future__ import annotations

from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, localcontext
from typing import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.core.money import PLATFORM_DECIMALS, minor_unit

_SAFE = 2**62


_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)  # no operation below ever rounds


def places(values: Sequence[Decimal]) -> list[int]:
    """Significant decimal places of each value, exactly (trailing zeros do not count)."""
    with localcontext(_EXACT):
        return [max(-int(v.normalize().as_tuple().exponent), 0) if v.is_finite() else 0 for v in values]


def to_units(values: Sequence[Decimal], scale: int) -> list[int]:
    """The exact integer count of 10**-scale in each value (each has at most `scale` places)."""
    with localcontext(_EXACT):
        return [int(v.scaleb(scale)) for v in values]


def common_scale(places_: Sequence[int]) -> int:
    """The scale that holds every value exactly (at least the platform's 2 places)."""
    return max([PLATFORM_DECIMALS, *places_])


def unit_array(units: list[int], scale: int, factor: int, count: int) -> np.ndarray:
    """`units` as int64 when any sum of `count` of them, each times up to `factor`, and any rounding
    step (10**scale x factor) fit with room to spare; else as exact Python ints (dtype object)."""
    biggest = max((abs(u) for u in units), default=0)
    factor, count = max(factor, 1), max(count, 1)
    if 4 * biggest * factor * count < _SAFE and 4 * 10**scale * factor < _SAFE:
        return np.array(units, dtype=np.int64)
    return _objects(units)


def minor_units(currencies: np.ndarray) -> np.ndarray:
    """Decimal places written for each line's currency (money.minor_unit), as int64."""
    codes, uniques = pd.factorize(np.asarray(currencies, dtype=object), sort=False, use_na_sentinel=False)
    return np.array([minor_unit(str(c)) for c in uniques], dtype=np.int64)[codes] if len(uniques) else np.empty(0, np.int64)


def round_half_up(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator rounded half away from zero (Decimal's ROUND_HALF_UP); denominator > 0."""
    magnitude = (2 * np.abs(numerator) + denominator) // (2 * denominator)
    return np.where(numerator < 0, -magnitude, magnitude)


def text(units: np.ndarray, scale: int, currencies: np.ndarray) -> pa.Array:
    """The written text of each amount: exactly money.format_money(units * 10**-scale, currency)."""
    minor = minor_units(currencies)
    rounded = round_half_up(units, powers(scale - minor, units))
    one = powers(minor, rounded)
    whole, frac = _digits(np.abs(rounded) // one), _digits(np.abs(rounded) % one + one)
    frac = pc.utf8_slice_codeunits(frac, 1)  # "1" + zero-padded digits -> the digits ("" for 0 places)
    dot = pa.array(np.where(minor > 0, ".", ""), pa.string())
    body = pc.binary_join_element_wise(whole, frac, dot)
    negative = pa.array(np.asarray(units < 0, dtype=bool))
    return pc.if_else(negative, pc.binary_join_element_wise("-", body, ""), body)


def powers(exponents: np.ndarray, like: np.ndarray) -> np.ndarray:
    """10**exponents in the integer type of `like`."""
    if like.dtype == object:
        return _objects([10 ** int(e) for e in exponents])
    return np.power(10, exponents.astype(np.int64))


def _objects(values: list[int]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)  # filled, not converted: numpy would guess int64
    out[:] = values
    return out


def _digits(values: np.ndarray) -> pa.Array:
    if values.dtype == object:
        return pa.array([str(v) for v in values], pa.string())
    return pc.cast(pa.array(values, pa.int64()), pa.string())


def to_decimal(units: int, scale: int) -> Decimal:
    """The exact Decimal of `units` x 10**-scale (built from its digits: no context rounding)."""
    return Decimal((int(units < 0), tuple(int(d) for d in str(abs(int(units)))), -scale))


def rounded(units: int, scale: int, currency: str) -> Decimal:
    """One amount as an exact Decimal rounded half-up to the currency's minor unit (money.quantize)."""
    places_ = minor_unit(currency)
    step = 10 ** (scale - places_)
    magnitude = (2 * abs(units) + step) // (2 * step)
    return to_decimal(-magnitude if units < 0 else magnitude, places_)


def sums_by(keys: np.ndarray, units: np.ndarray) -> dict[str, int]:
    """Exact integer sums of `units` per distinct key (no float on the way, unlike bincount)."""
    if not len(keys):
        return {}
    uniques, codes = np.unique(np.asarray(keys, dtype=object).astype(str), return_inverse=True)
    order = np.argsort(codes, kind="stable")
    starts = np.flatnonzero(np.r_[True, codes[order][1:] != codes[order][:-1]])
    return {str(k): int(s) for k, s in zip(uniques, np.add.reduceat(units[order], starts))}
