"""An action the mirror shows locked, whose copy was taken before its LockingDate, is read again (one request, GET
/Actions/{Id}) before its correction is called lost: the platform may have extended the lock since the last sync."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from batchkit.api.actions import ActionLookup
from batchkit.api.client import ApiClient
from batchkit.api.errors import ApiAnswerError, ApiNotFound, ApiRejected, ApiUnreachable
from batchkit.api.settings import ApiSettings
from batchkit.state.mirror import Mirror


class Rereader:
    """Reads actions again within a request budget; says per action what it could not do."""

    def __init__(self, mirror: Mirror, client: Callable[[], ApiClient], budget: int, offline: bool) -> None:
        self.mirror, self.client, self.left, self.offline = mirror, client, budget, offline
        self.requests = 0
        self.failure = ""
        self.notes: dict[str, str] = {}  # ActionId -> what happened
        self.read: set[str] = set()

    def why_not(self) -> str:
        if self.offline:
            return "--offline"
        if self.failure:
            return f"the API could not be asked: {self.failure}"
        return "the request budget ([api] preflight_budget) is spent"

    def again(self, action_ids: list[str], mirrored: dict[str, str]) -> bool:
        """Read each action again (stored in the mirror); True when any was read."""
        for action_id in action_ids:
            if self.offline or self.failure or self.left <= 0:
                self.notes[action_id] = (f"locked by the mirror's copy of {mirrored.get(action_id, '?')}; not read "
                                         f"again ({self.why_not()}): its lock may have been extended since")
                continue
            self._one(action_id)
        return bool(self.read)

    def _one(self, action_id: str) -> None:
        self.left -= 1
        self.requests += 1
        try:
            fetched = self.client().get(f"Actions/{action_id}", what=f"GET /Actions/{action_id}")
        except ApiNotFound:
            self.notes[action_id] = "read again: impact.com has no such action now"
            return
        except (ApiUnreachable, ApiAnswerError, ApiRejected) as exc:
            self.failure = str(exc).split(": ", 1)[-1][:200]
            self.notes[action_id] = f"not read again ({self.why_not()}): its lock may have been extended since"
            return
        if isinstance(fetched, dict) and str(fetched.get("Id", "")).strip() == action_id:
            self.mirror.store([fetched], datetime.now(UTC))
            self.read.add(action_id)
            self.notes[action_id] = f"read again from impact.com: LockingDate {fetched.get('LockingDate') or 'none'}"


class ItemSource:
    """The items of an action: mirrored, else fetched once within the budget the re-reads share."""

    def __init__(self, settings: ApiSettings, mirror: Mirror, offline: bool, rereader: Rereader) -> None:
        self.mirror, self.offline, self.rereader = mirror, offline, rereader
        self.lookup = ActionLookup(settings, rereader.client, mirror)

    def __call__(self, action_id: str) -> list[dict[str, object]] | None:
        known = self.mirror.items(action_id)
        if known is not None or self.offline or self.rereader.failure or self.rereader.left <= 0:
            return known
        before = self.lookup.requests
        try:
            return self.lookup.items(action_id)
        except (ApiUnreachable, ApiAnswerError, ApiRejected) as exc:
            self.rereader.failure = str(exc).split(": ", 1)[-1][:200]
            return None
        finally:
            spent = self.lookup.requests - before
            self.rereader.left -= spent
            self.rereader.requests += spent
