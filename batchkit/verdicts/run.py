"""`batchkit results` as one call: the ledger of the state directory, the account of the environment and
[api], the archive of [run] when there is one."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from batchkit.api.settings import api_number, api_settings
from batchkit.core.config import Config
from batchkit.core.errors import ConfigError
from batchkit.state.ledger import Ledger
from batchkit.state.folder import resolve_state_dir
from batchkit.verdicts.collect import Asking, Results, collect


def archive_of(config: Config) -> Path | None:
    """[run] archive, resolved against the configuration file (None without a [run] section). [run] is read
    through its checked table (batchkit.jobs owns it, but sits above verdicts)."""
    if "run" not in config.sections:
        return None
    archive = config.table("run").get("archive", "archive")
    if not archive.strip():
        raise ConfigError(f"{config.where}: [run] archive is empty: name the folder delivered files are archived in")
    return config.base / archive


def results_for(config: Config, files: list[Path] | None = None, *, since: datetime | None = None,
                wait: float | None = None, budget: int | None = None, state_dir: str | None = None,
                api_flags: Mapping[str, Any] | None = None, max_samples: int = 10,
                notify: Callable[[str], None] | None = None, env: Mapping[str, str] = os.environ) -> Results:
    """The verdicts on the deliveries of the ledger (of `files` if given, at or after `since`)."""
    ledger_dir = resolve_state_dir(config, state_dir, env)
    if not Ledger(ledger_dir).exists():
        raise ConfigError(f"no ledger in {ledger_dir}: nothing was delivered from this state directory "
                          "(set --state-dir, BATCHKIT_STATE_DIR or state_dir in batchkit.toml)")
    asking = Asking(lambda: api_settings(config, dict(api_flags or {}), env),
                    api_number(config, "results_budget") if budget is None else budget, wait or 0.0, notify=notify)
    ledger = Ledger(ledger_dir)
    try:
        return collect(ledger, asking, files, since, archive_of(config), max_samples)
    finally:
        ledger.close()
