"""Reading an order export: text cells by role, exact numbers, input findings (BK5xx); build and inquiries both
read through it."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.core.findings import Finding, finding
from batchkit.core.fixedpoint import common_scale, places, to_units, unit_array
from batchkit.core.money import currencies
from batchkit.io.read import Table

_WHOLE = re.compile(r"\s*([0-9]+)(?:\.0*)?\s*")


SKIPPED_ROWS = 1_000  # export rows listed per reason in `skipped_rows`; the count in `skipped` stays exact


def note_skipped(skipped: Counter[str], skipped_rows: dict[str, list[int]], reason: str, count: int,
                 rows: np.ndarray) -> None:
    """Count `count` export rows or orders that produce no record under `reason`, and list `rows`, their
    spreadsheet row numbers (header = row 1, as findings number rows): ascending, the first SKIPPED_ROWS."""
    skipped[reason] += count
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) > SKIPPED_ROWS:  # O(n), not a sort of every row
        rows = np.partition(rows, SKIPPED_ROWS - 1)[:SKIPPED_ROWS]
    listed = np.concatenate([np.asarray(skipped_rows.get(reason, []), dtype=np.int64), rows])
    skipped_rows[reason] = np.sort(listed)[:SKIPPED_ROWS].tolist()


@dataclass
class Lines:
    """The export's usable lines: one text column per mapped role, plus input row and line numbers.
    `skipped` counts what produces no record, by reason; `skipped_rows` lists those rows (note_skipped)."""

    frame: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_rows: dict[str, list[int]] = field(default_factory=dict)

    def skip(self, reason: str, lines: np.ndarray) -> None:
        """Count the lines `lines` (a mask or positions of this frame) under `reason`, listing their rows."""
        rows = self.frame["_row"].to_numpy()[lines]
        note_skipped(self.skipped, self.skipped_rows, reason, len(rows), rows)

    def problem(self, code: str, i: int, column: str | None, value: str | None, message: str) -> None:
        """Record a finding at the input position of line `i`."""
        row, line = int(self.frame.at[i, "_row"]), int(self.frame.at[i, "_line"])
        self.findings.append(finding(code, message, row=row, line=line, column=column, value=value))


STRUCTURAL = ("BK001", "BK004", "BK009", "BK012", "BK013", "BK016", "BK017")  # the export's damage, as findings


def lines_from(table: Table, roles: dict[str, int], header_names: dict[str, str]) -> Lines:
    """Text columns by role ('' where unmapped); structural problems of the input become findings."""
    data = {role: (table.data[pos].fillna("") if pos in table.data.columns else "") for role, pos in roles.items()}
    frame = pd.DataFrame(data, index=range(len(table.data)))
    frame["_row"], frame["_line"] = table.rows, table.lines
    lines = Lines(frame.reset_index(drop=True))
    blank = [f.row for f in table.findings if f.code == "BK010"]  # a long blank run in a sheet: one finding, one row
    if blank:
        note_skipped(lines.skipped, lines.skipped_rows, "blank rows", len(blank),
                     np.array([r for r in blank if r is not None], dtype=np.int64))
    lines.findings += [f for f in table.findings if f.code in STRUCTURAL]
    lines.frame.attrs["names"] = header_names
    return lines


def column_name(lines: Lines, role: str) -> str:
    """The input's own header for a role."""
    return lines.frame.attrs["names"].get(role, role)


def distinct(text: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes (in order of first appearance) and distinct values of a text column: exports repeat
    prices and quantities, so each distinct text is parsed once and the result taken back per line."""
    encoded = _encode(text)
    return _codes(encoded), encoded.dictionary.to_pylist()


def codes_of(text: pd.Series) -> np.ndarray:
    """Only the codes of distinct() (equal texts, equal codes)."""
    return _codes(_encode(text))


def text_array(text: pd.Series) -> pa.Array:
    """A text column as one pyarrow large_string array, '' for missing values."""
    array = pa.array(text.astype("str").array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return pc.fill_null(array.cast(pa.large_string()), "")


def _encode(text: pd.Series) -> pa.DictionaryArray:
    return pc.dictionary_encode(text_array(text))


def _codes(encoded: pa.DictionaryArray) -> np.ndarray:
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.intp, copy=False)


QUANTITY_LIMIT = 10**9  # no order line has a billion items; larger values are mangled cells


def whole_numbers(lines: Lines, role: str) -> np.ndarray:
    """Parse a quantity column to int64; bad or implausibly large values become BK502 findings (and 0)."""
    text = lines.frame[role].astype(str)
    codes, uniques = distinct(text)
    parsed = [_WHOLE.fullmatch(u) for u in uniques]
    numbers = [int(m.group(1)) if m else -1 for m in parsed]
    ok = np.array([0 <= n < QUANTITY_LIMIT for n in numbers], dtype=bool)[codes]
    name = column_name(lines, role)
    for i in np.flatnonzero(~ok):
        value = text.iat[i]
        what = "is too large for a quantity" if _WHOLE.fullmatch(value) else "is not a whole number >= 0"
        lines.problem("BK502", int(i), name, value, f"{name} {value!r} {what}")
    values = np.array([n if 0 <= n < QUANTITY_LIMIT else 0 for n in numbers], dtype=np.int64)
    return values[codes] if len(codes) else np.empty(0, np.int64)


def parsed_money(lines: Lines, role: str, currency: pd.Series | None) -> tuple[np.ndarray, np.ndarray]:
    """A money column as exact Decimal objects (bad or too precise values become findings) and a mask of the
    lines whose text parsed (a value that did not is 0 and has its BK503:
    nothing else should be said about it)."""
    codes, parsed, _, ok = parse_money_column(lines, role, currency)
    values = np.array(parsed, dtype=object)
    if not len(codes):
        return np.empty(0, dtype=object), np.empty(0, dtype=bool)
    return values[codes], ok[codes]


def money_units(lines: Lines, role: str, currency: pd.Series | None, factor: int) -> tuple[np.ndarray, int]:
    """Parse a money column to exact integers of 10**-scale (fixedpoint.py), and the scale; each
    value will be multiplied by up to `factor` and summed over the lines."""
    codes, parsed, decimals, _ = parse_money_column(lines, role, currency)
    scale = common_scale(decimals)
    units = unit_array(to_units(parsed, scale), scale, factor, len(codes))
    return (units[codes] if len(codes) else units[:0]), scale


def parse_money_column(lines: Lines, role: str,
                 currency: pd.Series | None) -> tuple[np.ndarray, list[Decimal], list[int], np.ndarray]:
    """Codes per line, the exact Decimal of each distinct text (0 where it is not a plain decimal)
    and its decimal places; BK503 for text that is not a plain decimal, BK507 for more places than
    the currency has."""
    text = lines.frame[role].astype(str)
    name = column_name(lines, role)
    codes, uniques = distinct(text)
    parsed = [Decimal(u.strip()) if _MONEY.fullmatch(u) and _digits(u) <= MONEY_DIGITS else None for u in uniques]
    parsed_ok = np.array([d is not None for d in parsed], dtype=bool)
    plain = parsed_ok[codes]
    for i in np.flatnonzero(~plain):
        value = text.iat[i]
        what = "has too many digits to be an amount" if _MONEY.fullmatch(value) else "is not a plain decimal (e.g. 19.99)"
        shown = value if len(value) <= 40 else value[:37] + "..."
        lines.problem("BK503", int(i), name, value, f"{name} {shown!r} {what}")
    values = [d if d is not None else _ZERO for d in parsed]
    value_places = places(values)
    decimals = np.array(value_places, dtype=np.int64)[codes]
    cur_codes, cur_uniques = distinct(currency if currency is not None else pd.Series("", index=text.index, dtype="str"))
    allowed = np.array([_places(c) for c in cur_uniques], dtype=np.int64)[cur_codes] if len(text) else decimals
    for i in np.flatnonzero(plain & (decimals > allowed)):
        lines.problem("BK507", int(i), name, text.iat[i],
                      f"{name} {text.iat[i]!r} has more decimals than {cur_uniques[cur_codes[i]] or 'the currency'} allows")
    return codes, values, value_places, parsed_ok


MONEY_DIGITS = 30  # impact.com takes 8; a longer "number" is a mangled cell, and no arithmetic should meet it


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


_MONEY = re.compile(r"\s*-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*")
_ZERO = Decimal(0)


def _places(currency: str) -> int:
    return currencies().get(currency, 2)


def currency_codes(lines: Lines) -> pd.Series | None:
    """The currency column (None if unmapped); unknown codes become BK508 findings."""
    if "currency" not in lines.frame:
        return None
    codes = lines.frame["currency"].str.strip()
    known = codes.isin(set(currencies())) | codes.eq("")
    for i in np.flatnonzero(~known.to_numpy()):
        value = codes.iat[i]
        lines.problem("BK508", int(i), column_name(lines, "currency"), value,
                      f"currency {value!r} is not an ISO 4217 code (e.g. USD, EUR, JPY)")
    return codes.where(known, "")
