"""Each record of a dropped batch file as the changes it asks for (actions/forms.py's Change and ItemChange), or
the reason it cannot ask for any.

By kind (SPEC §1): an order modification is one Change (Amount, CurrencyCode, CustomerStatus); an
order reversal reverses the action (its Amount must be 0 or empty); item files give one Change per
item group, so that each Sku succeeds or fails on its own: an item modification sets the group's
Quantity/Amount/Category, an item reversal sets the item to Amount 0 and Quantity 0 (its Amount must
be 0 or empty); a reset (OrderId + ActionTrackerId) restores the action (actions/changes.py).

Values are checked by the same rules as a PUT's form (actions/forms.py): what would be a 400 there is a
MALFORMED record here. Also MALFORMED: no Reason, or one not accepted for the kind (the default codes of
SPEC §1.6; RESET only, and only in a reset file), an OrderId without ActionTrackerId. No ActionId and no
OrderId is OID_MISSING. A file whose header matches no kind makes every record MALFORMED.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache

from batchkit.core.resources import load_toml
from batchkit.sandbox.actions import forms
from batchkit.sandbox.actions.forms import Change, ItemChange
from batchkit.sandbox.ftp.read import BatchFile, Record
from batchkit.sandbox.http.render import ApiError

ZERO = Decimal(0)


@dataclass(frozen=True)
class Step:
    """One change a record asks for (None: refused as written, `reason` says why), with what an ErrorDetail
    names: the record's Line, its OrderId and ActionTrackerId, the item's Sku and Category."""

    line: int
    change: Change | None
    action_id: str = ""
    order_id: str = ""
    tracker: str = ""
    sku: str = ""
    category: str = ""
    reason: str = ""


@cache
def default_reasons() -> frozenset[str]:
    """impact.com's default reason codes (schemas/defaults.toml)."""
    return frozenset(load_toml("defaults")["reasons"]["codes"])


def steps_of(batch: BatchFile) -> list[Step]:
    """Every step of every record, in file order."""
    return [step for record in batch.records for step in _record_steps(batch.kind, record)]


def _record_steps(kind: str | None, record: Record) -> list[Step]:
    base = Step(record.line, None, record.get("ActionId"), record.get("OrderId"), record.get("ActionTrackerId"),
                record.get("Sku"), record.get("Category"))
    refused = _refusal(kind, record)
    if refused:
        return [replace(base, reason=refused)]
    assert kind is not None
    if kind.startswith("item-"):
        return [_item_step(kind, record, base, group) for group in _groups(record)]
    form = _form(record, 1, ("Amount", "CurrencyCode", "CustomerStatus"))
    try:
        change = forms.modification(form)
    except ApiError:
        return [replace(base, reason="MALFORMED")]
    if kind == "order-modification":
        return [replace(base, change=change)]
    if change.amount is not None and change.amount != ZERO:
        return [replace(base, reason="MALFORMED")]
    kind_type = "Reset" if kind == "reset" else "Reversal"
    return [replace(base, change=Change(kind_type, change.action_id, change.tracker, change.order_id, change.reason))]


def _refusal(kind: str | None, record: Record) -> str:
    """Why a record cannot be read at all ("" when it can): the identifiers and the Reason."""
    if kind is None:
        return "MALFORMED"
    action_id, order_id, tracker = (record.get(n) for n in ("ActionId", "OrderId", "ActionTrackerId"))
    if not action_id and not order_id:
        return "OID_MISSING"
    if not action_id and not tracker:
        return "MALFORMED"
    accepted = {"RESET"} if kind == "reset" else default_reasons()
    groups = _groups(record) if kind.startswith("item-") else [1]
    reasons = [record.get("Reason", g) or record.get("Reason") for g in groups]
    return "" if all(r in accepted for r in reasons) else "MALFORMED"


def _groups(record: Record) -> list[int]:
    """The item groups a record fills (the first always: its Sku is required)."""
    filled = {g for (f, g) in record.cells if g > 1 or f in ("Sku", "Quantity", "Category")}
    return sorted(filled | {1})


def _item_step(kind: str, record: Record, base: Step, group: int) -> Step:
    """One item group as a Change of that item alone."""
    step = replace(base, sku=record.get("Sku", group), category=record.get("Category", group))
    form = _form(record, group, ("Sku", "Amount", "Quantity", "Category"))
    if not step.sku:
        return replace(step, reason="MALFORMED")
    try:
        change = forms.modification(form)
    except ApiError:
        return replace(step, reason="MALFORMED")
    if kind == "item-reversal":
        item = change.items[0]
        if item.amount is not None and item.amount != ZERO:
            return replace(step, reason="MALFORMED")
        change = replace(change, items=(ItemChange(item.sku, 0, ZERO),))
    return replace(step, change=change)


def _form(record: Record, group: int, names: tuple[str, ...]) -> dict[str, str]:
    """The PUT form of a record's identifiers, its Reason and the fields `names` of item group `group`."""
    form = {n: record.get(n) for n in ("ActionId", "OrderId", "ActionTrackerId")}
    form["Reason"] = record.get("Reason", group) or record.get("Reason")
    form.update({n: record.get(n, group) for n in names})
    return {name: value for name, value in form.items() if value}
