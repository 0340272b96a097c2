"""An order list (Shopify, WooCommerce, BigCommerce, Magento, Stripe, any order list) -> order-level records.

The export is read by batchkit/orders (its preset: columns, grouping, status words) and decided by the one
order-list rule (batchkit/orders/rule.py): reversals and modifications to the amount kept, never item records,
since these exports give a refunded amount per order, not refunded quantities per line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from batchkit.builder.returns import BuildResult
from batchkit.builder.settings import BuildSettings
from batchkit.core.config import Config
from batchkit.core.errors import ConfigError
from batchkit.core.fixedpoint import rounded, sums_by, text
from batchkit.io.read import Table
from batchkit.orders.columns import detect
from batchkit.orders.lines import column_name
from batchkit.orders.mapping import read_options
from batchkit.orders.presets import load
from batchkit.orders.read import OrderList, read_order_list
from batchkit.orders.rule import Decision

UNSIZED = "orders partially refunded by an amount the export does not give"


def choose(settings: BuildSettings, header: list[str]) -> tuple[str, str]:
    """The preset to read the export with, and why: the one named, else the one its header names, else the generic
    order list when [build.columns] maps an amount, else the returns export (the default)."""
    if settings.preset:
        return settings.preset, f"{settings.preset} preset"
    found, why = detect(header)
    if found:
        return found, why
    if "amount" in settings.mapped:
        return "orders", "orders preset: [build.columns] maps an amount"
    return "returns", "returns preset (the default: the header names no order export)"


def build_export(table: Table, preset: str, config: Config, settings: BuildSettings, where: str) -> BuildResult:
    """Read `table` as the order-list `preset` and decide its records."""
    options = read_options(config, preset, settings.order_id_column, settings.currency)
    orders = read_order_list(table, load(preset), options, where, config.source or "configuration")
    return build_order_list(orders, settings)


def reasons(orders: OrderList, settings: BuildSettings) -> tuple[str, str]:
    """The impact.com reasons of a refund and of a cancellation: [build.shopify]'s for Shopify, else the preset's."""
    if orders.preset.name == "shopify":
        return settings.shopify.refund_reason, settings.shopify.cancel_reason
    return orders.preset.reasons.get("refund", "ITEM_RETURNED"), orders.preset.reasons.get("cancel", "ORDER_UPDATE")


def build_order_list(orders: OrderList, settings: BuildSettings) -> BuildResult:
    """Order-level reversals and modifications, what each currency loses, and the orders that produce nothing."""
    if not settings.action_tracker_id:
        raise ConfigError(f"{orders.preset.title} exports carry no ActionTrackerId: set [build] action_tracker_id "
                          "or pass --action-tracker-id")
    head, decision = orders.head, orders.decide()
    ids = pd.DataFrame({"ActionId": "", "OrderId": head.frame["order_id"].str.strip(),
                        "ActionTrackerId": settings.action_tracker_id}, dtype="str")
    ids["_row"], ids["_line"] = head.frame["_row"].to_numpy(), head.frame["_line"].to_numpy()  # for blame.py
    lines = orders.lines
    result = BuildResult({}, lines.findings, orders=len(ids), lines=len(lines.frame), skipped=lines.skipped,
                         skipped_rows=lines.skipped_rows)
    refund, cancel = reasons(orders, settings)
    _reversals(result, ids, decision, orders.money["amount"], refund, cancel)
    _modifications(result, ids, decision, orders, refund)
    _removed(result, decision, orders)
    _unsized(orders, decision)
    for why, mask in (("orders marked partially refunded with no refunded amount", decision.no_refund),
                      (UNSIZED, decision.unsized), ("orders whose amount does not change", decision.same),
                      ("orders not refunded or cancelled", decision.untouched)):
        if mask.any():
            head.skip(why, mask)
    return result


def _reversals(result: BuildResult, ids: pd.DataFrame, decision: Decision, amount: np.ndarray, refund: str,
               cancel: str) -> None:
    mask = decision.reversal
    out = ids[mask].copy()
    out["Amount"] = ["0" if a != 0 else "" for a in amount[mask]]
    out["Reason"] = np.where(decision.cancelled[mask], cancel, refund)
    if len(out):
        result.records["order-reversal"] = out.reset_index(drop=True)


def _modifications(result: BuildResult, ids: pd.DataFrame, decision: Decision, orders: OrderList, refund: str) -> None:
    mask = decision.modification
    out = ids[mask].copy()
    out["Amount"] = pd.array(text(decision.kept[mask], orders.scale, orders.currency[mask]), dtype="str")
    out["CurrencyCode"] = orders.currency[mask]
    out["CustomerStatus"] = ""
    out["Reason"] = refund
    if len(out):
        result.records["order-modification"] = out.reset_index(drop=True)


def _removed(result: BuildResult, decision: Decision, orders: OrderList) -> None:
    """The amount removed per currency: all of a reversed order's amount, the refunded share of a modified one."""
    touched = decision.reversal | decision.modification
    amount = orders.money["amount"]
    removed = amount - np.where(decision.reversal, 0, decision.kept)
    for currency, units in sums_by(orders.currency[touched], removed[touched]).items():
        result.removed[currency or "(account currency)"] = rounded(units, orders.scale, currency)


def _unsized(orders: OrderList, decision: Decision) -> None:
    """BK515 per order marked partially refunded when the export has no refunded amount to size the refund."""
    head = orders.head
    names = orders.preset.columns.get("refunded", ("a refunded amount",))
    status = column_name(head, "status")
    for i in np.flatnonzero(decision.unsized):
        oid, word = head.frame["order_id"].iat[i].strip(), orders.status[i]
        head.problem("BK515", int(i), status, str(head.frame["status"].iat[i]).strip(),
                     f"order {oid!r} is {word!r} but the export has no {names[0]!r} column: the refund cannot be "
                     "sized, so no record is written for it (add the column to the export, or correct the action on "
                     "impact.com)")
