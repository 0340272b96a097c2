"""Shopify's "Export orders" CSV -> order-level records (README "batchkit build", Shopify).

Rows are line items; order-level fields sit on an order's first row. Shopify reports the
refunded *amount* per order, not refunded quantities, so batchkit works at order level:

- cancelled (a `Cancelled at` time, or Financial Status `voided`), or fully refunded
  (`refunded`, or Refunded Amount >= Total) -> order-level reversal;
- partially refunded -> order-level modification. The new amount keeps the share of the order
  that was not refunded: new = amount x (Total - Refunded Amount) / Total, rounded half-up to
  the currency's minor unit. `amount` is the figure reported to impact.com (Subtotal by
  default). Refunds in Shopify include tax and shipping; scaling by the refunded share of the
  Total removes the same share from a pre-tax Subtotal instead of subtracting tax and shipping
  from it. With amount = "Total" the rule is simply Total - Refunded Amount.
- anything else -> no record.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from batchkit.builder.lines import (
    Lines,
    column_name,
    currency_codes,
    lines_from,
    parsed_money,
)
from batchkit.builder.returns import BuildResult, Orders, group_orders
from batchkit.builder.settings import BuildSettings, require_once
from batchkit.core.errors import ConfigError
from batchkit.core.fixedpoint import (
    common_scale,
    minor_units,
    places,
    powers,
    round_half_up,
    rounded,
    sums_by,
    text,
    to_units,
)
from batchkit.io.read import Table

FIELDS = {"name": "Name", "status": "Financial Status", "cancelled": "Cancelled at", "currency": "Currency",
          "total": "Total", "refunded": "Refunded Amount"}
ORDER_LEVEL = ("status", "cancelled", "currency", "total", "refunded", "amount", "order_id")


def shopify_lines(table: Table, settings: BuildSettings, src: str) -> Lines:
    """The export's columns by role, matched by header name (never by position)."""
    wanted = {**FIELDS, "amount": settings.shopify.amount, "order_id": settings.shopify.order_id}
    where = {h.strip(): i for i, h in reversed(list(enumerate(table.header)))}
    missing = sorted({name for name in wanted.values() if name not in where})
    if missing:
        raise ConfigError(f"{src}: not a Shopify orders export: column(s) {', '.join(map(repr, missing))} missing")
    for role, name in wanted.items():
        require_once(table.header, name, role, src)
    if not settings.action_tracker_id:
        raise ConfigError("Shopify exports carry no ActionTrackerId: set [build] action_tracker_id or pass --action-tracker-id")
    return lines_from(table, {role: where[name] for role, name in wanted.items()}, wanted)


def carriers(lines: Lines, groups: Orders) -> np.ndarray:
    """Per order, the input position of the line that carries its order-level fields: the first of its
    lines with a Financial Status or a Total, wherever it stands (an export sorted by another column
    does not start each order with it), else its first line."""
    frame = lines.frame
    filled = (frame["status"].str.strip().ne("") | frame["total"].str.strip().ne("")).to_numpy()[groups.order]
    n = len(groups.order)
    if n == 0:
        return groups.first
    firsts = np.minimum.reduceat(np.where(filled, np.arange(n), n), groups.starts)
    ends = np.append(groups.starts[1:], n)
    return np.where(firsts < ends, groups.order[np.minimum(firsts, n - 1)], groups.first)


def _conflicts(lines: Lines, groups: Orders, carrier: np.ndarray) -> None:
    """BK504: another row of an order with a different non-empty order-level value."""
    for role in ORDER_LEVEL:
        values = lines.frame[role].str.strip().to_numpy(dtype=object)
        first = groups.spread(values[carrier])
        for i in np.flatnonzero((values != "") & (values != first)):
            name = column_name(lines, role)
            lines.problem("BK504", int(i), name, str(values[i]),
                          f"{name} {values[i]!r} differs from the order's row with its totals ({first[i]!r})")


def build_shopify(lines: Lines, settings: BuildSettings) -> BuildResult:
    """Order-level reversals and modifications from a Shopify export."""
    groups = group_orders(lines.frame["name"].str.strip())
    carrier = carriers(lines, groups)
    _conflicts(lines, groups, carrier)
    head = Lines(lines.frame.iloc[carrier].reset_index(drop=True), lines.findings, lines.skipped, lines.skipped_rows)
    head.frame.attrs["names"] = lines.frame.attrs["names"]
    currency = currency_codes(head)
    (total, total_ok), (refunded, refunded_ok), (amount, _) = (parsed_money(head, r, currency)
                                                            for r in ("total", "refunded", "amount"))
    status = head.frame["status"].str.strip().str.lower()
    cancelled = (head.frame["cancelled"].str.strip().ne("") | status.eq("voided")).to_numpy()
    full = (status.eq("refunded").to_numpy() | ((refunded >= total) & (total > 0)))
    reversal = cancelled | full
    partial = ~reversal & (refunded > 0)
    _check_amounts(head, total, refunded, amount, total_ok & refunded_ok)
    no_refund = ~reversal & ~partial & status.eq("partially_refunded").to_numpy()
    ids = pd.DataFrame({"ActionId": "", "OrderId": head.frame["order_id"].str.strip(),
                        "ActionTrackerId": settings.action_tracker_id}, dtype="str")
    ids["_row"], ids["_line"] = head.frame["_row"].to_numpy(), head.frame["_line"].to_numpy()  # for blame.py
    cur = currency.to_numpy(dtype=object) if currency is not None else np.full(len(ids), "", dtype=object)
    result = BuildResult({}, lines.findings, orders=len(ids), lines=len(lines.frame), skipped=lines.skipped,
                         skipped_rows=lines.skipped_rows)
    scale = common_scale(places([*amount, *total, *refunded]))
    amount_units, total_units, refunded_units = (np.array(to_units(list(x), scale), dtype=object)
                                                 for x in (amount, total, refunded))
    new = _new_amounts(amount_units, total_units, refunded_units, scale, cur)
    emptied = partial & (new == 0)  # nothing left: that is a reversal
    same = partial & (new == amount_units)  # a refund too small to change the reported amount
    reversal, partial = reversal | emptied, partial & ~emptied & ~same
    _reversals(result, ids, reversal, amount, cancelled, settings)
    _modifications(result, ids, partial, pd.array(text(new, scale, cur), dtype="str"), cur, settings)
    touched = reversal | partial
    removed = amount_units - np.where(reversal, 0, new)
    for currency, removed_units in sums_by(cur[touched], removed[touched]).items():
        result.removed[currency or "(account currency)"] = rounded(removed_units, scale, currency)
    _skips(head, no_refund, same, ~(reversal | partial | same | no_refund))
    return result


def _skips(head: Lines, no_refund: np.ndarray, same: np.ndarray, untouched: np.ndarray) -> None:
    """The orders that produce no record, by reason, at the rows with their order-level fields (head's)."""
    for reason, mask in (("orders marked partially refunded with no refunded amount", no_refund),
                         ("orders whose amount does not change", same), ("orders not refunded or cancelled", untouched)):
        if mask.any():
            head.skip(reason, mask)


def _check_amounts(head: Lines, total: np.ndarray, refunded: np.ndarray, amount: np.ndarray, parsed: np.ndarray) -> None:
    """BK511 for negative money values, BK512 for a refund on an order whose Total is not positive
    (not where Total or the refund did not parse: their BK503 says all there is to say)."""
    for role, values in (("total", total), ("refunded", refunded), ("amount", amount)):
        for i in np.flatnonzero(values < 0):
            name = column_name(head, role)
            head.problem("BK511", int(i), name, str(values[i]), f"{name} {str(values[i])!r} is negative")
    for i in np.flatnonzero((refunded > 0) & (total <= 0) & parsed):
        name = column_name(head, "refunded")
        head.problem("BK512", int(i), name, str(refunded[i]),
                     f"{name} {str(refunded[i])!r} refunded on an order whose {column_name(head, 'total')} is {str(total[i])!r}")


def _new_amounts(amount: np.ndarray, total: np.ndarray, refunded: np.ndarray, scale: int, cur: np.ndarray) -> np.ndarray:
    """amount x (total - refunded) / total (the amount itself when total <= 0), at least 0, rounded
    half-up to the currency's minor unit; exact integers of 10**-scale in and out (fixedpoint.py)."""
    step = powers(scale - minor_units(cur), amount)
    positive = total > 0
    numerator = np.where(positive, amount * (total - refunded), amount)
    denominator = np.where(positive, total * step, step)
    kept = round_half_up(numerator, denominator)
    return np.where(kept > 0, kept, 0) * step


def _reversals(result: BuildResult, ids: pd.DataFrame, mask: np.ndarray, amount: np.ndarray,
               cancelled: np.ndarray, settings: BuildSettings) -> None:
    out = ids[mask].copy()
    out["Amount"] = ["0" if a != 0 else "" for a in amount[mask]]
    out["Reason"] = np.where(cancelled[mask], settings.shopify.cancel_reason, settings.shopify.refund_reason)
    if len(out):
        result.records["order-reversal"] = out.reset_index(drop=True)


def _modifications(result: BuildResult, ids: pd.DataFrame, mask: np.ndarray, new: pd.api.extensions.ExtensionArray,
                   cur: np.ndarray, settings: BuildSettings) -> None:
    out = ids[mask].copy()
    out["Amount"] = new[mask]
    out["CurrencyCode"] = cur[mask]
    out["CustomerStatus"] = ""
    out["Reason"] = settings.shopify.refund_reason
    if len(out):
        result.records["order-modification"] = out.reset_index(drop=True)
