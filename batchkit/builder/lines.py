"""build's view of an export's lines: the readers of batchkit/orders/lines.py (one home for order exports), and
the mapping of the store's return reasons to impact.com codes, which only build needs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from batchkit.orders.lines import (
    MONEY_DIGITS,
    QUANTITY_LIMIT,
    SKIPPED_ROWS,
    STRUCTURAL,
    Lines,
    codes_of,
    column_name,
    currency_codes,
    distinct,
    lines_from,
    money_units,
    note_skipped,
    parsed_money,
    text_array,
    whole_numbers,
)

__all__ = ["MONEY_DIGITS", "QUANTITY_LIMIT", "SKIPPED_ROWS", "STRUCTURAL", "Lines", "codes_of", "column_name",
           "currency_codes", "distinct", "lines_from", "map_reasons", "money_units", "note_skipped", "parsed_money",
           "text_array", "whole_numbers"]


def map_reasons(lines: Lines, mask: np.ndarray, table: dict[str, str], accepted: frozenset[str]) -> np.ndarray:
    """impact.com reason codes for the lines in `mask`; unmapped values are BK501 findings naming them."""
    raw = lines.frame["reason"] if "reason" in lines.frame else pd.Series([""] * len(lines.frame))
    lookup = {k.strip(): v for k, v in table.items()}
    texts = raw.astype(str).str.strip()
    wanted = texts[mask]
    codes = {t: lookup.get(t) or (t if t in accepted else "") for t in wanted.unique().tolist()}
    out = np.full(len(raw), "", dtype=object)
    out[mask] = wanted.map(codes).to_numpy(dtype=object)
    for i in np.flatnonzero(mask & (out == "")):
        text = texts.iat[i]
        shown = repr(text) if text else "an empty reason"
        lines.problem("BK501", int(i), column_name(lines, "reason"), text,
                      f"return reason {shown} has no impact.com code: add it under [build.reasons], "
                      f'e.g. "{text}" = "ITEM_RETURNED"')
    return out
