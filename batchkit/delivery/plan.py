"""Each validated record -> the one API request that makes its change (SPEC §5.2), or a BK803 finding.

The request is also the record's *change* (core/change.py): a file delivered to a drop is planned the same way
(`strict=False`: nothing is refused, resets and approvals get a request of their own for the key), so that the
journal knows the file's records and the API never sends them again, nor the drop what the API sent.

    order-modification   PUT    Amount, CurrencyCode, CustomerStatus, Reason
    order-reversal       DELETE DispositionCode = the row's Reason (a disposition code, or BK803)
    item-modification    PUT    the row's item groups as Sku/Quantity/Amount/Category, Sku2/..., and the Reason
    item-reversal        PUT    those items with Amount 0 and Quantity 0, and the Reason
    reset                none   resets cannot go through the API (BK803: deliver the file to the drop)

Each request carries what the action shows once it is applied (`Expect`), so a record whose answer was lost
can be confirmed by reading the action instead of being sent again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

import pandas as pd

from batchkit.core.change import Change, action_change, inquiry_change
from batchkit.core.codes import DISPOSITION_CODES
from batchkit.core.findings import FileReport, finding
from batchkit.core.kinds import Kind
from batchkit.core.money import parse_money
from batchkit.validation.engine import Frames, Locate

IDENTIFIERS = ("ActionId", "OrderId", "ActionTrackerId")


@dataclass(frozen=True)
class ItemExpect:
    """One item as it reads once the change is applied (None: not changed)."""

    sku: str
    quantity: int | None = None
    amount: Decimal | None = None
    category: str | None = None


@dataclass(frozen=True)
class Expect:
    """What the action shows once the change is applied."""

    reversed: bool = False
    amount: Decimal | None = None
    currency: str | None = None
    customer_status: str | None = None
    items: tuple[ItemExpect, ...] = ()


@dataclass(frozen=True)
class Planned:
    """One record's request."""

    row: int
    line: int
    method: str  # PUT | DELETE | "" (nothing to change: never sent)
    form: dict[str, str] = field(default_factory=dict)
    expect: Expect = Expect()
    resource: str = "Actions"  # ActionInquiries: an inquiry resolution (a bulk-upload file's rows)

    @property
    def ident(self) -> tuple[str, str, str]:
        """(ActionId, OrderId, ActionTrackerId) as the record names its action."""
        return (self.form.get("ActionId", ""), self.form.get("OrderId", ""), self.form.get("ActionTrackerId", ""))

    @property
    def payload(self) -> str:
        """The form-encoded body (what the ledger keeps: no secret is ever in it)."""
        return urlencode(self.form)

    def change(self, account: str) -> Change:
        """The change this record makes to its action or inquiry (the journal's key)."""
        if self.resource == "ActionInquiries":
            return inquiry_change(account, self.form)
        return action_change(account, self.method, self.form)

    def names(self) -> str:
        """The action (or inquiry) as the record names it, for messages."""
        if self.resource == "ActionInquiries":
            return f"inquiry {self.form.get('Id', '')}"
        action_id, order_id, tracker = self.ident
        return f"ActionId {action_id}" if action_id else f"OrderId {order_id} (ActionTrackerId {tracker})"


def plan_file(fr: FileReport, frames: Frames, kind: Kind, strict: bool = True) -> list[Planned]:
    """The requests of one valid file, in row order. `strict` (the API): BK803 findings added to `fr` for what
    the API cannot take; otherwise (a drop) every record gets its request, as the key of its change."""
    record, locate = frames.record, frames.locate_record
    if kind.id == "reset":
        if strict:
            fr._add(finding("BK803", "reset files cannot go through the API (it has no reset request): deliver this "
                            "file to the drop (--to DIR or sftp://...)", row=1, line=1))
            return []
        return [Planned(*_where(locate, i), "RESET", _identity(r) | {"Reason": r.get("Reason", "")})
                for i, r in enumerate(_rows(record))]
    if kind.id == "order-modification":
        return _modifications(fr, record, locate, strict)
    if kind.id == "order-reversal":
        return [p for p in (_reversal(fr, i, r, locate, strict) for i, r in enumerate(_rows(record)))
                if p is not None]
    if kind.id not in ("item-modification", "item-reversal"):
        return []  # not a batch file of actions (an inquiry resolution upload): no action records
    assert frames.items is not None
    return _items(fr, kind, record, frames.items, locate, strict)


def _modifications(fr: FileReport, record: pd.DataFrame, locate: Locate, strict: bool) -> list[Planned]:
    """Order-level modifications; an approval (Reason APPROVED) is BK803 through the API, its own PUT in a file."""
    rows = _rows(record)
    approvals = {i for i, r in enumerate(rows) if r.get("Reason") == "APPROVED"}
    plans = []
    for i, r in enumerate(rows):
        if i not in approvals:
            plans.append(_modification(i, r, locate))
        elif strict:
            row, line, column = locate(i, "Reason")
            fr._add(finding("BK803", "an approval (Reason APPROVED) has no API request documented: deliver this file "
                            "to the drop, which approves open-ended actions", row=row, line=line, column=column,
                            value="APPROVED"))
        else:
            plans.append(Planned(*_where(locate, i), "PUT", _identity(r) | {"Reason": "APPROVED"}))
    return plans


def _rows(frame: pd.DataFrame) -> list[dict[str, str]]:
    """Each row as {column: its text, stripped}, read column by column (a dict per cell is slow on big files)."""
    columns = {str(c): [str(v).strip() for v in frame[c].tolist()] for c in frame.columns}
    names = list(columns)
    return [dict(zip(names, values)) for values in zip(*columns.values())]


def _identity(r: dict[str, str]) -> dict[str, str]:
    return {name: r[name] for name in IDENTIFIERS if r.get(name)}


def _money(text: str) -> Decimal | None:
    return parse_money(text) if text else None


def _plain(value: Decimal) -> str:
    return format(value, "f")


def _where(locate: Locate, i: int) -> tuple[int, int]:
    row, line, _ = locate(i, "Reason")
    return row, line


def _modification(i: int, r: dict[str, str], locate: Locate) -> Planned:
    form = _identity(r)
    identity = len(form)
    amount = _money(r.get("Amount", ""))
    if amount is not None:
        form["Amount"] = _plain(amount)
    for name in ("CurrencyCode", "CustomerStatus"):
        if r.get(name):
            form[name] = r[name]
    changes = len(form) - identity
    form["Reason"] = r.get("Reason", "")
    expect = Expect(reversed=False, amount=amount, currency=r.get("CurrencyCode") or None,
                    customer_status=r.get("CustomerStatus") or None)
    return Planned(*_where(locate, i), "PUT" if changes else "", form, expect)


def _reversal(fr: FileReport, i: int, r: dict[str, str], locate: Locate, strict: bool) -> Planned | None:
    reason = r.get("Reason", "")
    if strict and reason not in DISPOSITION_CODES:
        row, line, column = locate(i, "Reason")
        fr._add(finding("BK803", f"Reason {reason!r} is not one of the API's disposition codes, which a reversal "
                        f"through the API needs ({', '.join(DISPOSITION_CODES)}): use one of them, or deliver this "
                        "file to the drop, which takes the batch reasons", row=row, line=line, column=column,
                        value=reason))
        return None
    return Planned(*_where(locate, i), "DELETE", {**_identity(r), "DispositionCode": reason}, Expect(reversed=True))


def _items(fr: FileReport, kind: Kind, record: pd.DataFrame, items: pd.DataFrame, locate: Locate,
           strict: bool) -> list[Planned]:
    """One PUT per row: its item groups numbered in order, one Reason for all of them."""
    groups: dict[int, list[dict[str, str]]] = {}
    for g in _rows(items):
        if g.get("Sku"):
            groups.setdefault(int(float(g["_rec"])), []).append(g)
    plans = []
    for i, r in enumerate(_rows(record)):
        mine = groups.get(i, [])
        reasons = list(dict.fromkeys(g.get("Reason", "") for g in mine))
        if len(reasons) > 1 and not strict:  # a file takes a Reason per item: the key keeps them all
            reasons = ["|".join(reasons)]
        if len(reasons) > 1:
            row, line, column = locate(i, "Reason")
            fr._add(finding("BK803", f"the item groups of this row give different Reasons ({', '.join(reasons)}); an "
                            "API request takes one Reason for all its items: split the row, use one Reason, or "
                            "deliver this file to the drop", row=row, line=line, column=column, value=reasons[1]))
            continue
        plans.append(_item_request(i, r, mine, reasons[0] if reasons else "", kind, locate))
    return plans


def _item_request(i: int, r: dict[str, str], groups: list[dict[str, str]], reason: str, kind: Kind,
                  locate: Locate) -> Planned:
    form, expects = _identity(r), []
    reversal = kind.id == "item-reversal"
    for n, g in enumerate(groups, start=1):
        suffix = "" if n == 1 else str(n)
        quantity = "0" if reversal else g.get("Quantity", "")
        amount = Decimal(0) if reversal else _money(g.get("Amount", ""))
        category = "" if reversal else g.get("Category", "")
        form[f"Sku{suffix}"] = g["Sku"]
        if quantity:
            form[f"Quantity{suffix}"] = str(int(quantity))
        if amount is not None:
            form[f"Amount{suffix}"] = _plain(amount)
        if category:
            form[f"Category{suffix}"] = category
        expects.append(ItemExpect(g["Sku"], int(quantity) if quantity else None, amount, category or None))
    form["Reason"] = reason
    method = "PUT" if any(e.quantity is not None or e.amount is not None or e.category for e in expects) else ""
    return Planned(*_where(locate, i), method, form, Expect(items=tuple(expects)))
