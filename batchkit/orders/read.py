"""An order list read through its preset: one entry per order, its money exact, its findings at export rows.

build (builder/orderlist.py) and inquiries match (inquiries/orders.py) both read order exports here, with the same
presets and the same column mapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.core.fixedpoint import to_decimal
from batchkit.io.read import Table
from batchkit.orders.columns import resolve
from batchkit.orders.groups import Orders, carriers, group_codes
from batchkit.orders.lines import (
    Lines,
    column_name,
    currency_codes,
    lines_from,
    text_array,
)
from batchkit.orders.money import money_column, rescale
from batchkit.orders.presets import Preset
from batchkit.orders.rule import Decision, decide

MONEY = ("total", "refunded", "amount")
ORDER_LEVEL = ("status", "cancelled", "currency", "total", "refunded", "amount", "order_id")
NOT_SET = frozenset({"", "no", "false", "0", "n"})  # a cancellation column saying "not cancelled"


@dataclass(frozen=True)
class ReadOptions:
    """What the configuration adds to a preset: columns the user named, a currency for exports without one."""

    named: dict[str, str] = field(default_factory=dict)  # role -> the export's header
    currency: str | None = None


@dataclass
class OrderList:
    """The orders of one export: per order (in the export's order of first appearance) its row with the
    order-level fields (`head`), status, cancellation, money (exact units of 10**-scale) and currency."""

    preset: Preset
    lines: Lines  # every row: the findings and the skipped counts live here
    head: Lines  # one row per order, sharing lines' findings
    groups: Orders
    carrier: np.ndarray  # per order, the export position of its head row
    scale: int
    money: dict[str, np.ndarray]  # "total" / "refunded" / "amount" -> units per order
    parsed: np.ndarray  # per order: its money values all parsed
    currency: np.ndarray
    status: np.ndarray  # lower case, '' when none
    flagged: np.ndarray  # its cancellation column is set
    refund_known: bool  # the export has a refunded amount column

    def decimal(self, role: str, order: int) -> Decimal:
        """One order's money value as an exact Decimal (for messages and inquiries)."""
        return to_decimal(int(self.money[role][order]), self.scale)

    def decide(self) -> Decision:
        return decide(self.preset, self.status, self.flagged, self.money["total"], self.money["refunded"],
                      self.money["amount"], self.scale, self.currency, self.refund_known)


def read_order_list(table: Table, preset: Preset, options: ReadOptions, where: str, src: str) -> OrderList:
    """Read `table` as `preset`; ConfigError (one line, the closest columns named) when its columns are missing."""
    optional = frozenset({"currency"}) if options.currency else frozenset()
    roles = resolve(preset, table.header, options.named, optional, where, src)
    roles.setdefault("key", roles["order_id"])
    if "total" not in roles:  # the generic list names its total `amount`
        roles["total"] = roles.pop("amount")
    lines = lines_from(table, roles, {role: table.header[pos] for role, pos in roles.items()})
    _currency(lines, options.currency)
    if preset.money == "display":
        _plain_money(lines)
    groups = group_codes(trimmed_codes(lines.frame["key"])[0])  # " A1 " is order A1: spaces are spreadsheet noise
    carrier = groups.first if preset.group == "sum" else carriers(_filled(lines), groups)
    if preset.group != "sum":
        _conflicts(lines, groups, carrier)
    head = Lines(lines.frame.iloc[carrier].reset_index(drop=True), lines.findings, lines.skipped, lines.skipped_rows)
    head.frame.attrs["names"] = lines.frame.attrs["names"]
    return _order_list(preset, lines, head, groups, carrier, options.currency)


def _order_list(preset: Preset, lines: Lines, head: Lines, groups: Orders, carrier: np.ndarray,
                fallback: str | None) -> OrderList:
    summed = preset.group == "sum"
    source = lines if summed else head
    if fallback and "currency" in source.frame:  # an order whose rows give no currency: the configured one
        source.frame["currency"] = source.frame["currency"].where(source.frame["currency"].ne(""), fallback)
    currency = currency_codes(source)
    scale, money, parsed = _money(source, currency, groups if summed else None)
    per_order = currency.to_numpy(dtype=object)[carrier] if summed and currency is not None else (
        currency.to_numpy(dtype=object) if currency is not None else np.full(len(carrier), "", dtype=object))
    status = _text(head, "status").str.lower().to_numpy(dtype=object)
    flagged = ~_text(lines if summed else head, "cancelled").str.lower().isin(NOT_SET).to_numpy(dtype=bool)
    if summed:
        flagged = groups.reduce(flagged, np.logical_or)
    found = OrderList(preset, lines, head, groups, carrier, scale, money, parsed, per_order, status, flagged,
                      "refunded" in lines.frame)
    check_amounts(found)
    return found


def _text(lines: Lines, role: str) -> pd.Series:
    if role not in lines.frame:
        return pd.Series("", index=lines.frame.index, dtype="str")
    return lines.frame[role].astype("str").str.strip()


def _currency(lines: Lines, fallback: str | None) -> None:
    """Currency codes in upper case (Stripe writes `usd`); the configured one when the export has no column."""
    frame = lines.frame
    if "currency" in frame:
        frame["currency"] = frame["currency"].astype("str").str.strip().str.upper()
    elif fallback:
        frame["currency"] = fallback
        frame.attrs["names"]["currency"] = "[build] currency"


_DISPLAY = re.compile(r"[\s\u00a0$€£¥₹]")
_THOUSANDS = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")


def _plain_money(lines: Lines) -> None:
    """Amounts written for display ("$1,219.40"): the currency sign and the thousands commas dropped; anything
    else stays as written (and is a BK503 if it is no plain decimal)."""
    for role in MONEY:
        if role in lines.frame:
            bare = lines.frame[role].astype("str").str.replace(_DISPLAY, "", regex=True)
            grouped = bare.str.fullmatch(_THOUSANDS.pattern)
            lines.frame[role] = bare.where(~grouped, bare.str.replace(",", "", regex=False))


def _filled(lines: Lines) -> np.ndarray:
    """The rows that carry order-level fields: a status or a total."""
    return (_text(lines, "status").ne("") | _text(lines, "total").ne("")).to_numpy(dtype=bool)


def _conflicts(lines: Lines, groups: Orders, carrier: np.ndarray) -> None:
    """BK504: another row of an order with a different non-empty order-level value (trimmed texts compared)."""
    names = lines.frame.attrs["names"]
    carrier_of_row = pa.array(carrier[groups.spread(np.arange(len(carrier)))])
    for role in ORDER_LEVEL:
        if role not in lines.frame or (role == "order_id" and names["order_id"] == names["key"]):
            continue  # the column the rows are grouped by cannot differ within an order
        values = pc.utf8_trim_whitespace(text_array(lines.frame[role]))
        first = values.take(carrier_of_row)
        differ = pc.and_(pc.not_equal(values, first), pc.not_equal(values, ""))
        name = column_name(lines, role)
        for i in map(int, np.flatnonzero(differ.to_numpy(zero_copy_only=False))):
            here, there = values[i].as_py(), first[i].as_py()
            lines.problem("BK504", i, name, here, f"{name} {here!r} differs from the order's row with its totals ({there!r})")


def trimmed_codes(text: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """Dictionary codes of a text column once trimmed, and the trimmed values (equal texts, equal codes)."""
    encoded = pc.dictionary_encode(text_array(text))
    again = pc.dictionary_encode(pc.utf8_trim_whitespace(encoded.dictionary))
    remap = again.indices.to_numpy(zero_copy_only=False).astype(np.intp)
    raw = encoded.indices.to_numpy(zero_copy_only=False).astype(np.intp)
    return (remap[raw] if len(raw) else raw), again.dictionary


def _money(source: Lines, currency: pd.Series | None,
           groups: Orders | None) -> tuple[int, dict[str, np.ndarray], np.ndarray]:
    """Total, refunded and amount as units of one scale (per order: summed over its rows when `groups`); an
    empty refunded amount is 0, a missing amount column is the total."""
    if "refunded" in source.frame:
        refunded = source.frame["refunded"].astype("str")
        source.frame["refunded"] = refunded.where(refunded.str.strip().ne(""), "0")
    columns = {role: money_column(source, role, currency) for role in MONEY if role in source.frame}
    scale = max(s for _, s, _ in columns.values())
    units = {role: rescale(u, s, scale) for role, (u, s, _) in columns.items()}
    ok = np.logical_and.reduce([good for role, (_, _, good) in columns.items() if role != "amount"])
    if groups is not None:
        units = {role: groups.reduce(_safe(u, scale), np.add) for role, u in units.items()}  # sums fit: _safe
        ok = groups.reduce(ok, np.logical_and)
    units = {role: _safe(u, scale) for role, u in units.items()}
    units.setdefault("refunded", np.zeros(len(ok), dtype=units["total"].dtype))
    units.setdefault("amount", units["total"])
    return scale, units, ok


def _safe(units: np.ndarray, scale: int) -> np.ndarray:
    """int64 only while every product the rule forms (kept_amounts: amount x (total - refunded), total x 10**scale)
    and every sum over the orders fits with room to spare; Python ints (exact, slower) otherwise."""
    if units.dtype == object or not len(units):
        return units
    biggest = int(np.abs(units).max()) + 1
    if 8 * biggest * biggest + 2 * biggest * 10**scale < 2**62 and biggest * len(units) < 2**60:
        return units
    return units.astype(object)


def check_amounts(orders: OrderList) -> None:
    """BK511 for negative money values, BK512 for a refund on an order whose total is not positive (not where the
    total or the refund did not parse: their BK503 says all there is to say)."""
    head, money, value = orders.head, orders.money, orders.decimal
    for role in MONEY:
        if role not in head.frame:
            continue
        for i in map(int, np.flatnonzero(money[role] < 0)):
            name = column_name(head, role)
            head.problem("BK511", int(i), name, str(value(role, i)), f"{name} {str(value(role, i))!r} is negative")
    for i in map(int, np.flatnonzero((money["refunded"] > 0) & (money["total"] <= 0) & orders.parsed)):
        name = column_name(head, "refunded")
        head.problem("BK512", int(i), name, str(value("refunded", i)), f"{name} {str(value('refunded', i))!r} "
                     f"refunded on an order whose {column_name(head, 'total')} is {str(value('total', i))!r}")
