"""The state folder (the delivery ledger, the API's mirror, the run's staging): ONE setting, resolved here.

--state-dir > BATCHKIT_STATE_DIR > `state_dir` at the top of batchkit.toml > `[deliver] state_dir` /
`[api] state_dir` (older homes of the setting, still read) > $XDG_STATE_HOME/batchkit, else
~/.local/state/batchkit. deliver, the API's commands and the library all ask `resolve_state_dir`, so they keep
their "already sent" records in the same SQLite files; a file naming two different folders is refused.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from batchkit.core.config import Config
from batchkit.core.errors import ConfigError
from batchkit.core.settings import pick

__all__ = ["ENV_NAME", "default_state_dir", "resolve_state_dir"]

ENV_NAME = "BATCHKIT_STATE_DIR"
KEY = "state_dir"
_SECTIONS = ("deliver", "api")  # the sections that used to own the setting: read, and they must agree
_EMPTY = "remove it or give a path"


def default_state_dir(env: Mapping[str, str] = os.environ) -> Path:
    """$XDG_STATE_HOME/batchkit, else ~/.local/state/batchkit."""
    if env.get("XDG_STATE_HOME"):
        return Path(env["XDG_STATE_HOME"]) / "batchkit"
    try:
        return Path.home() / ".local" / "state" / "batchkit"
    except RuntimeError:  # no HOME and no home directory for this user
        raise ConfigError("no home directory to keep the state folder in: set --state-dir, BATCHKIT_STATE_DIR or "
                          "state_dir in batchkit.toml") from None


def resolve_state_dir(config: Config, flag: str | None = None, env: Mapping[str, str] = os.environ) -> Path:
    """The state folder: flag > environment > the file (top-level, then [deliver], then [api]) > default.

    The file's own values are checked even when a flag or the environment overrides them: a file that names
    two different state folders is a ConfigError naming both (a file that disagrees with itself is wrong)."""
    found = _in_file(config)
    _agree(config.where, found)
    chosen = pick(KEY, flags={KEY: flag}, env=env, env_name=ENV_NAME, table={}, section="", where=config.where)
    path = chosen.path()
    if path is not None:
        return path
    return found[0][1] if found else default_state_dir(env)


def _in_file(config: Config) -> list[tuple[str, Path]]:
    """(which key, folder) for every state_dir the file gives, top-level first, resolved against its folder."""
    tables = [("", config.top), *((name, _section(config, name)) for name in _SECTIONS)]
    found = []
    for section, table in tables:
        got = pick(KEY, flags={}, env={}, env_name=None, table=table, section=section, where=config.where,
                   empty=_EMPTY)
        path = got.path(config.base)
        if path is not None:
            found.append((f"[{section}] {KEY}" if section else f"the top-level {KEY}", path))
    return found


def _section(config: Config, name: str) -> Mapping[str, Any]:
    """[name] of the file as far as the state folder goes: its state_dir checked to be a string."""
    table = config.sections.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{config.where}: [{name}] must be a table")
    if not isinstance(table.get(KEY, ""), str):
        raise ConfigError(f"{config.where}: [{name}] {KEY} must be a string")
    return table


def _agree(where: str, found: list[tuple[str, Path]]) -> None:
    """A ConfigError when the file's state_dir values name different folders (the same folder spelt two ways,
    `state` and `./state/`, is one folder)."""
    if not found:
        return
    first, first_path = found[0]
    for other, path in found[1:]:
        if _same(first_path) != _same(path):
            raise ConfigError(f"{where}: {first} ({first_path}) and {other} ({path}) name two different state "
                              f"folders: keep one (the top-level {KEY})")


def _same(path: Path) -> str:
    """A spelling of `path` that two spellings of one folder share (absolute, without . and ..)."""
    return os.path.normpath(os.path.abspath(path))

