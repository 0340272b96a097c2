"""The brand's own orders, read from its export with build's readers (README "Action inquiries").

One `Order` per OrderId, whatever the preset:

- `shopify`: Shopify's "Export orders" CSV (rows are line items, order-level fields on one row of each
  order). The OrderId is `Name` or `Id` ([build.shopify] order_id); cancelled when `Cancelled at` is set
  or the Financial Status is `voided`; fully refunded when it is `refunded` or Refunded Amount >= Total;
  the amount kept is build's: amount x (Total - Refunded Amount) / Total, rounded half-up ([build.shopify]
  amount, Subtotal by default); the date is `Created at`, else `Paid at`.
- `returns`: the generic returns export (SPEC §3.1, [build.columns]); fully refunded when every line ends
  at quantity 0; the amount kept is what the lines keep; a date only from [inquiries.columns] date.
- `orders`: any order list mapped by [inquiries.columns] (order_id and amount required; date, currency,
  status, cancelled, refunded optional); rows with the same order id are added up (line-level lists).

A Shopify Name is found with or without its '#' (partners type `1050` for `#1050`); in every preset a
leading '#' the partner typed is dropped when no order carries it. Amounts are exact Decimals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np

from batchkit.builder.lines import (
    Lines,
    currency_codes,
    lines_from,
    parsed_money,
    whole_numbers,
)
from batchkit.builder.returns import group_orders
from batchkit.builder.settings import load_build_settings, require_once, resolve_columns
from batchkit.builder.shopify import FIELDS as SHOPIFY_FIELDS
from batchkit.builder.shopify import carriers
from batchkit.core.config import Config
from batchkit.core.errors import ConfigError, InputError
from batchkit.core.money import minor_unit
from batchkit.inquiries.settings import (
    REQUIRED_ROLES,
    InquirySettings,
    load_inquiry_settings,
)
from batchkit.io.read import Table, read_table

PRESETS = ("shopify", "returns", "orders")
CANCELLED_WORDS = frozenset({"cancelled", "canceled", "voided", "void"})
REFUNDED_WORDS = frozenset({"refunded", "returned", "fully_refunded", "fully refunded"})
_FALSE = frozenset({"", "no", "false", "0", "n"})


@dataclass(frozen=True)
class Order:
    """One order of the brand's records: what the export says of it."""

    order_id: str
    status: str  # the export's own word ("paid", "partially_refunded", "returned", ...), lower case
    cancelled: bool
    fully_refunded: bool
    amount: Decimal | None  # the amount kept after refunds; None when the export's amount is unreadable
    original: Decimal | None
    currency: str
    date: str  # YYYY-MM-DD, '' when the export gives none (or none readable)
    row: int  # the spreadsheet row of the order (its row with the totals)
    cells: dict[str, str] = field(default_factory=dict)  # that export row, header -> text

    @property
    def completed(self) -> bool:
        return not self.cancelled and not self.fully_refunded


@dataclass
class OrderBook:
    """The orders of one export by OrderId, and the export's values that could not be read."""

    path: str
    preset: str
    orders: dict[str, Order] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # another spelling -> OrderId ("1050" -> "#1050")
    problems: list[str] = field(default_factory=list)

    def find(self, oid: str) -> Order | None:
        """The order an inquiry's OrderId names: trimmed, then its other spelling, then without a typed '#'."""
        key = oid.strip()
        for candidate in (key, self.aliases.get(key), key[1:].strip() if key.startswith("#") else None):
            if candidate and candidate in self.orders:
                return self.orders[candidate]
        return None

    def add(self, order: Order) -> None:
        self.orders[order.order_id] = order
        if self.preset == "shopify" and order.order_id.startswith("#"):
            self.aliases.setdefault(order.order_id[1:].strip(), order.order_id)


def read_orders(path: str | Path, preset: str, config: Config, sheet: str | None = None,
                settings: InquirySettings | None = None) -> OrderBook:
    """The brand's orders from an export; ConfigError/InputError (one line) when it cannot be read as `preset`."""
    if preset not in PRESETS:
        raise ConfigError(f"unknown preset {preset!r} for the brand's records (choose {', '.join(PRESETS)})")
    table = read_table(path, sheet)
    if not table.header:
        why = next((f.message for f in table.findings if f.code == "BK014"), "the export is empty or has no header row")
        raise InputError(f"{path}: {why}")
    chosen = settings or load_inquiry_settings(config)
    book = OrderBook(str(path), preset)
    reader = {"shopify": _shopify, "returns": _returns, "orders": _generic}[preset]
    reader(table, config, chosen, book)
    return book


# ------------------------------------------------------------------------------------------------ shared


_ISO = re.compile(r"\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:$|[\sT])")


def iso_date(text: str) -> str:
    """YYYY-MM-DD of a date or timestamp text (`2025-12-01 10:14:02 +0000`, `2025-12-01T...`), '' otherwise."""
    found = _ISO.match(text or "")
    if not found:
        return ""
    year, month, day = (int(g) for g in found.groups())
    try:
        from datetime import date
        return date(year, month, day).isoformat()
    except ValueError:
        return ""


def _position(table: Table, name: str) -> int | None:
    exact = {h.strip(): i for i, h in reversed(list(enumerate(table.header)))}
    loose = {h.strip().lower(): i for i, h in reversed(list(enumerate(table.header)))}
    return exact.get(name.strip(), loose.get(name.strip().lower()))


def _columns(table: Table, wanted: dict[str, str], required: set[str], src: str, what: str) -> dict[str, int]:
    """Role -> position of the wanted headers; the required ones missing is a ConfigError naming them."""
    found = {role: pos for role, name in wanted.items() if (pos := _position(table, name)) is not None}
    missing = [f"{wanted[r]!r} ({r})" for r in wanted if r in required and r not in found]
    if missing:
        shown = ", ".join(repr(h) for h in table.header[:12]) + (" ..." if len(table.header) > 12 else "")
        raise ConfigError(f"{table.path}: {what}: column(s) {', '.join(missing)} missing (its columns: {shown})")
    for role in found:
        require_once(table.header, wanted[role], role, src)
    return found


def _lines(table: Table, roles: dict[str, int]) -> Lines:
    return lines_from(table, roles, {role: table.header[pos] for role, pos in roles.items()})


def _cells(table: Table, i: int) -> dict[str, str]:
    values = table.data.iloc[i].fillna("").tolist() if len(table.data.columns) else []
    return {h: str(v) for h, v in zip(table.header, values) if h.strip()}


def _text(lines: Lines, role: str, i: int) -> str:
    return str(lines.frame[role].iat[i]).strip() if role in lines.frame else ""


def _problems(lines: Lines, book: OrderBook) -> np.ndarray:
    """The readers' findings as lines of text; True for each line with a value that could not be read."""
    bad = np.zeros(len(lines.frame), dtype=bool)
    rows = lines.frame["_row"].to_numpy()
    for f in lines.findings:
        book.problems.append(f"row {f.row}: {f.message}" if f.row else f.message)
        bad |= rows == f.row
    return bad


def _half_up(value: Fraction, currency: str) -> Decimal:
    """An exact fraction rounded half-up to the currency's minor unit (never through a float)."""
    places = minor_unit(currency)
    scaled = value * 10**places
    units = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator) if scaled >= 0 else \
        -((2 * -scaled.numerator + scaled.denominator) // (2 * scaled.denominator))
    return Decimal(units).scaleb(-places)


# ------------------------------------------------------------------------------------------------ shopify


def _shopify(table: Table, config: Config, settings: InquirySettings, book: OrderBook) -> None:
    shop = load_build_settings(config, "shopify", None, None).shopify
    wanted = {**SHOPIFY_FIELDS, "amount": shop.amount, "order_id": shop.order_id, "created": "Created at",
              "paid": "Paid at"}
    required = set(wanted) - {"created", "paid"}
    lines = _lines(table, _columns(table, wanted, required, settings.source, "not a Shopify orders export"))
    keys = lines.frame["order_id"].str.strip()
    carrier = carriers(lines, group_orders(keys))
    head = Lines(lines.frame.iloc[carrier].reset_index(drop=True), lines.findings)  # one row per order, as build
    head.frame.attrs["names"] = lines.frame.attrs["names"]
    currency = currency_codes(head)
    money = {r: parsed_money(head, r, currency) for r in ("total", "refunded", "amount")}
    bad = _problems(head, book)
    for j, c in enumerate(carrier):
        if keys.iat[c]:
            book.add(_shopify_order(table, head, j, int(c), money, bool(bad[j])))


def _shopify_order(table: Table, lines: Lines, c: int, at: int, money: dict, bad: bool) -> Order:
    total, refunded, amount = (money[r][0][c] for r in ("total", "refunded", "amount"))
    ok = bool(money["amount"][1][c])
    status = _text(lines, "status", c).lower()
    currency = _text(lines, "currency", c)
    cancelled = bool(_text(lines, "cancelled", c)) or status == "voided"
    kept = amount if refunded <= 0 or total <= 0 else _half_up(Fraction(amount) * Fraction(total - refunded)
                                                              / Fraction(total), currency)
    full = status == "refunded" or (total > 0 and refunded >= total) or (refunded > 0 and kept <= 0)
    readable = ok and not bad and amount >= 0
    return Order(_text(lines, "order_id", c), status or "(no financial status)", cancelled, full,
                 max(kept, Decimal(0)) if readable else None, amount if readable else None, currency,
                 iso_date(_text(lines, "created", c)) or iso_date(_text(lines, "paid", c)),
                 int(lines.frame["_row"].iat[c]), _cells(table, at))


# ------------------------------------------------------------------------------------------------ returns


def _returns(table: Table, config: Config, settings: InquirySettings, book: OrderBook) -> None:
    build = load_build_settings(config, "returns", None, None)
    roles = resolve_columns(build, table.header, settings.source)
    for options in (("order_id",), ("quantity",), ("unit_price", "line_amount"), ("returned_quantity", "new_quantity")):
        if not any(r in roles for r in options):
            raise ConfigError(f"{table.path}: not a returns export: [build.columns] must map {' or '.join(options)} "
                              f"to one of its columns ({', '.join(repr(h) for h in table.header[:8])} ...)")
    if "date" in settings.columns:
        roles |= _columns(table, {"date": settings.columns["date"]}, {"date"}, settings.source, "[inquiries.columns]")
    lines = _lines(table, roles)
    keys = lines.frame["order_id"].str.strip()
    qty = whole_numbers(lines, "quantity")
    new = _kept_quantities(lines, qty)
    currency = currency_codes(lines)
    price_role = "unit_price" if "unit_price" in lines.frame else "line_amount"
    price, _ok = parsed_money(lines, price_role, currency)
    bad = _problems(lines, book)
    groups = group_orders(keys)
    for start, end in zip(groups.starts, [*groups.starts[1:], len(groups.order)]):
        members = [int(i) for i in groups.order[start:end]]
        if keys.iat[members[0]]:
            book.add(_returns_order(table, lines, members, qty, new, price, price_role == "unit_price", bad))


def _kept_quantities(lines: Lines, qty: np.ndarray) -> np.ndarray:
    if "new_quantity" in lines.frame:
        return np.minimum(whole_numbers(lines, "new_quantity"), qty)
    return np.clip(qty - whole_numbers(lines, "returned_quantity"), 0, None)


def _returns_order(table: Table, lines: Lines, members: list[int], qty: np.ndarray, new: np.ndarray,
                   price: np.ndarray, unit: bool, bad: np.ndarray) -> Order:
    first = members[0]
    currency = _text(lines, "currency", first)
    original, kept = Decimal(0), Decimal(0)
    for i in members:
        line = price[i] * int(qty[i]) if unit else price[i]
        original += line
        kept += price[i] * int(new[i]) if unit else (line if new[i] == qty[i] else
                                                    _half_up(Fraction(line) * int(new[i]) / max(int(qty[i]), 1), currency))
    returned = all(new[i] == 0 for i in members) and any(qty[i] > 0 for i in members)
    changed = any(new[i] != qty[i] for i in members)
    status = "returned" if returned else "partially returned" if changed else "not returned"
    readable = not any(bad[i] for i in members) and original >= 0
    date = next((d for i in members if (d := iso_date(_text(lines, "date", i)))), "")
    return Order(_text(lines, "order_id", first), status, False, returned, kept if readable else None,
                 original if readable else None, currency, date, int(lines.frame["_row"].iat[first]),
                 _cells(table, first))


# ------------------------------------------------------------------------------------------------ orders


def _generic(table: Table, config: Config, settings: InquirySettings, book: OrderBook) -> None:
    missing = [r for r in REQUIRED_ROLES if r not in settings.columns]
    if missing:
        raise ConfigError(f"{settings.source}: the orders preset reads the export through [inquiries.columns]: "
                          f"map {' and '.join(missing)} (e.g. {missing[0]} = \"{_EXAMPLE[missing[0]]}\")")
    roles = _columns(table, settings.columns, set(settings.columns), settings.source, "[inquiries.columns]")
    lines = _lines(table, roles)
    keys = lines.frame["order_id"].str.strip()
    currency = currency_codes(lines)
    amount, _ = parsed_money(lines, "amount", currency)
    refunded = np.zeros(len(keys), dtype=object)
    if "refunded" in lines.frame:  # an empty refund is no refund
        lines.frame["refunded"] = lines.frame["refunded"].where(lines.frame["refunded"].str.strip().ne(""), "0")
        refunded = parsed_money(lines, "refunded", currency)[0]
    bad = _problems(lines, book)
    groups = group_orders(keys)
    for start, end in zip(groups.starts, [*groups.starts[1:], len(groups.order)]):
        members = [int(i) for i in groups.order[start:end]]
        if keys.iat[members[0]]:
            book.add(_generic_order(table, lines, members, amount, refunded, bad))


_EXAMPLE = {"order_id": "Order Number", "amount": "Net Sales"}


def _generic_order(table: Table, lines: Lines, members: list[int], amount: np.ndarray, refunded: np.ndarray,
                   bad: np.ndarray) -> Order:
    first = members[0]
    total = sum((Decimal(amount[i]) for i in members), Decimal(0))
    back = sum((Decimal(refunded[i]) for i in members), Decimal(0))
    status = next((s for i in members if (s := _text(lines, "status", i).lower())), "")
    cancelled = status in CANCELLED_WORDS or any(_text(lines, "cancelled", i).lower() not in _FALSE for i in members)
    full = status in REFUNDED_WORDS or (back > 0 and back >= total)
    readable = not any(bad[i] for i in members) and total >= 0 and back >= 0
    return Order(_text(lines, "order_id", first), status or ("cancelled" if cancelled else "(no status)"), cancelled,
                 full, max(total - back, Decimal(0)) if readable else None, total if readable else None,
                 _text(lines, "currency", first),
                 next((d for i in members if (d := iso_date(_text(lines, "date", i)))), ""),
                 int(lines.frame["_row"].iat[first]), _cells(table, first))
