"""Where batchkit keeps its state (the delivery ledger, the API's mirror): one folder per user."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from batchkit.core.errors import ConfigError


def default_state_dir(env: Mapping[str, str] = os.environ) -> Path:
    """$XDG_STATE_HOME/batchkit, else ~/.local/state/batchkit."""
    if env.get("XDG_STATE_HOME"):
        return Path(env["XDG_STATE_HOME"]) / "batchkit"
    try:
        return Path.home() / ".local" / "state" / "batchkit"
    except RuntimeError:  # no HOME and no home directory for this user
        raise ConfigError("no home directory to keep the ledger in: set --state-dir, BATCHKIT_STATE_DIR or "
                          "[deliver] state_dir") from None
