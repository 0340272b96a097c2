"""API submissions: what a PUT or DELETE queued, and what became of it.

A submission reads Queued for the first third of `process_seconds`, In Progress until then, and
Complete after; it is applied to the store exactly once, at its completion time (lazily, at the
start of the next request, or at once by settle()). Only then is it decided whether the action
exists and may change: ErrorType/ErrorReason say why not (Validation ACTION_REF_NOT_FOUND, NO_ITEM,
ACTION_REVERSED; Contract Error ACTION_LOCKED).
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from batchkit.core.money import quantize
from batchkit.sandbox.forms import Change
from batchkit.sandbox.make import PAYOUT_RATE
from batchkit.sandbox.model import ZERO, Action, render_date
from batchkit.sandbox.store import Store


@dataclass
class Submission:
    """One queued PUT or DELETE."""

    batch_id: str
    submitted: datetime
    change: Change
    payload: str
    campaign_id: str
    applied_at: datetime | None = None
    action_id: str = ""
    error_type: str = ""
    error_reason: str = ""

    def status(self, now: datetime, process: timedelta) -> str:
        """Queued -> In Progress -> Complete, by the time since submission (Complete once applied)."""
        if self.applied_at is not None or now - self.submitted >= process:
            return "Complete"
        return "Queued" if now - self.submitted < process / 3 else "In Progress"

    def fields(self, now: datetime, process: timedelta) -> dict[str, str]:
        """The submission as GET /APISubmissions/{BatchId} gives it."""
        c = self.change
        return {"BatchId": self.batch_id, "SubmissionDate": render_date(self.submitted), "CampaignId": self.campaign_id,
                "ActionTrackerId": c.tracker, "OrderId": c.order_id, "ActionId": self.action_id or c.action_id,
                "Payload": self.payload, "Type": c.type, "Status": self.status(now, process),
                "CompletionDate": render_date(self.applied_at), "ErrorType": self.error_type,
                "ErrorReason": self.error_reason}


class Submissions:
    """Every submission of the sandbox, in order; the store they apply to."""

    def __init__(self, store: Store, process_seconds: float, now: Callable[[], datetime]) -> None:
        self.store, self.now, self.process = store, now, timedelta(seconds=process_seconds)
        self._all: dict[str, Submission] = {}
        self._pending: deque[Submission] = deque()

    def queue(self, change: Change, payload: str) -> Submission:
        """Queue a change (always accepted: whether it can apply is decided at completion)."""
        with self.store.lock:
            sub = Submission(f"A-{uuid.uuid4()}", self.now(), change, payload, self.store.account.campaign_id)
            self._all[sub.batch_id] = sub
            self._pending.append(sub)
            return sub

    def get(self, batch_id: str) -> Submission | None:
        """The submission with this BatchId."""
        return self._all.get(batch_id)

    def newest_first(self) -> list[Submission]:
        """Every submission, the newest first."""
        return list(reversed(self._all.values()))

    def process_due(self) -> int:
        """Apply every submission whose completion time has come; how many were applied."""
        with self.store.lock:
            now, applied = self.now(), 0
            while self._pending and self._pending[0].submitted + self.process <= now:
                sub = self._pending.popleft()
                self._apply(sub, sub.submitted + self.process)
                applied += 1
            return applied

    def settle(self) -> int:
        """Apply every queued submission now, however recent; how many were applied."""
        with self.store.lock:
            applied = self.process_due()
            while self._pending:
                self._apply(self._pending.popleft(), self.now())
                applied += 1
            return applied

    def _apply(self, sub: Submission, at: datetime) -> None:
        """Complete a submission at `at`: find its action, apply the change or say why not."""
        sub.applied_at = at
        c = self.store.action(sub.change.action_id) if sub.change.action_id else self.store.find(
            sub.change.tracker, sub.change.order_id)
        sub.action_id = c.Id if c is not None else ""
        sub.error_type, sub.error_reason = apply_change(self.store, c, sub.change, at)


def apply_change(store: Store, action: Action | None, change: Change, at: datetime) -> tuple[str, str]:
    """Apply a change to its action: (ErrorType, ErrorReason), both "" when it was applied."""
    if action is None:
        return "Validation", "ACTION_REF_NOT_FOUND"
    if action.State == "REVERSED":
        return "Validation", "ACTION_REVERSED"
    if action.locked(at):
        return "Contract Error", "ACTION_LOCKED"
    if any(action.item(i.sku) is None for i in change.items):
        return "Validation", "NO_ITEM"
    if change.type == "Reversal":
        store.modify(action, at, _reverse)
        return "", ""
    if change.delta is not None and not change.items and change.amount is None and action.Amount + change.delta < 0:
        return "Validation", "MALFORMED"
    if any(v is not None for v in (change.amount, change.delta, change.currency, change.customer_status)) \
            or change.items:
        store.modify(action, at, lambda a: _modify(a, change, at))
    return "", ""


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
