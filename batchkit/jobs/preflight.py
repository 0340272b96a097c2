"""The check `deliver --preflight` and `[run] preflight = true` put before a delivery: the files validated
and preflighted, InvalidFiles (nothing sent) when either finds errors (README "Preflight")."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from batchkit.core.config import Config
from batchkit.core.findings import Report
from batchkit.deliver.errors import InvalidFiles
from batchkit.preflight import describe, preflight, preflight_paths, settings_for
from batchkit.validate.engine import Validated


def preflight_check(config: Config, say: Callable[[str], None]) -> Callable[[list[Path]], Report]:
    """A `check=` for deliver_files: validation + preflight of the files, its summary line given to `say`."""
    settings = settings_for(config)  # a missing account or campaign fails before anything is hashed

    def check(paths: list[Path]) -> Report:
        report, done = preflight_paths([str(p) for p in paths], config, settings, notify=say)
        say(describe(done, settings))
        if not report.valid:
            raise InvalidFiles(report)
        return report

    return check


def preflight_validated(config: Config, say: Callable[[str], None]) -> Callable[[list[Validated]], None]:
    """A `check=` for deliver_via_api: preflight of files already validated (findings added to their reports)."""
    settings = settings_for(config)

    def check(kept: list[Validated]) -> None:
        say(describe(preflight(kept, settings, notify=say), settings))

    return check
