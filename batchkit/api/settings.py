"""API settings: flags, then the environment, then [api] in batchkit.toml, then defaults (one precedence,
batchkit.core.settings.pick; the state folder from batchkit.state.folder, shared with deliver).

The token comes only from IMPACT_AUTH_TOKEN (never a flag or the file) and never appears in repr().
Plain http:// is allowed only to a loopback host (the sandbox); TLS is always verified.
"""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from batchkit.core.config import Config
from batchkit.core.errors import ConfigError
from batchkit.core.settings import pick
from batchkit.state.folder import default_state_dir, resolve_state_dir

__all__ = ["ApiSettings", "api_settings", "is_loopback"]

DEFAULT_URL = "https://api.impact.com"
_ENV = {"url": "BATCHKIT_API_URL", "account_sid": "IMPACT_ACCOUNT_SID", "campaign_id": "BATCHKIT_CAMPAIGN_ID"}
_RANGES = {  # key: (default, lowest, highest)
    "requests_per_hour": (1000, 1, 100_000), "timeout": (30.0, 0.001, 3600), "sync_days": (90, 1, 3 * 365),
    "page_size": (20_000, 2000, 20_000), "retries": (4, 0, 20), "max_age": (3600.0, 0, 366 * 86400),
    "preflight_budget": (200, 0, 100_000), "results_budget": (200, 0, 100_000), "settle_seconds": (900.0, 0, 30 * 86400), "max_hours": (2.0, 0, 1000),
    # bounded answers (api/limits.py; README "Answers batchkit does not trust"): a listing's page of 20,000
    # actions is ~25 MB; single objects and write answers are held to 1 MB (limits.OBJECT_BYTES)
    "max_body_mb": (64, 1, 1024), "max_inflate_ratio": (100.0, 2, 10_000), "request_seconds": (300.0, 0.1, 3600)}


@dataclass(frozen=True)
class ApiSettings:
    """Everything the client needs; the token never appears in repr()."""

    account_sid: str
    token: str = field(repr=False)
    url: str = DEFAULT_URL
    campaign_id: str | None = None
    requests_per_hour: int = 1000
    timeout: float = 30.0
    sync_days: int = 90
    page_size: int = 20_000
    retries: int = 4
    state_dir: Path = field(default_factory=default_state_dir)
    max_age: float = 3600.0
    preflight_budget: int = 200
    results_budget: int = 200
    settle_seconds: float = 900.0
    max_hours: float = 2.0
    max_body_mb: int = 64  # a listing's page, as sent and once decompressed
    max_inflate_ratio: float = 100.0  # decompressed / compressed, checked past the first MiB
    request_seconds: float = 300.0  # one request whole: connect, send, headers, every read of its body
    backoff: float = 1.0
    backoff_cap: float = 60.0

    @property
    def base(self) -> str:
        """The account's path: /Advertisers/{AccountSID}."""
        return f"/Advertisers/{self.account_sid}"

    def need_token(self) -> None:
        if not self.token:
            raise ConfigError("no impact.com token: set IMPACT_AUTH_TOKEN in the environment (it never goes in a "
                              "file)")

    def need_campaign(self) -> str:
        if not self.campaign_id:
            raise ConfigError("no impact.com campaign: set --campaign-id, BATCHKIT_CAMPAIGN_ID or [api] campaign_id")
        return self.campaign_id


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _api_table(config: Config) -> dict[str, Any]:
    """[api], checked (a secret-looking key was refused when the file was loaded: core.config.check_secrets)."""
    where = config.where
    table = dict(config.table("api"))
    for key, (_default, low, high) in _RANGES.items():
        value = table.get(key)
        if value is not None and (not math.isfinite(value) or not low <= value <= high):
            raise ConfigError(f"{where}: [api] {key} must be between {low:,} and {high:,} (got {value!r})")
    return table


def api_number(config: Config, key: str) -> Any:
    """One of [api]'s numbers (checked; its default when the file does not set it), without needing an account:
    e.g. results' request budget when every verdict is already known."""
    default = _RANGES[key][0]
    return type(default)(_api_table(config).get(key, default))


def check_url(url: str, origin: str) -> str:
    """An https:// URL, or http:// to a loopback host; no path, query or credentials. A message never repeats
    the URL's user, password, path or query (a token pasted into it stays out of the output)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        host = parts.netloc.rsplit("@", 1)[-1]
        shown = f" {parts.scheme}://{host}" if parts.scheme.isalpha() and host else ""
        raise ConfigError(f"{origin}: the URL{shown} is not an https:// URL (give the API's root, like "
                          f"{DEFAULT_URL})")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(f"{origin}: plain http:// only to this machine (127.0.0.1, localhost); "
                          f"use https:// for {parts.hostname}")
    if parts.username or parts.password or parts.query or parts.path.strip("/"):
        raise ConfigError(f"{origin}: give the API's root only (like {DEFAULT_URL}), without a path, query or "
                          "credentials")
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def api_settings(config: Config, flags: Mapping[str, Any] | None = None,
                 env: Mapping[str, str] = os.environ) -> ApiSettings:
    """Flags > environment > [api] in batchkit.toml > defaults (batchkit.core.settings.pick); the state folder
    from batchkit.state.folder, the same one deliver uses; the token only from IMPACT_AUTH_TOKEN (it may be
    missing: reading the mirror needs none; ApiSettings.need_token() says so when a request would)."""
    flags, table = flags or {}, _api_table(config)
    url, sid, campaign = (pick(key, flags=flags, env=env, env_name=_ENV[key], table=table, section="api",
                               where=config.where) for key in ("url", "account_sid", "campaign_id"))
    state = flags.get("state_dir")
    state_dir = resolve_state_dir(config, None if state is None else str(state), env)
    if not sid.value:
        raise ConfigError("no impact.com account: set IMPACT_ACCOUNT_SID (or [api] account_sid)")
    numbers: dict[str, Any] = {key: type(default)(table.get(key, default)) for key, (default, _l, _h) in
                               _RANGES.items()}
    return ApiSettings(account_sid=sid.value, token=env.get("IMPACT_AUTH_TOKEN", "").strip(),
                       url=check_url(url.value, url.origin) if url.value else DEFAULT_URL,
                       campaign_id=campaign.value, state_dir=state_dir, **numbers)
