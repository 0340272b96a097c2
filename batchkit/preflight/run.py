"""Preflight of validated files: the mirror brought up to date, each record's action found, the checks run,
and what could not be checked said (BK710) — never silently passed (README "Preflight")."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.api.actions import ActionLookup, open_mirror
from batchkit.api.client import ApiClient
from batchkit.api.errors import ApiAnswerError, ApiError, ApiRejected, ApiUnreachable
from batchkit.state.mirror import Mirror
from batchkit.state.rows import utc_text
from batchkit.api.settings import ApiSettings, api_settings
from batchkit.api.sync import Syncer
from batchkit.core.config import Config
from batchkit.core.findings import FileReport, Report
from batchkit.core.kinds import Kind
from batchkit.preflight.checks import Context, run_checks
from batchkit.preflight.emit import emit
from batchkit.preflight.items import Items, check_items
from batchkit.preflight.keys import key_frame
from batchkit.preflight.match import Matched, match
from batchkit.validation.engine import Frames, Validated, validate_paths

_T = TypeVar("_T")

CHECKED_KINDS = ("order-modification", "order-reversal", "item-modification", "item-reversal")


class NoMirror(ApiError):
    """Preflight has no mirror to check against and cannot make one (exit 3)."""


Checked = Validated  # a validated file (validate_paths' `keep`)


@dataclass
class PreflightSummary:
    """What preflight did, for the one line the CLI prints."""

    records: int = 0
    unchecked: int = 0
    requests: int = 0
    fetched: int = 0
    mirror_at: datetime | None = None
    refreshed: bool = False
    notes: list[str] = field(default_factory=list)


class _Session:
    """The mirror, one lazily made client, and the request budget of one preflight."""

    def __init__(self, settings: ApiSettings, mirror: Mirror, offline: bool,
                 client_factory: Callable[[], ApiClient]) -> None:
        self.settings, self.mirror, self.offline = settings, mirror, offline
        self.lookup = ActionLookup(settings, client_factory, mirror)
        self.left = settings.preflight_budget
        self.failure = ""  # why the API stopped being asked (unreachable, a bad answer)
        self.unresolved: set[str] = set()  # ActionIds neither in the mirror nor looked up

    def can_ask(self) -> bool:
        return not self.offline and not self.failure and self.left > 0

    def why_not(self) -> str:
        if self.offline:
            return "--offline, and the action is not in the mirror"
        if self.failure:
            return f"the API could not be asked ({self.failure})"
        budget = self.settings.preflight_budget
        return f"not in the mirror, and the request budget ([api] preflight_budget = {budget}) is spent"

    def fetch_action(self, action_id: str) -> dict[str, Any] | None:
        """The action by id (one request), None when the account has none or the API fails."""
        return self._ask(lambda: self.lookup.action(action_id))

    def fetch_items(self, action_id: str) -> list[dict[str, Any]] | None:
        """The action's items (one request a page), None when the API fails."""
        return self._ask(lambda: self.lookup.items(action_id))

    def _ask(self, work: Callable[[], _T]) -> _T | None:
        """Spend requests on `work` (a lookup); None, and no more asking, when the API fails."""
        before = self.lookup.requests
        try:
            return work()
        except (ApiUnreachable, ApiAnswerError, ApiRejected) as exc:
            self.failure = str(exc).split(": ", 1)[-1][:200]
            return None
        finally:
            self.left -= max(self.lookup.requests - before, 1)


def preflight(files: list[Checked], settings: ApiSettings, *, offline: bool = False,
              notify: Callable[[str], None] | None = None, client_factory: Callable[[], ApiClient] | None = None,
              now: datetime | None = None) -> PreflightSummary:
    """Check every record of `files` against the account's actions; findings go into each file's report."""
    summary = PreflightSummary()
    factory = client_factory or (lambda: ApiClient(settings, notify=notify))
    with open_mirror(settings) as mirror:
        session = _Session(settings, mirror, offline, factory)
        try:
            _refresh(session, summary)
            summary.mirror_at = mirror.synced_at()
            for report, frames, kind in files:
                if frames is not None and kind is not None and kind.id in CHECKED_KINDS:
                    _check_file(session, report, frames, kind, summary, now or datetime.now(UTC))
        finally:
            summary.requests += session.lookup.requests
            session.lookup.close()
    return summary


def _refresh(session: _Session, summary: PreflightSummary) -> None:
    """A first sync when there is no mirror; an incremental one when it is older than [api] max_age."""
    mirror, s = session.mirror, session.settings
    synced = mirror.synced_at()
    if synced is None and session.offline:
        raise NoMirror(f"--offline, but there is no mirror of account {s.account_sid} campaign {s.campaign_id} yet: "
                       "run `batchkit actions sync` first")
    age = (datetime.now(UTC) - synced).total_seconds() if synced else None
    if session.offline or (age is not None and age <= s.max_age):
        return
    client = session.lookup.client()
    try:
        done = Syncer(client, mirror, s.need_campaign(), s.page_size).run(default_days=s.sync_days)
    except (ApiUnreachable, ApiAnswerError) as exc:
        if synced is None:
            raise NoMirror(f"preflight needs the account's actions and there is no mirror yet: {exc}") from None
        summary.notes.append(f"the mirror is from {utc_text(synced)}; bringing it up to date failed ({exc})")
        return
    summary.requests += done.requests
    summary.refreshed = True


def _check_file(session: _Session, fr: FileReport, frames: Frames, kind: Kind, summary: PreflightSummary,
                now: datetime) -> None:
    record = frames.record
    keys = _keys(session)
    m = match(record, keys)
    if _fetch_missing(session, m, summary):
        keys = _keys(session)
        m = match(record, keys)
    unchecked = np.zeros(len(record), dtype=bool)
    if session.unresolved:
        unresolved = pa.array(sorted(session.unresolved), type=pa.large_string())
        unchecked = m.by_id & (m.pos < 0) & pc.is_in(m.ids, value_set=unresolved).to_numpy(zero_copy_only=False)
    covered = session.mirror.covered()
    period = f"{covered[0]:%Y-%m-%d} .. {covered[1]:%Y-%m-%d}, last-updated time" if covered else "nothing synced"
    context = Context(fr, kind, record, frames.locate_record, keys, m, now, period,
                      ~unchecked, frames.present, f"account {session.settings.account_sid}")
    run_checks(context)
    if kind.is_item and frames.items is not None:
        unchecked = unchecked | _items(session, context, frames, summary)
    summary.records += len(record)
    summary.unchecked += int(unchecked.sum())
    why = session.why_not()
    emit(fr, "BK710", unchecked, frames.locate_record, context.ident_column,
         lambda i: f"not checked against impact.com: {why}", lambda i: (
             m.ids[i] if m.by_id[i] else m.oids[i]).as_py())


def _keys(session: _Session) -> pa.Table:
    return key_frame(session.mirror)


def _fetch_missing(session: _Session, m: Matched, summary: PreflightSummary) -> bool:
    """Look up the ActionIds the mirror lacks, one request each, within the budget; True if any was found."""
    wanted = pd.unique(m.ids.filter(pa.array(m.by_id & (m.pos < 0))).to_numpy(zero_copy_only=False))
    found = False
    for action_id in wanted:
        if not session.can_ask():
            session.unresolved.add(str(action_id))
            continue
        got = session.fetch_action(str(action_id))
        if got is not None:
            found, summary.fetched = True, summary.fetched + 1
        elif session.failure:
            session.unresolved.add(str(action_id))
    return found


def _items(session: _Session, c: Context, frames: Frames, summary: PreflightSummary) -> np.ndarray:
    """BK706/BK707 for item groups; the records whose action's items could not be had (for BK710)."""
    long = frames.items
    assert long is not None and frames.locate_item is not None
    recs = long["_rec"].to_numpy()
    found = c.m.pos >= 0
    ids = c.mirror("Id").to_numpy(zero_copy_only=False)
    items: Items = {}
    for action_id in pd.unique(ids[found]):
        known = session.mirror.items(str(action_id))
        if known is None and session.can_ask():
            known = session.fetch_items(str(action_id))
        if known is not None:
            items[str(action_id)] = known
    action_of = np.where(found[recs], ids[recs], "")
    left = check_items(c.fr, c.kind.id, long, frames.locate_item, action_of, items,
                       lambda j: c.named(int(recs[j])))
    unchecked = np.zeros(len(found), dtype=bool)
    unchecked[recs[left]] = True
    return unchecked


def settings_for(config: Config, env: Mapping[str, str] = os.environ) -> ApiSettings:
    """The account preflight checks against: IMPACT_* / BATCHKIT_* variables, then [api]; a campaign needed."""
    settings = api_settings(config, {}, env)
    settings.need_campaign()
    return settings


def preflight_paths(paths: list[str], config: Config, settings: ApiSettings, *, kind: str | None = None,
                    sheet: str | None = None, max_samples: int | None = None, offline: bool = False,
                    notify: Callable[[str], None] | None = None) -> tuple[Report, PreflightSummary]:
    """Validate `paths` as one batch, then preflight them: the report holds both kinds of findings."""
    kept: list[Checked] = []
    report = validate_paths(paths, config, kind=kind, sheet=sheet, max_samples=max_samples, keep=kept)
    return report, preflight(kept, settings, offline=offline, notify=notify)


def describe(summary: PreflightSummary, settings: ApiSettings) -> str:
    """One line for stderr: what was checked against what, and what was not."""
    when = f"synced {summary.mirror_at:%Y-%m-%d %H:%M} UTC" if summary.mirror_at else "never synced"
    fresh = ", brought up to date now" if summary.refreshed else ""
    unchecked = f"; {summary.unchecked:,} not checked (BK710)" if summary.unchecked else ""
    notes = "".join(f"; {n}" for n in summary.notes)
    return (f"preflight: {summary.records:,} record(s) checked against the mirror of account {settings.account_sid} "
            f"campaign {settings.campaign_id} ({when}{fresh}; {summary.requests:,} request(s)){unchecked}{notes}")
