"""batchkit: validate, build and deliver impact.com batch modification and reversal files.

The library API, what the command line calls and what an Airflow or Dagster task can call:

    import batchkit

    report = batchkit.validate("samples/batch/acme_order-reversals_2026-11-22.csv")  # one path, or a list
    for file in report.files:
        for finding in file.findings():
            print(file.path, finding.code, finding.row, finding.column, finding.message)

`validate` never raises for bad data (it becomes findings); `build` and `deliver` raise a
`BatchkitError` (its `exit_code` is the CLI's) when they cannot run, and every function raises UsageError,
naming the argument, for a bad one (`kind='nope'`, a negative `max_samples`, a path that is an int). A path
argument takes a str or an os.PathLike; one that takes many (`paths`, `files`) takes one path or an iterable
of them. Everything else lives in the capability packages (core, io, render, validate, build, deliver, jobs,
cli: docs/development.md, "Layout"), whose modules may change between versions; the names in `__all__` do not.
"""

from __future__ import annotations

import importlib
import os
import reprlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

# The capability packages come first: a later first import of batchkit.validation.* would otherwise
# rebind the name `validate` below to the package. Their faces are light (no pandas, click or
# paramiko) and declare their batchkit.toml sections ([build], [deliver], [run]), so every section
# is known before any configuration is loaded.
from batchkit import api as _api_package  # noqa: F401
from batchkit import builder as _build_package  # noqa: F401
from batchkit import deadlines as _radar_package  # noqa: F401
from batchkit import delivery as _deliver_package  # noqa: F401
from batchkit import inquiries as _inquiries_package  # noqa: F401
from batchkit import jobs as _jobs_package  # noqa: F401
from batchkit import verdicts as _results_package  # noqa: F401
from batchkit import validation as _validate_package  # noqa: F401
from batchkit import web as _web_package  # noqa: F401
from batchkit.core.errors import BatchkitError, ConfigError, InputError, UsageError
from batchkit.core.version import VERSION

if TYPE_CHECKING:
    from datetime import datetime

    from batchkit.api.sync import SyncSummary
    from batchkit.builder.pipeline import BuildOutcome
    from batchkit.core.config import Config
    from batchkit.core.findings import FileReport, Finding, Report
    from batchkit.deadlines.model import Radar
    from batchkit.delivery.errors import (
        DeliveryError,
        InvalidFiles,
        LedgerError,
        RefusedWrites,
        LockBusy,
    )
    from batchkit.delivery.records import DeliveryResult
    from batchkit.inquiries.pull import Pulled
    from batchkit.inquiries.resolve import ResolveSummary
    from batchkit.inquiries.run import MatchOutcome
    from batchkit.state.status import Status
    from batchkit.verdicts.collect import Results

__version__ = VERSION
__all__ = ["BatchkitError", "BuildOutcome", "Config", "ConfigError", "DeliveryError", "DeliveryResult", "FileReport",
           "Finding", "InputError", "InvalidFiles", "LedgerError", "LockBusy", "Report", "Results", "UsageError",
           "__version__", "SyncSummary", "build", "deliver", "load_config", "match_inquiries", "pull_inquiries",
           "resolve_inquiries", "results", "RefusedWrites", "status", "sync_actions", "validate", "radar", "Radar"]

PathLike = str | os.PathLike[str]
Paths = PathLike | Iterable[PathLike]  # one path, or many: a str or os.PathLike is always one


_LAZY = {  # imported on first use, so that `import batchkit` stays cheap
    "BuildOutcome": "batchkit.builder.pipeline", "Config": "batchkit.core.config",
    "FileReport": "batchkit.core.findings", "Finding": "batchkit.core.findings", "Report": "batchkit.core.findings",
    "DeliveryError": "batchkit.delivery.errors", "InvalidFiles": "batchkit.delivery.errors",
    "RefusedWrites": "batchkit.delivery.errors",
    "LedgerError": "batchkit.state.errors", "LockBusy": "batchkit.state.errors",
    "DeliveryResult": "batchkit.delivery.records", "SyncSummary": "batchkit.api.sync",
    "Results": "batchkit.verdicts.collect", "Radar": "batchkit.deadlines.model",
}


def __getattr__(name: str) -> object:
    """The public names of `_LAZY`, imported when first asked for."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'batchkit' has no attribute {name!r}")


def _shown(value: object) -> str:
    """`value` as a message quotes it: its repr, shortened."""
    return reprlib.repr(value)


def _is_path(value: object) -> TypeGuard[PathLike]:
    return isinstance(value, str) or (isinstance(value, os.PathLike) and isinstance(os.fspath(value), str))


def _paths(value: object, argument: str, *, required: bool = False) -> list[str]:
    """The file names of a path argument: one str or os.PathLike is one path, an iterable of them many (UsageError
    naming `argument` otherwise; also when `required` and there is none)."""
    if _is_path(value):
        return [os.fspath(value)]
    if not isinstance(value, Iterable) or isinstance(value, (bytes, bytearray)):
        raise UsageError(f"{argument}={_shown(value)} is not a path (str or os.PathLike) nor an iterable of paths")
    items = list(value)
    for i, item in enumerate(items):
        if not _is_path(item):
            raise UsageError(f"{argument}[{i}]={_shown(item)} is not a path (str or os.PathLike)")
    if required and not items:
        raise UsageError(f"{argument}={_shown(value)} names no file")
    return [os.fspath(item) for item in items]


def _path(value: object, argument: str) -> str:
    """The file name of an argument that is one path (UsageError naming `argument` otherwise)."""
    if not _is_path(value):
        raise UsageError(f"{argument}={_shown(value)} is not a path (str or os.PathLike)")
    return os.fspath(value)


def _maybe_path(value: object, argument: str) -> str | None:
    return None if value is None else _path(value, argument)


def _choice(argument: str, value: object, known: Iterable[str], what: str) -> None:
    """`value` is None or one of `known` (UsageError naming `argument` otherwise)."""
    known = tuple(known)
    if value is not None and value not in known:
        raise UsageError(f"{argument}={_shown(value)} is not {what} (known: {', '.join(known)})")


def _number(argument: str, value: object, low: float, high: float | None = None, *, whole: bool = True) -> None:
    """`value` is None or a number from `low` (to `high`), a whole one when `whole` (UsageError otherwise)."""
    kinds = (int,) if whole else (int, float)
    if value is None or (isinstance(value, kinds) and not isinstance(value, bool) and low <= value
                         and (high is None or value <= high)):
        return
    span = f"from {low} to {high}" if high is not None else f"of at least {low}"
    raise UsageError(f"{argument}={_shown(value)} is not a {'whole ' if whole else ''}number {span}")


def _typed(argument: str, value: object, kind: type, what: str) -> None:
    """`value` is None or a `kind` (UsageError naming `argument` otherwise)."""
    if value is not None and not isinstance(value, kind):
        raise UsageError(f"{argument}={_shown(value)} is not {what}")


def _moments(**moments: object) -> None:
    """Each of `moments` (since, until, now) is None or a datetime."""
    from datetime import datetime

    for argument, value in moments.items():
        _typed(argument, value, datetime, "a datetime")


def _texts(**texts: object) -> None:
    """Each of `texts` (sheet, prefix, ...) is None or a str."""
    for argument, value in texts.items():
        _typed(argument, value, str, "a str")


def _preset(preset: object) -> None:
    from batchkit.builder.settings import PRESETS

    _choice("preset", preset, PRESETS, "a preset")


def load_config(path: PathLike | None = None) -> Config:
    """The configuration of `path`, else ./batchkit.toml if present, else the defaults (ConfigError if invalid).

    Example::

        config = batchkit.load_config("samples/returns/batchkit.toml")
        outcome = batchkit.build("samples/returns/returns_export.csv", "out", config, dry_run=True)
    """
    from batchkit.core.config import load_config as load

    return load(_maybe_path(path, "path"))


def _config(config: object) -> Config:
    """A Config as given, else the one of the batchkit.toml path (./batchkit.toml or the defaults for None)."""
    from batchkit.core.config import Config, load_config as load

    if isinstance(config, Config):
        return config
    if config is None or _is_path(config):
        return load(None if config is None else os.fspath(config))
    raise UsageError(f"config={_shown(config)} is not a Config, a batchkit.toml path (str or os.PathLike) nor None")


def validate(paths: Paths, config: Config | PathLike | None = None, *, kind: str | None = None,
             sheet: str | None = None, max_samples: int | None = None, preflight: bool = False,
             offline: bool = False) -> Report:
    """Validate batch files as one batch (CSV or XLSX); bad data becomes findings in the Report.

    `paths` is one path (str or os.PathLike) or an iterable of them. `config` is a Config, a batchkit.toml path,
    or None (./batchkit.toml if present, else the defaults). `kind` is every file's kind (default: from its name
    or columns). `max_samples` caps the findings kept per code (0 = all; counts are always exact). With
    `preflight`, every record is also checked against the account's actions (BK701-BK710; the mirror is brought
    up to date first unless `offline`; IMPACT_* / BATCHKIT_* variables and [api] say which account). A bad
    argument raises UsageError naming it.

    Example::

        report = batchkit.validate("samples/broken/acme_order-modifications_broken.csv")
        for file in report.files:
            for finding in file.findings():
                print(file.path, finding.row, finding.column, finding.code, finding.message)
        document = report.as_dict()  # what `batchkit validate --format json` prints
    """
    from batchkit.core.kinds import KIND_IDS
    from batchkit.validation.engine import validate_paths

    names, cfg = _paths(paths, "paths", required=True), _config(config)
    _choice("kind", kind, KIND_IDS, "a batch file kind")
    _texts(sheet=sheet)
    _number("max_samples", max_samples, 0)
    if not preflight:
        return validate_paths(names, cfg, kind=kind, sheet=sheet, max_samples=max_samples)
    from batchkit.preflight import preflight_paths, settings_for

    return preflight_paths(names, cfg, settings_for(cfg), kind=kind, sheet=sheet, max_samples=max_samples,
                           offline=offline)[0]


def sync_actions(config: Config | PathLike | None = None, *, days: int | None = None,
                 since: datetime | None = None, until: datetime | None = None) -> SyncSummary:
    """Bring the local mirror of the account's actions up to date (the first time [api] sync_days back,
    then incrementally); the summary says what was new and updated and how many requests it cost.
    The account comes from IMPACT_ACCOUNT_SID / IMPACT_AUTH_TOKEN / BATCHKIT_CAMPAIGN_ID, then [api].
    `days` (1 to 1095) syncs that many days back; `since` / `until` bound the last-updated time.

    Example::

        summary = batchkit.sync_actions(days=30)
        print(summary.as_dict())
    """
    from batchkit.api.actions import sync_actions as sync
    from batchkit.api.settings import api_settings

    cfg = _config(config)
    _number("days", days, 1, 3 * 365)
    _moments(since=since, until=until)
    return sync(api_settings(cfg, {}, os.environ), days=days, since=since, until=until)


def build(export: PathLike, out_dir: PathLike, config: Config | PathLike | None = None, *,
          preset: str | None = None, action_tracker_id: int | None = None, prefix: str | None = None,
          sheet: str | None = None, dry_run: bool = False, order_id_column: str | None = None,
          currency: str | None = None) -> BuildOutcome:
    """Build an internal order export into batch files in `out_dir` (nothing is written unless all is clean).

    The outcome says what was decided (`result`), the export's findings (`input_report`), the
    validation of the files built (`output_report`) and what was written (`written`); `ok` is False
    when either report has errors. Without `preset` (nor [build] preset) the export's header names it (the
    input report's kind_reason says which and why); `order_id_column` is the export's column holding the OrderId
    impact.com knows, `currency` the currency of an export that gives none. With `dry_run` nothing is written
    (`planned` holds the files' names and bytes).

    Example::

        outcome = batchkit.build("samples/returns/returns_export.csv", "out", "samples/returns/batchkit.toml")
        if outcome.ok:
            print([str(path) for path in outcome.written])
    """
    from batchkit.builder.pipeline import build_files
    from batchkit.builder.settings import load_build_settings

    source, target, cfg = _path(export, "export"), _path(out_dir, "out_dir"), _config(config)
    _preset(preset)
    _number("action_tracker_id", action_tracker_id, 1)
    _texts(prefix=prefix, sheet=sheet, order_id_column=order_id_column, currency=currency)
    settings = load_build_settings(cfg, preset, action_tracker_id, prefix, order_id_column=order_id_column,
                                   currency=currency)
    return build_files(Path(source), Path(target), cfg, settings, sheet, dry_run=dry_run)


def deliver(paths: Paths, to: PathLike | None = None, config: Config | PathLike | None = None, *,
            state_dir: PathLike | None = None, key_file: PathLike | None = None,
            known_hosts: PathLike | None = None, resend: bool = False, dry_run: bool = False,
            resend_unknown: bool = False) -> list[DeliveryResult]:
    """Validate, then deliver each file exactly once to `to` (a folder, sftp://user@host[:port]/dir, or "api":
    each record through impact.com's API), keyed by the changes the records make: what reached impact.com earlier,
    from any file and through either channel, is not sent again unless `resend`; `resend_unknown` (the API) sends
    again the records whose outcome is unknown. `paths` is one path or an iterable of them.

    Unset options come from BATCHKIT_* variables, then [deliver] in batchkit.toml, then defaults.
    Raises InvalidFiles (nothing sent), RefusedWrites (exit 1: impact.com refused records) or a DeliveryError
    (exit 3) whose `results` say what happened to each file; a bad argument raises UsageError naming it.

    Example::

        sent = batchkit.deliver("samples/batch/acme_order-modifications_2026-11-22.csv", to="outbox")
        for result in sent:
            print(result.outcome, result.describe())
    """
    from batchkit.delivery.channels import deliver_paths, destination_of
    from batchkit.delivery.settings import resolve_settings
    from batchkit.state.ledger import Ledger

    names, cfg = _paths(paths, "paths", required=True), _config(config)
    flags = {"to": _maybe_path(to, "to"), "key_file": _maybe_path(key_file, "key_file"),
             "known_hosts": _maybe_path(known_hosts, "known_hosts"), "state_dir": _maybe_path(state_dir, "state_dir")}
    try:
        settings = resolve_settings(cfg, flags, os.environ)
    except UsageError as exc:  # the destination `to` names cannot be parsed
        if to is None:
            raise
        raise UsageError(f"to={_shown(flags['to'])}: {exc}") from None
    dest = destination_of(settings)
    ledger = Ledger(settings.state_dir)
    try:
        return deliver_paths([Path(p) for p in names], dest, settings, ledger, resend=resend,
                             resend_unknown=resend_unknown, dry_run=dry_run)
    finally:
        ledger.close()


def results(files: Paths = (), config: Config | PathLike | None = None, *,
            since: datetime | None = None, wait: float | None = None, budget: int | None = None,
            state_dir: PathLike | None = None, max_samples: int = 10) -> Results:
    """The platform's verdict on what was delivered: every delivery in the ledger (those of `files` if given;
    at or after `since`). Each queued record and each file drop not judged yet is asked about (at most
    `budget` requests, 200 by default), again until `wait` seconds have passed; verdicts are kept
    in the ledger, so asking again costs no requests. `Results.report` holds BK801 (rejected) and BK802 (no
    verdict yet) findings in the usual Report shape; `Results.tallies` the records accepted, rejected and
    pending per delivery. The account comes from IMPACT_* / BATCHKIT_* variables, then [api].

    Example::

        verdicts = batchkit.results()  # wait=600: ask again for up to ten minutes until every verdict is in
        print(verdicts.line())
        for finding in (f for file in verdicts.report.files for f in file.findings()):
            print(finding.code, finding.message)
    """
    from batchkit.verdicts.run import results_for

    names, cfg = _paths(files, "files"), _config(config)
    _moments(since=since)
    _number("wait", wait, 0, 86400, whole=False)
    _number("budget", budget, 0, 100_000)
    _number("max_samples", max_samples, 0)
    return results_for(cfg, [Path(p) for p in names], since=since, wait=wait, budget=budget,
                       state_dir=_maybe_path(state_dir, "state_dir"), max_samples=max_samples)


def _status(status: object) -> None:
    """`status` is None or an inquiry status, in any case."""
    from batchkit.core.inquiry import STATUSES

    if status is not None and not (isinstance(status, str) and status.upper() in STATUSES):
        raise UsageError(f"status={_shown(status)} is not an inquiry status (known: {', '.join(STATUSES)}; "
                         "None: all)")


def pull_inquiries(out: PathLike, config: Config | PathLike | None = None, *, status: str | None = "UNRESOLVED",
                   since: datetime | None = None, overwrite: bool = False) -> Pulled:
    """The campaign's action inquiries (of `status`; None: all) into `out` (.csv or .xlsx), every field as text;
    returns what was pulled (`inquiries`, `requests`, `by_status`). The account as for `sync_actions`.

    Example::

        pulled = batchkit.pull_inquiries("inquiries.csv", overwrite=True)
        print(pulled.inquiries, pulled.by_status)
    """
    from batchkit.api.settings import api_settings
    from batchkit.inquiries.pull import pull_inquiries as pull

    target, cfg = _path(out, "out"), _config(config)
    _status(status)
    _moments(since=since)
    return pull(api_settings(cfg, {}, os.environ), Path(target), status=status, since=since, overwrite=overwrite)


def match_inquiries(inquiries: PathLike, orders: PathLike, out: PathLike, config: Config | PathLike | None = None,
                    *, preset: str | None = None, review: PathLike | None = None,
                    overwrite: bool = False) -> MatchOutcome:
    """Decide every unresolved inquiry from the brand's export `orders` and the mirror; write the resolution CSV
    `out` (and the review workbook). Returns the decisions and their summary (docs/how-to/inquiries.md).

    Example::

        outcome = batchkit.match_inquiries("inquiries.csv", "samples/shopify/orders_export.csv",
                                           "resolutions.csv", preset="shopify", review="review.xlsx")
        print(outcome.summary, [str(path) for path in outcome.written])
    """
    from batchkit.inquiries.run import match_files, open_actions

    asked, export, target = _path(inquiries, "inquiries"), _path(orders, "orders"), _path(out, "out")
    workbook, cfg = _maybe_path(review, "review"), _config(config)
    _preset(preset)
    mirror, why = open_actions(cfg)
    try:
        return match_files(Path(asked), Path(export), cfg, Path(target), preset,
                           Path(workbook) if workbook else None, overwrite, mirror, why)
    finally:
        if mirror is not None:
            mirror.close()


def resolve_inquiries(path: PathLike, config: Config | PathLike | None = None, *, dry_run: bool = False,
                      resend_unknown: bool = False) -> ResolveSummary:
    """Send each resolution of `path` (a resolution CSV or the edited review XLSX) exactly once through the API,
    journaled by change (a row fixed after a refusal is a new change, and is sent); raises InvalidFiles (nothing
    sent), RefusedWrites (exit 1) when impact.com refused one, or a DeliveryError (exit 3) when one is unknown or
    not sent (`resend_unknown` sends those again: check them on impact.com first).

    Example::

        summary = batchkit.resolve_inquiries("resolutions.csv", dry_run=True)
        print(summary.counts, summary.notes)
    """
    from batchkit.api.settings import api_settings
    from batchkit.inquiries.resolve import resolve_via_api
    from batchkit.state.ledger import Ledger

    source, cfg = _path(path, "path"), _config(config)
    api = api_settings(cfg, {}, os.environ)
    ledger = Ledger(api.state_dir)
    try:
        return resolve_via_api(Path(source), cfg, api, ledger, dry_run=dry_run, resend_unknown=resend_unknown)
    finally:
        ledger.close()


def status(config: Config | PathLike | None = None, *, state_dir: PathLike | None = None,
           last: int | None = 20) -> Status:
    """What the journal holds: the `last` file deliveries (None: all) and every write that needs a person (refused,
    with impact.com's reason; unknown, since when); `Status.exit_code` is the CLI's (1 refused, 3 unknown).

    Example::

        journal = batchkit.status(last=5)
        print("\\n".join(journal.lines()))
        print("needs a person" if journal.exit_code else "nothing to do")
    """
    from batchkit.state.folder import resolve_state_dir
    from batchkit.state.ledger import Ledger
    from batchkit.state.status import summarise

    cfg, folder = _config(config), _maybe_path(state_dir, "state_dir")
    _number("last", last, 0)
    ledger = Ledger(resolve_state_dir(cfg, folder, os.environ))
    try:
        ledger.check()
        return summarise(ledger, last)
    finally:
        ledger.close()


def radar(paths: Paths = (), config: Config | PathLike | None = None, *, preset: str | None = None,
          days: int | None = None, offline: bool = False, state_dir: PathLike | None = None,
          now: datetime | None = None) -> Radar:
    """The lock-date radar: every correction of the batch files `paths` (with `preset`: exports built in memory,
    nothing written) and the journal's writes not yet applied, matched to its action in the mirror (brought up to
    date first when older than [api] max_age, unless `offline`), with its LockingDate, time left, commission at stake
    (exact Decimal; None when the mirror cannot tell, never 0) and state. `Radar.buckets` (already locked, within
    24 h, 3 days, `days` (1 to 366; default [radar] days, 7), later, lock date unknown), `currencies`, `partners`,
    `lost` (per month) and `corrections()` (deadline order) say it; `as_dict()` is the JSON output. The account as
    for `sync_actions`; raises ConfigError (exit 2) or an API error (exit 3) when there is no mirror to look at.

    Example::

        at_risk = batchkit.radar("samples/batch/acme_order-modifications_2026-11-22.csv", offline=True)
        for correction in at_risk.corrections(limit=10):
            print(correction.as_dict())
    """
    from batchkit.deadlines.run import radar_paths
    from batchkit.deadlines.settings import MAX_DAYS

    names, cfg = _paths(paths, "paths"), _config(config)
    _preset(preset)
    _number("days", days, 1, MAX_DAYS)
    _moments(now=now)
    return radar_paths(cfg, names, preset=preset, days=days, offline=offline,
                       state_dir=_maybe_path(state_dir, "state_dir"), now=now)
