"""Delivery settings: flags, then BATCHKIT_* variables, then [deliver] in batchkit.toml, then defaults (one
precedence, batchkit.core.settings.pick; the state folder from batchkit.state.folder, shared with the API).

Secrets (BATCHKIT_SFTP_PASSWORD, BATCHKIT_KEY_PASSPHRASE) come from the environment only and never
appear in repr(); an sftp:// destination is checked here, before anything connects.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from batchkit.core.config import Config
from batchkit.core.errors import ConfigError, UsageError
from batchkit.core.files import file_problem
from batchkit.core.settings import Picked, pick
from batchkit.delivery.targets import API, Destination, SftpDrop, parse_destination
from batchkit.state.folder import default_state_dir, resolve_state_dir

if TYPE_CHECKING:
    from batchkit.api.settings import ApiSettings

__all__ = ["VERIFY_LIMIT", "DeliverySettings", "default_state_dir", "resolve_settings"]

MAX_TIMEOUT = 3600  # seconds a stalled link may take before a retry (an hour: anything longer is a typo)
VERIFY_LIMIT = 50 * 1024 * 1024  # an SFTP upload up to this size is read back and its sha256 checked

DEFAULT_TO = "./outbox"
_ENV = {"to": "BATCHKIT_TO", "key_file": "BATCHKIT_KEY_FILE", "known_hosts": "BATCHKIT_KNOWN_HOSTS"}
_EMPTY = {"to": "give a folder or sftp://user@host[:port]/dir"}  # what to do about an empty key in the file


@dataclass(frozen=True)
class DeliverySettings:
    """Everything a delivery needs besides the files; secrets never appear in repr()."""

    to: str = DEFAULT_TO
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
    destination: Destination | None = field(default=None, repr=False)  # `to` parsed (resolve_settings)
    account: str | None = None  # --account-sid: the account the journal keys a drop's records by (else env/[api])


def _deliver_table(config: Config) -> dict[str, Any]:
    where = config.where  # a secret-looking key was refused when the file was loaded (core.config.check_secrets)
    table = config.table("deliver")
    timeout = table.get("timeout", 1)
    if not math.isfinite(timeout) or not 0 < timeout <= MAX_TIMEOUT or not 0 <= table.get("retries", 0) <= 20:
        raise ConfigError(f"{where}: [deliver] timeout must be > 0 seconds and at most {MAX_TIMEOUT:,} (not nan "
                          "or inf), and retries between 0 and 20")
    return table


def resolve_settings(config: Config, flags: Mapping[str, Any] | None = None, env: Mapping[str, str] = os.environ,
                     api_flags: Mapping[str, Any] | None = None) -> DeliverySettings:
    """Flags > BATCHKIT_* environment > [deliver] in batchkit.toml > defaults; paths checked. The state folder
    is the one every command shares (batchkit.state.folder), so deliver and the API never keep two ledgers."""
    flags, table = flags or {}, _deliver_table(config)
    picked = {key: pick(key, flags=flags, env=env, env_name=name, table=table, section="deliver",
                        where=config.where, empty=_EMPTY.get(key, "remove it or give a path"))
              for key, name in _ENV.items()}
    to = _destination(picked["to"], config.base)
    key_file, known_hosts = picked["key_file"].path(config.base), picked["known_hosts"].path(config.base)
    state = flags.get("state_dir")
    settings = DeliverySettings(
        to=to, key_file=key_file, known_hosts=known_hosts,
        state_dir=resolve_state_dir(config, None if state is None else str(state), env),
        timeout=float(table.get("timeout", 30.0)), retries=int(table.get("retries", 4)),  # seconds: not money
        password=env.get("BATCHKIT_SFTP_PASSWORD") or None, passphrase=env.get("BATCHKIT_KEY_PASSPHRASE") or None,
        config=config, account=(api_flags or {}).get("account_sid") or None)
    try:
        dest = parse_destination(settings.to, api=lambda: _api(config, api_flags, state, env))
    except UsageError as exc:
        if picked["to"].in_file:
            raise ConfigError(f"{picked['to'].origin}: {exc}") from None
        raise
    if isinstance(dest, SftpDrop):
        _check_sftp_settings(settings)
    return replace(settings, destination=dest)


def _api(config: Config, flags: Mapping[str, Any] | None, state_dir: Any, env: Mapping[str, str]) -> ApiSettings:
    """The account the `api` destination sends to (flags > environment > [api])."""
    from batchkit.api.settings import api_settings

    return api_settings(config, {**(flags or {}), "state_dir": state_dir}, env)


def _destination(to: Picked, base: Path) -> str:
    """The destination: a folder named in the file is relative to the file; URLs and `api` stay as they are."""
    if to.value is None:
        return DEFAULT_TO
    local = to.in_file and "://" not in to.value and to.value != API
    return str(to.path(base)) if local else to.value


def _check_sftp_settings(s: DeliverySettings) -> None:
    if s.known_hosts is None:
        raise ConfigError("an sftp:// destination needs --known-hosts FILE (known_hosts= from Python) pinning the "
                          "server's host key (get it with `ssh-keyscan -p PORT HOST`, then confirm the fingerprint with the partner)")
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
        raise ConfigError("an sftp:// destination needs --key-file (key_file= from Python; or BATCHKIT_SFTP_PASSWORD "
                          "in the environment)")
    problem = file_problem(s.key_file) if s.key_file is not None else None
    if problem:
        raise ConfigError(f"key file {s.key_file}: {problem}")
