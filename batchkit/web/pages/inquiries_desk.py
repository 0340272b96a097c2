"""What the Inquiries page keeps between requests (one Desk per pull): the inquiries pulled, the proposals match
made, the decisions as the person edits them, their findings, and the plans shown for confirmation.

Presentation only: the proposals come from batchkit.inquiries.match, the findings from validate_resolution_table
(kind inquiry-resolution), the file resolved is the web app's bulk-resolution CSV of batchkit.inquiries.upload.
Nothing here is named by the browser but the desk's id, a row's index and a plan's one-time token.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from batchkit.core.config import Config
from batchkit.core.findings import Finding
from batchkit.core.inquiry import REASONS, RESOLUTION_COLUMNS, RESOLUTIONS
from batchkit.inquiries.match import Decision, MatchSummary
from batchkit.inquiries.proposals import resolution_row
from batchkit.inquiries.read import Inquiry
from batchkit.inquiries.resolution import Resolution
from batchkit.inquiries.upload import upload_csv
from batchkit.io.sheet import table_from_rows
from batchkit.io.xlsx import Row
from batchkit.validation.engine import validate_resolution_table

PREFIX = "inquiries/"
LATEST = "inquiries/latest"
KEPT = 5  # desks kept at once
FILE_NAME = "inquiry-resolutions.csv"  # the kind is read from the name (and the drop keeps it)
# the decision's controls: form name -> the bulk-resolution column it edits
EDITED = {"status": "Resolution Status", "reason": "Resolution Reason", "tracker": "Action Tracker",
          "date": "Transaction Date", "amount": "Sale Amount", "notes": "Resolution Notes"}
STATUS_LABELS = {"VALID": "VALID: accept (a new action is created)", "DECLINED": "DECLINED: decline (give a reason)",
                 "INCOMPLETE": "INCOMPLETE: ask the partner for more"}


@dataclass
class Plan:
    """A resolve shown for confirmation: the file written at that moment, where it goes, and its one-time token."""

    token: str
    upload_id: str
    destination: int
    version: int
    rows: int
    used: bool = False


@dataclass
class Desk:
    """One pull and what followed it."""

    id: str = field(default_factory=lambda: secrets.token_hex(10))
    status: str = "UNRESOLVED"
    inquiries_id: str = ""  # the pulled file (an upload, known by id)
    inquiries: list[Inquiry] = field(default_factory=list)
    export_name: str = ""
    decisions: list[Decision] = field(default_factory=list)
    summary: MatchSummary | None = None
    cells: list[dict[str, str]] = field(default_factory=list)  # the decisions as edited, by resolution column
    findings: list[Finding] = field(default_factory=list)  # of the whole grid, as last validated
    version: int = 0  # bumped on every edit: a plan made before an edit is not confirmed
    plans: dict[str, Plan] = field(default_factory=dict)
    outcomes: dict[str, dict[str, str]] = field(default_factory=dict)  # inquiry Id -> the last resolve's outcome
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def propose(self, decisions: list[Decision], summary: MatchSummary) -> None:
        """Match's decisions become the grid (edits and plans of an earlier match are dropped)."""
        with self.lock:
            self.decisions, self.summary = decisions, summary
            self.cells = [dict(zip(RESOLUTION_COLUMNS, resolution_row(d))) for d in decisions]
            self.version += 1
            self.plans.clear()
            self.outcomes.clear()

    def edit(self, index: int, given: dict[str, str]) -> None:
        """The edited controls of one row (only the columns the page offers; a value kept as typed)."""
        with self.lock:
            cells = self.cells[index]
            for name, column in EDITED.items():
                if name in given:
                    cells[column] = given[name]
            self.version += 1

    def resolutions(self) -> list[Resolution]:
        return [Resolution(i + 2, dict(c)) for i, c in enumerate(self.cells)]

    def csv_text(self) -> str:
        """The bulk-resolution CSV of the grid as it stands (the file a resolve reads)."""
        return upload_csv(self.resolutions())

    def new_plan(self, upload_id: str, destination: int) -> Plan:
        plan = Plan(secrets.token_urlsafe(18), upload_id, destination, self.version, len(self.cells))
        self.plans[plan.token] = plan
        return plan


def validate(desk: Desk, config: Config) -> list[Finding]:
    """Every finding of the grid as a bulk-resolution table (kind inquiry-resolution), kept on the desk."""
    rows = [Row(1, list(RESOLUTION_COLUMNS))] + [Row(i + 2, [c.get(k, "") for k in RESOLUTION_COLUMNS])
                                                 for i, c in enumerate(desk.cells)]
    report = validate_resolution_table(table_from_rows(FILE_NAME, rows), config, max_samples=0)
    desk.findings = report.findings()
    return desk.findings


def of_row(findings: list[Finding], index: int) -> list[Finding]:
    return [f for f in findings if f.row == index + 2]


def errors(findings: list[Finding]) -> int:
    return sum(f.severity == "error" for f in findings)


def deadline(d: Decision) -> dict[str, str]:
    """The deadline said in words and its class (`deadline-past`, `deadline-near`, ''): never colour alone."""
    if not d.deadline or d.days_left is None:
        return {"text": "no deadline given", "css": "", "word": ""}
    left = d.days_left
    if left < 0:
        return {"text": f"{d.deadline}: passed {-left} day{'s' if left != -1 else ''} ago", "css": "deadline-past",
                "word": "Deadline passed"}
    when = "today" if left == 0 else f"in {left} day{'s' if left != 1 else ''}"
    return {"text": f"{d.deadline}: {when}", "css": "deadline-near" if d.urgent else "",
            "word": "Deadline near" if d.urgent else ""}


def evidence(d: Decision) -> list[tuple[str, str]]:
    """What batchkit found in the brand's export and the mirror, as (label, text) lines."""
    order = d.order
    lines: list[tuple[str, str]] = []
    if order is None:
        lines.append(("Order", "not in the export"))
    else:
        amount = "unreadable" if order.amount is None else f"{order.amount} {order.currency}".strip()
        lines += [("Order", f"{order.order_id} (export row {order.row})"), ("Status", order.status or "(none)"),
                  ("Amount kept", amount), ("Date", order.date or "(none)")]
    if d.actions:
        state = str(d.actions[0].get("State", "")).strip()
        lines.append(("Tracked as", f"ActionId {d.action_id}" + (f" ({state})" if state else "")))
    elif not d.mirror_checked and order is not None and order.completed:
        lines.append(("Tracked as", "not checked: no mirror of the account's actions"))
    return lines


def choices(current: str, allowed: tuple[str, ...], labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The options of a drop-down: the allowed values (labelled), and the current one if it is not among them."""
    labels = labels or {}
    found = [{"value": v, "label": labels.get(v, v), "selected": v == current} for v in allowed]
    if current and current not in allowed:
        found.insert(0, {"value": current, "label": f"{current} (not accepted)", "selected": True})
    return found


def row_view(desk: Desk, index: int) -> dict[str, Any]:
    """One row of the review grid: the inquiry, the evidence, the decision's controls and its findings."""
    d, cells = desk.decisions[index], desk.cells[index]
    found = of_row(desk.findings, index)
    worst = {f.column or "": f.severity for f in sorted(found, key=lambda f: f.severity != "error")}
    return {"index": index, "d": d, "inquiry": d.inquiry, "cells": cells, "findings": found,
            "severity": {name: worst.get(column, "") for name, column in EDITED.items()},
            "deadline": deadline(d), "evidence": evidence(d), "notes": d.review_notes,
            "statuses": choices(cells.get("Resolution Status", ""), RESOLUTIONS, STATUS_LABELS),
            "reasons": [{"value": "", "label": "(no reason)", "selected": not cells.get("Resolution Reason")}]
            + choices(cells.get("Resolution Reason", ""), REASONS),
            "outcome": desk.outcomes.get(d.inquiry.id)}


def grid(desk: Desk) -> list[dict[str, Any]]:
    return [row_view(desk, i) for i in range(len(desk.decisions))]


def desk_of(kept: dict[str, Any], desk_id: str) -> Desk | None:
    found = kept.get(PREFIX + (desk_id or ""))
    return found if isinstance(found, Desk) else None


def keep(kept: dict[str, Any], desk: Desk) -> Desk:
    """A new desk kept as the latest; the oldest go past KEPT (a second tab may still be on a recent one)."""
    kept[PREFIX + desk.id] = desk
    kept[LATEST] = desk.id
    desks = [k for k, v in kept.items() if k.startswith(PREFIX) and isinstance(v, Desk)]
    for key in desks[:-KEPT]:
        del kept[key]
    return desk


def latest(kept: dict[str, Any]) -> Desk | None:
    return desk_of(kept, str(kept.get(LATEST, "")))
