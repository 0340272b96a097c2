"""The batchkit command line: parse options, call the library, render, exit.

Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 batchkit could not run.
"""

from __future__ import annotations

import errno
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import click

from batchkit import __version__
from batchkit.cli_deliver import make_deliver_command
from batchkit.errors import BatchkitError
from batchkit.kinds import KIND_IDS
from batchkit.write import StdoutError, silence_stdout, stdout_broken
from batchkit.write import write_stdout as out


BROKEN_PIPE_EXIT = 128 + 13  # what a shell reports for a process killed by SIGPIPE (`batchkit ... | head`)


class Command(click.Command):
    """Turns batchkit's own errors into one line on stderr and exit 2 (a traceback only with --debug).

    A closed stdout pipe ends the command quietly (exit 141, as SIGPIPE would); any other failure
    to write stdout, and any filesystem error no module turned into a BatchkitError, is one line
    and exit 2.
    """

    def invoke(self, ctx: click.Context) -> object:
        debug = ctx.find_root().params.get("debug")
        try:
            return super().invoke(ctx)
        except BatchkitError as exc:
            if debug:
                raise
            click.echo(f"batchkit: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except (StdoutError, OSError) as exc:
            error = exc.error if isinstance(exc, StdoutError) else exc
            on_stdout = isinstance(exc, StdoutError) or stdout_broken()
            if on_stdout:
                silence_stdout()
                if error.errno == errno.EPIPE:
                    ctx.exit(BROKEN_PIPE_EXIT)
            if debug:
                raise
            why = error.strerror or str(error)
            if on_stdout:
                what = f"cannot write to standard output ({why})"
            else:
                what = f"{error.filename}: {why}" if error.filename else why
            click.echo(f"batchkit: error: {what}", err=True)
            ctx.exit(2)
        except Exception as exc:  # an internal error: still no traceback unless asked
            if debug:
                raise
            click.echo(f"batchkit: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
            ctx.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="batchkit")
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
def main(debug: bool) -> None:
    """Validate, build and deliver impact.com batch modification and reversal files."""


FORMATS = ["text", "json", "github", "junit", "sarif"]


def _codes(values: tuple[str, ...]) -> list[str]:
    return [c for v in values for c in v.split(",") if c.strip()]


@main.command(cls=Command)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--kind", type=click.Choice(KIND_IDS), help="The kind of every file (default: from the name or columns).")
@click.option("--config", "config_path", type=click.Path(path_type=str), help="Configuration file (default ./batchkit.toml).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format (default: text; github when GITHUB_ACTIONS=true).")
@click.option("--max-samples", type=click.IntRange(min=0), default=None, help="Findings listed per code (0 = all; default 10).")
@click.option("--sheet", help="XLSX sheet to read (default: the first).")
@click.option("--select", multiple=True, help="Only these codes or prefixes (e.g. BK2,BK301); repeatable.")
@click.option("--ignore", multiple=True, help="Drop these codes or prefixes; repeatable.")
@click.option("--fail-on", type=click.Choice(["error", "warning"]), default=None, help="Exit 1 on errors (default) or on warnings too.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings fail the check (reports still written).")
@click.option("--report", "report_path", type=click.Path(path_type=Path), help="Write an annotated XLSX copy with an Issues sheet.")
@click.option("--issues-csv", type=click.Path(path_type=Path), help="Write the findings as CSV with the original cells.")
@click.option("--force", is_flag=True, help="Overwrite --report/--issues-csv files that exist.")
def validate(files: tuple[str, ...], kind: str | None, config_path: str | None, fmt: str | None,
             max_samples: int | None, sheet: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
             fail_on: str | None, exit_zero: bool, report_path: Path | None, issues_csv: Path | None, force: bool) -> None:
    """Check batch files before upload; several files are checked as one batch."""
    from batchkit.config import load_config
    from batchkit.report import code_filter, unknown_codes
    from batchkit.validate import validate_paths

    config = load_config(config_path)
    _check_report_targets(files, report_path, issues_csv)
    chosen, dropped = _codes(select) or list(config.select), _codes(ignore) or list(config.ignore)
    bad = unknown_codes(chosen + dropped)
    if bad:
        raise click.BadParameter(f"no rule code matches {', '.join(bad)}", param_hint="--select/--ignore")
    samples = 0 if (report_path or issues_csv) else max_samples
    report = validate_paths(list(files), config, kind=kind, sheet=sheet, max_samples=samples)
    wanted = code_filter(chosen, dropped)
    for fr in report.files:
        fr.keep_only(wanted)
    _write_reports(report, report_path, issues_csv, sheet, force)
    if samples != max_samples:
        for fr in report.files:
            fr.cap(config.max_samples if max_samples is None else max_samples)
    _emit(report, fmt, fail_on or config.fail_on)
    failed = report.errors > 0 or ((fail_on or config.fail_on) == "warning" and report.warnings > 0)
    sys.exit(0 if exit_zero or not failed else 1)


def _check_report_targets(files: tuple[str, ...], xlsx: Path | None, issues: Path | None) -> None:
    """Reports get the right extension and never replace a file being validated (not even with --force)."""
    from batchkit.errors import UsageError
    from batchkit.write import require_suffix, same_file

    for target, suffix, what in ((xlsx, ".xlsx", "--report"), (issues, ".csv", "--issues-csv")):
        if target is None:
            continue
        require_suffix(target, suffix, what)
        if any(same_file(target, f) for f in files):
            raise UsageError(f"{target}: is one of the files being validated; {what} needs another file name")


def _write_reports(report: object, xlsx: Path | None, issues: Path | None, sheet: str | None, force: bool) -> None:
    from batchkit.annotate import write_issues_csv, write_xlsx_report

    if xlsx:
        write_xlsx_report(report, xlsx, sheet, overwrite=force)  # type: ignore[arg-type]
        click.echo(f"wrote {xlsx}", err=True)
    if issues:
        write_issues_csv(report, issues, sheet, overwrite=force)  # type: ignore[arg-type]
        click.echo(f"wrote {issues}", err=True)


def _emit(report: object, fmt: str | None, fail_on: str) -> None:
    from batchkit import render, render_ci

    chosen = fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    renderers = {
        "text": lambda r: render.render_text(r, color=sys.stdout.isatty()),
        "json": render.render_json,
        "github": render_ci.render_github,
        "junit": lambda r: render_ci.render_junit(r, fail_on),
        "sarif": render_ci.render_sarif,
    }
    out(renderers[chosen](report))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if chosen == "github" and summary:
        error = render_ci.append_step_summary(summary, report)  # type: ignore[arg-type]
        if error:
            click.echo(f"batchkit: warning: {error}", err=True)


@main.command(cls=Command)
@click.argument("kind", type=click.Choice(KIND_IDS))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to this file (default: stdout).")
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
def template(kind: str, output: Path | None, force: bool) -> None:
    """Write impact.com's template for KIND (header and example rows that validate clean)."""
    from batchkit.templates import template_text
    from batchkit.write import require_suffix, write_text_atomic

    text = template_text(kind)
    if output is None:
        out(text, nl=False)
        return
    require_suffix(output, ".csv", "the template")
    write_text_atomic(output, text, overwrite=force)
    click.echo(f"wrote {output}", err=True)


@main.command(cls=Command)
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False), help="Folder for the batch files.")
@click.option("--config", "config_path", type=click.Path(path_type=str), help="Configuration file (default ./batchkit.toml).")
@click.option("--preset", type=click.Choice(["returns", "shopify"]), help="Input format (default: [build] preset, else returns).")
@click.option("--action-tracker-id", type=click.IntRange(min=1), help="ActionTrackerId for every order (overrides [build]).")
@click.option("--sheet", help="XLSX sheet to read (default: the first).")
@click.option("--prefix", help="File name prefix (default: [build] prefix, else the input's name).")
@click.option("--dry-run", is_flag=True, help="Decide and validate, but write nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Summary format.")
def build(input_path: Path, out_dir: Path, config_path: str | None, preset: str | None, action_tracker_id: int | None,
          sheet: str | None, prefix: str | None, dry_run: bool, fmt: str) -> None:
    """Turn an internal order export (CSV/XLSX) into impact.com batch files."""
    from batchkit.buildconfig import load_build_settings
    from batchkit.buildrun import build_files
    from batchkit.buildsummary import summary_json, summary_text
    from batchkit.config import load_config

    config = load_config(config_path)
    settings = load_build_settings(config, preset, action_tracker_id, prefix)
    with _progress(input_path) as progress:
        outcome = build_files(input_path, out_dir, config, settings, sheet, progress=progress, dry_run=dry_run)
    out(summary_json(outcome) if fmt == "json" else summary_text(outcome, dry_run))
    sys.exit(0 if outcome.ok else 1)


@main.command(cls=Command)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path), help="Where to write the fixed file.")
@click.option("--config", "config_path", type=click.Path(path_type=str), help="Configuration file (default ./batchkit.toml).")
@click.option("--kind", type=click.Choice(KIND_IDS), help="The kind, for validating the result.")
@click.option("--sheet", help="XLSX sheet to read (default: the first).")
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists (never the input).")
def fix(file: Path, output: Path, config_path: str | None, kind: str | None, sheet: str | None, force: bool) -> None:
    """Apply safe fixes (whitespace, BOM, reason case, amount format, header spelling) into a new file."""
    from batchkit.config import load_config
    from batchkit.fix import check_target, fix_file
    from batchkit.kinds import kind_from_filename
    from batchkit.read import read_csv_bytes
    from batchkit.render import render_text
    from batchkit.validate import validate_tables
    from batchkit.write import write_bytes_atomic

    config = load_config(config_path)
    check_target(file, output)
    result = fix_file(file, config, sheet)
    # the output is checked as the input's kind: OUT's name need not say it (a reversal re-checked as
    # a modification would lose BK205 and gain BK207)
    report = validate_tables([read_csv_bytes(str(output), result.data)], config, kind or kind_from_filename(file.name))
    write_bytes_atomic(output, result.data, overwrite=force)
    out(_fix_summary(result, output))
    if report.files[0].counts:
        out("still to fix by hand:")
        out(render_text(report))
    sys.exit(0 if report.valid else 1)


def _fix_summary(result: object, output: Path) -> str:
    counts = result.counts()  # type: ignore[attr-defined]
    notes = result.notes  # type: ignore[attr-defined]
    whole = f", {len(notes)} file-level fix{'' if len(notes) == 1 else 'es'}" if notes else ""
    lines = [f"wrote {output}: {sum(counts.values()):,} cell(s) fixed{whole}"]
    lines += [f"  {kind}: {n:,}" for kind, n in sorted(counts.items())]
    lines += [f"  {note}" for note in notes]
    for change in result.changes[:20]:  # type: ignore[attr-defined]
        lines.append(f"    row {change.row}, column {change.column}: {change.before!r} -> {change.after!r}")
    if len(result.changes) > 20:  # type: ignore[attr-defined]
        lines.append(f"    ... and {len(result.changes) - 20:,} more")  # type: ignore[attr-defined]
    return "\n".join(lines)


@main.command("run", cls=Command)
@click.option("--config", "config_path", required=True, type=click.Path(path_type=str), help="The job's batchkit.toml.")
@click.option("--dry-run", is_flag=True, help="Build and validate, show what would be delivered; send and archive nothing.")
def run_command(config_path: str, dry_run: bool) -> None:
    """The scheduled job: build -> validate -> deliver -> archive (exit 0 ok, 1 invalid, 2 config, 3 delivery)."""
    from batchkit.config import load_config
    from batchkit.runner import Log, run_job

    log = Log()
    log(f"run: start ({config_path}{', dry run' if dry_run else ''})")
    summary = run_job(load_config(config_path), dry_run=dry_run, log=log)
    out(summary.line())
    sys.exit(summary.exit_code)


LONG_INPUT = 5 << 20  # bytes: inputs this large get a progress bar (when stderr is a terminal)


@contextmanager
def _progress(path: Path) -> Iterator[Callable[[str], None] | None]:
    """A phase progress bar on stderr for long inputs, only when stderr is a terminal."""
    from batchkit.buildrun import STEPS

    try:
        big = path.is_file() and path.stat().st_size >= LONG_INPUT
    except OSError:  # a name too long, a loop, ...: reading the input reports it in one line
        big = False
    if not (big and sys.stderr.isatty()):
        yield None
        return
    with click.progressbar(length=len(STEPS), label="building", file=sys.stderr) as bar:
        yield lambda step: bar.update(1)


main.add_command(make_deliver_command(Command))
