"""The check `deliver --preflight` and `[run] preflight = true` put before a delivery, whatever the channel: the
validated files preflighted (findings added to their reports), so that InvalidFiles stops the delivery when
either finds errors (README "Preflight")."""

from __future__ import annotations

from collections.abc import Callable

from batchkit.core.config import Config
from batchkit.preflight import describe, preflight, settings_for
from batchkit.validation.engine import Validated


def preflight_validated(config: Config, say: Callable[[str], None]) -> Callable[[list[Validated]], None]:
    """A `check=` for every delivery (delivery/prepare.py): preflight of files already validated (findings added
    to their reports)."""
    settings = settings_for(config)

    def check(kept: list[Validated]) -> None:
        say(describe(preflight(kept, settings, notify=say), settings))

    return check
