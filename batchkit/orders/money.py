"""A money column as exact integer units, for a whole order list at once.

Exports repeat few forms of amount: when every cell of a column is a plain decimal ("1219.40", "-5", "3500"),
its units are computed by pyarrow without a Python object per value (exact: digits, never a float); any other
column takes lines.parse_money_column, which parses each distinct text as a Decimal and says what is wrong with
the ones that are no plain decimal (BK503). Both say BK507 for more decimals than the currency has.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.core.fixedpoint import common_scale, to_units
from batchkit.core.money import currencies
from batchkit.orders.lines import (
    Lines,
    column_name,
    distinct,
    parse_money_column,
    text_array,
)

_PLAIN = r"^(?P<sign>-?)(?P<int>[0-9]{1,15})(?:\.(?P<frac>[0-9]{0,9}))?$"
LIMIT = 2**62  # int64 with room to spare


def money_column(lines: Lines, role: str, currency: pd.Series | None) -> tuple[np.ndarray, int, np.ndarray]:
    """Units of 10**-scale per line (int64, or Python ints when large), the scale, and which lines parsed."""
    trimmed = pc.utf8_trim_whitespace(text_array(lines.frame[role]))
    parts = pc.extract_regex(trimmed, _PLAIN) if len(trimmed) else None
    if parts is None or parts.null_count:
        return _exact(lines, role, currency)
    whole, frac = parts.field("int"), parts.field("frac")
    places = pc.utf8_length(pc.utf8_rtrim(frac, "0")).to_numpy(zero_copy_only=False)
    scale = common_scale([int(places.max())])
    if pc.max(pc.utf8_length(whole)).as_py() + scale > 17:
        return _exact(lines, role, currency)
    _too_precise(lines, role, currency, places)
    digits = pc.utf8_slice_codeunits(pc.utf8_rpad(frac, width=scale, padding="0"), 0, scale)
    units = (pc.cast(whole, pa.int64()).to_numpy(zero_copy_only=False) * 10**scale
             + pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False))
    negative = pc.equal(parts.field("sign"), "-").to_numpy(zero_copy_only=False)
    return np.where(negative, -units, units), scale, np.ones(len(units), dtype=bool)


def _exact(lines: Lines, role: str, currency: pd.Series | None) -> tuple[np.ndarray, int, np.ndarray]:
    codes, values, decimals, ok = parse_money_column(lines, role, currency)
    scale = common_scale(decimals)
    units = to_units(values, scale)
    if max((abs(u) for u in units), default=0) < LIMIT:
        distinct = np.array(units, dtype=np.int64)
    else:
        distinct = np.empty(len(units), dtype=object)
        distinct[:] = units
    return distinct[codes], scale, ok[codes]


def _too_precise(lines: Lines, role: str, currency: pd.Series | None, places: np.ndarray) -> None:
    """BK507: more decimals than the line's currency has (ISO 4217; 2 when none is given)."""
    if not len(places) or int(places.max()) <= 0:
        return
    if currency is None:
        allowed = np.full(len(places), 2, dtype=np.int64)
    else:
        codes, uniques = distinct(currency)
        allowed = np.array([currencies().get(c, 2) for c in uniques], dtype=np.int64)[codes]
    name = column_name(lines, role)
    for i in np.flatnonzero(places > allowed):
        text = str(lines.frame[role].iat[i])
        shown = currency.iat[i] if currency is not None and currency.iat[i] else "the currency"
        lines.problem("BK507", int(i), name, text, f"{name} {text!r} has more decimals than {shown} allows")


def rescale(units: np.ndarray, scale: int, to: int) -> np.ndarray:
    """`units` of 10**-scale as units of 10**-to (to >= scale), exactly."""
    if to == scale:
        return units
    factor = 10 ** (to - scale)
    if units.dtype != object and (not len(units) or int(np.abs(units).max()) * factor < LIMIT):
        return units * factor
    return units.astype(object) * factor
