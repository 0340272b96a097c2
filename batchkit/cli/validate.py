"""`batchkit validate`: check batch files (one batch), render the findings, write the reports, exit 0/1."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import click

from batchkit.cli.base import (SHEET_HELP, Command, account_options, api_flags, config_option, examples, out,
                               state_dir_option)
from batchkit.core.kinds import KIND_IDS

if TYPE_CHECKING:
    from batchkit.core.config import Config
    from batchkit.core.findings import Report

FORMATS = ["text", "json", "github", "junit", "sarif"]
EXAMPLES = examples(
    "batchkit validate samples/batch/*.csv",
    "batchkit validate samples/broken/acme_order-modifications_broken.csv --max-samples 3 --report issues.xlsx  # exit 1",
    "batchkit validate samples/batch/*.csv --preflight",
    note="--preflight talks to the API: try it against `batchkit sandbox`, with the export lines it prints",
)


def _codes(values: tuple[str, ...]) -> list[str]:
    return [c for v in values for c in v.split(",") if c.strip()]


@click.command(cls=Command, epilog=EXAMPLES)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--kind", type=click.Choice(KIND_IDS), help="The kind of every file (default: from the name or columns).")
@config_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format (default: text; github when GITHUB_ACTIONS=true).")
@click.option("--max-samples", type=click.IntRange(min=0), default=None, help="Findings listed per code (0 = all; default 10).")
@click.option("--sheet", help=SHEET_HELP)
@click.option("--select", multiple=True, help="Only these codes or prefixes (e.g. BK2,BK301); repeatable.")
@click.option("--ignore", multiple=True, help="Drop these codes or prefixes; repeatable.")
@click.option("--fail-on", type=click.Choice(["error", "warning"]), default=None, help="Exit 1 on errors (default) or on warnings too.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings fail the check (reports still written).")
@click.option("--report", "report_path", type=click.Path(path_type=Path), help="Write an annotated XLSX copy with an Issues sheet.")
@click.option("--issues-csv", type=click.Path(path_type=Path), help="Write the findings as CSV with the original cells.")
@click.option("--force", is_flag=True, help="Overwrite --report/--issues-csv files that exist.")
@click.option("--preflight", is_flag=True, help="Also check every record against the account's live actions "
              "(the mirror, brought up to date first; BK701-BK710).")
@click.option("--offline", is_flag=True, help="With --preflight: the mirror as it is, no request to the API.")
@account_options
@state_dir_option
def validate(files: tuple[str, ...], kind: str | None, config_path: str | None, fmt: str | None,
             max_samples: int | None, sheet: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
             fail_on: str | None, exit_zero: bool, report_path: Path | None, issues_csv: Path | None, force: bool,
             preflight: bool, offline: bool, **account: str | None) -> None:
    """Check batch files before upload; several files are checked as one batch.

    --api-url, --account-sid, --campaign-id and --state-dir name the account and the mirror of --preflight."""
    from batchkit.core.codes import code_filter, unknown_codes
    from batchkit.core.config import load_config
    from batchkit.validation.engine import validate_paths

    config = load_config(config_path)
    _check_report_targets(files, report_path, issues_csv)
    chosen, dropped = _codes(select) or list(config.select), _codes(ignore) or list(config.ignore)
    bad = unknown_codes(chosen + dropped)
    if bad:
        raise click.BadParameter(f"no rule code matches {', '.join(bad)}", param_hint="--select/--ignore")
    samples = 0 if (report_path or issues_csv) else max_samples
    _check_preflight_flags(preflight, offline, account)
    if preflight:
        report = _preflight(list(files), config, kind, sheet, samples, offline, account)
    else:
        report = validate_paths(list(files), config, kind=kind, sheet=sheet, max_samples=samples)
    wanted = code_filter(chosen, dropped)
    for fr in report.files:
        fr._keep_only(wanted)
    _write_reports(report, report_path, issues_csv, sheet, force)
    if samples != max_samples:
        for fr in report.files:
            fr._cap(config.max_samples if max_samples is None else max_samples)
    _emit(report, fmt, fail_on or config.fail_on)
    failed = report.errors > 0 or ((fail_on or config.fail_on) == "warning" and report.warnings > 0)
    sys.exit(0 if exit_zero or not failed else 1)


def _check_preflight_flags(preflight: bool, offline: bool, account: dict[str, str | None]) -> None:
    """--offline and the account's flags go with --preflight: given without it, they would do nothing."""
    given = ["--offline"] * offline + [f"--{name.replace('_', '-')}" for name, value in account.items()
                                        if value is not None]
    if given and not preflight:
        raise click.BadParameter(f"{given[0]} goes with --preflight", param_hint=given[0])


def _preflight(files: list[str], config: Config, kind: str | None, sheet: str | None, samples: int | None,
               offline: bool, account: dict[str, str | None]) -> Report:
    """Validate, then check against the account (flags > IMPACT_* / BATCHKIT_* variables > [api]; a campaign
    needed)."""
    from batchkit.api.settings import api_settings
    from batchkit.preflight import describe, preflight_paths

    settings = api_settings(config, api_flags(dict(account)), os.environ)
    settings.need_campaign()
    report, summary = preflight_paths(files, config, settings, kind=kind, sheet=sheet, max_samples=samples,
                                      offline=offline,
                                      notify=lambda text: click.echo(f"batchkit: {text}", err=True))
    click.echo(describe(summary, settings), err=True)
    return report


def _check_report_targets(files: tuple[str, ...], xlsx: Path | None, issues: Path | None) -> None:
    """Reports get the right extension and never replace a file being validated (not even with --force)."""
    from batchkit.core.errors import UsageError
    from batchkit.io.write import require_suffix, same_file

    for target, suffix, what in ((xlsx, ".xlsx", "--report"), (issues, ".csv", "--issues-csv")):
        if target is None:
            continue
        require_suffix(target, suffix, what)
        if any(same_file(target, f) for f in files):
            raise UsageError(f"{target}: is one of the files being validated; {what} needs another file name")


def _write_reports(report: Report, xlsx: Path | None, issues: Path | None, sheet: str | None, force: bool) -> None:
    from batchkit.render.annotate import write_issues_csv, write_xlsx_report

    if xlsx:
        write_xlsx_report(report, xlsx, sheet, overwrite=force)
        click.echo(f"wrote {xlsx}", err=True)
    if issues:
        write_issues_csv(report, issues, sheet, overwrite=force)
        click.echo(f"wrote {issues}", err=True)


def _emit(report: Report, fmt: str | None, fail_on: str) -> None:
    from batchkit.render import ci
    from batchkit.render.json import render_json
    from batchkit.render.text import render_text

    chosen = fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    renderers: dict[str, Callable[[Report], str]] = {
        "text": lambda r: render_text(r, color=sys.stdout.isatty()),
        "json": render_json,
        "github": ci.render_github,
        "junit": lambda r: ci.render_junit(r, fail_on),
        "sarif": ci.render_sarif,
    }
    out(renderers[chosen](report))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if chosen == "github" and summary:
        error = ci.append_step_summary(summary, report)
        if error:
            click.echo(f"batchkit: warning: {error}", err=True)
