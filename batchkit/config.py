"""batchkit.toml: defaults from schemas/defaults.toml, overridden by the user's file, validated once."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchkit.errors import ConfigError
from batchkit.resources import load_toml

DEFAULT_NAME = "batchkit.toml"

# section -> key -> expected type; sections other tools own are checked by those tools.
_SCHEMA: dict[str, dict[str, type]] = {
    "reasons": {"codes": list, "custom": list},
    "customer_status": {"accepted": list},
    "validate": {"max_samples": int, "select": list, "ignore": list, "fail_on": str},
}
_FOREIGN_SECTIONS = ("build", "deliver", "run")


@dataclass(frozen=True)
class Config:
    """The validated configuration."""

    reason_codes: frozenset[str]
    custom_codes: frozenset[str]
    customer_statuses: frozenset[str]
    max_samples: int
    source: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str = "error"
    sections: dict[str, Any] = field(default_factory=dict)

    @property
    def accepted_reasons(self) -> frozenset[str]:
        """Default codes plus the configured custom disposition codes."""
        return self.reason_codes | self.custom_codes


def _check_section(name: str, table: Any, where: str) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [{name}] must be a table")
    allowed = _SCHEMA[name]
    for key, value in table.items():
        if key not in allowed:
            raise ConfigError(f"{where}: unknown key {key!r} in [{name}] (allowed: {', '.join(allowed)})")
        expected = allowed[key]
        if not isinstance(value, expected) or isinstance(value, bool):
            what = {list: "a list", int: "an integer", str: "a string"}[expected]
            raise ConfigError(f"{where}: [{name}] {key} must be {what}")
        if isinstance(value, list) and not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f"{where}: [{name}] {key} must list non-empty strings")


def _merge(base: dict[str, Any], user: dict[str, Any], where: str) -> dict[str, Any]:
    merged = {k: dict(v) for k, v in base.items()}
    for name, table in user.items():
        if name in _FOREIGN_SECTIONS:
            merged[name] = table
            continue
        if name not in _SCHEMA:
            known = ", ".join(sorted([*_SCHEMA, *_FOREIGN_SECTIONS]))
            raise ConfigError(f"{where}: unknown section [{name}] (known: {known})")
        _check_section(name, table, where)
        merged.setdefault(name, {}).update(table)
    return merged


def _read_user_file(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None


def load_config(path: str | Path | None = None, cwd: Path | None = None) -> Config:
    """Load `path`, else ./batchkit.toml if present, else the defaults."""
    source: Path | None = Path(path) if path else None
    if source is None:
        candidate = (cwd or Path.cwd()) / DEFAULT_NAME
        source = candidate if candidate.is_file() else None
    user = _read_user_file(source) if source else {}
    merged = _merge(load_toml("defaults"), user, str(source))
    max_samples = merged["validate"]["max_samples"]
    if max_samples < 0:
        raise ConfigError(f"{source}: [validate] max_samples must be >= 0")
    fail_on = merged["validate"].get("fail_on", "error")
    if fail_on not in ("error", "warning"):
        raise ConfigError(f"{source}: [validate] fail_on must be \"error\" or \"warning\", not {fail_on!r}")
    from batchkit.report import unknown_codes

    for key in ("select", "ignore"):
        bad = unknown_codes(merged["validate"].get(key, []))
        if bad:
            raise ConfigError(f"{source}: [validate] {key} names no known code: {', '.join(bad)}")
    return Config(
        reason_codes=frozenset(merged["reasons"]["codes"]),
        custom_codes=frozenset(merged["reasons"]["custom"]),
        customer_statuses=frozenset(merged["customer_status"]["accepted"]),
        max_samples=max_samples,
        source=str(source) if source else None,
        select=tuple(merged["validate"].get("select", ())),
        ignore=tuple(merged["validate"].get("ignore", ())),
        fail_on=fail_on,
        sections={k: v for k, v in merged.items() if k in _FOREIGN_SECTIONS},
    )
