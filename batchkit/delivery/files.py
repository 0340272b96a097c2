"""Deliver validated batch files exactly once to a destination (no paramiko here).

Every file is hashed, validated and checked against the ledger before anything is sent; each is
recorded as `sending`, `committing` (just before the final rename), then `delivered`. Transient
failures are retried over a fresh session with capped exponential backoff and jitter.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from batchkit.core.backoff import backoff_delay as delay
from batchkit.core.config import Config, load_config
from batchkit.core.errors import UsageError
from batchkit.core.findings import Report
from batchkit.delivery.connect import connector_for
from batchkit.delivery.errors import (
    DeliveryError,
    InvalidFiles,
    LedgerError,
    TransientError,
    UncertainDelivery,
    UnrecordedDelivery,
)
from batchkit.delivery.failpoints import crash_point
from batchkit.delivery.earlier import Known, account_of, known, refuse_repeats, rows_for_journal, summary
from batchkit.delivery.prepare import Check, FilePlan, prepare
from batchkit.state.ledger import Ledger
from batchkit.delivery.records import DeliveryResult, LedgerEntry, Outgoing
from batchkit.delivery.settings import DeliverySettings
from batchkit.delivery.targets import Connector, Destination, Session



def result_of(item: Outgoing, dest: Destination, outcome: str, **kw: Any) -> DeliveryResult:
    return DeliveryResult(item.path, item.name, item.size, item.sha256, dest.url, outcome, **kw)


def check_files(paths: list[Path], config: Config | None) -> Report:
    """Validate the files as one batch; raise InvalidFiles (exit 1) when any has errors."""
    return Report([fp.report for fp in prepare(paths, config or load_config())])


def deliver_files(paths: list[Path], dest: Destination, settings: DeliverySettings, ledger: Ledger,
                  resend: bool = False, dry_run: bool = False, plans: list[FilePlan] | None = None,
                  connector: Connector | None = None, check: Check | None = None) -> list[DeliveryResult]:
    """Validate, then deliver each file exactly once, in order: a file whose records all reached impact.com
    earlier (the journal, whichever file or channel sent them) or whose content went to `dest` is skipped; one
    with only some of them is refused (BK804, nothing sent) unless `resend`.

    `plans`: the files already prepared (delivery/prepare.py: hashed, validated, planned) — they must be exactly
    these paths. `check` adds findings to the validated files first (preflight, README "Preflight").
    `connector` opens sessions to `dest` (default: connect.connector_for, a folder or an SFTP drop).
    A failure stops the run and raises a DeliveryError whose `results` say what happened to each file.
    """
    ledger.check()  # a state directory, ledger or lock that cannot be used fails now, dry run or not
    if plans is None:
        plans = prepare(list(paths), settings.config or load_config(), check)
    elif [fp.item.path for fp in plans] != [Path(p) for p in paths]:
        raise UsageError("the prepared files given are not these files")
    account = settings.account or account_of(settings.config)  # --account-sid, else IMPACT_ACCOUNT_SID / [api]
    if dry_run:
        return _dry_run(plans, [known(fp, account, ledger.journal) for fp in plans], dest, ledger, resend)
    run = _Run(dest, settings, ledger, connector or connector_for(dest, settings))
    results: list[DeliveryResult] = []
    with ledger.locked(settings.lock_wait):
        knowns = _checked(plans, account, ledger, dest.url, resend)
        try:
            run.remove_leftovers()
            for fp, k in zip(plans, knowns):
                results.append(run.deliver(fp, k, resend))
        except DeliveryError as exc:
            rest = plans[len(results) + len(exc.results):]
            exc.results = results + exc.results + [result_of(fp.item, dest, "not-attempted") for fp in rest]
            raise
        finally:
            run.close()
    return results


def _checked(plans: list[FilePlan], account: str, ledger: Ledger, destination: str, resend: bool) -> list[Known]:
    """What the journal knows of each file's records; InvalidFiles (BK804) for a file of which only some were
    sent earlier (unless `resend`)."""
    knowns = [Known([]) if _sent_before(fp, ledger, destination, resend) else known(fp, account, ledger.journal)
              for fp in plans]
    _refuse_repeats(plans, knowns, destination, resend)
    return knowns


def _sent_before(fp: FilePlan, ledger: Ledger, destination: str, resend: bool) -> bool:
    """This very content went to this destination before: the file is skipped (or recovered) as a whole, so its
    records need not be looked up one by one (a rerun of a big file costs one query)."""
    before = None if resend else ledger.last(fp.item.sha256, destination)
    return before is not None and before.outcome == "delivered"


def _refuse_repeats(plans: list[FilePlan], knowns: list[Known], destination: str, resend: bool) -> None:
    """InvalidFiles (BK804 at the rows) when a file holds records sent earlier beside new ones (unless `resend`)."""
    if not resend and [refuse_repeats(fp, k, destination) for fp, k in zip(plans, knowns)
                       if not k.all_done].count(True):
        raise InvalidFiles(Report([fp.report for fp in plans]))


def _dry_run(plans: list[FilePlan], knowns: list[Known], dest: Destination, ledger: Ledger,
             resend: bool) -> list[DeliveryResult]:
    """What a delivery would do; raises the first problem the destination shows without connecting."""
    _refuse_repeats(plans, knowns, dest.url, resend)
    results, first = [], None
    for fp, k in zip(plans, knowns):
        result = _preview(fp.item, k, dest, ledger, resend)
        if result.outcome == "would-send":
            try:
                dest.check(fp.item)
            except DeliveryError as exc:
                result = result_of(fp.item, dest, "would-fail", error=str(exc))
                first = first or exc
        results.append(result)
    if first is not None:
        first.results = results
        raise first
    return results


def _preview(item: Outgoing, k: Known, dest: Destination, ledger: Ledger, resend: bool) -> DeliveryResult:
    before = None if resend else ledger.last(item.sha256, dest.url)
    if before is None and not resend and k.all_done:
        return result_of(item, dest, "would-skip", at=min(e.sent_at or "" for _, e in k.done), note=summary(k))
    if before is None:
        return result_of(item, dest, "would-send")
    if before.outcome == "delivered":
        return result_of(item, dest, "would-skip", at=before.finished_at, entry=before)
    return result_of(item, dest, "uncertain", entry=before,
                   error=f"an earlier delivery of this content ({before.name}) was interrupted during its final rename: "
                         f"a real run looks at the drop first (the file there counts as delivered; our .{before.name}"
                         ".commit alone: its rename is completed now; only its .part: sent again; nothing at all: "
                         "delivered where the rename is atomic; anything else: you are asked to check with the "
                         "partner)")


def _uncertain(item: Outgoing, dest: Destination, entry: LedgerEntry, state: str) -> str:
    """Why an interrupted delivery cannot be settled from what the drop holds (`state`, Session.probe's)."""
    return (f"an earlier delivery of this content ({entry.name}) to {dest.url} was interrupted during its final "
            f"rename on {entry.finished_at or entry.started_at}, and the drop holds {_found(entry.name, state)}: "
            "the partner may already have it; ask them, then run with --resend to send it again")


def _found(name: str, state: str) -> str:
    """What the drop holds of a delivery whose final step may or may not have happened, in words."""
    if state == "committing":
        return f"only .{name}.commit, and its final step there is a link, which may already have happened"
    if state == "foreign":
        return f".{name}.commit with other content than this file (not batchkit's: left untouched; move it away)"
    if state == "different":
        return f"another file (other content) under {name}"
    return (f"neither {name} nor its .part or .commit (no proof that it arrived where the final step is not one "
            "atomic rename)")


class _Run:
    """One delivery run: one session reused across files, a fresh one after each transient failure."""

    def __init__(self, dest: Destination, settings: DeliverySettings, ledger: Ledger, connector: Connector) -> None:
        self.dest, self.settings, self.ledger = dest, settings, ledger
        self.connector = connector
        self.session: Session | None = None

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    def deliver(self, fp: FilePlan, k: Known, resend: bool) -> DeliveryResult:
        item = fp.item
        before = None if resend else self.ledger.last(item.sha256, self.dest.url)
        if before is not None and before.outcome == "delivered":
            return result_of(item, self.dest, "skipped", at=before.finished_at, entry=before)
        if before is None and not resend and k.all_done:
            return result_of(item, self.dest, "skipped", at=min(e.sent_at or "" for _, e in k.done), note=summary(k))
        if before is not None:
            recovered = self._recover(item, before)
            if recovered is not None:
                return recovered
        entry_id = self.ledger.begin(item.name, item.sha256, item.size, self.dest.url, _source(item))
        self.ledger.journal.record_file(entry_id, rows_for_journal(k))
        again = len(k.done) + len(k.unknown)
        note = f"{again} of its record(s) reached impact.com earlier: sent again (--resend)" if resend and again else None
        started = time.monotonic()
        try:
            remote, attempts = self._send(item, entry_id)
        except DeliveryError as exc:
            uncertain = isinstance(exc, UncertainDelivery)
            entry = self.ledger.update(entry_id, "unknown" if uncertain else "failed", attempts=exc.attempts,
                                       error=str(exc))
            exc.results = [result_of(item, self.dest, "uncertain" if uncertain else "failed", attempts=exc.attempts,
                                   error=str(exc), entry=entry)]
            raise
        try:
            entry = self.ledger.update(entry_id, "delivered", attempts=attempts, remote=remote)
            crash_point("recorded")
        except LedgerError as exc:  # a full state disk: the file is in the drop all the same
            unrecorded = UnrecordedDelivery(f"{item.name} was delivered, but the ledger could not record it ({exc}); "
                                            "the next run finds it in the drop and records it")
            unrecorded.results = [result_of(item, self.dest, "delivered", attempts=attempts, remote=remote,
                                          seconds=time.monotonic() - started)]
            raise unrecorded from None
        return result_of(item, self.dest, "delivered", attempts=attempts, at=entry.finished_at, remote=remote,
                         seconds=time.monotonic() - started, entry=entry, note=note)

    def remove_leftovers(self) -> None:
        """Remove the .part files that killed uploads of ours left in the drop (by the ledger's record of
        them: never anyone else's), and say so in the ledger."""
        for entry in self.ledger.interrupted_uploads(self.dest.url):
            if self.session is None:
                self.session = self.connector.connect()
            self.session.discard(Outgoing(Path(entry.name), entry.name, entry.size, entry.sha256))
            self.ledger.update(entry.id, "failed", error=f"{entry.error}; its temporary was removed from the drop")

    def _recover(self, item: Outgoing, before: LedgerEntry) -> DeliveryResult | None:
        """An earlier delivery of this content was interrupted during its final rename: look at the drop.

        The file there under the earlier name with this content: it was delivered (recorded now). Only
        its .part there: the rename never happened, so send again (None). Where the session renames
        atomically (Session.atomic): our .NAME.commit alone means the rename never happened, so it is
        completed now; nothing at all means it happened and the partner picked the file up. Otherwise (a
        .commit that may be a link that happened, other content under either name) refuse to guess,
        touching nothing.
        """
        earlier = replace(item, name=before.name)
        session, state = self._look(item, earlier, before)
        if state == "same":
            session.discard(earlier)  # killed between the link and the unlink: the .commit is ours
            return self._recorded(item, before, f"found {before.name} in the drop: the interrupted delivery had "
                                  "completed, recorded as delivered now")
        if state == "part":
            self.ledger.update(before.id, "failed", error=f"recovered: found only .{before.name}.part: the final "
                               "rename never happened; sent again")
            return None
        if state == "committing" and session.atomic:
            completed = self._complete(item, earlier, before)
            if completed is not None:
                return completed
        elif state == "absent" and session.atomic:
            return self._recorded(item, before, f"found neither {before.name} nor .{before.name}.commit: the "
                                  "atomic rename had happened and the partner picked the file up; recorded as "
                                  "delivered now")
        refused = UncertainDelivery(_uncertain(item, self.dest, before, state))
        refused.results = [result_of(item, self.dest, "uncertain", error=str(refused), entry=before)]
        raise refused

    def _look(self, item: Outgoing, earlier: Outgoing, before: LedgerEntry) -> tuple[Session, str]:
        """The session, and what the drop holds of `earlier` (Session.probe)."""
        try:
            if self.session is None:
                self.session = self.connector.connect()
            return self.session, self.session.probe(earlier)
        except DeliveryError as exc:
            exc.results = [result_of(item, self.dest, "failed", error=str(exc), entry=before)]
            raise

    def _recorded(self, item: Outgoing, before: LedgerEntry, note: str) -> DeliveryResult:
        """Record the interrupted delivery `before` as delivered (it was: `note` says how that is known)."""
        entry = self.ledger.update(before.id, "delivered", remote=self.dest.remote(before.name),
                                   error=f"recovered: {note}")
        return result_of(item, self.dest, "skipped", at=entry.finished_at, entry=entry, note=note)

    def _complete(self, item: Outgoing, earlier: Outgoing, before: LedgerEntry) -> DeliveryResult | None:
        """Rename our .NAME.commit of the interrupted delivery `before` into place and record it delivered;
        None when the session finds now that it cannot rename atomically (the .commit alone is then ambiguous)."""
        assert self.session is not None
        found, started = f".{before.name}.commit", time.monotonic()
        try:
            remote = self.session.finish(earlier)
        except DeliveryError as exc:  # nothing was renamed, and the session removed its .commit if it could
            entry = self.ledger.update(before.id, "failed", error=f"recovery: found {found} of an interrupted "
                                       f"delivery but could not complete it: {exc}")
            exc.results = [result_of(item, self.dest, "failed", error=str(exc), entry=entry)]
            raise
        if remote is None:
            return None
        note = f"found {found} of an interrupted delivery: completed it"
        entry = self.ledger.update(before.id, "delivered", attempts=1, remote=remote, error=f"recovered: {note}")
        return result_of(item, self.dest, "delivered", attempts=1, at=entry.finished_at, remote=remote,
                         seconds=time.monotonic() - started, entry=entry, note=note)

    def _send(self, item: Outgoing, entry_id: int) -> tuple[str, int]:
        committing = False

        def commit() -> None:
            nonlocal committing
            committing = True
            self.ledger.update(entry_id, "committing")

        attempt = 0
        while True:
            attempt += 1
            try:
                if self.session is None:
                    self.session = self.connector.connect()
                if committing:  # the last attempt died during the rename: did it happen?
                    state = self.session.probe(item)
                    if state == "same" or (state == "absent" and self.session.atomic):  # it did
                        self.session.discard(item)  # a link happened: our temporary is left over
                        return self.dest.remote(item.name), attempt
                    if state == "part":
                        committing = False
                        self.ledger.update(entry_id, "sending")
                    elif not (state == "committing" and self.session.atomic):  # else put renames our .commit
                        raise UncertainDelivery(f"the connection broke during the final rename of {item.name} and "
                                                f"the drop holds {_found(item.name, state)}: the partner may have "
                                                "picked it up; ask them, then run with --resend if they did not")
                return self.session.put(item, commit), attempt
            except TransientError as exc:
                self.close()
                if attempt <= self.settings.retries:
                    time.sleep(backoff_delay(attempt, self.settings))
                    continue
                final: DeliveryError = exc
                if committing:
                    final = UncertainDelivery(f"{exc} during the final rename of {item.name}: the partner may "
                                              "have the file; ask them, then run with --resend if they do not")
                final.attempts = attempt
                final.args = (f"{final} (gave up after {attempt} attempts)",)
                raise final from None
            except DeliveryError as exc:
                self.close()
                exc.attempts = attempt
                raise


def _source(item: Outgoing) -> str | None:
    """The absolute path of the file sent, for the ledger (None when it cannot be told)."""
    try:
        return str(item.path.resolve())
    except (OSError, RuntimeError):
        return None


def backoff_delay(attempt: int, settings: DeliverySettings) -> float:
    """The one backoff (core/backoff.py) with the delivery's base and cap."""
    return delay(attempt, settings.backoff, settings.backoff_cap)
