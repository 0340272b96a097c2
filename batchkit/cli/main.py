"""The batchkit command line: parse options, call the library, render, exit.

Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 batchkit could not run, 3 a delivery
failed (safe to run again). One module per command; base.py holds what they share.
"""

from __future__ import annotations

import click

from batchkit.cli.actions import actions
from batchkit.cli.base import examples
from batchkit.cli.build import build
from batchkit.cli.deliver import deliver
from batchkit.cli.fix import fix
from batchkit.cli.inquiries import inquiries
from batchkit.cli.radar import radar
from batchkit.cli.results import results
from batchkit.cli.run import run_command
from batchkit.cli.sandbox import sandbox
from batchkit.cli.serve import serve
from batchkit.cli.status import status
from batchkit.cli.template import template
from batchkit.cli.validate import validate
from batchkit.core.version import VERSION


EXAMPLES = examples(
    "batchkit build samples/returns/returns_export.csv --config samples/returns/batchkit.toml -o out/",
    "batchkit validate out/*.csv",
    "batchkit deliver out/*.csv --to outbox",
    note="each command's --help ends with its own examples",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXAMPLES)
@click.version_option(VERSION, prog_name="batchkit")
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
def main(debug: bool) -> None:
    """Validate, build and deliver impact.com batch modification and reversal files."""


for command in (validate, template, build, fix, run_command, deliver, status, results, radar, actions, inquiries, sandbox,
                serve):
    main.add_command(command)
