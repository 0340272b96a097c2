"""The batchkit command line: parse options, call the library, render, exit.

Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 batchkit could not run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from batchkit import __version__
from batchkit.errors import BatchkitError
from batchkit.kinds import KIND_IDS


class Command(click.Command):
    """Turns batchkit's own errors into one line on stderr and exit 2 (a traceback only with --debug)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BatchkitError as exc:
            if ctx.find_root().params.get("debug"):
                raise
            click.echo(f"batchkit: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # an internal error: still no traceback unless asked
            if ctx.find_root().params.get("debug"):
                raise
            click.echo(f"batchkit: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
            ctx.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="batchkit")
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
def main(debug: bool) -> None:
    """Validate, build and deliver impact.com batch modification and reversal files."""


@main.command(cls=Command)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--kind", type=click.Choice(KIND_IDS), help="The kind of every file (default: from the name or columns).")
@click.option("--config", "config_path", type=click.Path(path_type=str), help="Configuration file (default ./batchkit.toml).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
@click.option("--max-samples", type=click.IntRange(min=0), default=None, help="Findings listed per code (0 = all; default 10).")
@click.option("--sheet", help="XLSX sheet to read (default: the first).")
def validate(files: tuple[str, ...], kind: str | None, config_path: str | None, fmt: str,
             max_samples: int | None, sheet: str | None) -> None:
    """Check batch files before upload; several files are checked as one batch."""
    from batchkit.config import load_config
    from batchkit.render import render_json, render_text
    from batchkit.validate import validate_paths

    config = load_config(config_path)
    report = validate_paths(list(files), config, kind=kind, sheet=sheet, max_samples=max_samples)
    if fmt == "json":
        click.echo(render_json(report))
    else:
        click.echo(render_text(report, color=sys.stdout.isatty()))
    sys.exit(0 if report.valid else 1)


@main.command(cls=Command)
@click.argument("kind", type=click.Choice(KIND_IDS))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to this file (default: stdout).")
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
def template(kind: str, output: Path | None, force: bool) -> None:
    """Write impact.com's template for KIND (header and example rows that validate clean)."""
    from batchkit.templates import template_text
    from batchkit.write import write_text_atomic

    text = template_text(kind)
    if output is None:
        click.echo(text, nl=False)
        return
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
    click.echo(summary_json(outcome) if fmt == "json" else summary_text(outcome, dry_run))
    sys.exit(0 if outcome.ok else 1)


class _progress:
    """A phase progress bar on stderr for long inputs, only when stderr is a terminal."""

    LONG_INPUT = 5 << 20  # bytes

    def __init__(self, path: Path) -> None:
        from batchkit.buildrun import STEPS

        big = path.is_file() and path.stat().st_size >= self.LONG_INPUT
        self.bar = click.progressbar(length=len(STEPS), label="building", file=sys.stderr) if big and sys.stderr.isatty() else None

    def __enter__(self) -> object:
        if self.bar is None:
            return None
        bar = self.bar.__enter__()
        return lambda step: bar.update(1)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
