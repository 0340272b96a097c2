"""The batchkit command line: parse options, call the library, render, exit.

Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 batchkit could not run, 3 a delivery
failed (safe to run again). One module per command; base.py holds what they share.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from batchkit.cli.base import examples
from batchkit.core.version import VERSION

# name -> (module, attribute), in the order --help lists them. A command's module is imported when the command runs
# (or when its help is shown): `batchkit status` pays for status.py, not for build's or the sandbox's imports.
COMMANDS = {"validate": ("validate", "validate"), "template": ("template", "template"), "build": ("build", "build"),
            "fix": ("fix", "fix"), "run": ("run", "run_command"), "deliver": ("deliver", "deliver"),
            "status": ("status", "status"), "results": ("results", "results"), "radar": ("radar", "radar"),
            "actions": ("actions", "actions"), "inquiries": ("inquiries", "inquiries"),
            "sandbox": ("sandbox", "sandbox"), "serve": ("serve", "serve")}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use; `commands` (all of them) imports every one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._loaded: dict[str, click.Command] = {}
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def commands(self) -> dict[str, click.Command]:
        return {name: self._load(name) for name in COMMANDS}

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._loaded.update(value)

    def _load(self, name: str) -> click.Command:
        if name not in self._loaded:
            module, attr = COMMANDS[name]
            self._loaded[name] = getattr(importlib.import_module(f"batchkit.cli.{module}"), attr)
        return self._loaded[name]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name) if cmd_name in COMMANDS else None


EXAMPLES = examples(
    "batchkit build samples/returns/returns_export.csv --config samples/returns/batchkit.toml -o out/",
    "batchkit validate out/*.csv",
    "batchkit deliver out/*.csv --to outbox",
    note="each command's --help ends with its own examples",
)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXAMPLES)
@click.version_option(VERSION, prog_name="batchkit")
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
def main(debug: bool) -> None:
    """Validate, build and deliver impact.com batch modification and reversal files."""

