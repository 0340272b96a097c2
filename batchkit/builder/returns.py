"""Internal returns export -> impact.com records (README "batchkit build"). Pure: tables in, records out.

Per order: every line ends at quantity 0 -> one order-level reversal (Amount 0, or empty when
the original order amount was 0); some lines change -> item-level modifications (new Quantity,
Amount = unit price x new quantity) and item-level reversals for lines going to 0, or one
order-level modification with the new total when level = "order"; nothing changes -> nothing.

Without a price (neither unit_price nor line_amount in the export) nothing can be sized, so only what
needs no amount is built, by the same rule: a fully returned order is still an order reversal (Amount 0:
whether the original amount was 0 cannot be known), a line going to 0 in a partly returned order is still an
item reversal; a line returned in part (and, at item level, a line going to 0 whose Sku is also on a line
of the order returned in part: its reversal would take both) gets no record and a BK514 warning, and with
level = "order" so does every changed line of a partly returned order. No amount is ever guessed, and the
amount removed is not reported.

A report with no ordered quantity (Amazon's FBA customer returns report: order-id, sku, quantity = the
units returned) cannot tell a whole line returned from a part of one, nor list an order's other lines:
build refuses it (exit 2) unless [build] whole_lines = true says that each row is a line returned in full.
Then each Sku of an order with units returned is one item reversal (rows of the same order and Sku, e.g.
units returned on different days, are one reversal), and never an order reversal nor a modification.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.builder.lines import (
    Lines,
    codes_of,
    column_name,
    currency_codes,
    map_reasons,
    money_units,
    text_array,
    whole_numbers,
)
from batchkit.builder.settings import BuildSettings
from batchkit.core.errors import ConfigError
from batchkit.core.findings import Finding
from batchkit.core.fixedpoint import (
    minor_units,
    powers,
    round_half_up,
    rounded,
    sums_by,
    text,
)
from batchkit.orders.groups import Orders, group_orders

ORDER_COLUMNS = ("ActionId", "OrderId", "ActionTrackerId")


@dataclass
class BuildResult:
    """Records per kind (text columns; item kinds carry `_order` for the wide layout) and what happened.

    `skipped` counts what produced no record, by reason; `skipped_rows` lists, per reason, the export's
    spreadsheet row numbers (header = row 1, as findings number rows), ascending, the first 1,000
    (lines.SKIPPED_ROWS): one row per thing counted, so len(rows) == count below the cap. A line-level
    reason ("blank rows", "lines unchanged") lists each line's row (a sheet's run of over 100 blank rows is one
    finding, counted once: its first row); an order-level reason ("orders ...") the
    order's row that carries its order-level fields (its first row; with Shopify, the row with its Financial
    Status or Total), where findings about the order point and where a person finds the order in Excel.
    """

    records: dict[str, pd.DataFrame]
    findings: list[Finding]
    orders: int = 0
    lines: int = 0
    removed: dict[str, Decimal] = field(default_factory=dict)  # currency -> amount removed
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_rows: dict[str, list[int]] = field(default_factory=dict)  # reason -> rows, see above


WHOLE_LINES_HINT = ("; a report that lists only lines returned in full, without the ordered quantity (Amazon's FBA "
                    "customer returns report), builds item reversals with [build] whole_lines = true")
UNSIZED = "lines returned in part, without a price"  # `skipped` reasons of BK514
UNSIZED_ORDERS = "lines of orders returned in part, without a price"  # level = "order"


def check_whole_lines(settings: BuildSettings, roles: dict[str, int], src: str) -> None:
    """ConfigError when [build] whole_lines = true meets an export that has the ordered quantity."""
    if settings.whole_lines and "quantity" in roles:
        raise ConfigError(f"{src}: [build] whole_lines = true is for a report without the ordered quantity, but the "
                          f"export has {settings.columns['quantity']!r} (mapped as quantity): remove whole_lines "
                          "and the quantities decide")


def build_returns(lines: Lines, settings: BuildSettings, accepted: frozenset[str]) -> BuildResult:
    """Decide per order and produce the records of every kind."""
    f = lines.frame
    if "quantity" not in f:  # [build] whole_lines = true (pipeline._require)
        return _build_whole_lines(lines, settings, accepted)
    _check_order_ids(lines)
    currency = currency_codes(lines)
    qty = whole_numbers(lines, "quantity")
    new_qty = _new_quantities(lines, qty)
    cur_line = currency.to_numpy(dtype=object) if currency is not None else np.full(len(f), "", dtype=object)
    priced = "unit_price" in f or "line_amount" in f
    if priced:
        orig, new, scale = _line_amounts(lines, qty, new_qty, currency, cur_line)
    else:  # nothing is sized: the records built need no amount (module docstring)
        orig, new, scale = np.zeros(len(f), dtype=np.int64), np.zeros(len(f), dtype=np.int64), 0
    groups = group_orders(f["order_id"].str.strip())  # " A1 " is order A1: spaces are spreadsheet noise
    _check_conflicts(lines, groups)
    changed_line = new_qty != qty
    all_zero = groups.reduce(new_qty == 0, np.logical_and)
    changed = groups.reduce(changed_line, np.logical_or)
    reversal = all_zero & changed
    partial = changed & ~all_zero
    reasons = map_reasons(lines, changed_line, settings.reasons, accepted)
    ids = _identifiers(lines, groups, settings)
    result = BuildResult({}, lines.findings, orders=len(groups.starts), lines=len(f), skipped=lines.skipped,
                         skipped_rows=lines.skipped_rows)
    amounts = Amounts(scale, cur_line)
    order_reason = _first_changed(groups, changed_line, reasons)
    orig_total, new_total = groups.reduce(orig, np.add), groups.reduce(new, np.add)
    free = orig_total == 0 if priced else np.zeros(len(groups.starts), dtype=bool)  # unknown without a price: not free
    _add(result, "order-reversal", _order_reversals(ids, reversal, free, order_reason))
    if settings.level == "order" and not priced:
        in_part = changed_line & groups.spread(partial)
        _unsized(lines, in_part, "is returned in part and the export has no price for its new total (level = "
                 "\"order\")", whole_order=True)
        partial = np.zeros_like(partial)
    if settings.level == "order":
        same = partial & (new_total == orig_total)  # e.g. only free lines returned: nothing to modify
        if same.any():
            lines.skip("orders whose amount does not change", groups.first[same])
            partial = partial & ~same
        _add(result, "order-modification", _order_modifications(lines, ids, partial, new_total, amounts.at(groups.first),
                                                                order_reason, groups))
    else:
        _item_records(result, lines, ids, groups, partial, changed_line, new_qty, new, reasons, amounts, priced)
    if priced:  # without a price the amount removed is unknown: never reported as 0
        _summarize(result, reversal | partial, orig_total - new_total, amounts.at(groups.first))
    if not changed.all():
        lines.skip("orders unchanged", groups.first[~changed])
    lines.skip("lines unchanged", ~changed_line)
    return result


def _check_order_ids(lines: Lines) -> None:
    blank = lines.frame["order_id"].str.strip().eq("").to_numpy()
    for i in np.flatnonzero(blank):
        lines.problem("BK506", int(i), column_name(lines, "order_id"), "", "this line has no order id")


def _new_quantities(lines: Lines, qty: np.ndarray) -> np.ndarray:
    if "new_quantity" in lines.frame:
        new = whole_numbers(lines, "new_quantity")
        over = new > qty
        what = "new quantity is above the ordered quantity"
    else:
        returned = whole_numbers(lines, "returned_quantity")
        new = qty - returned
        over = returned > qty
        what = "more returned than ordered"
    for i in np.flatnonzero(over):
        lines.problem("BK505", int(i), None, None, f"{what} ({int(qty[i])} ordered)")
    return np.clip(new, 0, None)


def _line_amounts(lines: Lines, qty: np.ndarray, new_qty: np.ndarray, currency: pd.Series | None,
                  cur: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Original and new line amounts, exact integers of 10**-scale (fixedpoint.py), and the scale:
    unit price x quantity, or a line amount scaled to the new quantity and rounded half-up to the
    currency's minor unit."""
    factor = int(qty.max()) if len(qty) else 1
    if "unit_price" in lines.frame:
        price, scale = money_units(lines, "unit_price", currency, factor)
        return price * qty, price * new_qty, scale
    total, scale = money_units(lines, "line_amount", currency, factor)
    held = np.maximum(qty, 1)  # lines ordered at 0 are worth 0 once changed (q == 0 below)
    step = powers(scale - minor_units(cur), total)
    scaled = round_half_up(total * new_qty, held * step) * step
    new = np.where(new_qty == qty, total, np.where(qty == 0, 0, scaled))
    return total, new.astype(total.dtype), scale


@dataclass
class Amounts:
    """How amounts are counted (10**-scale units) and each line's currency, for writing them."""

    scale: int
    currency: np.ndarray

    def at(self, positions: np.ndarray) -> Amounts:
        return Amounts(self.scale, self.currency[positions])

    def text(self, units: np.ndarray, mask: np.ndarray | slice = slice(None)) -> pd.api.extensions.ExtensionArray:
        return pd.array(text(units, self.scale, self.currency[mask]), dtype="str")


def _check_conflicts(lines: Lines, groups: Orders) -> None:
    """BK504: lines of one order disagreeing on an order-level value."""
    roles = [r for r in ("action_id", "action_tracker_id", "currency", "customer_status") if r in lines.frame]
    first_line = pa.array(groups.spread(groups.first)) if roles else None
    for role in roles:
        values = lines.frame[role].str.strip()
        array = text_array(values)
        differs = pc.not_equal(array, array.take(first_line))
        for i in np.flatnonzero(differs.to_numpy(zero_copy_only=False)):
            name = column_name(lines, role)
            here, there = values.iat[i], values.iat[groups.first[_order_of(groups, int(i))]]
            lines.problem("BK504", int(i), name, str(here),
                          f"{name} {here!r} differs from {there!r} on this order's first line")


def _order_of(groups: Orders, line: int) -> int:
    """The order index of one line (for messages; not vectorized)."""
    position = int(np.flatnonzero(groups.order == line)[0])
    return int(np.searchsorted(groups.starts, position, side="right") - 1)


def _identifiers(lines: Lines, groups: Orders, settings: BuildSettings) -> pd.DataFrame:
    """ActionId / OrderId / ActionTrackerId per order, from its first line (or the constant)."""
    f, first = lines.frame, groups.first
    n = len(first)

    def at_first(role: str) -> np.ndarray:
        return f[role].take(first).reset_index(drop=True).str.strip().to_numpy(dtype=object)

    action = at_first("action_id") if "action_id" in f else np.full(n, "", dtype=object)
    if "action_tracker_id" in f:
        tracker = at_first("action_tracker_id")
    else:
        tracker = np.full(n, settings.action_tracker_id or "", dtype=object)
    ids = pd.DataFrame({"ActionId": action, "OrderId": at_first("order_id"), "ActionTrackerId": tracker},
                       dtype="str")
    ids["_row"], ids["_line"] = f["_row"].to_numpy()[first], f["_line"].to_numpy()[first]  # for blame.py
    bad = ~ids["ActionTrackerId"].str.fullmatch(r"[1-9][0-9]*").fillna(False) & ids["ActionId"].eq("")
    for k in np.flatnonzero(bad.to_numpy()):
        value = str(tracker[k])
        lines.problem("BK510", int(first[k]), None, value or None,
                      f"order {ids.at[k, 'OrderId']!r} has no ActionId and no valid ActionTrackerId ({value!r}): "
                      "map an action tracker column or set [build] action_tracker_id / --action-tracker-id")
    return ids


def _first_changed(groups: Orders, changed_line: np.ndarray, reasons: np.ndarray) -> np.ndarray:
    """Each order's reason: the reason of its first changed line, in input order."""
    pos = np.where(changed_line[groups.order], np.arange(len(groups.order)), len(groups.order))
    firsts = np.minimum.reduceat(pos, groups.starts) if len(pos) else pos
    padded = np.append(reasons[groups.order], "")
    return padded[firsts]


def _order_reversals(ids: pd.DataFrame, mask: np.ndarray, free: np.ndarray, reason: np.ndarray) -> pd.DataFrame:
    out = ids[mask].copy()
    out["Amount"] = np.where(free[mask], "", "0")
    out["Reason"] = reason[mask]
    return out


def _order_modifications(lines: Lines, ids: pd.DataFrame, mask: np.ndarray, new_total: np.ndarray,
                         amounts: Amounts, reason: np.ndarray, groups: Orders) -> pd.DataFrame:
    out = ids[mask].copy()
    out["Amount"] = amounts.text(new_total[mask], mask)
    out["CurrencyCode"] = amounts.currency[mask]
    status = lines.frame["customer_status"].str.strip().to_numpy(dtype=object)[groups.first] if "customer_status" in lines.frame else np.full(len(mask), "", dtype=object)
    out["CustomerStatus"] = status[mask]
    out["Reason"] = reason[mask]
    return out


def _item_records(result: BuildResult, lines: Lines, ids: pd.DataFrame, groups: Orders, partial: np.ndarray,
                  changed_line: np.ndarray, new_qty: np.ndarray, new: np.ndarray, reasons: np.ndarray,
                  amounts: Amounts, priced: bool = True) -> None:
    """Item-level modifications (new quantity > 0) and reversals (new quantity 0) of partial orders; without
    a price, the modifications and the 0 lines that would join them are BK514 findings instead."""
    f = lines.frame
    order_of_line = groups.spread(np.arange(len(groups.starts)))
    take = changed_line & partial[order_of_line]
    sku = _text(f, "sku", strip=True)
    for i in np.flatnonzero(take & sku.eq("").to_numpy()):
        lines.problem("BK509", int(i), column_name(lines, "sku"), "", "this changed line has no Sku")
    category = _text(f, "category")
    modify, reverse = take & (new_qty > 0), take & (new_qty == 0)
    # a Sku both modified and going to 0 in one order: the 0 line joins the modification file with
    # Amount 0 (impact.com's own template does this), as a separate reversal would clash (BK404)
    changed = np.flatnonzero(take)
    item = order_of_line[changed].astype(np.int64) * (len(changed) + 1) + codes_of(sku.iloc[changed])
    joins = np.zeros(len(f), dtype=bool)
    joins[changed] = reverse[changed] & np.isin(item, item[modify[changed]])
    if not priced:
        _unsized(lines, modify, "is returned in part and the export has no unit price or line amount to size it")
        _unsized(lines, joins, "is returned in full, but its Sku is also on a line of this order returned in part: "
                               "an item reversal would take both")
        modify, reverse, joins = np.zeros_like(modify), reverse & ~joins, np.zeros_like(joins)
    modify, reverse = modify | joins, reverse & ~joins
    for kind, select in (("item-modification", modify), ("item-reversal", reverse)):
        idx = np.flatnonzero(select)
        idx = idx[np.argsort(order_of_line[idx], kind="stable")]
        out = _item_frame(ids, order_of_line, idx, sku, new_qty, reasons)
        out["Amount"] = amounts.text(new[idx], idx) if kind == "item-modification" else "0"
        if kind == "item-modification":
            out["Category"] = category.array.take(idx)
        out = out[[*ids.columns, "Sku", "Amount", "Quantity", *(["Category"] if kind == "item-modification" else []),
                   "Reason", "_order"]]
        _add(result, kind, out)


def _item_frame(ids: pd.DataFrame, order_of_line: np.ndarray, idx: np.ndarray, sku: pd.Series,
                new_qty: np.ndarray, reasons: np.ndarray) -> pd.DataFrame:
    """The item records of the lines `idx` (Amount and Category are the caller's)."""
    out = ids.take(order_of_line[idx]).reset_index(drop=True)
    out["Sku"] = sku.array.take(idx)
    out["Quantity"] = pd.array(pc.cast(pa.array(new_qty[idx]), pa.string()), dtype="str")
    out["Reason"] = reasons[idx]
    out["_order"] = order_of_line[idx]
    return out


def _unsized(lines: Lines, mask: np.ndarray, why: str, whole_order: bool = False) -> None:
    """BK514 (a warning) at each line of `mask`, counted as skipped: no record, never a guessed amount."""
    f = lines.frame
    role = "returned_quantity" if "returned_quantity" in f else "new_quantity"
    order_ids, skus = f["order_id"].str.strip(), _text(f, "sku", strip=True)
    for i in np.flatnonzero(mask):
        what = f"order {order_ids.iat[i]!r}" if whole_order else f"line {skus.iat[i]!r} of order {order_ids.iat[i]!r}"
        lines.problem("BK514", int(i), column_name(lines, role), str(f[role].iat[i]),
                      f"{what} {why}: no record was made for it")
    if mask.any():
        lines.skip(UNSIZED_ORDERS if whole_order else UNSIZED, mask)


def _build_whole_lines(lines: Lines, settings: BuildSettings, accepted: frozenset[str]) -> BuildResult:
    """A report of lines returned in full, without the ordered quantity ([build] whole_lines = true): one
    item reversal per Sku of an order with units returned (module docstring)."""
    f = lines.frame
    _check_order_ids(lines)
    currency_codes(lines)  # BK508 when a currency column is mapped, though no amount is written
    returned = whole_numbers(lines, "returned_quantity")
    groups = group_orders(f["order_id"].str.strip())
    _check_conflicts(lines, groups)
    changed_line = returned > 0
    reasons = map_reasons(lines, changed_line, settings.reasons, accepted)
    ids = _identifiers(lines, groups, settings)
    result = BuildResult({}, lines.findings, orders=len(groups.starts), lines=len(f), skipped=lines.skipped,
                         skipped_rows=lines.skipped_rows)
    order_of_line = groups.spread(np.arange(len(groups.starts)))
    sku = _text(f, "sku", strip=True)
    for i in np.flatnonzero(changed_line & sku.eq("").to_numpy()):
        lines.problem("BK509", int(i), column_name(lines, "sku"), "", "this returned line has no Sku")
    changed = np.flatnonzero(changed_line)
    item = order_of_line[changed].astype(np.int64) * (len(changed) + 1) + codes_of(sku.iloc[changed])
    first = np.zeros(len(f), dtype=bool)
    first[changed[np.unique(item, return_index=True)[1]]] = True  # the Sku's first row in the order
    idx = np.flatnonzero(first)
    idx = idx[np.argsort(order_of_line[idx], kind="stable")]
    out = _item_frame(ids, order_of_line, idx, sku, np.zeros(len(f), dtype=np.int64), reasons)
    out["Amount"] = "0"
    _add(result, "item-reversal", out[[*ids.columns, "Sku", "Amount", "Quantity", "Reason", "_order"]])
    if (changed_line & ~first).any():
        lines.skip("rows of a Sku already reversed", changed_line & ~first)
    changed_order = groups.reduce(changed_line, np.logical_or)
    if not changed_order.all():
        lines.skip("orders unchanged", groups.first[~changed_order])
    if not changed_line.all():
        lines.skip("lines unchanged", ~changed_line)
    return result


def _text(frame: pd.DataFrame, role: str, strip: bool = False) -> pd.Series:
    """A role's text column ('' for every line when the role is unmapped)."""
    if role not in frame:
        return pd.Series("", index=frame.index, dtype="str")
    column = frame[role].astype("str")
    return column.str.strip() if strip else column


def _add(result: BuildResult, kind: str, records: pd.DataFrame) -> None:
    if len(records):
        result.records[kind] = records.reset_index(drop=True)


def _summarize(result: BuildResult, touched: np.ndarray, removed: np.ndarray, amounts: Amounts) -> None:
    """Amount removed per currency (rounded half-up to its minor unit)."""
    for currency, units in sums_by(amounts.currency[touched], removed[touched]).items():
        result.removed[currency or "(account currency)"] = rounded(units, amounts.scale, currency)
