"""Deliver validated batch files exactly once to a destination (no paramiko here).

Every file is hashed, validated and checked against the ledger before anything is sent; each is
recorded as `sending`, `committing` (just before the final rename), then `delivered`. Transient
failures are retried over a fresh session with capped exponential backoff and jitter.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from batchkit.core.config import Config, load_config
from batchkit.core.errors import InputError, UsageError
from batchkit.core.findings import Report
from batchkit.core.names import RESERVED_PREFIXES, is_reserved
from batchkit.deliver.connect import connector_for
from batchkit.deliver.errors import (
    DeliveryError,
    InvalidFiles,
    LedgerError,
    TransientError,
    UncertainDelivery,
    UnrecordedDelivery,
)
from batchkit.deliver.failpoints import crash_point
from batchkit.deliver.ledger import Ledger
from batchkit.deliver.records import DeliveryResult, LedgerEntry, Outgoing, sha256_file
from batchkit.deliver.settings import DeliverySettings
from batchkit.deliver.targets import Connector, Destination, Session

NAME_MAX = 255  # bytes of one file name, locally and on OpenSSH's servers


def outgoing(paths: list[Path]) -> list[Outgoing]:
    items, names = [], set()
    for path in map(Path, paths):
        name = path.name
        try:
            is_file = path.is_file()
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
        if not is_file:
            raise InputError(f"{path}: no such file" + (" (it is a folder)" if path.is_dir() else ""))
        if path.suffix.lower() != ".csv":
            raise UsageError(f"{path}: only .csv batch files can be delivered")
        if name.startswith(".") or is_reserved(name):
            reserved = " or ".join(repr(p) for p in RESERVED_PREFIXES)
            raise UsageError(f"{path}: names starting with '.', {reserved} are ignored by "
                             "impact.com's drop: rename the file")
        if name in names:
            raise UsageError(f"{path}: two files named {name} in one delivery")
        if len(os.fsencode(f".{name}.part")) > NAME_MAX:
            raise UsageError(f"{path}: the name is too long to deliver: its temporary name .NAME.part would pass "
                             f"{NAME_MAX} bytes; rename it to at most {NAME_MAX - 6} bytes")
        names.add(name)
        try:
            digest, size = sha256_file(path)
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
        items.append(Outgoing(path, name, size, digest))
    return items


def result_of(item: Outgoing, dest: Destination, outcome: str, **kw: Any) -> DeliveryResult:
    return DeliveryResult(item.path, item.name, item.size, item.sha256, dest.url, outcome, **kw)


def check_files(paths: list[Path], config: Config | None) -> Report:
    """Validate the files as one batch; raise InvalidFiles (exit 1) when any has errors."""
    from batchkit.validate.engine import validate_paths

    report = validate_paths([str(p) for p in paths], config or load_config())
    if not report.valid:
        raise InvalidFiles(report)
    return report


def deliver_files(paths: list[Path], dest: Destination, settings: DeliverySettings, ledger: Ledger,
                  resend: bool = False, dry_run: bool = False, report: Report | None = None,
                  connector: Connector | None = None,
                  check: Callable[[list[Path]], Report] | None = None) -> list[DeliveryResult]:
    """Validate, then deliver each file exactly once (per content and destination), in order.

    Pass `report` only if it is a valid report of exactly these paths (it then skips validation).
    `check` replaces the validation (after the files are hashed): it raises InvalidFiles or returns the
    report, e.g. validation and preflight (README "Preflight").
    `connector` opens sessions to `dest` (default: connect.connector_for, a folder or an SFTP drop).
    A failure stops the run and raises a DeliveryError whose `results` say what happened to each file.
    """
    items = outgoing(list(paths))  # hashed before validation: what is sent is what was validated
    ledger.check()  # a state directory, ledger or lock that cannot be used fails now, dry run or not
    if report is None and check is not None:
        check([i.path for i in items])
    elif report is None:
        check_files([i.path for i in items], settings.config)
    elif not report.valid or [f.path for f in report.files] != [str(i.path) for i in items]:
        raise UsageError("the validation report given does not belong to these files")
    if dry_run:
        return _dry_run(items, dest, ledger, resend)
    run = _Run(dest, settings, ledger, connector or connector_for(dest, settings))
    results: list[DeliveryResult] = []
    with ledger.locked(settings.lock_wait):
        try:
            run.remove_leftovers()
            for item in items:
                results.append(run.deliver(item, resend))
        except DeliveryError as exc:
            rest = items[len(results) + len(exc.results):]
            exc.results = results + exc.results + [result_of(i, dest, "not-attempted") for i in rest]
            raise
        finally:
            run.close()
    return results


def _dry_run(items: list[Outgoing], dest: Destination, ledger: Ledger, resend: bool) -> list[DeliveryResult]:
    """What a delivery would do; raises the first problem the destination shows without connecting."""
    results, first = [], None
    for item in items:
        result = _preview(item, dest, ledger, resend)
        if result.outcome == "would-send":
            try:
                dest.check(item)
            except DeliveryError as exc:
                result = result_of(item, dest, "would-fail", error=str(exc))
                first = first or exc
        results.append(result)
    if first is not None:
        first.results = results
        raise first
    return results


def _preview(item: Outgoing, dest: Destination, ledger: Ledger, resend: bool) -> DeliveryResult:
    before = None if resend else ledger.last(item.sha256, dest.url)
    if before is None:
        return result_of(item, dest, "would-send")
    if before.outcome == "delivered":
        return result_of(item, dest, "would-skip", at=before.finished_at, entry=before)
    return result_of(item, dest, "uncertain", entry=before,
                   error=f"an earlier delivery of this content ({before.name}) was interrupted during its final rename: "
                         "a real run looks at the drop first (the file there counts as delivered; only its .part: "
                         "sent again; neither: you are asked to check with the partner)")


def _uncertain(item: Outgoing, dest: Destination, entry: LedgerEntry) -> str:
    return (f"an earlier delivery of this content ({entry.name}) to {dest.url} was interrupted during its final "
            f"rename on {entry.finished_at or entry.started_at}, and the drop holds neither the file nor its .part: "
            "the partner may already have it; ask them, then run with --resend to send it again")


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

    def deliver(self, item: Outgoing, resend: bool) -> DeliveryResult:
        before = None if resend else self.ledger.last(item.sha256, self.dest.url)
        if before is not None and before.outcome == "delivered":
            return result_of(item, self.dest, "skipped", at=before.finished_at, entry=before)
        if before is not None:
            recovered = self._recover(item, before)
            if recovered is not None:
                return recovered
        entry_id = self.ledger.begin(item.name, item.sha256, item.size, self.dest.url, _source(item))
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
                       seconds=time.monotonic() - started, entry=entry)

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
        its .part there: the rename never happened, so send again (None). Otherwise (gone, or another
        file under the name) refuse to guess: the partner may have picked it up.
        """
        earlier = replace(item, name=before.name)
        try:
            if self.session is None:
                self.session = self.connector.connect()
            state = self.session.probe(earlier)
        except DeliveryError as exc:
            exc.results = [result_of(item, self.dest, "failed", error=str(exc), entry=before)]
            raise
        if state == "same":
            self.session.discard(earlier)  # killed between the link and the unlink: the .part is ours
            entry = self.ledger.update(before.id, "delivered", remote=self.dest.remote(before.name),
                                       error="recovered: the interrupted final rename had completed")
            return result_of(item, self.dest, "skipped", at=entry.finished_at, entry=entry,
                           note="the interrupted delivery had completed: recorded as delivered now")
        if state == "part":
            self.ledger.update(before.id, "failed", error="recovered: the final rename never happened (only the "
                               ".part was in the drop); sent again")
            return None
        refused = UncertainDelivery(_uncertain(item, self.dest, before))
        refused.results = [result_of(item, self.dest, "uncertain", error=str(refused), entry=before)]
        raise refused

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
                    if state == "same":
                        self.session.discard(item)  # the link happened: our temporary is left over
                        return self.dest.remote(item.name), attempt
                    if state != "part":
                        raise UncertainDelivery(f"the connection broke during the final rename of {item.name} and "
                                                "the file is gone from the drop: the partner may have picked it "
                                                "up; ask them, then run with --resend if they did not")
                    committing = False
                    self.ledger.update(entry_id, "sending")
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
    """Capped exponential backoff with jitter: half the step fixed, half random."""
    step = min(settings.backoff_cap, settings.backoff * 2 ** (attempt - 1))
    return step / 2 + random.uniform(0, step / 2)
