"""The brand's own orders, read from its export (README "Action inquiries").

One `Order` per OrderId, whatever the preset:

- an order-list preset (`shopify`, `woocommerce`, `bigcommerce`, `magento`, `stripe`, `orders`): read and decided
  by batchkit/orders, exactly as build reads it (schemas/presets/<name>.toml; the columns [build.columns] names,
  with [inquiries.columns] for `orders`): cancelled or fully refunded as build would reverse it, the amount kept
  build's (amount x (total - refunded) / total, rounded half-up: Shopify's Subtotal by default); the date the
  first of the preset's date columns holding one (Shopify: `Created at`, else `Paid at`);
- `returns`: the generic returns export (SPEC §3.1, [build.columns]); fully refunded when every line ends
  at quantity 0; the amount kept is what the lines keep; a date only from [inquiries.columns] date.

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

from batchkit.builder.settings import load_build_settings, require_once, resolve_columns
from batchkit.core.config import Config
from batchkit.core.errors import ConfigError, InputError
from batchkit.core.fixedpoint import rounded
from batchkit.core.money import minor_unit
from batchkit.inquiries.settings import InquirySettings, load_inquiry_settings
from batchkit.io.read import Table, read_table
from batchkit.orders.groups import group_orders
from batchkit.orders.lines import Lines, currency_codes, lines_from, parsed_money, whole_numbers
from batchkit.orders.mapping import read_options
from batchkit.orders.presets import load, names, norm
from batchkit.orders.read import OrderList, ReadOptions, read_order_list
from batchkit.orders.rule import Decision

PRESETS = ("returns", *names())  # returns, shopify, woocommerce, bigcommerce, magento, stripe, orders


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


def read_orders(path: str | Path, preset: str | None, config: Config, sheet: str | None = None,
                settings: InquirySettings | None = None) -> OrderBook:
    """The brand's orders from an export; ConfigError/InputError (one line) when it cannot be read as `preset`.
    Without a preset the header names it (as build detects it), else it is read as the returns export."""
    if preset is not None and preset not in PRESETS:
        raise ConfigError(f"unknown preset {preset!r} for the brand's records (choose {', '.join(PRESETS)})")
    table = read_table(path, sheet)
    if not table.header:
        why = next((f.message for f in table.findings if f.code == "BK014"), "the export is empty or has no header row")
        raise InputError(f"{path}: {why}")
    if preset is None:
        from batchkit.orders.columns import detect

        preset = detect(table.header)[0] or "returns"
    chosen = settings or load_inquiry_settings(config)
    book = OrderBook(str(path), preset)
    (_returns if preset == "returns" else _order_list)(table, config, chosen, book)
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


# ------------------------------------------------------------------------------------------------ order lists


def _order_list(table: Table, config: Config, settings: InquirySettings, book: OrderBook) -> None:
    """Any order-list preset, read and decided by batchkit/orders: the order is cancelled or fully refunded as
    build would reverse it; the amount kept is build's (amount x (total - refunded) / total, half-up)."""
    options = read_options(config, book.preset)
    if book.preset == "orders":  # [inquiries.columns] as given (the web app passes its own settings)
        options = ReadOptions({**settings.columns, **options.named}, options.currency)
    found = read_order_list(table, load(book.preset), options, book.path, settings.source)
    decision = found.decide()
    bad = _unreadable(found, book)
    keys = found.head.frame["key"].str.strip()
    for j, at in enumerate(found.carrier):
        if keys.iat[j]:
            book.add(_order(table, found, decision, j, int(at), bool(bad[j])))


def _unreadable(found: OrderList, book: OrderBook) -> np.ndarray:
    """The readers' findings as lines of text; True for each order with a row holding a value that could not be read."""
    rows = found.lines.frame["_row"].to_numpy()
    flagged = np.isin(rows, [f.row for f in found.lines.findings if f.row is not None])
    book.problems += [f"row {f.row}: {f.message}" if f.row else f.message for f in found.lines.findings]
    bad = np.zeros(len(found.carrier), dtype=bool)
    bad[found.groups.spread(np.arange(len(found.carrier)))[flagged]] = True
    return bad


def _order(table: Table, found: OrderList, decision: Decision, j: int, at: int, bad: bool) -> Order:
    head, currency = found.head, str(found.currency[j])
    amount = found.decimal("amount", j)
    readable = not bad and found.money["amount"][j] >= 0
    status = str(found.status[j])
    shown = status or ("(no financial status)" if found.preset.name == "shopify" else
                       "cancelled" if found.flagged[j] else "(no status)")
    cells = _cells(table, at)
    return Order(str(head.frame["order_id"].iat[j]).strip(), shown, bool(decision.cancelled[j]),
                 bool(decision.fully_refunded[j]),
                 rounded(int(decision.kept[j]), found.scale, currency) if readable else None,
                 Decimal(amount) if readable else None, currency, _date(found, cells),
                 int(head.frame["_row"].iat[j]), cells)


def _date(found: OrderList, cells: dict[str, str]) -> str:
    """The order's date: the first of the preset's date columns that holds one (Shopify: Created at, else Paid at)."""
    by_name = {norm(h): v for h, v in cells.items()}
    candidates = (found.lines.frame.attrs["names"]["date"],) if "date" in found.lines.frame else ()
    for name in (*candidates, *found.preset.columns.get("date", ())):
        when = iso_date(by_name.get(norm(name), ""))
        if when:
            return when
    return ""


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
