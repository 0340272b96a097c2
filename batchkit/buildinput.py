"""Reading an internal export for build: text cells by role, exact numbers, input findings (BK5xx)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd

from batchkit.read import Table, finding
from batchkit.report import Finding
from batchkit.schemas import currencies

_WHOLE = re.compile(r"\s*(\d+)(?:\.0*)?\s*")


@dataclass
class Lines:
    """The export's usable lines: one text column per mapped role, plus input row and line numbers."""

    frame: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def problem(self, code: str, i: int, column: str | None, value: str | None, message: str) -> None:
        """Record a finding at the input position of line `i`."""
        row, line = int(self.frame.at[i, "_row"]), int(self.frame.at[i, "_line"])
        self.findings.append(finding(code, message, row=row, line=line, column=column, value=value))


def lines_from(table: Table, roles: dict[str, int], header_names: dict[str, str]) -> Lines:
    """Text columns by role ('' where unmapped); structural problems of the input become findings."""
    data = {role: (table.data[pos].fillna("") if pos in table.data.columns else "") for role, pos in roles.items()}
    frame = pd.DataFrame(data, index=range(len(table.data)))
    frame["_row"], frame["_line"] = table.rows, table.lines
    lines = Lines(frame.reset_index(drop=True))
    for f in table.findings:
        if f.code == "BK010":
            lines.skipped["blank rows"] += 1
        elif f.code in ("BK001", "BK004", "BK009"):
            lines.findings.append(f)
    lines.frame.attrs["names"] = header_names
    return lines


def column_name(lines: Lines, role: str) -> str:
    """The input's own header for a role."""
    return lines.frame.attrs["names"].get(role, role)


def _distinct(text: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes and distinct values of a text column: exports repeat prices and quantities, so each
    distinct text is parsed once and the result taken back per line."""
    codes, uniques = pd.factorize(text, sort=False)
    return codes, [str(u) for u in uniques]


def whole_numbers(lines: Lines, role: str) -> np.ndarray:
    """Parse a quantity column to int64; bad values become BK502 findings (and 0)."""
    text = lines.frame[role].astype(str)
    codes, uniques = _distinct(text)
    parsed = [_WHOLE.fullmatch(u) for u in uniques]
    ok = np.array([m is not None for m in parsed], dtype=bool)[codes]
    for i in np.flatnonzero(~ok):
        value = text.iat[i]
        lines.problem("BK502", int(i), column_name(lines, role), value,
                      f"{column_name(lines, role)} {value!r} is not a whole number >= 0")
    values = np.array([int(m.group(1)) if m else 0 for m in parsed], dtype=np.int64)
    return values[codes] if len(codes) else np.empty(0, np.int64)


def money(lines: Lines, role: str, currency: pd.Series | None) -> np.ndarray:
    """Parse a money column to exact Decimal objects; bad or too precise values become findings."""
    text = lines.frame[role].astype(str)
    name = column_name(lines, role)
    codes, uniques = _distinct(text)
    parsed = [Decimal(u.strip()) if _MONEY.fullmatch(u) else None for u in uniques]
    plain = np.array([d is not None for d in parsed], dtype=bool)[codes]
    for i in np.flatnonzero(~plain):
        lines.problem("BK503", int(i), name, text.iat[i], f"{name} {text.iat[i]!r} is not a plain decimal (e.g. 19.99)")
    decimals = np.array([_decimals(d) for d in parsed], dtype=np.int64)[codes]
    cur = currency.to_numpy(dtype=object) if currency is not None else np.full(len(text), "", dtype=object)
    cur_codes, cur_uniques = pd.factorize(cur, sort=False)
    allowed = np.array([_places(str(c)) for c in cur_uniques], dtype=np.int64)[cur_codes] if len(cur) else decimals
    for i in np.flatnonzero(plain & (decimals > allowed)):
        lines.problem("BK507", int(i), name, text.iat[i],
                      f"{name} {text.iat[i]!r} has more decimals than {cur[i] or 'the currency'} allows")
    values = np.array([d if d is not None else _ZERO for d in parsed], dtype=object)
    return values[codes] if len(codes) else np.empty(0, dtype=object)


_MONEY = re.compile(r"\s*-?(?:\d+(?:\.\d*)?|\.\d+)\s*")
_ZERO = Decimal(0)


def _decimals(value: Decimal | None) -> int:
    """Significant decimal places of a value (trailing zeros do not count)."""
    if value is None or value == 0:
        return 0
    exponent = value.normalize().as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


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
