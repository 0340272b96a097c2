"""What every command shares: one line and an exit code for batchkit's own errors, stdout writes that fail
cleanly (a closed pipe ends the command quietly with 141, as SIGPIPE would), and the options several commands take,
each defined once here so that it is spelled and explained the same everywhere (--config, --state-dir, the API's
--api-url/--account-sid/--campaign-id, -o/--output) along with each command's examples.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import click

from batchkit.core.errors import BatchkitError
from batchkit.render.escape import printable

CONFIG_HELP = "Configuration file (default ./batchkit.toml)."
SHEET_HELP = "XLSX sheet to read (default: the first)."
STATE_DIR_HELP = ("The state folder: the mirror, the journal and the ledger (default: state_dir in batchkit.toml, "
                  "else $XDG_STATE_HOME/batchkit) [env BATCHKIT_STATE_DIR].")
API_URL_HELP = "The API's root (default https://api.impact.com) [env BATCHKIT_API_URL]."
ACCOUNT_SID_HELP = "The account [env IMPACT_ACCOUNT_SID]; the token comes only from IMPACT_AUTH_TOKEN."
CAMPAIGN_ID_HELP = "The campaign (program) [env BATCHKIT_CAMPAIGN_ID]."

# ------------------------------------------------------------------ options several commands take

F = TypeVar("F", bound=Callable[..., Any])


def options(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """Several click options as one decorator, listed in --help in the order given."""
    def apply(command: F) -> F:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return apply


config_option = click.option("--config", "config_path", type=click.Path(path_type=str), help=CONFIG_HELP)
state_dir_option = click.option("--state-dir", metavar="DIR", help=STATE_DIR_HELP)
account_options = options(  # flag > environment > [api] in batchkit.toml > default
    click.option("--api-url", metavar="URL", help=API_URL_HELP),
    click.option("--account-sid", metavar="SID", help=ACCOUNT_SID_HELP),
    click.option("--campaign-id", metavar="ID", help=CAMPAIGN_ID_HELP),
)
api_options = options(config_option, account_options, state_dir_option)  # what every API command takes


def api_flags(params: dict[str, Any]) -> dict[str, Any]:
    """The flags of account_options and --state-dir, taken out of `params`, as api_settings() reads them."""
    return {"url": params.pop("api_url", None), "account_sid": params.pop("account_sid", None),
            "campaign_id": params.pop("campaign_id", None), "state_dir": params.pop("state_dir", None)}


def load_api_settings(params: dict[str, Any]) -> Any:
    """The API settings of api_options' flags (taken out of `params`), the environment and --config's [api]."""
    from batchkit.api.settings import api_settings
    from batchkit.core.config import load_config

    config = load_config(params.pop("config_path", None))
    return api_settings(config, api_flags(params), os.environ)


def parse_date(text: str | None, name: str) -> datetime | None:
    """A date flag: YYYY-MM-DD or ISO 8601 (UTC unless it says otherwise); UsageError otherwise."""
    from batchkit.core.errors import UsageError

    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{name} {text!r}: not a date (YYYY-MM-DD or ISO 8601)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Output(click.Option):
    """-o/--output, whose old spelling (a hidden option, `old_name`) still works: its value becomes this one's, and
    both given with different values is a usage error (exit 2) rather than a silent choice of one."""

    def __init__(self, *args: Any, old_name: str, old_flag: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.old_name, self.old_flag = old_name, old_flag

    def consume_value(self, ctx: click.Context, opts: Mapping[str, Any]) -> tuple[Any, Any]:
        value, source = super().consume_value(ctx, opts)
        old = opts.get(self.old_name)
        if not isinstance(old, str):  # the old spelling was not given
            return value, source
        if source != click.core.ParameterSource.COMMANDLINE:
            return old, click.core.ParameterSource.COMMANDLINE
        if value != old:
            raise click.UsageError(f"-o/--output {value!r} and {self.old_flag} {old!r} differ: give one "
                                   f"({self.old_flag} is the old spelling of --output)", ctx=ctx)
        return value, source


def output_option(name: str, help: str, *, old: str | None = None, **kwargs: Any) -> Callable[[F], F]:
    """`-o/--output` for what a command writes (`name`: the function's parameter); `old`, a spelling earlier
    versions documented (e.g. --out), still works but is hidden from --help."""
    old_name = f"{name}_old_spelling"
    main = click.option("-o", "--output", name, cls=Output, old_name=old_name, old_flag=old or "", help=help,
                        **kwargs)
    if old is None:
        return main
    return options(main, click.option(old, old_name, hidden=True, expose_value=False))


def examples(*lines: str, note: str = "") -> str:
    """A command's epilog: its examples, one command line each (kept as written: click's \\b), run from the
    repository's folder against the shipped samples/; `note` is one line after them (e.g. what they need)."""
    text = "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)
    return text + (f"\n  ({note})" if note else "")


SANDBOX_NOTE = "they talk to the API: try them against `batchkit sandbox`, with the export lines it prints"


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
