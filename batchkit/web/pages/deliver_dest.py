"""The destinations the Deliver page offers, by their place in the list (the browser sends the place, never a path):
[deliver] to as the command line resolves it (default ./outbox), each of [serve] destinations, and impact.com's
API when an account is configured (IMPACT_ACCOUNT_SID / IMPACT_AUTH_TOKEN / BATCHKIT_CAMPAIGN_ID, then [api])."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from batchkit.core.config import Config
from batchkit.core.errors import BatchkitError, UsageError
from batchkit.delivery.settings import DeliverySettings, resolve_settings
from batchkit.delivery.targets import API


@dataclass(frozen=True)
class Choice:
    """One destination: `to` is what resolve_settings gets as --to (None: [deliver] to, as the CLI has it)."""

    index: int
    label: str
    to: str | None
    kind: str  # folder | sftp | api
    problem: str = ""  # why it cannot be used now ('' when it can)
    target: str = ""  # the folder, sftp:// address or "api" it names

    @property
    def is_api(self) -> bool:
        return self.kind == "api"


def kind_of(to: str) -> str:
    return "api" if to.strip() == API else "sftp" if to.startswith("sftp://") else "folder"


def _default(config: Config, env: Mapping[str, str]) -> Choice:
    try:
        to = resolve_settings(config, {}, env).to
    except BatchkitError as exc:
        return Choice(0, "[deliver] to", None, "folder", str(exc))
    return Choice(0, _label(to, "[deliver] to"), None, kind_of(to), target=to)


def _label(to: str, origin: str) -> str:
    if to.strip() == API:
        return f"impact.com API ({origin})"
    return f"{to} ({origin})"


def _serve_entry(config: Config, text: str) -> str:
    """A [serve] destinations folder named relatively is relative to the configuration file, as [deliver] to is."""
    if "://" in text or text.strip() == API or text.startswith("~") or Path(text).is_absolute():
        return text
    return str(config.base / text)


def _api_choice(index: int, config: Config, env: Mapping[str, str]) -> Choice | None:
    """The API, when an account is configured (a token in the environment and an account SID)."""
    from batchkit.api.settings import api_settings

    try:
        api = api_settings(config, {}, env)
    except BatchkitError:
        return None
    if not api.token:
        return None
    campaign = f", campaign {api.campaign_id}" if api.campaign_id else ""
    return Choice(index, f"impact.com API (account {api.account_sid}{campaign})", API, "api", target=API)


def choices(config: Config, env: Mapping[str, str] = os.environ) -> list[Choice]:
    """Every destination offered, in order; the same text is offered once."""
    found = [_default(config, env)]
    seen = {found[0].target}
    try:
        extra = config.table("serve").get("destinations", [])
    except BatchkitError:
        extra = []
    for text in extra:
        to = _serve_entry(config, str(text))
        if to not in seen:
            seen.add(to)
            found.append(Choice(len(found), _label(to, "[serve] destinations"), to, kind_of(to), target=to))
    api = _api_choice(len(found), config, env)
    if api is not None and not any(c.is_api for c in found):
        found.append(api)
    return found


def pick(config: Config, index: object, env: Mapping[str, str] = os.environ) -> Choice:
    """The destination at `index` (digits only: a path or anything else is refused)."""
    text = str(index or "")
    offered = choices(config, env)
    if not text.isdigit() or int(text) >= len(offered):
        raise UsageError("choose one of the destinations listed on the page (the page sends its number, never a "
                         "folder or address)")
    chosen = offered[int(text)]
    if chosen.problem:
        raise UsageError(chosen.problem)
    return chosen


def settings_for(config: Config, choice: Choice, env: Mapping[str, str] = os.environ) -> DeliverySettings:
    """The delivery's settings as `batchkit deliver [--to TO]` resolves them."""
    to = choice.target or choice.to  # the destination as it was when the plan was made
    return resolve_settings(config, {} if to is None else {"to": to}, env)
