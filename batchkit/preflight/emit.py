"""Findings for the records a mask picks, counted exactly, with the file report's samples made (capped)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.core.codes import catalogue
from batchkit.core.findings import FileReport, Finding
from batchkit.core.money import PLATFORM_MAX, in_platform_range, parse_money

Locate = Callable[[int, str], tuple[int, int, str]]
EXACT = pa.decimal128(38, 9)


def emit(fr: FileReport, code: str, mask: np.ndarray, locate: Locate, column: str | Callable[[int], str],
         message: Callable[[int], str], value: Callable[[int], str | None] | None = None) -> int:
    """Count `code` for every True of `mask` (a record or item index); samples get row, line and column."""
    found = np.flatnonzero(mask)
    if not len(found):
        return 0
    severity = catalogue()[code].severity
    samples = []
    for i in found[: fr._wants(code)]:
        where = column(int(i)) if callable(column) else column
        row, line, name = locate(int(i), where)
        samples.append(Finding(code, severity, message(int(i)), row, line, name, value(int(i)) if value else None))
    fr._add_counted(code, severity, len(found), samples)
    return len(found)


# texts Arrow's decimal cast reads exactly: a plain decimal of at most 20 integer and 9 decimal digits. Beyond
# it the cast is not safe (a 30-digit integer wraps around, `1e-9999999` crashes, `0.000000001e-9999` reads as
# 0): every other text is read by parse_money, one value at a time, so a row's value never depends on the others
_SAFE = r"^[-+]?([0-9]{1,20}(\.[0-9]{0,9})?|\.[0-9]{1,9})$"


def _split(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Exact decimals for the texts Arrow reads safely (null for the others), and where the others are (texts
    that are not empty and not in the safe form: parse_money's to read)."""
    safe = pc.fill_null(pc.match_substring_regex(values, _SAFE), False)
    fast = pc.cast(pc.if_else(safe, values, pa.scalar(None, values.type)), EXACT)
    odd = pc.and_(pc.invert(safe), pc.fill_null(pc.not_equal(values, ""), False))
    return fast, odd.to_numpy(zero_copy_only=False)


def amount_at(values: pa.Array, i: int) -> Decimal | None:
    """The exact amount of text i (core.money.parse_money: `1e2`, `1E+400`, `0.30000000000000004`), None when
    empty or not a number."""
    text = values[i].as_py()
    return parse_money(text) if text else None


def is_zero(values: pa.Array) -> np.ndarray:
    """True where the amount is exactly 0 (0, 0.00, -0, 0e2)."""
    fast, odd = _split(values)
    out = pc.fill_null(pc.equal(fast, pa.scalar(Decimal(0), EXACT)), False).to_numpy(zero_copy_only=False).copy()
    for i in np.flatnonzero(odd):
        amount = amount_at(values, int(i))
        out[i] = amount is not None and amount == 0
    return out


def above(left: pa.Array, right: pa.Array) -> np.ndarray:
    """True where left > right, both exact amounts (False where either is missing or not a number)."""
    (lfast, lodd), (rfast, rodd) = _split(left), _split(right)
    out = pc.fill_null(pc.greater(lfast, rfast), False).to_numpy(zero_copy_only=False).copy()
    for i in np.flatnonzero(lodd | rodd):
        a, b = amount_at(left, int(i)), amount_at(right, int(i))
        out[i] = a is not None and b is not None and a > b
    return out


def out_of_range(values: pa.Array) -> np.ndarray:
    """True where a text is given but is no amount impact.com's Decimal(8,2) holds: not a number, not finite, or
    above 999999.99 in size (more decimals are fine: the mirror keeps what the API said)."""
    fast, odd = _split(values)
    limit = pa.scalar(PLATFORM_MAX, EXACT)
    big = pc.fill_null(pc.greater(pc.abs(fast), limit), False).to_numpy(zero_copy_only=False).copy()
    given = pc.fill_null(pc.not_equal(values, ""), False).to_numpy(zero_copy_only=False)
    for i in np.flatnonzero(odd & given):
        amount = amount_at(values, int(i))
        big[i] = amount is None or not in_platform_range(amount)
    return big


def unchecked_amounts(fr: FileReport, mask: np.ndarray, locate: Locate, column: str,
                      message: Callable[[int], str]) -> np.ndarray:
    """BK711 where `mask` holds (a mirrored amount out of range): said, never silent; returns `mask`, so the
    caller leaves those rows out of its amount checks."""
    emit(fr, "BK711", mask, locate, column, message)
    return mask
