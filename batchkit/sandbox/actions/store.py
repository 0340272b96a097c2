"""The sandbox's actions: indexed by Id, by (ActionTrackerId, Oid), and kept sorted by last-updated time
so that a StartDate/EndDate window is two bisections, not a scan.

Every method takes the store's lock; the server holds it for a whole request, so a request sees one
consistent state. `version` counts changes.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from batchkit.sandbox.actions.make import Account, make_action, set_fields
from batchkit.sandbox.actions.model import Action, micros


class Store:
    """The actions of the sandbox's account."""

    def __init__(self, account: Account, now: Callable[[], datetime]) -> None:
        self.account = account
        self.now = now
        self.lock = threading.RLock()
        self.version = 0
        self._by_id: dict[str, Action] = {}
        self._by_ref: dict[tuple[str, str], list[Action]] = {}
        self._keys: list[tuple[int, tuple[int, ...], str]] = []  # (last-updated in µs, id key, Id), sorted
        self._sorted: list[Action] = []  # the actions in the order of _keys
        self._serial = 900000
        self.selection: tuple[object, list[Action]] | None = None  # http/query.py's last selection, by its key
        self.originals: dict[str, Any] = {}  # Id -> what a reset restores (actions/changes.py keeps it)
        self._campaigns: dict[str, set[str]] = {}  # ActionTrackerId -> the CampaignIds of its actions

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, action_id: object) -> bool:
        return action_id in self._by_id

    # -- what tests and the CLI use ------------------------------------------------------------
    def ids(self) -> list[str]:
        """Every action's Id."""
        with self.lock:
            return list(self._by_id)

    def get(self, action_id: str) -> dict[str, str]:
        """The action's fields as the API gives them (KeyError when unknown)."""
        with self.lock:
            return self._by_id[action_id].fields(self.now())

    def items(self, action_id: str) -> list[dict[str, str]]:
        """The action's items as the API gives them (KeyError when unknown)."""
        with self.lock:
            return [item.texts() for item in self._by_id[action_id].items]

    def updated_at(self, action_id: str) -> datetime:
        """The action's internal last-updated time (what StartDate/EndDate filter on)."""
        with self.lock:
            return self._by_id[action_id].updated

    def touch(self, action_id: str, **fields: Any) -> None:
        """Change fields (API names, values as the API gives them) and move last-updated to now."""
        with self.lock:
            action = self._by_id[action_id]
            now = self.now()
            self.modify(action, now, lambda a: set_fields(a, fields, now))

    def add_action(self, fields: Mapping[str, Any], items: Iterable[Mapping[str, Any]] = ()) -> str:
        """Add one action (Id made up when not given; last-updated = now unless UpdatedDate/UpdatedDaysAgo)."""
        with self.lock:
            fields = dict(fields)
            if not fields.get("Id"):
                fields["Id"] = self.new_id()
            action = make_action(fields, list(items), self.account, self.now())
            self.load([action])
            return action.Id

    def new_id(self) -> str:
        """A fresh action Id (`1000.{CampaignId}.900001`, ...) that no action of the store has."""
        with self.lock:
            while True:
                self._serial += 1
                action_id = f"1000.{self.account.campaign_id}.{self._serial}"
                if action_id not in self._by_id:
                    return action_id

    # -- what the server uses -------------------------------------------------------------------
    def load(self, actions: Iterable[Action]) -> None:
        """Add actions (ValueError on an Id already present); one sort for many."""
        with self.lock:
            fresh, ids = list(actions), set()
            for action in fresh:
                if action.Id in self._by_id or action.Id in ids:
                    raise ValueError(f"Id {action.Id} is given twice")
                ids.add(action.Id)
            for action in fresh:
                self._by_id[action.Id] = action
                self._by_ref.setdefault((action.ActionTrackerId, action.Oid), []).append(action)
                self._campaigns.setdefault(action.ActionTrackerId, set()).add(action.CampaignId)
                if len(fresh) < 64:
                    self._insert(action)
            if len(fresh) >= 64:
                pairs = sorted([*zip(self._keys, self._sorted), *((_key(a), a) for a in fresh)], key=_first)
                self._keys, self._sorted = [k for k, _ in pairs], [a for _, a in pairs]
            self.version += len(fresh)

    def _insert(self, action: Action) -> None:
        """Put an action into the last-updated order."""
        key = _key(action)
        at = bisect_left(self._keys, key)
        self._keys.insert(at, key)
        self._sorted.insert(at, action)

    def action(self, action_id: str) -> Action | None:
        """The action with this Id."""
        return self._by_id.get(action_id)

    def find(self, tracker: str, oid: str) -> Action | None:
        """The newest created action with this tracker and Oid (what the OrderId path reaches)."""
        found = self._by_ref.get((tracker, oid))
        return max(found, key=Action.order) if found else None

    def campaigns_of(self, tracker: str) -> frozenset[str]:
        """The CampaignIds of the actions that carry this ActionTrackerId (or once carried it)."""
        return frozenset(self._campaigns.get(tracker, ()))

    def updated_between(self, start: datetime, end: datetime | None) -> list[Action]:
        """Actions last updated in [start, end) (end None: no upper bound)."""
        low = bisect_left(self._keys, (micros(start),))
        high = len(self._keys) if end is None else bisect_left(self._keys, (micros(end),))
        return self._sorted[low:high]

    def everything(self) -> list[Action]:
        """Every action (in last-updated order)."""
        return list(self._sorted)

    def modify(self, action: Action, when: datetime, change: Callable[[Action], object]) -> None:
        """Apply `change` to an action and set its last-updated time to `when` (kept sorted and indexed).
        When `change` raises, the action keeps its last-updated time."""
        with self.lock:
            at = bisect_left(self._keys, _key(action))
            assert self._sorted[at] is action
            del self._keys[at], self._sorted[at]
            self._by_ref[(action.ActionTrackerId, action.Oid)].remove(action)
            try:
                change(action)
                action.updated = when
            finally:
                action.changed()
                self._by_ref.setdefault((action.ActionTrackerId, action.Oid), []).append(action)
                self._campaigns.setdefault(action.ActionTrackerId, set()).add(action.CampaignId)
                self._insert(action)
                self.version += 1


def _key(action: Action) -> tuple[int, tuple[int, ...], str]:
    """The action's place in the last-updated order."""
    return micros(action.updated), action.key, action.Id


def _first(pair: tuple[tuple[int, tuple[int, ...], str], Action]) -> tuple[int, tuple[int, ...], str]:
    return pair[0]

