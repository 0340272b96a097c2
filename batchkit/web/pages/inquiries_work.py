"""The Inquiries page's long work, each a Work for bench.tasks: pull (batchkit.inquiries.pull), match
(batchkit.inquiries.run.match_files), the plan of a resolve (resolve_to with dry_run) and the resolve itself
(resolve_to: the API, or the bulk-upload CSV to a drop), exactly once by the journal.

Each work returns a Shown: the template that presents its result and what it needs. Every line an error gives
the page is one line, its credentials scrubbed.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from batchkit.core.config import Config
from batchkit.core.errors import BatchkitError
from batchkit.core.secrets import scrub
from batchkit.web.bench import Bench
from batchkit.web.pages.inquiries_desk import FILE_NAME, Desk, Plan, errors, validate
from batchkit.web.work import Task, Work

API = "api"


@dataclass
class Shown:
    """A finished task's result: the template presenting it, and its context."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


def one_line(text: str) -> str:
    """An error for the page: one line, the account's token and credentials hidden (the page escapes the rest)."""
    first = " ".join(str(text).split())
    return scrub(first, os.environ.get("IMPACT_ACCOUNT_SID", ""), os.environ.get("IMPACT_AUTH_TOKEN", ""))


def flags(bench: Bench) -> dict[str, Any]:
    """The API flags the workbench passes: only its state folder (the account from IMPACT_* and [api])."""
    return {"state_dir": str(bench.settings.state_dir)}


# ------------------------------------------------------------------ pull and match


def pull_work(bench: Bench, desk: Desk, status: str | None, since: datetime | None) -> Work:
    def work(task: Task) -> Shown:
        from batchkit.api.settings import api_settings
        from batchkit.inquiries.pull import pull_inquiries
        from batchkit.inquiries.read import read_inquiries

        api = api_settings(bench.config(), flags(bench), os.environ)
        task.report("asking impact.com for the campaign's inquiries")
        with tempfile.TemporaryDirectory(prefix="batchkit-pull-") as folder:
            target = Path(folder) / "inquiries.csv"
            got = pull_inquiries(api, target, status=status, since=since, notify=task.report)
            upload = bench.uploads.add_file("inquiries.csv", target.read_bytes())
        desk.inquiries_id, desk.inquiries = upload.id, read_inquiries(upload.path)
        told = ", ".join(f"{n} {s}" for s, n in sorted(got.by_status.items())) or "none"
        return Shown("inquiries_pulled.html", {"desk": desk, "pulled": f"Pulled {got.inquiries:,} inquiries "
                                               f"({told}) in {got.requests} request(s)."})
    return work


def since_of(text: str) -> datetime | None:
    """The "changed since" date of the pull form (YYYY-MM-DD), None when empty; ValueError when not a date."""
    text = text.strip()
    return datetime.fromisoformat(text).replace(tzinfo=UTC) if text else None


def match_work(bench: Bench, desk: Desk, export: Any, preset: str | None) -> Work:
    def work(task: Task) -> Shown:
        from batchkit.inquiries.run import match_files, open_actions

        config = bench.config()
        inquiries = bench.uploads.get(desk.inquiries_id)
        if inquiries is None:
            raise BatchkitError("the pulled inquiries are gone (kept [serve] keep_days): pull again")
        task.report(f"matching {len(desk.inquiries):,} inquiries against {export.name}")
        mirror, missing = open_actions(config, flags(bench), os.environ)
        try:
            with tempfile.TemporaryDirectory(prefix="batchkit-match-") as folder:
                outcome = match_files(inquiries.path, export.path, config, Path(folder) / FILE_NAME, preset,
                                      overwrite=True, mirror=mirror, mirror_missing=missing)
        finally:
            if mirror is not None:
                mirror.close()
        desk.export_name = export.name
        desk.propose(outcome.decisions, outcome.summary)
        validate(desk, config)
        return Shown("inquiries_matched.html", {"desk": desk, "places": destinations(config)})
    return work


# ------------------------------------------------------------------ where a resolve goes


def destinations(config: Config) -> list[tuple[str, str]]:
    """(to, label) of each place a resolve may go: the API first, then [deliver] to and [serve] destinations."""
    found = [(API, "impact.com API: one PUT /ActionInquiries per inquiry")]
    named = [config.table("deliver").get("to"), *config.table("serve").get("destinations", [])]
    for to in named:
        if isinstance(to, str) and to.strip() and to.strip() != API and to not in [t for t, _ in found]:
            found.append((to, f"{to}: the bulk-upload CSV, for a person to upload in impact.com's web app"))
    return found


def delivery(bench: Bench, config: Config, to: str) -> tuple[Any, Any]:
    """(DeliverySettings, Destination) for `to`, with the workbench's state folder."""
    from batchkit.delivery.channels import destination_of
    from batchkit.delivery.settings import resolve_settings

    settings = resolve_settings(config, {"to": to, **flags(bench)}, os.environ, flags(bench))
    return settings, destination_of(settings)


def where(dest: Any) -> str:
    """Where a resolve goes, in words (never a credential: the account's SID and the campaign are not secret)."""
    api = getattr(dest, "settings", None)
    if api is not None and hasattr(api, "campaign_id"):
        from batchkit.inquiries.resolve import inquiries_url

        return f"impact.com API, account {api.account_sid}, campaign {api.campaign_id} ({inquiries_url(api)})"
    return f"{dest.url} (the bulk-upload CSV {FILE_NAME}, for a person to upload in impact.com's web app)"


# ------------------------------------------------------------------ the plan and the resolve


def plan_of(bench: Bench, desk: Desk, destination: int) -> dict[str, Any]:
    """Validate the grid; when clean, write the file, dry-run the resolve, and make a one-time plan."""
    config = bench.config()
    places = destinations(config)
    destination = destination if 0 <= destination < len(places) else 0
    findings = validate(desk, config)
    shown: dict[str, Any] = {"desk": desk, "places": places, "destination": destination,
                             "errors": errors(findings), "rows": len(desk.cells)}
    if shown["errors"]:
        return shown
    with desk.lock:
        upload = bench.uploads.add_file(FILE_NAME, desk.csv_text().encode("utf-8"))
        plan = desk.new_plan(upload.id, destination)
    settings, dest = delivery(bench, config, places[destination][0])
    return shown | {"plan": plan, "where": where(dest), "preview": preview(bench, config, upload.path, dest, settings)}


def preview(bench: Bench, config: Config, path: Path, dest: Any, settings: Any) -> dict[str, Any]:
    """What the resolve would do, by the journal: {"counts": {...}, "lines": [...], "to_send": resolutions}."""
    from batchkit.inquiries.run import resolve_to
    from batchkit.state.ledger import Ledger

    ledger = Ledger(bench.settings.state_dir)
    try:
        got = resolve_to(path, config, dest, settings, ledger, dry_run=True)
    finally:
        ledger.close()
    if got.summary is not None:
        counts = dict(got.summary.counts)
        return {"counts": counts, "lines": [], "to_send": sum(n for k, n in counts.items() if not k.startswith(
            "would skip"))}
    fresh = any(r.outcome != "would-skip" for r in got.results)  # a drop: the file's rows go together, or none
    return {"counts": {}, "lines": got.lines(), "to_send": plan_rows(path) if fresh else 0}


def plan_rows(path: Path) -> int:
    from batchkit.inquiries.resolution import read_resolutions

    return len(read_resolutions(path))


def resolve_work(bench: Bench, desk: Desk, plan: Plan) -> Work:
    def work(task: Task) -> Shown:
        from batchkit.delivery.errors import DeliveryError
        from batchkit.inquiries.resolution import read_resolutions
        from batchkit.inquiries.run import resolve_to
        from batchkit.state.ledger import Ledger

        config = bench.config()
        upload = bench.uploads.get(plan.upload_id)
        if upload is None:
            raise BatchkitError("this plan's file is gone (kept [serve] keep_days): show the plan again")
        settings, dest = delivery(bench, config, destinations(config)[plan.destination][0])
        rows, problem, got = read_resolutions(upload.path), "", None
        task.report(f"resolving {len(rows):,} inquiries")
        ledger = Ledger(bench.settings.state_dir)
        try:
            before = journal_states(ledger, dest, rows)
            try:
                got = resolve_to(upload.path, config, dest, settings, ledger, notify=task.report)
            except DeliveryError as exc:  # refused, unknown or not sent: the rows say which
                problem = one_line(str(exc))
            after = journal_states(ledger, dest, rows)
        finally:
            ledger.close()
        return Shown("inquiries_resolved.html", resolved(desk, rows, before, after, got, problem, where(dest)))
    return work


def journal_states(ledger: Any, dest: Any, rows: list[Any]) -> dict[str, Any]:
    """Inquiry Id -> its resolution's journal entry (through the API; a drop's file says for its rows)."""
    api = getattr(dest, "settings", None)
    if api is None or not hasattr(api, "account_sid"):
        return {}
    from batchkit.core.change import inquiry_change

    keys = {r.inquiry_id: inquiry_change(api.account_sid, r.form()).key for r in rows}
    found = ledger.journal.of(list(keys.values()))
    return {i: found.get(k) for i, k in keys.items()}


def resolved(desk: Desk, rows: list[Any], before: dict[str, Any], after: dict[str, Any], got: Any, problem: str,
             place: str) -> dict[str, Any]:
    """The result page's context: one outcome per inquiry, the summary line, and whether anything was sent."""
    notes = list(got.summary.notes) if got is not None and got.summary is not None else []
    outcomes = [outcome(r, before.get(r.inquiry_id), after.get(r.inquiry_id), notes, got) for r in rows]
    desk.outcomes = {o["id"]: o for o in outcomes}
    requests = got.summary.requests if got is not None and got.summary is not None else None
    earlier = sum(o["kind"] == "earlier" for o in outcomes)
    return {"desk": desk, "outcomes": outcomes, "problem": problem, "where": place,
            "lines": got.lines() if got is not None else [], "requests": requests,
            "already": bool(rows) and earlier == len(rows) and not requests}


def outcome(r: Any, before: Any, after: Any, notes: list[str], got: Any) -> dict[str, str]:
    """One inquiry's outcome in words: resolved now, resolved earlier, refused (impact.com's reason), unknown,
    not sent; a drop's rows take their file's outcome."""
    said = "; ".join(n for n in notes if f"inquiry {r.inquiry_id} " in n or f"inquiry {r.inquiry_id}:" in n)
    base = {"id": r.inquiry_id, "row": str(r.row), "status": r.status, "reason": r.get("Resolution Reason")}
    if after is None and got is not None and got.summary is None:
        told = "; ".join(got.lines())
        if all(f.outcome == "skipped" for f in got.results):
            return base | {"kind": "earlier", "text": "delivered earlier: not sent again", "note": told}
        return base | {"kind": "drop", "text": "in the bulk-upload CSV, for a person to upload", "note": told}
    state = after.state if after is not None else ""
    if state in ("applied", "queued", "delivered"):
        done_before = before is not None and before.state in ("applied", "queued", "delivered")
        kind = "earlier" if done_before else "done"
        text = "resolved earlier: not sent again" if done_before else "resolved"
        return base | {"kind": kind, "text": text, "note": said}
    if state == "refused":
        return base | {"kind": "refused", "text": "refused by impact.com", "note": after.reason or said}
    if state == "unknown":
        return base | {"kind": "unknown", "text": "unknown: check it on impact.com before sending again",
                       "note": after.reason or said}
    return base | {"kind": "not-sent", "text": "not sent", "note": (after.reason if after is not None else "") or said}
