"""The check `deliver --preflight` and `[run] preflight = true` put before a delivery, whatever the channel: the
validated files preflighted (findings added to their reports), so that InvalidFiles stops the delivery when
either finds errors (README "Preflight")."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from batchkit.api.settings import api_settings
from batchkit.core.config import Config
from batchkit.preflight import describe, preflight
from batchkit.validation.engine import Validated


def preflight_validated(config: Config, say: Callable[[str], None],
                        flags: Mapping[str, Any] | None = None) -> Callable[[list[Validated]], None]:
    """A `check=` for every delivery (delivery/prepare.py): preflight of files already validated (findings added
    to their reports). The account: `flags` (deliver's --api-url, --account-sid, --campaign-id, --state-dir, as
    api_settings() reads them), then IMPACT_* / BATCHKIT_* variables, then [api]; a campaign is needed."""
    settings = api_settings(config, flags or {}, os.environ)
    settings.need_campaign()

    def check(kept: list[Validated]) -> None:
        say(describe(preflight(kept, settings, notify=say), settings))

    return check
