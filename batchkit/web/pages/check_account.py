"""The account a check is run against: from the environment and [api] (batchkit.api.settings), the mirror's
age (batchkit.state.mirror), and a sync of it (batchkit.api.actions.sync_actions) with progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from batchkit.core.config import Config
from batchkit.core.errors import BatchkitError

if TYPE_CHECKING:
    from batchkit.api.settings import ApiSettings
    from batchkit.web.bench import Bench
    from batchkit.web.work import Task

NEEDED = ("set IMPACT_ACCOUNT_SID, IMPACT_AUTH_TOKEN and BATCHKIT_CAMPAIGN_ID in the environment of "
          "`batchkit serve` (or [api] account_sid and campaign_id in batchkit.toml)")


@dataclass(frozen=True)
class Account:
    """What the page says of the account: which one, how old its mirror is, or what to set."""

    settings: ApiSettings | None
    missing: str = ""  # one line: what to set (no account configured)
    synced_at: datetime | None = None

    @property
    def age(self) -> str:
        if self.synced_at is None:
            return "never synced"
        return f"synced {_ago((datetime.now(UTC) - self.synced_at).total_seconds())} ago " \
               f"({self.synced_at:%Y-%m-%d %H:%M} UTC)"


def account_settings(bench: Bench, config: Config | None = None) -> ApiSettings:
    """The account of the environment and [api], the mirror in the workbench's state folder; ConfigError if
    no account or campaign is set."""
    from batchkit.api.settings import api_settings

    settings = api_settings(config or bench.config(), {"state_dir": str(bench.settings.state_dir)})
    settings.need_campaign()
    return settings


def missing(exc: BatchkitError) -> str:
    """One line: what to set to check against the account (and what was wrong, unless it is only that)."""
    said = str(exc)
    return f"To check against the account, {NEEDED}." if said.startswith(("no impact.com account",
                                                                           "no impact.com campaign")) \
        else f"{said}. To check against the account, {NEEDED}."


def account_of(bench: Bench) -> Account:
    try:
        settings = account_settings(bench)
    except BatchkitError as exc:
        return Account(None, missing(exc))
    return Account(settings, synced_at=_synced_at(settings))


def _synced_at(settings: ApiSettings) -> datetime | None:
    """When the mirror was last synced (None: never; the page never creates a mirror by looking)."""
    from batchkit.state.mirror import Mirror, mirror_path

    path = mirror_path(settings.state_dir, settings.account_sid, settings.need_campaign())
    if not path.is_file():
        return None
    try:
        with Mirror(path, create=False) as mirror:
            return mirror.synced_at()
    except BatchkitError:
        return None


def sync(settings: ApiSettings, task: Task) -> str:
    """Bring the mirror up to date; one line saying what changed."""
    from batchkit.api.actions import sync_actions
    from batchkit.api.sync import SyncProgress

    def progress(p: SyncProgress) -> None:
        task.report(f"window {p.window} of {p.windows}, page {p.page} of {p.pages or '?'} "
                    f"({p.requests} request(s))", max(p.window - 1, 0), p.windows or None)

    task.report("asking impact.com for the account's actions")
    done = sync_actions(settings, progress=progress, notify=lambda text: task.report(text))
    return (f"synced: {done.new:,} new, {done.updated:,} updated, {done.same:,} unchanged action(s) "
            f"({done.requests:,} request(s))")


def _ago(seconds: float) -> str:
    minutes = int(max(seconds, 0) // 60)
    if minutes < 1:
        return "less than a minute"
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"
