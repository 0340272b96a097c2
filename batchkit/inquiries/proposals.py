"""The proposals written out: the web app's bulk-resolution CSV and the review workbook (README "Action
inquiries").

The CSV has exactly RESOLUTION_COLUMNS, UTF-8 without a BOM, \\n line ends, RFC 4180 quoting. No cell batchkit
writes starts with = + - @ (the web app refuses formulas): inquiries whose Id does are never proposed, amounts
are never negative, notes start with a word; a cell that would anyway is refused, never escaped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from batchkit.core.errors import InputError
from batchkit.core.inquiry import REASONS, RESOLUTION_COLUMNS, RESOLUTIONS
from batchkit.inquiries.match import UNSAFE_START, Decision
from batchkit.io.write import write_text_atomic
from batchkit.render.review import Column, Review, Row, write_review

EVIDENCE = ("Evidence: Order found", "Evidence: Own status", "Evidence: Own amount", "Evidence: Own currency",
            "Evidence: Own date", "Evidence: Export row", "Evidence: Existing ActionId", "Evidence: Existing action state",
            "Evidence: Days to deadline", "Evidence: Reviewer notes")
PARTNER = ("Partner: OrderId", "Partner: TransactionAmount", "Partner: TransactionDate", "Partner: InquiryType",
           "Partner: Comments", "Partner: MediaPartnerId", "Partner: ResolutionDeadlineDate")
REVIEW_COLUMNS = (*RESOLUTION_COLUMNS, *EVIDENCE, *PARTNER)


def resolution_row(decision: Decision) -> list[str]:
    """The CSV's cells for one decision, in RESOLUTION_COLUMNS order."""
    p = decision.proposal
    cells = {"Id": decision.inquiry.id, "Transaction Date": p.transaction_date, "Resolution Status": p.status,
             "Resolution Reason": p.reason, "Action Tracker": p.action_tracker, "Final Payout": p.final_payout,
             "Resolution Notes": p.notes, "Sale Amount": p.sale_amount}
    return [cells.get(column, "") for column in RESOLUTION_COLUMNS]


def resolution_csv(decisions: Sequence[Decision]) -> str:
    """The bulk-resolution CSV's text; InputError for a cell a spreadsheet would read as a formula."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(RESOLUTION_COLUMNS)
    for decision in decisions:
        row = resolution_row(decision)
        for column, cell in zip(RESOLUTION_COLUMNS, row):
            if cell.startswith(UNSAFE_START):
                raise InputError(f"inquiry {decision.inquiry.id} (row {decision.inquiry.row}): {column} {cell!r} "
                                 "would be read as a formula: refused")
        writer.writerow(row)
    return buf.getvalue()


def write_resolutions(target: Path, decisions: Sequence[Decision], overwrite: bool = False) -> None:
    """The bulk-resolution CSV written atomically (never over an existing file unless `overwrite`)."""
    write_text_atomic(Path(target), resolution_csv(decisions), overwrite)


def evidence_cells(decision: Decision) -> list[str]:
    """The Evidence: and Partner: cells of one decision, in EVIDENCE + PARTNER order."""
    order, inquiry = decision.order, decision.inquiry
    amount = "" if order is None or order.amount is None else str(order.amount)
    existing = decision.action_id or ("" if decision.mirror_checked or order is None or not order.completed
                                      else "(not checked: no mirror)")
    state = str(decision.actions[0].get("State", "")) if decision.actions else ""
    days = "" if decision.days_left is None else str(decision.days_left)
    own = [("yes" if order else "no"), order.status if order else "", amount, order.currency if order else "",
           order.date if order else "", str(order.row) if order else "", existing, state, days,
           "\n".join(decision.review_notes)]
    partner = [inquiry.get(f) for f in ("OrderId", "TransactionAmount", "TransactionDate", "InquiryType", "Comments",
                                        "MediaPartnerId", "ResolutionDeadlineDate")]
    return own + partner


_WIDTHS = {"Id": 14, "Resolution Reason": 44, "Resolution Notes": 40, "Evidence: Reviewer notes": 60,
           "Partner: Comments": 40, "Evidence: Existing ActionId": 20}
_WRAPPED = {"Resolution Reason", "Resolution Notes", "Evidence: Reviewer notes", "Partner: Comments"}
_CHOICES = {"Resolution Status": RESOLUTIONS, "Resolution Reason": REASONS}
_URGENT = ("Id", "Evidence: Days to deadline", "Partner: ResolutionDeadlineDate")


def review(decisions: Sequence[Decision], deadline_days: int) -> Review:
    """The review workbook of the decisions (render/review.py writes it)."""
    columns = [Column(h, _WIDTHS.get(h, 16), h in _WRAPPED, tuple(_CHOICES.get(h, ()))) for h in REVIEW_COLUMNS]
    marked = frozenset(REVIEW_COLUMNS.index(h) for h in _URGENT)
    rows = [Row(resolution_row(d) + evidence_cells(d), marked if d.urgent else frozenset()) for d in decisions]
    return Review(columns, rows, readme(deadline_days))


def write_review_file(target: Path, decisions: Sequence[Decision], deadline_days: int, overwrite: bool = False) -> None:
    write_review(Path(target), review(decisions, deadline_days), overwrite)


def readme(deadline_days: int) -> list[str]:
    """The "Read me" sheet's lines."""
    return [
        "Action inquiries: batchkit's proposals, for a person to check before anything is resolved.",
        "",
        "One row per unresolved inquiry. The first columns (Id to Promo Code) are exactly the web app's "
        "bulk-resolution file: change what you disagree with here and save the workbook, then run "
        "`batchkit inquiries resolve FILE.xlsx --to DIR`, which writes the web app's bulk-upload CSV (those columns "
        "only) into DIR, or `batchkit inquiries resolve FILE.xlsx` to send the resolutions through the API. Do not "
        "save this sheet as CSV yourself: that file would carry the Evidence and Partner columns the web app does "
        "not take. Inquiries already resolved are not listed.",
        "Resolution Status and Resolution Reason offer drop-down lists of the accepted values only: VALID, DECLINED, "
        "INCOMPLETE, and the nine reasons impact.com accepts (a DECLINED row needs one; a VALID row needs an Action "
        "Tracker and a Transaction Date).",
        "Columns headed 'Evidence:' are what batchkit found in the brand's own export and in the mirror of the "
        "account's actions (the order, its status and the amount kept after refunds, an existing ActionId); "
        "'Evidence: Reviewer notes' says what needs a look (amounts that differ, no mirror, missing dates).",
        "Columns headed 'Partner:' are what the partner claimed in the inquiry.",
        f"Orange cells: the resolution deadline is within {deadline_days} day(s), or past; impact.com decides "
        "inquiries left unresolved by then.",
        "Final Payout is left empty: the contract sets the payout of the action an accepted inquiry creates.",
    ]
