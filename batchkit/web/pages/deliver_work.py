"""The Deliver page's two pieces of work, as tasks: the plan (a dry run: what would go, what went earlier, the
requests and time for the API) and the delivery the user confirmed (deliver_paths, exactly once), each ending in a
view of the files and their records. Errors become what the page shows: InvalidFiles its findings, RefusedWrites
(exit 1) the refused rows, a DeliveryError (exit 3) one line and the per-file results; never a traceback, never
the token (batchkit.core.secrets.scrub)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchkit.core.config import Config
from batchkit.core.errors import BatchkitError
from batchkit.core.findings import Report
from batchkit.core.secrets import scrub
from batchkit.delivery.channels import deliver_paths, destination_of
from batchkit.delivery.errors import DeliveryError, InvalidFiles
from batchkit.delivery.prepare import prepare
from batchkit.delivery.records import DeliveryResult
from batchkit.delivery.settings import DeliverySettings
from batchkit.delivery.viaapi.destination import ApiDestination
from batchkit.state.ledger import Ledger
from batchkit.web.pages.deliver_dest import Choice, settings_for
from batchkit.web.pages.deliver_records import FileRecords, records_of
from batchkit.web.work import Task


@dataclass(frozen=True)
class Picked:
    """What a plan is about: the uploads (id, name, path) and the destination chosen."""

    files: list[tuple[str, str, Path]]
    choice: Choice


@dataclass
class DeliverView:
    """A plan or a delivery, as the page shows it."""

    picked: Picked
    planning: bool
    destination: str = ""
    results: list[DeliveryResult] = field(default_factory=list)
    records: list[FileRecords] = field(default_factory=list)
    plan_line: str = ""  # the API: requests and time at the account's rate
    advice: str = ""
    error: str = ""  # one line
    exit_code: int = 0
    invalid: Report | None = None
    token: str = ""  # the plan's one-time token (the confirm form carries it)

    @property
    def nothing_to_send(self) -> bool:
        """The plan sends nothing: every file (or every record of it) reached impact.com earlier."""
        return bool(self.results) and all(r.outcome == "would-skip" for r in self.results)

    @property
    def all_skipped(self) -> bool:
        return bool(self.results) and all(r.outcome == "skipped" for r in self.results)

    @property
    def refused(self) -> int:
        return sum(r.counts.get("refused", 0) for r in self.records)

    @property
    def unknown(self) -> int:
        return sum(r.counts.get("unknown", 0) for r in self.records)


def one_line(text: str) -> str:
    """An error for the page: the account and token hidden, one line."""
    hidden = scrub(text, os.environ.get("IMPACT_ACCOUNT_SID", ""), os.environ.get("IMPACT_AUTH_TOKEN", ""))
    return " ".join(hidden.split())


def _guarded(view: DeliverView, run: Callable[[], None]) -> None:
    """Run `run`, turning the delivery's errors into the view's (InvalidFiles: findings; others: one line)."""
    try:
        run()
    except InvalidFiles as exc:
        view.invalid, view.error, view.exit_code = exc.report, one_line(str(exc)), exc.exit_code
    except DeliveryError as exc:
        view.error, view.exit_code = one_line(str(exc)), exc.exit_code
        view.results = view.results or list(exc.results)
    except BatchkitError as exc:  # LockBusy, LedgerError, ConfigError, UsageError, ...
        view.error, view.exit_code = one_line(str(exc)), exc.exit_code


def _records(view: DeliverView, config: Config, settings: DeliverySettings, ledger: Ledger,
             dest: Any) -> None:
    """The record lines (the files are prepared again: the journal is asked about each record's change)."""
    if view.invalid is not None:
        return
    api = isinstance(dest, ApiDestination)
    this_run = {r.entry.id for r in view.results if r.entry is not None and r.outcome in
                ("delivered", "refused", "uncertain", "failed")} if not view.planning else set()
    try:
        plans = prepare([p for _, _, p in view.picked.files], config, strict=api)
    except BatchkitError:
        return
    account = dest.settings.account_sid if api else None
    view.records = records_of(plans, config, account, ledger.journal, this_run, view.planning)


def plan_work(task: Task, config: Config, picked: Picked) -> DeliverView:
    """The dry run: nothing is sent, nothing connects."""
    return _work(task, config, picked, planning=True)


def deliver_work(task: Task, config: Config, picked: Picked) -> DeliverView:
    """The delivery the user confirmed (started once per plan token)."""
    return _work(task, config, picked, planning=False)


def _work(task: Task, config: Config, picked: Picked, planning: bool) -> DeliverView:
    """Plan or deliver `picked`, then look up each record in the journal."""
    view = DeliverView(picked, planning=planning)
    settings = settings_for(config, picked.choice)
    dest = destination_of(settings)
    view.destination = dest.url
    paths = [p for _, _, p in picked.files]
    ledger = Ledger(settings.state_dir)
    try:
        if planning:
            task.report("validating and planning")
            _guarded(view, lambda: _plan(view, paths, dest, settings, ledger))
        else:
            task.report("validating, then sending")
            _guarded(view, lambda: _deliver(task, view, paths, dest, settings, ledger))
        task.report("looking up each record in the journal")
        _guarded(view, lambda: _records(view, config, settings, ledger, dest))
    finally:
        ledger.close()
    return view


def _plan(view: DeliverView, paths: list[Path], dest: Any, settings: DeliverySettings, ledger: Ledger) -> None:
    if isinstance(dest, ApiDestination):
        from batchkit.delivery.viaapi.send import describe_plan, preview_via_api

        view.results, requests, hours, advice = preview_via_api(paths, dest.settings, settings, ledger)
        view.plan_line, view.advice = describe_plan(requests, hours, dest.settings), advice or ""
        return
    view.results = deliver_paths(paths, dest, settings, ledger, dry_run=True)


def _deliver(task: Task, view: DeliverView, paths: list[Path], dest: Any, settings: DeliverySettings,
             ledger: Ledger) -> None:
    def progress(p: Any) -> None:
        task.report(f"{p.done:,} of {p.total:,} records, {p.requests:,} requests, about {p.left_seconds:,.0f} s left",
                    p.done, p.total)

    api = isinstance(dest, ApiDestination)
    view.results = deliver_paths(paths, dest, settings, ledger, progress=progress if api else None)
