"""Findings for the records a mask picks, counted exactly, with the file report's samples made (capped)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Context, Decimal, localcontext

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.core.codes import catalogue
from batchkit.core.findings import FileReport, Finding
from batchkit.core.money import parse_money

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
    for i in found[: fr.wants(code)]:
        where = column(int(i)) if callable(column) else column
        row, line, name = locate(int(i), where)
        samples.append(Finding(code, severity, message(int(i)), row, line, name, value(int(i)) if value else None))
    fr.add_counted(code, severity, len(found), samples)
    return len(found)


def decimals(values: pa.Array) -> pa.Array:
    """Amounts as text -> exact decimals (null when empty or not a number), never through a float."""
    try:
        return pc.cast(pc.if_else(pc.equal(values, ""), pa.scalar(None, values.type), values), EXACT)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        out = []
        for text in values.to_pylist():
            amount = parse_money(text) if text else None
            with localcontext(Context(prec=60)):  # 28 digits and 9 places: quantize never rounds nor fails
                exact = amount is not None and abs(amount) < Decimal("1e28") and \
                    amount == amount.quantize(Decimal("1e-9"))
            out.append(amount if exact else None)
        return pa.array(out, type=EXACT)


def is_zero(values: pa.Array) -> np.ndarray:
    """True where the amount is exactly 0 (0, 0.00, -0)."""
    return pc.fill_null(pc.equal(decimals(values), pa.scalar(Decimal(0), EXACT)), False).to_numpy(
        zero_copy_only=False)


def above(left: pa.Array, right: pa.Array) -> np.ndarray:
    """True where left > right, both exact amounts (False where either is missing)."""
    return pc.fill_null(pc.greater(decimals(left), decimals(right)), False).to_numpy(zero_copy_only=False)
