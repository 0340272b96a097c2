"""Whole-row and across-row checks (BK209, BK213-BK215, BK401-BK403), registered through checks.rule."""

from __future__ import annotations

import pandas as pd

from batchkit.checks import _blank, rule

DATA_PREFIX = "_"  # frame columns starting with this are bookkeeping, not file cells


def action_key(df: pd.DataFrame) -> pd.Series:
    """The action a record targets: its ActionId, else OrderId + ActionTrackerId ("" if none)."""
    action = df["ActionId"].str.strip()
    by_order = "O|" + df["OrderId"] + "|" + df["ActionTrackerId"].str.strip()
    no_order = _blank(df["OrderId"]) & _blank(df["ActionTrackerId"])
    return action.where(action.str.len().gt(0), by_order.where(~no_order, ""))


def _cells(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if not str(c).startswith(DATA_PREFIX)]


@rule("BK215", scope="frame",
      message=lambda v, c: "the row changes nothing: give a new Amount, CurrencyCode or CustomerStatus, or delete it")
def changes_nothing(df: pd.DataFrame) -> pd.Series:
    return ~(_blank(df["Amount"]) & _blank(df["CurrencyCode"]) & _blank(df["CustomerStatus"]))


def repeats(df: pd.DataFrame, key: pd.Series | None = None) -> pd.Series:
    """True for rows that repeat an earlier row exactly (compared only among rows sharing an action key)."""
    key = action_key(df) if key is None else key
    candidates = key.duplicated(keep=False).to_numpy()
    out = pd.Series(False, index=df.index)
    if candidates.any():
        out[candidates] = df[candidates].duplicated(subset=_cells(df), keep="first").to_numpy()
    return out


@rule("BK401", scope="frame", message=lambda v, c: "this row repeats an earlier row exactly: delete it")
def exact_duplicate(df: pd.DataFrame) -> pd.Series:
    return ~repeats(df)


@rule("BK402", scope="frame",
      message=lambda v, c: "an earlier row already targets this action: keep one order-level row per action")
def one_row_per_action(df: pd.DataFrame) -> pd.Series:
    key = action_key(df)
    targeted = key.str.len().gt(0) & ~repeats(df, key)
    return ~(key.where(targeted).duplicated(keep="first") & targeted)


@rule("BK213", scope="frame", column="Sku",
      message=lambda v, c: "Sku is empty: every item needs its Sku to identify it within the action")
def sku_missing(df: pd.DataFrame) -> pd.Series:
    return ~(df["_group"].eq(1) & _blank(df["Sku"]))


@rule("BK214", scope="frame", column="Sku",
      message=lambda v, c: "this item group has values but no Sku: fill the Sku, or clear the group's other cells")
def group_without_sku(df: pd.DataFrame) -> pd.Series:
    return ~(df["_group"].gt(1) & _blank(df["Sku"]))


@rule("BK209", scope="frame", column="Amount",
      message=lambda v, c: "Quantity is given without Amount: add the new item amount (unit price x new quantity)")
def quantity_without_amount(df: pd.DataFrame) -> pd.Series:
    return ~(~_blank(df["Quantity"]) & _blank(df["Amount"]))


@rule("BK403", scope="frame", column="Sku",
      message=lambda v, c: f"Sku {v!r} of this action appears in an earlier item group or row: check it is meant")
def same_action_sku(df: pd.DataFrame) -> pd.Series:
    key = action_key(df) + "\x1f" + df["Sku"].str.strip()
    targeted = action_key(df).str.len().gt(0) & ~_blank(df["Sku"]) & ~df["_dup"]
    return ~(key.where(targeted).duplicated(keep="first") & targeted)
