"""batchkit run: the one command a scheduler calls. build -> validate -> deliver -> archive -> results.

[run] in batchkit.toml names the exports to build (globs, relative to the configuration file)
and the archive folder; [build] and [deliver] say how. Built files are staged in the state
directory, delivered exactly once (the ledger skips content already sent), and each delivered
file is archived with its ledger entry. The staging folder is removed at the end. Last, the
platform's verdicts on earlier deliveries are collected (`[run] results`, on by default) and
said in the summary; `[run] fail_on_rejected` makes a rejection learned then exit 1.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sys
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, TextIO

from batchkit.api.settings import api_settings
from batchkit.builder.pipeline import build_files
from batchkit.builder.settings import BuildSettings, load_build_settings
from batchkit.core.config import Config
from batchkit.core.errors import BatchkitError, ConfigError, InputError
from batchkit.core.findings import FileReport, Report
from batchkit.core.names import UNSAFE, without_kind_ids
from batchkit.delivery.archive import archive, archived
from batchkit.delivery.channels import deliver_paths, destination_of
from batchkit.delivery.errors import ArchiveError, DeliveryError, InvalidFiles, LockBusy
from batchkit.state.ledger import Ledger
from batchkit.state.status import summarise
from batchkit.delivery.records import DeliveryResult
from batchkit.delivery.prepare import Check
from batchkit.delivery.settings import DeliverySettings, resolve_settings
from batchkit.io.write import folder_problem
from batchkit.jobs import staging
from batchkit.jobs.preflight import preflight_validated
from batchkit.jobs.settings import load_run_settings
from batchkit.render.escape import printable
from batchkit.render.text import render_text
from batchkit.verdicts.collect import Asking, Results, collect
from batchkit.verdicts.origins import origins_of, record_origins

RESULTS_DAYS = 90  # the verdicts a run collects: deliveries of this many days (impact.com keeps file submissions 90)


@dataclass
class RunSummary:
    """What one run did."""

    inputs: list[Path] = field(default_factory=list)
    built: list[Path] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    archived: list[Path] = field(default_factory=list)
    exit_code: int = 0
    origins: dict[Path, tuple[Path, list[tuple[int, str]]]] = field(default_factory=dict)  # built file -> export rows
    sent: set[int] = field(default_factory=set)  # ledger ids of this run's deliveries
    verdicts: Results | None = None
    attention: list[str] = field(default_factory=list)  # what needs a person (batchkit status)
    planned: dict[str, bytes] = field(default_factory=dict, repr=False)  # the batch files built (for the radar)
    radar: str = ""  # the radar's line: what locks within [radar] warn_days and is not yet applied

    def line(self) -> str:
        told = ", ".join(f"{n} {what}" for what, n in sorted(self.outcomes.items())) or "nothing delivered"
        return (f"run: {len(self.inputs)} export(s), {len(self.built)} batch file(s) built; {told}; "
                f"{len(self.archived)} archived; {self._verdict_text()}exit {self.exit_code}")

    def _verdict_text(self) -> str:
        v = self.verdicts
        if v is None:
            return ""
        fresh = [t for t in v.tallies if t.fresh]
        return (f"verdicts: {len(fresh)} new ({sum(t.accepted for t in fresh):,} accepted, "
                f"{sum(t.rejected for t in fresh):,} rejected), {v.pending:,} record(s) pending; ")


class Log:
    """Timestamped lines on stderr."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr

    def __call__(self, message: str) -> None:
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        print(f"{stamp} batchkit {printable(message)}", file=self.stream, flush=True)  # a name with a newline stays one line


def matching_inputs(patterns: tuple[str, ...]) -> list[Path]:
    """The exports the globs match, sorted, each once."""
    found = {Path(p) for pattern in patterns for p in glob.glob(pattern) if os.path.isfile(p)}
    return sorted(found)


def unmatched_inputs(patterns: tuple[str, ...]) -> list[str]:
    """The globs that match no file: an export feed that stopped (or a typo in [run] inputs)."""
    return [pattern for pattern in patterns if not any(os.path.isfile(p) for p in glob.glob(pattern))]


def _inputs_found(summary: RunSummary, patterns: tuple[str, ...], required: bool, say: Callable[[str], None]) -> bool:
    """True when there is an export to build. One line per [run] inputs glob that matches no file; with `[run]
    require_input = true` such a glob stops the run before anything is built (exit 1, nothing sent), so that a
    broken export feed is noticed by cron rather than a quiet "nothing to do"."""
    missing = unmatched_inputs(patterns)
    for pattern in missing:
        say(f"run: [run] inputs: no file matches {pattern}")
    if missing and required:
        summary.exit_code = 1
        say("run: stopped before building: [run] require_input = true and an input matches no file; nothing was sent")
        return False
    if not summary.inputs:
        say("run: no export to build: nothing to do")
    return bool(summary.inputs)


def export_prefixes(exports: list[Path], prefix: str | None) -> dict[Path, str | None]:
    """The file-name prefix of each export's batch files (None: build's own default, the export's name).

    All builds of one run share one timestamp, so with several exports each gets its own prefix:
    `<[build] prefix>-<export name>`, or the export's name alone without a [build] prefix, with any kind id
    taken out of the export's name (a file name must contain only its own kind), the name cut at 80
    characters, and `-2`, `-3`, ... added when two exports still share a name. A single export keeps
    `[build] prefix` as it is.
    """
    if len(exports) <= 1:
        return {export: prefix for export in exports}
    chosen: dict[Path, str | None] = {}
    used: set[str] = set()
    for export in exports:
        stem = without_kind_ids(export.stem)[:80]  # file names stay well under 255 bytes
        base = re.sub(r"[-_.]*-[-_.]*", "-", UNSAFE.sub("-", "-".join(filter(None, [prefix, stem])))).strip("-.")
        base = base or "batch"
        name, n = base, 1
        while name.lower() in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name.lower())
        chosen[export] = name
    return chosen


def run_job(config: Config, dry_run: bool = False, log: Callable[[str], None] | None = None) -> RunSummary:
    """build -> validate -> deliver -> archive; returns the summary (exit code inside)."""
    say = log or Log()
    job = load_run_settings(config)
    build_settings = load_build_settings(config, None, None, None)
    delivery = resolve_settings(config)
    now = datetime.now(timezone.utc)
    day = job.archive / now.strftime("%Y-%m-%d")
    _check_places(config, delivery, day)  # before anything is built or sent, dry run or not
    summary = RunSummary(inputs=matching_inputs(job.inputs))
    if _inputs_found(summary, job.inputs, job.require_input, say):
        with staging.stage(delivery.state_dir, now) as folder:
            if not dry_run:
                staging.settle_interrupted(delivery.state_dir, folder, _destination_url(config, delivery),
                                           job.archive, day, say)
            _stage_and_deliver(summary, folder, config, build_settings, delivery, now, day, dry_run, say)
    if not dry_run and job.results:
        _collect_verdicts(summary, config, delivery, job.archive, job.fail_on_rejected, say)
    if not dry_run:
        _needs_a_person(summary, delivery)
        _radar(summary, config, say)
    return summary


def _radar(summary: RunSummary, config: Config, say: Callable[[str], None]) -> None:
    """The last line: the lock-date radar over the files built now and the journal's writes not yet applied;
    [radar] fail_days makes an unsent correction locking within them exit 1 (when the run itself went well)."""
    from batchkit.deadlines.run import run_radar

    summary.radar, failing = run_radar(config, summary.planned, notify=say)
    summary.planned = {}
    if failing and summary.exit_code == 0:
        summary.exit_code = 1


def _needs_a_person(summary: RunSummary, delivery: DeliverySettings) -> None:
    """The journal's writes that need a person (this run's and earlier ones'): listed after the summary, so that
    cron mail shows them; they set the exit code (3 unknown, 1 refused) when the run itself went well."""
    ledger = Ledger(delivery.state_dir)
    try:
        if not ledger.exists():
            return
        status = summarise(ledger, last=0)
    finally:
        ledger.close()
    summary.attention = status.attention_lines()
    if summary.exit_code == 0:
        summary.exit_code = status.exit_code


def _stage_and_deliver(summary: RunSummary, stage: Path, config: Config, build_settings: BuildSettings,
                       delivery: DeliverySettings, now: datetime, day: Path, dry_run: bool,
                       say: Callable[[str], None]) -> RunSummary:
    """Build every export into `stage`, then deliver and archive; `stage` is removed unless it must be kept."""
    keep = False
    try:
        prefixes = export_prefixes(summary.inputs, build_settings.prefix)
        for export in summary.inputs:
            if not _build(export, stage, config, replace(build_settings, prefix=prefixes[export]), now, summary, say):
                return summary
        if not summary.built:
            say("run: no order needs a correction: nothing to deliver")
            return summary
        keep = not dry_run  # from here on, a delivered file's staged copy is kept until it is archived
        preflight = load_run_settings(config).preflight
        keep = _deliver(summary, day, delivery, dry_run, say, preflight_validated(config, say) if preflight else None)
        return summary
    except LockBusy:  # nothing was sent
        keep = False
        raise
    finally:
        if keep:
            say(f"run: delivered files that were not archived are kept in {stage}: copy them into the archive")
        else:
            shutil.rmtree(stage, ignore_errors=True)


def _check_places(config: Config, delivery: DeliverySettings, day: Path) -> None:
    """The state directory, the ledger and the archive folder are usable (raises exit-2 errors); creates nothing."""
    ledger = Ledger(delivery.state_dir)
    try:
        ledger.check()
    finally:
        ledger.close()
    problem = folder_problem(day)
    if problem:
        raise ConfigError(f"{config.source or 'batchkit.toml'}: [run] archive: {problem}: "
                          "set it to a writable folder")


def _build(export: Path, stage: Path, config: Config, settings: BuildSettings, now: datetime, summary: RunSummary,
           say: Callable[[str], None]) -> bool:
    """Build one export into the staging folder; False (exit 1 set, findings shown) when it has problems."""
    say(f"build: {export}")
    try:
        outcome = build_files(export, stage, config, settings, now=now)
    except OSError as exc:
        raise InputError(f"{export}: cannot build ({exc.strerror or exc}"
                         + (f": {exc.filename})" if exc.filename else ")")) from None
    summary.planned.update(outcome.planned)
    if not outcome.ok:
        reports = [outcome.input_report] + (outcome.output_report.files if outcome.output_report else [])
        for fr in reports:
            if not fr.valid:
                say(f"build: {fr.path}: {fr.errors:,} error(s): " + ", ".join(sorted(fr.counts)))
        print(render_text(_as_report(reports)), file=sys.stderr)
        summary.exit_code = 1
        say("run: stopped before delivery: nothing was sent")
        return False
    summary.built += outcome.written
    if outcome.result is not None:  # written in the order of the kinds (build_files' planned names)
        for kind, path in zip(sorted(outcome.result.records), outcome.written):
            summary.origins[path] = (export, origins_of(kind, outcome.result.records[kind]))
    for path in outcome.written:
        say(f"build: wrote {path.name}")
    return True


def _as_report(files: list[FileReport]) -> Report:
    return Report(list(files))


def _unarchived_skip(result: DeliveryResult, archive_root: Path) -> bool:
    """A file skipped as delivered that is not in the archive: an interrupted run delivered it, then died."""
    return result.outcome == "skipped" and result.entry is not None and not archived(archive_root, result.entry)


def _destination_url(config: Config, delivery: DeliverySettings) -> str:
    """The ledger's name of the run's destination."""
    return destination_of(delivery).url


def _deliver(summary: RunSummary, day: Path, delivery: DeliverySettings, dry_run: bool, say: Callable[[str], None],
             check: Check | None = None) -> bool:
    """Deliver the built files and archive each one delivered; True when a delivered file could not be archived."""
    ledger = Ledger(delivery.state_dir)
    dest = destination_of(delivery)
    say(f"deliver: {len(summary.built)} file(s) to {dest.url}" + (" (dry run)" if dry_run else ""))
    failure: DeliveryError | None = None
    try:
        results = deliver_paths(summary.built, dest, delivery, ledger, dry_run=dry_run, check=check, notify=say)
    except InvalidFiles as exc:
        summary.exit_code = 1
        say("deliver: a built file does not validate" + (" or pass preflight" if check else "") + ": nothing was sent")
        for fr in exc.report.files:
            for f in fr.findings() if not fr.valid else ():
                say(f"deliver: {Path(fr.path).name} row {f.row} {f.column or ''}: {f.code} {f.message}")
        return False
    except DeliveryError as exc:  # the files delivered before the failure are archived all the same
        results, failure = exc.results, exc
    try:
        _keep_origins(summary, results, ledger, say)
    finally:
        ledger.close()
    unarchived = False
    for result in results:
        say(f"deliver: {result.describe()}")
        summary.outcomes[result.outcome] = summary.outcomes.get(result.outcome, 0) + 1
        if result.outcome == "delivered" and result.entry is None:  # not recorded: the next run records and archives it
            continue
        if result.outcome == "delivered" or _unarchived_skip(result, day.parent):
            try:
                summary.archived.append(archive(replace(result, name=result.entry.name) if result.entry else result, day))
            except (ArchiveError, InputError) as exc:
                unarchived = True
                say(f"archive: failed: {exc}")
                continue
            say(f"archive: {summary.archived[-1]}")
    if failure is not None:
        summary.exit_code = failure.exit_code
        say(f"deliver: failed: {failure} (safe to run again: the ledger prevents doubles)")
    elif unarchived:
        summary.exit_code = 2
    return unarchived


def _keep_origins(summary: RunSummary, results: list[DeliveryResult], ledger: Ledger,
                  say: Callable[[str], None]) -> None:
    """Remember the export rows of each file delivered now, so that its verdict names them."""
    for result in results:
        if result.outcome != "delivered" or result.entry is None:
            continue
        summary.sent.add(result.entry.id)
        if result.path in summary.origins:
            export, origins = summary.origins[result.path]
            try:
                record_origins(ledger, result.sha256, export, origins)
            except BatchkitError as exc:  # only the verdict's export rows are lost
                say(f"results: cannot keep the export rows of {result.name}: {exc}")


def _collect_verdicts(summary: RunSummary, config: Config, delivery: DeliverySettings, archive_root: Path,
                      fail_on_rejected: bool, say: Callable[[str], None]) -> None:
    """The last step: the platform's verdicts on earlier deliveries (never this run's: none can be in yet)."""

    ledger = Ledger(delivery.state_dir)
    asking = Asking(lambda: api_settings(config, {}, os.environ), notify=say)
    since = datetime.now(timezone.utc) - timedelta(days=RESULTS_DAYS)
    try:
        if not ledger.exists():
            return
        got = collect(ledger, asking, since=since, archive=archive_root, skip=summary.sent)
    except ConfigError as exc:
        say(f"results: not asked: {exc} (or set [run] results = false)")
        return
    except BatchkitError as exc:  # the API failed: the verdicts wait for the next run, the exit code stays
        say(f"results: could not ask impact.com: {exc}; the next run asks again")
        return
    finally:
        ledger.close()
    summary.verdicts = got
    _say_verdicts(got, say)
    if fail_on_rejected and got.new_rejected and summary.exit_code == 0:
        summary.exit_code = 1


def _say_verdicts(got: Results, say: Callable[[str], None]) -> None:
    """The deliveries whose verdict came in now (each rejection named), then what is still pending."""
    for tally, report in zip(got.tallies, got.report.files):
        if tally.fresh:
            say(f"results: {tally.line()}")
            for f in report.findings() if tally.rejected else ():
                if f.code == "BK801":
                    where = f"row {f.row}" if f.row is not None else "row ?"
                    say(f"results: {tally.name} {where} {f.column or ''}: {f.code} {f.message}")
    waiting = [t for t in got.tallies if t.pending or t.status != "complete"]
    if waiting:
        say(f"results: {len(waiting)} earlier delivery(ies) without a verdict yet ({got.pending:,} record(s)); "
            f"{got.requests} request(s)")


