"""The [radar] section: the horizon of the radar's buckets, and what `batchkit run` warns and fails about."""

from __future__ import annotations

from dataclasses import dataclass

from batchkit.core.config import Config
from batchkit.core.errors import ConfigError

MAX_DAYS = 366


@dataclass(frozen=True)
class RadarSettings:
    """days: the bucket "locks within N days" (default 7); warn_days: the run's radar line names what locks within
    them and is not yet applied (default 3); fail_days: the run exits 1 when an unsent correction locks within them
    (default: never)."""

    days: int = 7
    warn_days: int = 3
    fail_days: int | None = None


def load_radar_settings(config: Config, days: int | None = None) -> RadarSettings:
    """[radar] checked (whole days, 0 to 366; days at least 1), `days` (the --days flag) over the file's."""
    table = config.table("radar")
    for key in ("days", "warn_days", "fail_days"):
        value = table.get(key)
        if value is not None and not 0 <= value <= MAX_DAYS:
            raise ConfigError(f"{config.where}: [radar] {key} must be a whole number of days from 0 to {MAX_DAYS}")
    chosen = days if days is not None else table.get("days", 7)
    if not 1 <= chosen <= MAX_DAYS:
        raise ConfigError(f"--days must be a whole number of days from 1 to {MAX_DAYS}, not {chosen}")
    return RadarSettings(chosen, table.get("warn_days", 3), table.get("fail_days"))
