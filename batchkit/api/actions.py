"""What `batchkit actions` does, as functions a scheduler can call: sync the mirror, show an action."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from batchkit.api.client import ApiClient
from batchkit.api.errors import ApiNotFound
from batchkit.state.mirror import Mirror, mirror_path
from batchkit.api.settings import ApiSettings
from batchkit.api.sync import Syncer, SyncProgress, SyncSummary


def open_mirror(settings: ApiSettings, create: bool = True) -> Mirror:
    """The mirror of the settings' account and campaign."""
    return Mirror(mirror_path(settings.state_dir, settings.account_sid, settings.need_campaign()), create=create)


def sync_actions(settings: ApiSettings, days: int | None = None, since: datetime | None = None,
                 until: datetime | None = None, progress: Callable[[SyncProgress], None] | None = None,
                 notify: Callable[[str], None] | None = None, client: ApiClient | None = None) -> SyncSummary:
    """Sync the account's actions into its mirror (the first time `sync_days`, then incrementally)."""
    campaign = settings.need_campaign()
    own = client is None
    client = client or ApiClient(settings, notify=notify)
    try:
        with open_mirror(settings) as mirror:
            return Syncer(client, mirror, campaign, settings.page_size, progress).run(
                days=days, since=since, until=until, default_days=settings.sync_days)
    finally:
        if own:
            client.close()


class ActionLookup:
    """Actions by id from the mirror; a request (and a store) only for what it lacks."""

    def __init__(self, settings: ApiSettings, client_factory: Callable[[], ApiClient] | None = None,
                 mirror: Mirror | None = None) -> None:
        self.settings = settings
        self._factory = client_factory or (lambda: ApiClient(settings))
        self._client: ApiClient | None = None
        self._own_mirror = mirror is None
        self.mirror = mirror or open_mirror(settings)
        self.requests = 0

    def client(self) -> ApiClient:
        if self._client is None:
            self._client = self._factory()
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._own_mirror:
            self.mirror.close()

    def action(self, action_id: str) -> dict[str, Any] | None:
        """The mirrored action, or fetched (one request) and stored; None when the account has no such action."""
        found = self.mirror.action(action_id)
        if found is not None:
            return found
        try:
            fetched = self.client().get(f"Actions/{action_id}", what=f"GET /Actions/{action_id}")
        except ApiNotFound:
            return None
        finally:
            self.requests += 1
        if not isinstance(fetched, dict) or str(fetched.get("Id", "")).strip() != action_id:
            return None
        self.mirror.store([fetched], datetime.now(UTC))
        return self.mirror.action(action_id)

    def items(self, action_id: str) -> list[dict[str, Any]]:
        """The action's items: mirrored, or fetched once (every page) and stored."""
        known = self.mirror.items(action_id)
        if known is not None:
            return known
        found: list[dict[str, Any]] = []
        for page in self.client().pages(f"Actions/{action_id}/Items", {"PageSize": "20000"}, "Items",
                                        what=f"GET /Actions/{action_id}/Items"):
            self.requests += 1
            found += page.records
        self.mirror.store_items(action_id, found, datetime.now(UTC))
        return found
