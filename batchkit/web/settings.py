"""[serve] and the flags of `batchkit serve`: the port, the upload bound, how long uploads are kept, the state
folder (one resolver: batchkit.core.settings.pick; the folder from batchkit.state.folder)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from batchkit.core.config import Config
from batchkit.core.errors import ConfigError, UsageError
from batchkit.core.settings import pick
from batchkit.state.folder import resolve_state_dir

DEFAULT_PORT = 8765
DEFAULT_MAX_UPLOAD_MB = 512  # a 1,000,000-row batch file is about 60-120 MB
DEFAULT_KEEP_DAYS = 7
_ENV = {"port": "BATCHKIT_SERVE_PORT"}
_BOUNDS = {"port": (0, 65535), "max_upload_mb": (1, 1 << 20), "keep_days": (0, 3650)}


@dataclass(frozen=True)
class ServeSettings:
    """What the workbench needs to start: where it listens, what it accepts, where it keeps things."""

    state_dir: Path
    port: int = DEFAULT_PORT
    max_upload: int = DEFAULT_MAX_UPLOAD_MB << 20  # bytes of one request's body
    keep_days: int = DEFAULT_KEEP_DAYS
    config_path: Path | None = None  # the batchkit.toml the workbench reads and remembers choices in

    @property
    def folder(self) -> Path:
        """The workbench's own corner of the state folder (uploads, outputs)."""
        return self.state_dir / "serve"


def serve_settings(config: Config, flags: Mapping[str, object], env: Mapping[str, str] = os.environ,
                   config_path: Path | None = None) -> ServeSettings:
    """flags > BATCHKIT_SERVE_PORT > [serve] > defaults; the state folder as every command resolves it."""
    table = config.table("serve")
    values = {}
    for key, default in (("port", DEFAULT_PORT), ("max_upload_mb", DEFAULT_MAX_UPLOAD_MB),
                         ("keep_days", DEFAULT_KEEP_DAYS)):
        got = pick(key, flags=flags, env=env, env_name=_ENV.get(key), table=table, section="serve",
                   where=config.where)
        values[key] = default if got.value is None else _whole(key, got.value, got.origin, got.in_file)
    state = resolve_state_dir(config, _flag(flags.get("state_dir")), env)
    return ServeSettings(state, values["port"], values["max_upload_mb"] << 20, values["keep_days"], config_path)


def _flag(value: object) -> str | None:
    return None if value is None else str(value)


def _whole(key: str, text: str, origin: str, in_file: bool) -> int:
    """A whole number within the key's bounds, else a one-line error naming where it came from."""
    low, high = _BOUNDS[key]
    try:
        number = int(text)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        error = ConfigError if in_file else UsageError
        raise error(f"{origin}: {key.replace('_', ' ')} must be a whole number from {low} to {high}, not {text!r}")
    return number
