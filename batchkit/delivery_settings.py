"""Delivery settings: flags, then BATCHKIT_* variables, then [deliver] in batchkit.toml, then defaults.

Secrets (BATCHKIT_SFTP_PASSWORD, BATCHKIT_KEY_PASSPHRASE) come from the environment only and never
appear in repr(); an sftp:// destination is checked here, before anything connects.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from batchkit.config import Config
from batchkit.destinations import SftpDrop, parse_destination
from batchkit.errors import ConfigError

__all__ = ["VERIFY_LIMIT", "DeliverySettings", "default_state_dir", "resolve_settings"]

VERIFY_LIMIT = 50 * 1024 * 1024  # an SFTP upload up to this size is read back and its sha256 checked

_DELIVER_KEYS: dict[str, tuple[type, ...]] = {"to": (str,), "key_file": (str,), "known_hosts": (str,),
                                              "state_dir": (str,), "timeout": (int, float), "retries": (int,)}
_TYPE_NAMES = {"timeout": "a number", "retries": "an integer"}
_ENV = {"to": "BATCHKIT_TO", "key_file": "BATCHKIT_KEY_FILE", "known_hosts": "BATCHKIT_KNOWN_HOSTS",
        "state_dir": "BATCHKIT_STATE_DIR"}


def default_state_dir(env: Mapping[str, str] = os.environ) -> Path:
    """$XDG_STATE_HOME/batchkit, else ~/.local/state/batchkit."""
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "batchkit"


@dataclass(frozen=True)
class DeliverySettings:
    """Everything a delivery needs besides the files; secrets never appear in repr()."""

    to: str = "./outbox"
    key_file: Path | None = None
    known_hosts: Path | None = None
    state_dir: Path = field(default_factory=default_state_dir)
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 1.0
    backoff_cap: float = 30.0
    lock_wait: float = 30.0
    verify_limit: int = VERIFY_LIMIT
    password: str | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)
    config: Config | None = field(default=None, repr=False)


def _deliver_table(config: Config) -> dict[str, Any]:
    table = config.sections.get("deliver", {})
    where = config.source or "batchkit.toml"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [deliver] must be a table")
    for key, value in table.items():
        if "pass" in key:
            raise ConfigError(f"{where}: [deliver] {key}: secrets never go in batchkit.toml; set "
                              "BATCHKIT_SFTP_PASSWORD or BATCHKIT_KEY_PASSPHRASE in the environment")
        if key not in _DELIVER_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r} in [deliver] (allowed: {', '.join(_DELIVER_KEYS)})")
        if not isinstance(value, _DELIVER_KEYS[key]) or isinstance(value, bool):
            raise ConfigError(f"{where}: [deliver] {key} must be {_TYPE_NAMES.get(key, 'a string')}")
    if table.get("timeout", 1) <= 0 or not 0 <= table.get("retries", 0) <= 20:
        raise ConfigError(f"{where}: [deliver] timeout must be > 0 and retries between 0 and 20")
    return table


def resolve_settings(config: Config, flags: Mapping[str, Any] | None = None,
                     env: Mapping[str, str] = os.environ) -> DeliverySettings:
    """Flags > BATCHKIT_* environment > [deliver] in batchkit.toml > defaults; paths checked."""
    flags, table = flags or {}, _deliver_table(config)
    base = Path(config.source).parent if config.source else Path(".")
    chosen: dict[str, Any] = {}
    for key in ("to", "key_file", "known_hosts", "state_dir"):
        if flags.get(key) not in (None, ""):
            chosen[key] = str(flags[key])
        elif env.get(_ENV[key]):
            chosen[key] = env[_ENV[key]]
        elif key in table:  # relative paths in the file are relative to the file
            value = table[key]
            local = key != "to" or "://" not in value
            chosen[key] = str(base / Path(value).expanduser()) if local else value
    settings = DeliverySettings(
        to=chosen.get("to", "./outbox"),
        key_file=Path(chosen["key_file"]).expanduser() if "key_file" in chosen else None,
        known_hosts=Path(chosen["known_hosts"]).expanduser() if "known_hosts" in chosen else None,
        state_dir=Path(chosen["state_dir"]).expanduser() if "state_dir" in chosen else default_state_dir(env),
        timeout=float(table.get("timeout", 30.0)), retries=int(table.get("retries", 4)),  # seconds: not money
        password=env.get("BATCHKIT_SFTP_PASSWORD") or None, passphrase=env.get("BATCHKIT_KEY_PASSPHRASE") or None,
        config=config)
    if isinstance(parse_destination(settings.to), SftpDrop):
        _check_sftp_settings(settings)
    return settings


def _check_sftp_settings(s: DeliverySettings) -> None:
    if s.known_hosts is None:
        raise ConfigError("an sftp:// destination needs --known-hosts FILE pinning the server's host key "
                          "(get it with `ssh-keyscan -p PORT HOST`, then confirm the fingerprint with the partner)")
    if not s.known_hosts.is_file():
        raise ConfigError(f"known_hosts file {s.known_hosts} not found")
    for number, line in enumerate(s.known_hosts.read_text(errors="replace").splitlines(), 1):
        if line.lstrip().startswith("@"):
            raise ConfigError(f"{s.known_hosts} line {number}: @cert-authority/@revoked lines are not supported; "
                              "pin the partner's key in a dedicated file of plain `[host]:port type key` lines")
    if s.key_file is None and not s.password:
        raise ConfigError("an sftp:// destination needs --key-file (or BATCHKIT_SFTP_PASSWORD in the environment)")
    if s.key_file is not None and not s.key_file.is_file():
        raise ConfigError(f"key file {s.key_file} not found")
