"""Each unresolved inquiry decided from the brand's own records and the mirror (README "Action inquiries").

The rules, in this order (the first that applies decides):

1. no OrderId (or a placeholder such as `n/a`) -> INCOMPLETE, "Enquiry does not provide complete information
   required for evaluation";
2. the order is not in the brand's records -> DECLINED, "Transaction cannot be traced";
3. cancelled, voided, fully refunded or returned -> DECLINED, "Transaction not completed - Order cancelled,
   changed, or returned";
4. an action with that Oid is in the mirror -> DECLINED, "This transaction has been tracked successfully"
   (its ActionId named);
5. otherwise VALID, with [inquiries] action_tracker_id, the Transaction Date and the Sale Amount of the brand's
   records (a partial refund: the amount kept); a partner's TransactionAmount further than
   [inquiries] amount_tolerance from it is noted for the reviewer;
6. one order is credited once: of several inquiries VALID for the same order, the one whose amount matches
   (else the first) stays VALID, the others are DECLINED "Another marketing channel was credited with the sale".

Inquiries already resolved (VALID, DECLINED, INCOMPLETE) are counted, never proposed. Without a mirror rule 4
cannot be applied: each inquiry it would have concerned says so, and so does the summary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from batchkit.core.inquiry import (
    INCOMPLETE_INFO,
    NOT_COMPLETED,
    OTHER_CHANNEL,
    STATUSES,
    TRACKED,
    UNTRACEABLE,
)
from batchkit.core.money import format_money, parse_money
from batchkit.inquiries.orders import Order, OrderBook, iso_date
from batchkit.inquiries.read import Inquiry
from batchkit.inquiries.settings import InquirySettings

PLACEHOLDERS = frozenset({"n/a", "na", "none", "null", "unknown", "tbd", "0", "-", "?"})
UNSAFE_START = ("=", "+", "-", "@")  # a spreadsheet would read such a cell as a formula


class ActionSource(Protocol):
    """What match reads of the mirror (batchkit.state.mirror.Mirror)."""

    def by_oid(self, oid: str) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Proposal:
    """The resolution proposed for one inquiry: the bulk-resolution CSV's columns, as text."""

    status: str
    reason: str = ""
    action_tracker: str = ""
    transaction_date: str = ""  # YYYY-MM-DD
    sale_amount: str = ""
    final_payout: str = ""  # left to the contract: batchkit derives none
    notes: str = ""  # Resolution Notes: why, in a sentence the partner may read


@dataclass(frozen=True)
class Decision:
    """One unresolved inquiry, what batchkit proposes and the evidence behind it."""

    inquiry: Inquiry
    proposal: Proposal
    order: Order | None = None  # the brand's own order, when found
    actions: tuple[dict[str, Any], ...] = ()  # mirrored actions with the order's Oid, newest first
    mirror_checked: bool = False
    review_notes: tuple[str, ...] = ()  # for the person checking the proposal
    deadline: str = ""  # ResolutionDeadlineDate as YYYY-MM-DD ('' when none or unreadable)
    days_left: int | None = None
    urgent: bool = False  # the deadline is within [inquiries] deadline_days (or past)

    @property
    def action_id(self) -> str:
        return str(self.actions[0].get("Id", "")) if self.actions else ""


@dataclass
class MatchSummary:
    """What match did, for the summary line and its warnings."""

    inquiries: int = 0
    unresolved: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    declined: Counter[str] = field(default_factory=Counter)  # by reason
    not_proposed: Counter[str] = field(default_factory=Counter)  # why an inquiry got no proposal
    reviewer_notes: int = 0  # decisions with notes for the reviewer
    urgent: int = 0
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        """`12 inquiries, 9 unresolved: 4 VALID, 3 DECLINED (2 Transaction cannot be traced, ...), 2 INCOMPLETE; ...`"""
        reasons = ", ".join(f"{n} {r}" for r, n in sorted(self.declined.items(), key=lambda x: (-x[1], x[0])))
        declined = f"{self.statuses['DECLINED']} DECLINED" + (f" ({reasons})" if reasons else "")
        return (f"{self.inquiries} inquir{'y' if self.inquiries == 1 else 'ies'}, {self.unresolved} unresolved: "
                f"{self.statuses['VALID']} VALID, {declined}, {self.statuses['INCOMPLETE']} INCOMPLETE; "
                f"{self.reviewer_notes} with notes for the reviewer; {self.urgent} due within the deadline days")


@dataclass(frozen=True)
class Context:
    """What every decision reads besides the inquiry."""

    orders: OrderBook
    mirror: ActionSource | None
    settings: InquirySettings
    today: date
    no_mirror: str = "no mirror of the account's actions"


def decide(inquiries: Sequence[Inquiry], orders: OrderBook, mirror: ActionSource | None, settings: InquirySettings,
           today: date | None = None, no_mirror: str = "no mirror of the account's actions") -> list[Decision]:
    """A Decision for each unresolved inquiry with a usable Id, in the file's order."""
    context = Context(orders, mirror, settings, today or date.today(), no_mirror)
    return one_valid_per_order([decide_one(inquiry, context) for inquiry in inquiries if proposable(inquiry) is None],
                               settings.amount_tolerance)


def one_valid_per_order(decisions: list[Decision], tolerance: Decimal) -> list[Decision]:
    """Rule 6: one order is credited once. When several inquiries would be VALID for the same order (partners
    claiming one sale), the one whose claimed amount matches the records (else the first) stays VALID; the
    others are DECLINED "Another marketing channel was credited with the sale", each noted for the reviewer."""
    groups: dict[str, list[int]] = {}
    for i, d in enumerate(decisions):
        if d.proposal.status == "VALID" and d.order is not None:
            groups.setdefault(d.order.order_id, []).append(i)
    out = list(decisions)
    for order_id, members in groups.items():
        if len(members) < 2:
            continue
        keep = next((i for i in members if not _amount_notes_differ(decisions[i], tolerance)), members[0])
        kept = decisions[keep].inquiry.id
        others = [decisions[i].inquiry.id for i in members if i != keep]
        out[keep] = replace(out[keep], review_notes=(*out[keep].review_notes, f"order {order_id} is also claimed by "
                            f"inquiry {', '.join(others)} (proposed DECLINED): only one partner is credited"))
        for i in members:
            if i != keep:
                out[i] = replace(out[i], proposal=Proposal("DECLINED", OTHER_CHANNEL, notes=f"Order {order_id} is "
                                 "credited to another partner's inquiry"),
                                 review_notes=(*out[i].review_notes, f"order {order_id} is also claimed by inquiry "
                                               f"{kept} (proposed VALID): swap the two if this partner earned it"))
    return out


def _amount_notes_differ(d: Decision, tolerance: Decimal) -> bool:
    return d.order is not None and any(n.startswith("partner claimed") for n in _amount_notes(d.inquiry, d.order,
                                                                                               tolerance))


def proposable(inquiry: Inquiry) -> str | None:
    """Why an inquiry gets no proposal (already resolved, no Id, ...), None when it gets one."""
    if inquiry.status not in STATUSES:
        return f"status {inquiry.status!r} unknown"
    if inquiry.status != "UNRESOLVED":
        return "already resolved"
    if not inquiry.id:
        return "without an Id"
    if inquiry.id.startswith(UNSAFE_START):
        return "with an Id a spreadsheet would read as a formula"
    return None


def decide_one(inquiry: Inquiry, context: Context) -> Decision:
    """Rules 1-5 of the module's docstring, the first that applies."""
    deadline, days_left, urgent = _deadline(inquiry, context)
    base: dict[str, Any] = {"inquiry": inquiry, "deadline": deadline, "days_left": days_left, "urgent": urgent}
    oid = inquiry.get("OrderId")
    if not _usable_oid(oid):
        why = "No OrderId given" if not oid else f"OrderId {oid!r} does not name an order"
        return Decision(proposal=Proposal("INCOMPLETE", INCOMPLETE_INFO, notes=why), **base)
    order = context.orders.find(oid)
    if order is None:
        return Decision(proposal=Proposal("DECLINED", UNTRACEABLE, notes=f"Order {oid} is not in our records"),
                        **base)
    if not order.completed:
        return Decision(proposal=Proposal("DECLINED", NOT_COMPLETED, notes=f"Order {order.order_id} {_ended(order)}"),
                        order=order, **base)
    return _tracked_or_valid(inquiry, order, context, base)


def _usable_oid(oid: str) -> bool:
    return bool(oid) and oid.lower() not in PLACEHOLDERS and any(c.isalnum() for c in oid)


def _ended(order: Order) -> str:
    if order.cancelled:
        return f"was cancelled ({order.status})" if order.status != "cancelled" else "was cancelled"
    return "was returned" if order.status == "returned" else f"was fully refunded ({order.status})"


def _tracked_or_valid(inquiry: Inquiry, order: Order, context: Context, base: dict[str, Any]) -> Decision:
    if context.mirror is None:
        notes = [f"not checked for an existing action: {context.no_mirror} (run `batchkit actions sync`)"]
        return _valid(inquiry, order, context, base, (), notes)
    actions = _actions(context.mirror, inquiry.get("OrderId"), order.order_id)
    if not actions:
        return _valid(inquiry, order, context, base, (), [])
    action = actions[0]
    state = str(action.get("State", "")).strip()
    text = f"ActionId {action.get('Id', '')} already tracks this order" + (f" ({state})" if state else "")
    notes = [f"the partner says the tracked action is wrong (INCORRECT): compare its amount "
             f"{action.get('Amount', '')} with ours {_money(order)}"] if inquiry.get("InquiryType").upper() == \
        "INCORRECT" else []
    return Decision(proposal=Proposal("DECLINED", TRACKED, notes=text), order=order, actions=actions,
                    mirror_checked=True, review_notes=tuple(notes), **base)


def _actions(mirror: ActionSource, *oids: str) -> tuple[dict[str, Any], ...]:
    """The mirrored actions with any of these Oids (the partner's spelling, the export's), newest first."""
    seen: dict[str, dict[str, Any]] = {}
    for oid in dict.fromkeys(o.strip() for o in oids if o.strip()):
        for action in mirror.by_oid(oid):
            seen.setdefault(str(action.get("Id", "")), action)
    return tuple(sorted(seen.values(), key=lambda a: (str(a.get("CreationDate", "")), str(a.get("Id", ""))),
                        reverse=True))


def _valid(inquiry: Inquiry, order: Order, context: Context, base: dict[str, Any], actions: tuple[dict[str, Any], ...],
           notes: list[str]) -> Decision:
    tracker = context.settings.action_tracker_id or ""
    if not tracker:
        notes.append("no action tracker: set [inquiries] action_tracker_id (the event type of the brand's sales)")
    when = order.date or iso_date(inquiry.get("TransactionDate"))
    if not order.date:
        notes.append(f"the export gives no date for order {order.order_id}: " +
                     (f"the partner's {when} proposed" if when else "fill Transaction Date before uploading"))
    amount = format_money(order.amount, order.currency or None) if order.amount is not None else ""
    notes += _amount_notes(inquiry, order, context.settings.amount_tolerance)
    proposal = Proposal("VALID", action_tracker=tracker, transaction_date=when, sale_amount=amount,
                        notes=f"Order {order.order_id} found in our records")
    return Decision(proposal=proposal, order=order, actions=actions, mirror_checked=context.mirror is not None,
                    review_notes=tuple(notes), **base)


def _money(order: Order) -> str:
    if order.amount is None:
        return "(unreadable)"
    return f"{format_money(order.amount, order.currency or None)}{' ' + order.currency if order.currency else ''}"


def _amount_notes(inquiry: Inquiry, order: Order, tolerance: Decimal) -> list[str]:
    notes = []
    if order.amount is None:
        notes.append(f"the export's amount for order {order.order_id} (row {order.row}) cannot be read: fill Sale "
                     "Amount")
    elif order.original is not None and order.amount != order.original:
        notes.append(f"partially refunded: {_money(order)} kept of "
                     f"{format_money(order.original, order.currency or None)}")
    claimed_text = inquiry.get("TransactionAmount")
    claimed = parse_money(claimed_text.replace(",", "")) if claimed_text else None
    if claimed_text and claimed is None:
        notes.append(f"the partner's TransactionAmount {claimed_text!r} is not an amount")
    elif claimed is not None and order.amount is not None and abs(claimed - order.amount) > tolerance:
        notes.append(f"partner claimed {format_money(claimed, order.currency or None)}, our records say "
                     f"{_money(order)} (beyond the tolerance of {format_money(tolerance, order.currency or None)})")
    return notes


def _deadline(inquiry: Inquiry, context: Context) -> tuple[str, int | None, bool]:
    when = iso_date(inquiry.get("ResolutionDeadlineDate"))
    if not when:
        return "", None, False
    left = (date.fromisoformat(when) - context.today).days
    return when, left, left <= context.settings.deadline_days


def summarize(inquiries: Sequence[Inquiry], decisions: Sequence[Decision], orders: OrderBook,
              mirror_missing: str | None = None) -> MatchSummary:
    """The counts of the summary line and what the person running match should know."""
    summary = MatchSummary(inquiries=len(inquiries), unresolved=sum(i.status == "UNRESOLVED" for i in inquiries))
    for inquiry in inquiries:
        why = proposable(inquiry)
        if why is not None and why != "already resolved":
            summary.not_proposed[why] += 1
    for d in decisions:
        summary.statuses[d.proposal.status] += 1
        if d.proposal.status == "DECLINED":
            summary.declined[d.proposal.reason] += 1
        summary.reviewer_notes += bool(d.review_notes)
        summary.urgent += d.urgent
    _warnings(summary, decisions, orders, mirror_missing)
    return summary


def _warnings(summary: MatchSummary, decisions: Sequence[Decision], orders: OrderBook, missing: str | None) -> None:
    if missing is not None:
        summary.warnings.append(f"{missing}: \"already tracked\" was not checked (run `batchkit actions sync`); "
                                "every VALID proposal needs a look")
    for why, n in sorted(summary.not_proposed.items()):
        summary.warnings.append(f"{n} unresolved inquir{'y' if n == 1 else 'ies'} {why}: not proposed")
    if orders.problems:
        shown = "; ".join(orders.problems[:3]) + (f"; ... ({len(orders.problems)} in all)" if len(orders.problems) > 3
                                                  else "")
        summary.warnings.append(f"{orders.path}: {shown}")
    if any(d.proposal.status == "VALID" and not d.proposal.action_tracker for d in decisions):
        summary.warnings.append("VALID proposals without an Action Tracker: set [inquiries] action_tracker_id")
