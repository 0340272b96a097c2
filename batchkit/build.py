"""Internal returns export -> impact.com records (SPEC §3.1). Pure: tables in, records out.

Per order: every line ends at quantity 0 -> one order-level reversal (Amount 0, or empty when
the original order amount was 0); some lines change -> item-level modifications (new Quantity,
Amount = unit price x new quantity) and item-level reversals for lines going to 0, or one
order-level modification with the new total when level = "order"; nothing changes -> nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from batchkit.buildconfig import BuildSettings
from batchkit.buildinput import Lines, column_name, currency_codes, map_reasons, money, whole_numbers
from batchkit.money import format_many, quantize
from batchkit.report import Finding

ORDER_COLUMNS = ("ActionId", "OrderId", "ActionTrackerId")


@dataclass
class BuildResult:
    """Records per kind (text columns; item kinds carry `_order` for the wide layout) and what happened."""

    records: dict[str, pd.DataFrame]
    findings: list[Finding]
    orders: int = 0
    lines: int = 0
    removed: dict[str, Decimal] = field(default_factory=dict)  # currency -> amount removed
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass
class Orders:
    """Lines sorted by order, with group boundaries and per-order aggregates."""

    order: np.ndarray  # line positions sorted by order, input order kept within an order
    starts: np.ndarray  # start of each order in `order`
    first: np.ndarray  # input position of each order's first line

    def reduce(self, values: np.ndarray, op: np.ufunc) -> np.ndarray:
        return op.reduceat(values[self.order], self.starts) if len(self.order) else values[:0]

    def spread(self, per_order: np.ndarray) -> np.ndarray:
        """Broadcast a per-order array back to lines (input positions)."""
        out = np.empty(len(self.order), dtype=per_order.dtype)
        sizes = np.diff(np.append(self.starts, len(self.order)))
        out[self.order] = np.repeat(per_order, sizes)
        return out


def group_orders(keys: pd.Series) -> Orders:
    """Group lines by order key, keeping the input order of orders and of lines within them."""
    codes, _ = pd.factorize(keys, sort=False)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]) if len(order) else np.empty(0, int)
    return Orders(order, starts, order[starts])


def build_returns(lines: Lines, settings: BuildSettings, accepted: frozenset[str]) -> BuildResult:
    """Decide per order and produce the records of every kind."""
    f = lines.frame
    _check_order_ids(lines)
    currency = currency_codes(lines)
    qty = whole_numbers(lines, "quantity")
    new_qty = _new_quantities(lines, qty)
    orig, new = _line_amounts(lines, qty, new_qty, currency)
    groups = group_orders(f["order_id"])
    _check_conflicts(lines, groups)
    changed_line = new_qty != qty
    all_zero = groups.reduce(new_qty == 0, np.logical_and)
    changed = groups.reduce(changed_line, np.logical_or)
    reversal = all_zero & changed
    partial = changed & ~all_zero
    reasons = map_reasons(lines, changed_line, settings.reasons, accepted)
    ids = _identifiers(lines, groups, settings)
    result = BuildResult({}, lines.findings, orders=len(groups.starts), lines=len(f), skipped=lines.skipped)
    order_reason = _first_changed(groups, changed_line, reasons)
    orig_total, new_total = groups.reduce(orig, np.add), groups.reduce(new, np.add)
    cur = currency.to_numpy(dtype=object)[groups.first] if currency is not None else np.full(len(groups.first), "", dtype=object)
    _add(result, "order-reversal", _order_reversals(ids, reversal, orig_total, order_reason))
    if settings.level == "order":
        _add(result, "order-modification", _order_modifications(lines, ids, partial, new_total, cur, order_reason, groups))
    else:
        _item_records(result, lines, ids, groups, partial, changed_line, new_qty, new, reasons, currency)
    _summarize(result, groups, reversal | partial, orig_total, new_total, cur, changed_line)
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


def _line_amounts(lines: Lines, qty: np.ndarray, new_qty: np.ndarray, currency: pd.Series | None) -> tuple[np.ndarray, np.ndarray]:
    """Original and new line amounts as Decimals (unit price x quantity, or a line amount scaled)."""
    if "unit_price" in lines.frame:
        price = money(lines, "unit_price", currency)
        orig = price * qty
        new = orig.copy()  # unchanged lines keep their amount; only changed ones are multiplied again
        changed = new_qty != qty
        new[changed] = price[changed] * new_qty[changed]
        return orig, new
    total = money(lines, "line_amount", currency)
    cur = currency.tolist() if currency is not None else [None] * len(total)
    new = np.empty(len(total), dtype=object)
    for i, (amount, q, n) in enumerate(zip(total, qty.tolist(), new_qty.tolist())):
        new[i] = amount if n == q else (quantize(amount * n / q, cur[i]) if q else Decimal(0))
    return total, new


def _check_conflicts(lines: Lines, groups: Orders) -> None:
    """BK504: lines of one order disagreeing on an order-level value."""
    for role in ("action_id", "action_tracker_id", "currency", "customer_status"):
        if role not in lines.frame:
            continue
        values = lines.frame[role].str.strip()
        codes, _ = pd.factorize(values, sort=False)
        first_codes = groups.spread(codes[groups.first])
        for i in np.flatnonzero(codes != first_codes):
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
    action = f["action_id"].str.strip().to_numpy(dtype=object)[first] if "action_id" in f else np.full(n, "", dtype=object)
    if "action_tracker_id" in f:
        tracker = f["action_tracker_id"].str.strip().to_numpy(dtype=object)[first]
    else:
        tracker = np.full(n, settings.action_tracker_id or "", dtype=object)
    ids = pd.DataFrame({"ActionId": action, "OrderId": f["order_id"].to_numpy(dtype=object)[first],
                        "ActionTrackerId": tracker}, dtype="str")
    bad = ~ids["ActionTrackerId"].str.fullmatch(r"[1-9]\d*").fillna(False) & ids["ActionId"].eq("")
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


def _order_reversals(ids: pd.DataFrame, mask: np.ndarray, orig_total: np.ndarray, reason: np.ndarray) -> pd.DataFrame:
    out = ids[mask].copy()
    out["Amount"] = ["0" if t != 0 else "" for t in orig_total[mask]]
    out["Reason"] = reason[mask]
    return out


def _order_modifications(lines: Lines, ids: pd.DataFrame, mask: np.ndarray, new_total: np.ndarray,
                         cur: np.ndarray, reason: np.ndarray, groups: Orders) -> pd.DataFrame:
    out = ids[mask].copy()
    out["Amount"] = format_many(new_total[mask], cur[mask])
    out["CurrencyCode"] = cur[mask]
    status = lines.frame["customer_status"].str.strip().to_numpy(dtype=object)[groups.first] if "customer_status" in lines.frame else np.full(len(cur), "", dtype=object)
    out["CustomerStatus"] = status[mask]
    out["Reason"] = reason[mask]
    return out


def _item_records(result: BuildResult, lines: Lines, ids: pd.DataFrame, groups: Orders, partial: np.ndarray,
                  changed_line: np.ndarray, new_qty: np.ndarray, new: np.ndarray, reasons: np.ndarray,
                  currency: pd.Series | None) -> None:
    """Item-level modifications (new quantity > 0) and reversals (new quantity 0) of partial orders."""
    f = lines.frame
    order_of_line = groups.spread(np.arange(len(groups.starts)))
    take = changed_line & partial[order_of_line]
    sku = f["sku"].str.strip().to_numpy(dtype=object) if "sku" in f else np.full(len(f), "", dtype=object)
    for i in np.flatnonzero(take & (sku == "")):
        lines.problem("BK509", int(i), column_name(lines, "sku"), "", "this changed line has no Sku")
    cur = currency.to_numpy(dtype=object) if currency is not None else np.full(len(f), "", dtype=object)
    category = f["category"].to_numpy(dtype=object) if "category" in f else np.full(len(f), "", dtype=object)
    for kind, select in (("item-modification", take & (new_qty > 0)), ("item-reversal", take & (new_qty == 0))):
        idx = np.flatnonzero(select)
        idx = idx[np.argsort(order_of_line[idx], kind="stable")]
        out = ids.iloc[order_of_line[idx]].reset_index(drop=True)
        out["Sku"] = sku[idx]
        if kind == "item-modification":
            out["Amount"] = format_many(new[idx], cur[idx])
        else:
            out["Amount"] = "0"
        out["Quantity"] = new_qty[idx].astype(str)
        if kind == "item-modification":
            out["Category"] = category[idx]
        out["Reason"] = reasons[idx]
        out["_order"] = order_of_line[idx]
        _add(result, kind, out)


def _add(result: BuildResult, kind: str, records: pd.DataFrame) -> None:
    if len(records):
        result.records[kind] = records.reset_index(drop=True)


def _summarize(result: BuildResult, groups: Orders, touched: np.ndarray, orig_total: np.ndarray,
               new_total: np.ndarray, cur: np.ndarray, changed_line: np.ndarray) -> None:
    for c, before, after in zip(cur[touched], orig_total[touched], new_total[touched]):
        key = c or "(account currency)"
        result.removed[key] = result.removed.get(key, Decimal(0)) + (before - after)
    result.removed = {k: v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if k == "(account currency)" else quantize(v, k)
                      for k, v in sorted(result.removed.items())}
    unchanged = int((~touched).sum())
    if unchanged:
        result.skipped["orders unchanged"] += unchanged
    result.skipped["lines unchanged"] += int((~changed_line).sum())
