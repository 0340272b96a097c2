"""How one change (of a PUT/DELETE, or of a record of a dropped batch file) reaches its action and applies.

Only the reasons SPEC §5.3 documents are given (ErrorType, ErrorReason):

    the ActionId, or the tracker + OrderId, names no action           Validation      ACTION_REF_NOT_FOUND
    the ActionTrackerId is no tracker of the account                   Validation      ACTIONTRACKER_NOT_FOUND
    the tracker (or the action it reaches) is of another campaign      Validation      ACTIONTRACKER_CAMPAIGN_MISMATCH
    the action is already REVERSED (a reset excepted)                  Validation      NO_VALID_ACTION_REF
    the action is locked (APPROVED, or its LockingDate has passed)     Contract Error  NO_VALID_ACTION_REF
    an item change names a Sku the action does not carry               Validation      NO_ITEM
    an ItemSubTotalDelta would take the amount below 0                 Validation      MALFORMED

A tracker is "of another campaign" when no tracker of the account's campaign has its id but an action
of another campaign in the store carries it (Store.add_action with another CampaignId).

A reset (Change type "Reset", from a reset file) restores the action as it was before its first
modification through the API or a batch file: its State, Currency, CustomerStatus and items, and the
Amount its IntendedAmount (Payout its IntendedPayout). An action never modified that way gets its
IntendedAmount back and, if REVERSED, PENDING.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from batchkit.core.money import quantize
from batchkit.sandbox.actions.forms import Change
from batchkit.sandbox.actions.make import PAYOUT_RATE
from batchkit.sandbox.actions.model import ZERO, Action, Item
from batchkit.sandbox.actions.store import Store

OK = ("", "")


@dataclass(frozen=True)
class Original:
    """What a reset restores: the action's values before its first modification."""

    state: str
    currency: str
    customer_status: str
    items: tuple[Item, ...]


def apply_to(store: Store, change: Change, at: datetime) -> tuple[Action | None, tuple[str, str]]:
    """Find the change's action and apply the change: (the action or None, (ErrorType, ErrorReason))."""
    action, refused = locate(store, change)
    if refused != OK:
        return action, refused
    return action, apply_change(store, action, change, at)


def locate(store: Store, change: Change) -> tuple[Action | None, tuple[str, str]]:
    """The action a change names (by ActionId, else the newest of tracker + OrderId), or why there is none."""
    if change.action_id:
        action = store.action(change.action_id)
        return action, OK if action is not None else ("Validation", "ACTION_REF_NOT_FOUND")
    account = store.account
    action = store.find(change.tracker, change.order_id)
    ours = change.tracker in account.trackers
    if (action is not None and action.CampaignId != account.campaign_id) or \
            (not ours and store.campaigns_of(change.tracker) - {account.campaign_id}):
        return action, ("Validation", "ACTIONTRACKER_CAMPAIGN_MISMATCH")
    if not ours:
        return action, ("Validation", "ACTIONTRACKER_NOT_FOUND")
    return action, OK if action is not None else ("Validation", "ACTION_REF_NOT_FOUND")


def apply_change(store: Store, action: Action | None, change: Change, at: datetime) -> tuple[str, str]:
    """Apply a change to its action: (ErrorType, ErrorReason), both "" when it was applied."""
    if action is None:
        return "Validation", "ACTION_REF_NOT_FOUND"
    if action.State == "REVERSED" and change.type != "Reset":
        return "Validation", "NO_VALID_ACTION_REF"
    if action.locked(at):
        return "Contract Error", "NO_VALID_ACTION_REF"
    if any(action.item(i.sku) is None for i in change.items):
        return "Validation", "NO_ITEM"
    if change.type == "Reset":
        store.modify(action, at, lambda a: _reset(a, store.originals.pop(a.Id, None)))
        return OK
    if change.delta is not None and not change.items and change.amount is None and action.Amount + change.delta < 0:
        return "Validation", "MALFORMED"
    changes = change.type == "Reversal" or change.items or \
        any(v is not None for v in (change.amount, change.delta, change.currency, change.customer_status))
    if changes:
        store.originals.setdefault(action.Id, _original(action))
        store.modify(action, at, _reverse if change.type == "Reversal" else lambda a: _modify(a, change, at))
    return OK


def _original(action: Action) -> Original:
    return Original(action.State, action.Currency, action.CustomerStatus, tuple(_copy(i) for i in action.items))


def _copy(item: Item) -> Item:
    twin = Item()
    for name in Item.__slots__:
        setattr(twin, name, getattr(item, name))
    return twin


def _reset(action: Action, original: Original | None) -> None:
    """Back to the original values (see the module's docstring)."""
    if original is None:
        original = Original("PENDING" if action.State == "REVERSED" else action.State, action.Currency,
                            action.CustomerStatus, tuple(action.items))
    action.State, action.Currency, action.CustomerStatus = original.state, original.currency, original.customer_status
    action.items = list(original.items)
    _set_amount(action, action.IntendedAmount)


def _reverse(action: Action) -> None:
    """DELETE: REVERSED, Amount 0 (DeltaAmount = -original), Payout 0."""
    action.State = "REVERSED"
    _set_amount(action, ZERO)


def _modify(action: Action, change: Change, at: datetime) -> None:
    """PUT: currency, status, items (the order total becomes their sum) or the order's Amount."""
    if change.currency:
        action.Currency = change.currency
    if change.customer_status:
        action.CustomerStatus = change.customer_status
    new = change.amount
    if change.delta is not None and new is None:
        new = action.Amount + change.delta
    for wanted in change.items:
        item = action.item(wanted.sku)
        assert item is not None
        if wanted.quantity is not None:
            item.Quantity = str(wanted.quantity)
        if wanted.amount is not None:
            item.SaleAmount = quantize(wanted.amount, item.SaleAmountCurrency)
            item.Payout = quantize(item.SaleAmount * PAYOUT_RATE, item.SaleAmountCurrency)
        if wanted.category is not None:
            item.Category = wanted.category
        item.AdjustmentDate, item.AdjustmentReason = at, change.reason
    if change.items:
        new = sum((i.SaleAmount for i in action.items), ZERO)
    if new is not None:
        was = action.Amount
        _set_amount(action, new)
        if action.Amount == 0 and was != 0:
            action.State = "REVERSED"
    elif change.currency:
        _set_amount(action, action.Amount)


def _set_amount(action: Action, new: Decimal) -> None:
    """Amount and its delta from the original (IntendedAmount), Payout scaled from IntendedPayout."""
    currency = action.Currency
    action.Amount = quantize(new, currency)
    action.DeltaAmount = quantize(action.Amount - action.IntendedAmount, currency)
    if action.IntendedAmount:
        action.Payout = quantize(action.IntendedPayout * action.Amount / action.IntendedAmount, currency)
    elif action.Amount == 0:
        action.Payout = quantize(ZERO, currency)
    action.DeltaPayout = quantize(action.Payout - action.IntendedPayout, currency)
