"""What every command shares: one line and an exit code for batchkit's own errors, and stdout writes
that fail cleanly (a closed pipe ends the command quietly with 141, as SIGPIPE would).
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from batchkit.core.errors import BatchkitError
from batchkit.render.escape import printable

CONFIG_HELP = "Configuration file (default ./batchkit.toml)."
SHEET_HELP = "XLSX sheet to read (default: the first)."


class StdoutError(Exception):
    """Writing to standard output failed (a closed pipe, a full disk)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error.strerror or str(error))
        self.error = error


def write_stdout(text: str, nl: bool = True) -> None:
    """click.echo to stdout, with a failing stdout raised as StdoutError."""
    try:
        click.echo(text, nl=nl)
    except OSError as exc:
        raise StdoutError(exc) from exc


def silence_stdout() -> None:
    """Point fd 1 at /dev/null so the interpreter's last flush of a broken stdout stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


def stdout_broken() -> bool:
    """True when flushing stdout fails: the OSError being handled came from writing it."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        return True
    return False


out = write_stdout


@contextmanager
def told_failures(before: Callable[[], None] | None = None) -> Iterator[None]:
    """Around a delivery: invalid files print their findings, a failed delivery one line per file (what happened
    to each), then the error propagates to Command (its one line and exit code). `before` runs first (e.g. to
    clear a progress line)."""
    from batchkit.delivery.errors import DeliveryError, InvalidFiles
    from batchkit.render.text import render_text

    try:
        yield
    except InvalidFiles as exc:
        if before:
            before()
        click.echo(render_text(exc.report, color=sys.stdout.isatty()))
        raise
    except DeliveryError as exc:
        if before:
            before()
        for result in exc.results:
            click.echo(result.describe())
        raise


class TerminalLine:
    """One self-rewriting line on a terminal's stderr (progress); nothing at all when stderr is not a terminal."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()

    def show(self, text: str) -> None:
        if self.live:
            click.echo(f"\r{text}   ", err=True, nl=False)

    def done(self) -> None:
        if self.live:
            click.echo("\r\033[K", err=True, nl=False)


INTERRUPTED_EXIT = 128 + 2  # what a shell reports for a process ended by SIGINT (Ctrl-C)
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
            click.echo(f"batchkit: error: {printable(str(exc))}", err=True)  # a file name's newline stays escaped
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:  # Ctrl-C: the shell's code for SIGINT, not 1 (which means "findings")
            if debug:
                raise
            click.echo("batchkit: interrupted; running again is safe: the ledger knows what was sent", err=True)
            ctx.exit(INTERRUPTED_EXIT)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
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
