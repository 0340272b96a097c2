"""One precedence for every setting: a flag, then the environment, then batchkit.toml, then the default.

Every capability that reads a setting ([deliver], [api], the state folder) asks `pick`, so the order, the
errors for empty values and the origin named in messages (`--state-dir`, `BATCHKIT_STATE_DIR`,
`batchkit.toml: [deliver] state_dir`) are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batchkit.core.errors import ConfigError, UsageError

__all__ = ["Picked", "expand_path", "file_origin", "flag_name", "pick"]


@dataclass(frozen=True)
class Picked:
    """A chosen value (None: nothing set it, the caller's default applies), where it came from, and whether
    that was the configuration file (whose relative paths are relative to the file's folder)."""

    value: str | None
    origin: str = ""
    in_file: bool = False

    def path(self, base: Path = Path(".")) -> Path | None:
        """The value as a path: ~ expanded and, when it came from the file, relative to `base` (its folder)."""
        if self.value is None:
            return None
        path = expand_path(self.value, self.origin, self.in_file)
        return base / path if self.in_file else path


def flag_name(key: str) -> str:
    """The command-line flag of a setting: state_dir -> --state-dir."""
    return "--" + key.replace("_", "-")


def file_origin(where: str, section: str, key: str) -> str:
    """`<file>: [section] key`, or `<file>: key` for a top-level key (section "")."""
    return f"{where}: [{section}] {key}" if section else f"{where}: {key}"


def expand_path(text: str, origin: str, in_file: bool) -> Path:
    """`text` with a leading ~ or ~user expanded; an unknown home is a ConfigError when the file gave it, a
    UsageError when a flag or the environment did (exit 2 either way, one line naming where it came from)."""
    try:
        return Path(text).expanduser()
    except RuntimeError:  # no such user, or no home directory
        error = ConfigError if in_file else UsageError
        raise error(f"{origin} {text!r}: cannot expand {text.split('/')[0]!r} (no such user or no home "
                    "directory): write the full path") from None


def pick(key: str, *, flags: Mapping[str, Any], env: Mapping[str, str], env_name: str | None,
         table: Mapping[str, Any], section: str, where: str, empty: str = "remove it or give a value") -> Picked:
    """flags[key] > env[env_name] > table[key] (the [section] of the file `where`) > Picked(None).

    A flag given but empty is a UsageError (never a silent fall back, e.g. `--to "$UNSET"`); an empty value
    in the file is a ConfigError naming `<file>: [section] key` and saying `empty` (what to do); an
    environment variable set to blanks counts as unset. Values are stripped."""
    given = flags.get(key)
    if given is not None:
        if not str(given).strip():
            raise UsageError(f"{flag_name(key)} is empty")
        return Picked(str(given).strip(), flag_name(key))
    if env_name and env.get(env_name, "").strip():
        return Picked(env[env_name].strip(), env_name)
    if key in table:
        origin = file_origin(where, section, key)
        value = str(table[key]).strip()
        if not value:
            raise ConfigError(f"{origin} is empty: {empty}")
        return Picked(value, origin, True)
    return Picked(None)
