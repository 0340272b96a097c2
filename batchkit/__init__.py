"""batchkit: validate, build and deliver impact.com batch modification and reversal files.

The library API, what the command line calls and what an Airflow or Dagster task can call:

    import batchkit

    report = batchkit.validate(["acme_order-reversals_2026-11-22.csv"])
    for file in report.files:
        for finding in file.findings():
            print(file.path, finding.code, finding.row, finding.column, finding.message)

`validate` never raises for bad data (it becomes findings); `build` and `deliver` raise a
`BatchkitError` (its `exit_code` is the CLI's) when they cannot run. Everything else lives in the
capability packages (core, io, render, validate, build, deliver, jobs, cli: README "Layout"), whose
modules may change between versions; the names in `__all__` do not.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

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


def load_config(path: PathLike | None = None) -> Config:
    """The configuration of `path`, else ./batchkit.toml if present, else the defaults (ConfigError if invalid)."""
    from batchkit.core.config import load_config as load

    return load(None if path is None else os.fspath(path))


def _config(config: Config | PathLike | None) -> Config:
    from batchkit.core.config import Config

    return config if isinstance(config, Config) else load_config(config)


def validate(paths: Iterable[PathLike], config: Config | PathLike | None = None, *, kind: str | None = None,
             sheet: str | None = None, max_samples: int | None = None, preflight: bool = False,
             offline: bool = False) -> Report:
    """Validate batch files as one batch (CSV or XLSX); bad data becomes findings in the Report.

    `config` is a Config, a batchkit.toml path, or None (./batchkit.toml if present, else the defaults).
    `max_samples` caps the findings kept per code (0 = all; counts are always exact). With `preflight`,
    every record is also checked against the account's actions (BK701-BK710; the mirror is brought up to
    date first unless `offline`; IMPACT_* / BATCHKIT_* variables and [api] say which account).
    """
    from batchkit.validation.engine import validate_paths

    names, cfg = [os.fspath(p) for p in paths], _config(config)
    if not preflight:
        return validate_paths(names, cfg, kind=kind, sheet=sheet, max_samples=max_samples)
    from batchkit.preflight import preflight_paths, settings_for

    return preflight_paths(names, cfg, settings_for(cfg), kind=kind, sheet=sheet, max_samples=max_samples,
                           offline=offline)[0]


def sync_actions(config: Config | PathLike | None = None, *, days: int | None = None,
                 since: datetime | None = None, until: datetime | None = None) -> SyncSummary:
    """Bring the local mirror of the account's actions up to date (the first time [api] sync_days back,
    then incrementally); the summary says what was new and updated and how many requests it cost.
    The account comes from IMPACT_ACCOUNT_SID / IMPACT_AUTH_TOKEN / BATCHKIT_CAMPAIGN_ID, then [api]."""
    from batchkit.api.actions import sync_actions as sync
    from batchkit.api.settings import api_settings

    return sync(api_settings(_config(config), {}, os.environ), days=days, since=since, until=until)


def build(export: PathLike, out_dir: PathLike, config: Config | PathLike | None = None, *,
          preset: str | None = None, action_tracker_id: int | None = None, prefix: str | None = None,
          sheet: str | None = None, dry_run: bool = False, order_id_column: str | None = None,
          currency: str | None = None) -> BuildOutcome:
    """Build an internal order export into batch files in `out_dir` (nothing is written unless all is clean).

    The outcome says what was decided (`result`), the export's findings (`input_report`), the
    validation of the files built (`output_report`) and what was written (`written`); `ok` is False
    when either report has errors. Without `preset` (nor [build] preset) the export's header names it (the
    input report's kind_reason says which and why); `order_id_column` is the export's column holding the OrderId
    impact.com knows, `currency` the currency of an export that gives none.
    """
    from batchkit.builder.pipeline import build_files
    from batchkit.builder.settings import load_build_settings

    cfg = _config(config)
    settings = load_build_settings(cfg, preset, action_tracker_id, prefix, order_id_column=order_id_column,
                                   currency=currency)
    return build_files(Path(export), Path(out_dir), cfg, settings, sheet, dry_run=dry_run)


def deliver(paths: Iterable[PathLike], to: str | None = None, config: Config | PathLike | None = None, *,
            state_dir: str | None = None, key_file: str | None = None, known_hosts: str | None = None,
            resend: bool = False, dry_run: bool = False, resend_unknown: bool = False) -> list[DeliveryResult]:
    """Validate, then deliver each file exactly once to `to` (a folder, sftp://user@host[:port]/dir, or "api":
    each record through impact.com's API), keyed by the changes the records make: what reached impact.com earlier,
    from any file and through either channel, is not sent again unless `resend`; `resend_unknown` (the API) sends
    again the records whose outcome is unknown.

    Unset options come from BATCHKIT_* variables, then [deliver] in batchkit.toml, then defaults.
    Raises InvalidFiles (nothing sent), RefusedWrites (exit 1: impact.com refused records) or a DeliveryError
    (exit 3) whose `results` say what happened to each file.
    """
    from batchkit.delivery.channels import deliver_paths, destination_of
    from batchkit.delivery.settings import resolve_settings
    from batchkit.state.ledger import Ledger

    flags = {"to": to, "key_file": key_file, "known_hosts": known_hosts, "state_dir": state_dir}
    settings = resolve_settings(_config(config), flags, os.environ)
    dest = destination_of(settings)
    ledger = Ledger(settings.state_dir)
    try:
        return deliver_paths([Path(p) for p in paths], dest, settings, ledger, resend=resend,
                             resend_unknown=resend_unknown, dry_run=dry_run)
    finally:
        ledger.close()


def results(files: Iterable[PathLike] = (), config: Config | PathLike | None = None, *,
            since: datetime | None = None, wait: float | None = None, budget: int | None = None,
            state_dir: str | None = None, max_samples: int = 10) -> Results:
    """The platform's verdict on what was delivered: every delivery in the ledger (those of `files` if given;
    at or after `since`). Each queued record and each file drop not judged yet is asked about (at most
    `budget` requests, 200 by default), again until `wait` seconds have passed; verdicts are kept
    in the ledger, so asking again costs no requests. `Results.report` holds BK801 (rejected) and BK802 (no
    verdict yet) findings in the usual Report shape; `Results.tallies` the records accepted, rejected and
    pending per delivery. The account comes from IMPACT_* / BATCHKIT_* variables, then [api]."""
    from batchkit.verdicts.run import results_for

    return results_for(_config(config), [Path(p) for p in files], since=since, wait=wait, budget=budget,
                       state_dir=state_dir, max_samples=max_samples)


def pull_inquiries(out: PathLike, config: Config | PathLike | None = None, *, status: str | None = "UNRESOLVED",
                   since: datetime | None = None, overwrite: bool = False) -> Pulled:
    """The campaign's action inquiries (of `status`; None: all) into `out` (.csv or .xlsx), every field as text;
    returns what was pulled (`inquiries`, `requests`, `by_status`). The account as for `sync_actions`."""
    from batchkit.api.settings import api_settings
    from batchkit.inquiries.pull import pull_inquiries as pull

    return pull(api_settings(_config(config), {}, os.environ), Path(out), status=status, since=since,
                overwrite=overwrite)


def match_inquiries(inquiries: PathLike, orders: PathLike, out: PathLike, config: Config | PathLike | None = None,
                    *, preset: str | None = None, review: PathLike | None = None,
                    overwrite: bool = False) -> MatchOutcome:
    """Decide every unresolved inquiry from the brand's export `orders` and the mirror; write the resolution CSV
    `out` (and the review workbook). Returns the decisions and their summary (README "Action inquiries")."""
    from batchkit.inquiries.run import match_files, open_actions

    cfg = _config(config)
    mirror, why = open_actions(cfg)
    try:
        return match_files(Path(inquiries), Path(orders), cfg, Path(out), preset, Path(review) if review else None,
                           overwrite, mirror, why)
    finally:
        if mirror is not None:
            mirror.close()


def resolve_inquiries(path: PathLike, config: Config | PathLike | None = None, *, dry_run: bool = False,
                      resend_unknown: bool = False) -> ResolveSummary:
    """Send each resolution of `path` (a resolution CSV or the edited review XLSX) exactly once through the API,
    journaled by change (a row fixed after a refusal is a new change, and is sent); raises InvalidFiles (nothing
    sent), RefusedWrites (exit 1) when impact.com refused one, or a DeliveryError (exit 3) when one is unknown or
    not sent (`resend_unknown` sends those again: check them on impact.com first)."""
    from batchkit.api.settings import api_settings
    from batchkit.inquiries.resolve import resolve_via_api
    from batchkit.state.ledger import Ledger

    cfg = _config(config)
    api = api_settings(cfg, {}, os.environ)
    ledger = Ledger(api.state_dir)
    try:
        return resolve_via_api(Path(path), cfg, api, ledger, dry_run=dry_run, resend_unknown=resend_unknown)
    finally:
        ledger.close()


def status(config: Config | PathLike | None = None, *, state_dir: str | None = None,
           last: int | None = 20) -> Status:
    """What the journal holds: the `last` file deliveries (None: all) and every write that needs a person (refused,
    with impact.com's reason; unknown, since when); `Status.exit_code` is the CLI's (1 refused, 3 unknown)."""
    from batchkit.state.folder import resolve_state_dir
    from batchkit.state.ledger import Ledger
    from batchkit.state.status import summarise

    ledger = Ledger(resolve_state_dir(_config(config), state_dir, os.environ))
    try:
        ledger.check()
        return summarise(ledger, last)
    finally:
        ledger.close()


def radar(paths: Iterable[PathLike] = (), config: Config | PathLike | None = None, *, preset: str | None = None,
          days: int | None = None, offline: bool = False, state_dir: str | None = None,
          now: datetime | None = None) -> Radar:
    """The lock-date radar: every correction of the batch files `paths` (with `preset`: exports built in memory,
    nothing written) and the journal's writes not yet applied, matched to its action in the mirror (brought up to
    date first when older than [api] max_age, unless `offline`), with its LockingDate, time left, commission at stake
    (exact Decimal; None when the mirror cannot tell, never 0) and state. `Radar.buckets` (already locked, within
    24 h, 3 days, `days` (default [radar] days, 7), later, lock date unknown), `currencies`, `partners`, `lost` (per
    month) and `corrections()` (deadline order) say it; `as_dict()` is the JSON output. The account as for
    `sync_actions`; raises ConfigError (exit 2) or an API error (exit 3) when there is no mirror to look at."""
    from batchkit.deadlines.run import radar_paths

    return radar_paths(_config(config), [os.fspath(p) for p in paths], preset=preset, days=days, offline=offline,
                       state_dir=state_dir, now=now)
