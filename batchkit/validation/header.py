"""Header resolution: raw column names -> canonical fields and item groups; kind detection (the five batch kinds,
and inquiry-resolution: validate/inquiry.py).

Header findings: BK005 duplicate, BK006 blank, BK007 unknown, BK008 missing, BK018 padded name, BK216 not allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from batchkit.core.change import ID_INVISIBLE
from batchkit.core.findings import Finding, finding
from batchkit.core.kinds import Kind, layout
from batchkit.core.names import kind_from_filename
from batchkit.validation.inquiry import (
    INQUIRY_RESOLUTION,
    named_in,
    resolution_columns_in,
    says_resolutions,
)

_NUMBERED = re.compile(r"(.*?)\s*([0-9]+)")


@dataclass(frozen=True)
class Column:
    """One header cell: its position, raw text, and the field and item group it names."""

    position: int
    raw: str
    field: str | None  # canonical field, None if blank or unknown
    group: int = 1

    @property
    def key(self) -> tuple[str, int]:
        return (self.field or "", self.group)


def _canonical(name: str) -> str | None:
    lay = layout()
    lowered = name.lower()
    if lowered in lay.aliases:
        return lay.aliases[lowered]
    return next((f for f in lay.all_fields if f.lower() == lowered), None)


_ZERO_WIDTH = str.maketrans("", "", "\u200b\u200c\u200d\u2060\ufeff")


def header_name(raw: str) -> str:
    """A header cell as named: spaces, NBSP, zero-width characters and BOMs around it removed (and zero-width
    characters or BOMs inside it: they are never part of a name); what BK018 reports and `fix` writes."""
    return raw.strip(ID_INVISIBLE).translate(_ZERO_WIDTH)


def parse_header(header: list[str]) -> list[Column]:
    """Resolve every header cell (case-insensitive, aliases, numbered item fields)."""
    out = []
    lay = layout()
    for pos, raw in enumerate(header):
        name = header_name(raw)
        field = _canonical(name)
        group = 1
        if field is None and (m := _NUMBERED.fullmatch(name)):
            base = _canonical(m.group(1))
            n = int(m.group(2))
            if base in lay.item_fields and (n >= lay.numbered_from or (n == 1 and lay.accept_numbered_first)):
                field, group = base, n
        out.append(Column(pos, raw, field, group))
    return out


def looks_like_header(names: list[str]) -> bool:
    """True when at least two cells name batch-file columns, or bulk-resolution columns (a title line above the
    header names none)."""
    return sum(1 for c in parse_header(names[:64]) if c.field) >= 2 or resolution_columns_in(names[:64]) >= 2


def _runs(positions: list[int]) -> list[tuple[int, int]]:
    """Consecutive positions as (first, last) pairs."""
    runs: list[tuple[int, int]] = []
    for p in positions:
        if runs and p == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], p)
        else:
            runs.append((p, p))
    return runs


def check_header(columns: list[Column], kind: Kind) -> tuple[dict[tuple[str, int], Column], list[Finding]]:
    """The usable columns by (field, group), and the header findings for `kind`."""
    usable: dict[tuple[str, int], Column] = {}
    found: list[Finding] = []

    def at(code: str, col: Column, message: str) -> None:
        found.append(finding(code, message, row=1, line=1, column=col.raw, value=col.raw))

    blank = {c.position: c for c in columns if not c.raw.strip()}
    for start, end in _runs(list(blank)):
        if start == end:
            at("BK006", blank[start], f"column {start + 1} has no name: name it or delete the column")
        else:  # a stray cell far right of the header: one finding, not thousands
            at("BK006", blank[start], f"columns {start + 1:,} to {end + 1:,} have no name ({end - start + 1:,} columns): "
                                      "name them or delete them")
    unknown: dict[str, str] = {}
    for col in columns:
        if not col.raw.strip():
            continue
        if (name := header_name(col.raw)) != col.raw and name:
            at("BK018", col, f"column name {col.raw!r} has spaces or invisible characters (NBSP, zero-width, BOM) "
                             f"around or in it: name it {name!r} (batchkit fix does)")
        if col.field is None and col.raw.strip().casefold() in unknown:
            at("BK005", col, f"{col.raw!r} repeats column {unknown[col.raw.strip().casefold()]!r} (names are "
                             "case-insensitive): keep one")
        elif col.field is None:
            unknown[col.raw.strip().casefold()] = col.raw
            at("BK007", col, f"{col.raw!r} is not a column of {kind.id} files (impact.com cannot add fields): delete or rename it")
        elif not _allowed(col, kind):
            at("BK216", col, f"{col.raw!r} does not belong in {kind.id} files: delete the column or move its data to the right kind")
        elif col.key in usable:
            first = usable[col.key].raw
            at("BK005", col, f"{col.raw!r} repeats column {first!r} (names are case-insensitive, Oid = OrderId): keep one")
        else:
            usable[col.key] = col
    found += _shared_reason(usable, kind)
    found += _missing(usable, kind)
    return usable, found


def _shared_reason(usable: dict[tuple[str, int], Column], kind: Kind) -> list[Finding]:
    """BK008 for an item file whose later groups have no Reason column of their own (one Reason after all the
    groups): each group needs its ReasonN. Those groups are then read with the one Reason, so no BK301 is
    reported at columns that do not exist."""
    if not kind.is_item or ("Reason", 1) not in usable:
        return []
    groups = sorted({g for f, g in usable if g > 1 and f in kind.fields} - {g for f, g in usable if f == "Reason"})
    if not groups:
        return []
    lay = layout()
    names = [lay.item_header("Reason", g) for g in groups]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5:,} more" if len(names) > 5 else "")
    for g in groups:
        usable[("Reason", g)] = usable[("Reason", 1)]
    return [finding("BK008", f"required column{'s' if len(names) > 1 else ''} {shown} missing from this {kind.id} "
                    f"file: every item group needs its own Reason column (the one {usable[('Reason', 1)].raw!r} "
                    "column is read for every group until then)", row=1, line=1, column=names[0])]


def _allowed(col: Column, kind: Kind) -> bool:
    if col.field in layout().identifiers:
        return col.field in kind.identifiers
    return col.field in kind.fields and (kind.is_item or col.group == 1)


def _missing(usable: dict[tuple[str, int], Column], kind: Kind) -> list[Finding]:
    found = []
    for field in kind.required:
        if (field, 1) not in usable:
            found.append(finding("BK008", f"required column {field!r} is missing from this {kind.id} file",
                                 row=1, line=1, column=field))
    has = {f for f, g in usable}
    if "ActionId" not in kind.identifiers:  # a reset names its action by OrderId (Oid) and ActionTrackerId only
        for name in ("OrderId", "ActionTrackerId"):
            if name not in has:
                found.append(finding("BK008", f"required column {name!r} is missing from this {kind.id} file "
                                     "(its header is Oid, ActionTrackerId, Reason)", row=1, line=1, column=name))
    elif "ActionId" not in has and not {"OrderId", "ActionTrackerId"} <= has:
        name = "ActionTrackerId" if "OrderId" in has else "OrderId" if "ActionTrackerId" in has else "ActionId"
        found.append(finding("BK008", "no identifier columns: add ActionId, or both OrderId and ActionTrackerId",
                             row=1, line=1, column=name))
    if kind.action == "reversal" and ("Amount", 1) not in usable:
        found.append(finding("BK206", "there is no Amount column: impact.com then reverses only the actions whose "
                             "original amount was 0; add Amount with 0 on every row to reverse the others",
                             row=1, line=1))
    return found


def detect_kind(columns: list[Column], data: pd.DataFrame, path: str, given: str | None) -> tuple[str | None, str]:
    """The kind id and why: --kind, else the file name, else the columns (and values)."""
    if given:
        return given, "given with --kind"
    from pathlib import Path

    by_name = kind_from_filename(Path(path).name)
    if by_name:
        return by_name, f"from the file name ({by_name!r} in it)"
    if named_in(path):
        return INQUIRY_RESOLUTION, f"from the file name ({INQUIRY_RESOLUTION!r} in it)"
    identifiers = any(c.field in layout().identifiers for c in columns)
    if says_resolutions([c.raw for c in columns], identifiers):
        return INQUIRY_RESOLUTION, "from the columns (Id and Resolution Status, no batch-file identifier)"
    return _kind_from_columns(columns, data)


_SHOPIFY = frozenset({"name", "financial status", "fulfillment status", "lineitem quantity", "lineitem name",
                      "lineitem price", "lineitem sku", "billing name", "shipping name"})


def _kind_from_columns(columns: list[Column], data: pd.DataFrame) -> tuple[str | None, str]:
    names = {c.raw.strip().casefold() for c in columns}
    if {"name", "financial status"} <= names and len(names & _SHOPIFY) >= 4:
        return None, ("this is a Shopify orders export (Name, Financial Status, Lineitem sku, ...), not a batch file: "
                      "use batchkit build to turn it into batch files")
    fields = {c.field for c in columns if c.field}
    if "Reason" in fields and fields <= {"OrderId", "ActionTrackerId", "Reason"} and _says_reset(columns, data):
        return "reset", "from the columns and values (OrderId, ActionTrackerId and Reason only; Reason RESET)"
    item_only = {"Sku", "Quantity", "Category"}
    is_item = bool(fields & item_only) or any(c.group > 1 for c in columns)
    level = "item" if is_item else "order"
    if is_item and "Category" in fields:
        return "item-modification", "from the columns (Category is only in item-modification files)"
    if not is_item and fields & {"CurrencyCode", "CustomerStatus"}:
        return "order-modification", "from the columns (CurrencyCode/CustomerStatus are only in order-modification files)"
    amounts = [data[c.position] for c in columns if c.field == "Amount" and c.position in data.columns]
    verdict = _amount_verdict(amounts)
    if verdict:
        kind = f"{level}-{verdict}"
        why = "every Amount is 0 or empty" if verdict == "reversal" else "some Amounts are not 0"
        return kind, f"from the columns and values ({level}-level columns; {why})"
    return None, f"{level}-level columns, but modification or reversal cannot be told apart"


def _says_reset(columns: list[Column], data: pd.DataFrame) -> bool:
    """True when the Reason column's filled cells are RESET (whatever their case)."""
    reasons = [data[c.position] for c in columns if c.field == "Reason" and c.position in data.columns]
    if not reasons:
        return False
    values = reasons[0].str.strip().str.upper()
    values = values[values.str.len().gt(0)]
    return not values.empty and bool(values.eq("RESET").all())


def _amount_verdict(amounts: list[pd.Series]) -> str | None:
    if not amounts:
        return None
    values = pd.concat(amounts).str.strip()
    values = values[values.str.len().gt(0)]
    if values.empty:
        return None
    zero = values.str.fullmatch(r"0+(?:\.0*)?|\.0+").fillna(False)
    return "reversal" if bool(zero.all()) else "modification"
