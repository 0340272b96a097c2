"""Delivery settings: flags, then BATCHKIT_* variables, then [deliver] in batchkit.toml, then defaults.

Secrets (BATCHKIT_SFTP_PASSWORD, BATCHKIT_KEY_PASSPHRASE) come from the environment only and never
appear in repr(); an sftp:// destination is checked here, before anything connects.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from batchkit.core.config import Config
from batchkit.core.errors import ConfigError, UsageError
from batchkit.core.files import file_problem
from batchkit.core.state import default_state_dir
from batchkit.deliver.targets import SftpDrop, expand_user, parse_destination

__all__ = ["VERIFY_LIMIT", "DeliverySettings", "default_state_dir", "resolve_settings"]

API = "api"  # the destination that sends each record through impact.com's API (a folder named api: ./api)
MAX_TIMEOUT = 3600  # seconds a stalled link may take before a retry (an hour: anything longer is a typo)
VERIFY_LIMIT = 50 * 1024 * 1024  # an SFTP upload up to this size is read back and its sha256 checked

_ENV = {"to": "BATCHKIT_TO", "key_file": "BATCHKIT_KEY_FILE", "known_hosts": "BATCHKIT_KNOWN_HOSTS",
        "state_dir": "BATCHKIT_STATE_DIR"}


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
    for key in table if isinstance(table, dict) else ():
        if "pass" in key:
            raise ConfigError(f"{where}: [deliver] {key}: secrets never go in batchkit.toml; set "
                              "BATCHKIT_SFTP_PASSWORD or BATCHKIT_KEY_PASSPHRASE in the environment")
    table = config.table("deliver")
    timeout = table.get("timeout", 1)
    if not math.isfinite(timeout) or not 0 < timeout <= MAX_TIMEOUT or not 0 <= table.get("retries", 0) <= 20:
        raise ConfigError(f"{where}: [deliver] timeout must be > 0 seconds and at most {MAX_TIMEOUT:,} (not nan "
                          "or inf), and retries between 0 and 20")
    return table


def resolve_settings(config: Config, flags: Mapping[str, Any] | None = None,
                     env: Mapping[str, str] = os.environ) -> DeliverySettings:
    """Flags > BATCHKIT_* environment > [deliver] in batchkit.toml > defaults; paths checked."""
    flags, table = flags or {}, _deliver_table(config)
    where = config.source or "batchkit.toml"
    base = Path(config.source).parent if config.source else Path(".")
    chosen: dict[str, Any] = {}
    origin: dict[str, str] = {}  # where each chosen value came from, for error messages
    from_file: set[str] = set()
    for key in ("to", "key_file", "known_hosts", "state_dir"):
        if flags.get(key) is not None and str(flags[key]).strip():
            chosen[key], origin[key] = str(flags[key]), "--" + key.replace("_", "-")
        elif flags.get(key) is not None:  # given, but empty: never fall back silently (e.g. --to "$UNSET")
            raise UsageError(f"--{key.replace('_', '-')} is empty")
        elif env.get(_ENV[key]):
            chosen[key], origin[key] = env[_ENV[key]], _ENV[key]
        elif key in table:  # relative paths in the file are relative to the file
            value, origin[key] = table[key], f"{where}: [deliver] {key}"
            from_file.add(key)
            if not value.strip():
                raise ConfigError(f"{origin[key]} is empty: give a folder or sftp://user@host[:port]/dir"
                                  if key == "to" else f"{origin[key]} is empty: remove it or give a path")
            local = key != "to" or ("://" not in value and value.strip() != API)
            chosen[key] = str(base / _expand(value, origin[key], True)) if local else value
    paths = {key: _expand(chosen[key], origin[key], key in from_file)
             for key in ("key_file", "known_hosts", "state_dir") if key in chosen}
    settings = DeliverySettings(
        to=chosen.get("to", "./outbox"), key_file=paths.get("key_file"), known_hosts=paths.get("known_hosts"),
        state_dir=paths["state_dir"] if "state_dir" in paths else default_state_dir(env),
        timeout=float(table.get("timeout", 30.0)), retries=int(table.get("retries", 4)),  # seconds: not money
        password=env.get("BATCHKIT_SFTP_PASSWORD") or None, passphrase=env.get("BATCHKIT_KEY_PASSPHRASE") or None,
        config=config)
    if settings.to.strip() == API:  # each record through impact.com's API (deliver/viaapi): no folder, no drop
        return settings
    try:
        dest = parse_destination(settings.to)
    except UsageError as exc:
        if "to" in from_file:
            raise ConfigError(f"{origin['to']}: {exc}") from None
        raise
    if isinstance(dest, SftpDrop):
        _check_sftp_settings(settings)
    return settings


def _expand(text: str, origin: str, in_file: bool) -> Path:
    try:
        return expand_user(text, origin)
    except UsageError as exc:
        raise (ConfigError(str(exc)) if in_file else exc) from None


def _check_sftp_settings(s: DeliverySettings) -> None:
    if s.known_hosts is None:
        raise ConfigError("an sftp:// destination needs --known-hosts FILE pinning the server's host key "
                          "(get it with `ssh-keyscan -p PORT HOST`, then confirm the fingerprint with the partner)")
    problem = file_problem(s.known_hosts)
    if problem:
        raise ConfigError(f"known_hosts file {s.known_hosts}: {problem}")
    try:
        text = s.known_hosts.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read known_hosts file {s.known_hosts}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        at = exc.object[:exc.start].count(b"\n") + 1
        raise ConfigError(f"known_hosts file {s.known_hosts} is not a text file (not UTF-8 at line {at}, byte "
                          f"{exc.start}): write it with `ssh-keyscan -p PORT HOST`") from None
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("@"):
            raise ConfigError(f"{s.known_hosts} line {number}: @cert-authority/@revoked lines are not supported; "
                              "pin the partner's key in a dedicated file of plain `[host]:port type key` lines")
    if s.key_file is None and not s.password:
        raise ConfigError("an sftp:// destination needs --key-file (or BATCHKIT_SFTP_PASSWORD in the environment)")
    problem = file_problem(s.key_file) if s.key_file is not None else None
    if problem:
        raise ConfigError(f"key file {s.key_file}: {problem}")
