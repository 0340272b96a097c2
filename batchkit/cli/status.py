"""`batchkit status`: what the journal holds and what needs a person (README "Exactly once").

Exit codes: 0 nothing needs a person, 1 a write was refused by impact.com, 3 a write's outcome is unknown,
2 usage or configuration.
"""

from __future__ import annotations

import json
import os
import sys

import click

from batchkit.cli.base import Command, config_option, examples, out, state_dir_option

EXAMPLES = examples("batchkit status", "batchkit status --all --format json")


@click.command("status", cls=Command, epilog=EXAMPLES)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--all", "show_all", is_flag=True, help="List every file delivery (default: the last 20).")
@click.option("--applied", "applied", multiple=True, type=int, metavar="ID",
              help="You checked unknown write #ID on impact.com and it is there: record it applied (repeatable).")
@click.option("--dismiss", "dismiss", multiple=True, type=int, metavar="ID",
              help="Refused write #ID will not be sent: stop listing it (repeatable).")
@state_dir_option
@config_option
def status(fmt: str, show_all: bool, applied: tuple[int, ...], dismiss: tuple[int, ...], state_dir: str | None,
           config_path: str | None) -> None:
    """What was sent, queued, applied, refused or is unknown; what needs a person."""
    from batchkit.core.config import load_config
    from batchkit.render.escape import printable
    from batchkit.state.folder import resolve_state_dir
    from batchkit.state.ledger import Ledger
    from batchkit.state.status import summarise

    ledger = Ledger(resolve_state_dir(load_config(config_path), state_dir, os.environ))
    try:
        ledger.check()
        for state, ids in (("applied", applied), ("dismissed", dismiss)):
            _mark(ledger, state, list(ids))
        got = summarise(ledger, None if show_all else 20)
    finally:
        ledger.close()
    if fmt == "json":
        out(json.dumps(got.as_dict(), indent=2, ensure_ascii=False))
    else:
        for line in got.lines():
            out(printable(line))
    sys.exit(got.exit_code)


def _mark(ledger: object, state: str, ids: list[int]) -> None:
    """--applied / --dismiss: a person's word on writes that need one, under the lock."""
    from batchkit.core.errors import UsageError
    from batchkit.render.escape import printable
    from batchkit.state.status import mark

    if not ids:
        return
    with ledger.locked():  # type: ignore[attr-defined]
        try:
            for e in mark(ledger, ids, state):  # type: ignore[arg-type]
                click.echo(printable(f"#{e.id} recorded {state}: {e.target} ({e.name or e.channel} row {e.row})"),
                           err=True)
        except KeyError as exc:
            flag, what = ("--applied", "an unknown") if state == "applied" else ("--dismiss", "a refused")
            raise UsageError(f"{flag} {', '.join(map(str, exc.args[0]))}: not {what} write (see `batchkit "
                             "status`)") from None
