"""The radar, everything together: the corrections read (files, exports built in memory, the journal), each
matched to its action in the mirror as preflight matches it (synced first when older than [api] max_age, unless
offline), locks extended since the last sync read again, then judged, summed and returned as a Radar."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.api.actions import open_mirror
from batchkit.api.client import ApiClient
from batchkit.api.settings import ApiSettings, api_settings
from batchkit.core.config import Config
from batchkit.core.errors import BatchkitError, ConfigError
from batchkit.deadlines import commission as money
from batchkit.deadlines.facts import fact_frame
from batchkit.deadlines.inputs import journal_sources, read_corrections
from batchkit.deadlines.judge import Block, judge, locked_now
from batchkit.deadlines.matched import Matched
from batchkit.deadlines.model import Radar
from batchkit.deadlines.reread import ItemSource, Rereader
from batchkit.deadlines.settings import load_radar_settings
from batchkit.deadlines.sources import STATES, Source, from_validated
from batchkit.deadlines.summary import summarise
from batchkit.preflight import preflight
from batchkit.preflight.keys import key_frame
from batchkit.preflight.match import match, text
from batchkit.state.mirror import Mirror, mirror_path

TEXT = pa.large_string()
_DONE = (STATES.index("applied"), STATES.index("dismissed"))


def radar_for(config: Config, settings: ApiSettings, *, paths: Sequence[str] = (), exports: Sequence[str] = (),
              preset: str | None = None, planned: dict[str, bytes] | None = None, days: int | None = None,
              offline: bool = False, now: datetime | None = None, journal: bool = True,
              notify: Callable[[str], None] | None = None,
              client_factory: Callable[[], ApiClient] | None = None) -> Radar:
    """The radar over the batch files `paths`, the exports `exports` (built in memory with `preset`), the batch files'
    bytes `planned` (name -> bytes, e.g. what `batchkit run` built) and, with `journal`, the journal's writes not yet
    applied."""
    rs = load_radar_settings(config, days)
    moment = now or datetime.now(UTC)
    notes: list[str] = []
    kept = read_corrections(config, list(paths), list(exports), preset, planned or {}, notes)
    checked = preflight([], settings, offline=offline, notify=notify, client_factory=client_factory)
    factory = client_factory or (lambda: ApiClient(settings, notify=notify))
    client = _OneClient(factory)
    with open_mirror(settings) as mirror:
        sources = from_validated(kept)
        if journal:
            sources += journal_sources(settings, kept, sources)
        rereader = Rereader(mirror, client, settings.preflight_budget, offline)
        try:
            blocks = _judged(mirror, sources, rereader, settings, offline, moment, rs.days)
        finally:
            client.close()
    radar = summarise(blocks, moment, rs.days)
    radar.account, radar.campaign = settings.account_sid, settings.campaign_id or ""
    radar.mirror_at, radar.refreshed = checked.mirror_at, checked.refreshed
    radar.requests = checked.requests + rereader.requests
    radar.notes = notes + checked.notes
    return radar


class _OneClient:
    """The one API client of a radar, made when first needed (most radars ask nothing), closed at the end."""

    def __init__(self, factory: Callable[[], ApiClient]) -> None:
        self.factory = factory
        self.made: ApiClient | None = None

    def __call__(self) -> ApiClient:
        if self.made is None:
            self.made = self.factory()
        return self.made

    def close(self) -> None:
        if self.made is not None:
            self.made.close()


Judging = tuple[np.ndarray, Matched, np.ndarray, np.ndarray]  # pos, facts, lock_ts, locked


def _matched(mirror: Mirror, sources: list[Source], now: datetime) -> list[Judging]:
    keys = key_frame(mirror)
    facts = fact_frame(mirror, keys)
    found = []
    for source in sources:
        pos = match(source.record, keys).pos
        got = Matched(pos, keys, facts)
        lock_ts = got.number("lock_s")
        found.append((pos, got, lock_ts, locked_now(pos >= 0, got["State"], lock_ts, now)))
    return found


def _judged(mirror: Mirror, sources: list[Source], rereader: Rereader, settings: ApiSettings, offline: bool,
            now: datetime, days: int) -> list[Block]:
    matched = _matched(mirror, sources, now)
    stale = _stale(sources, matched)
    if stale and rereader.again(sorted(stale), stale):
        matched = _matched(mirror, sources, now)
    items = ItemSource(settings, mirror, offline, rereader)
    blocks = []
    for source, (pos, facts, lock_ts, locked) in zip(sources, matched):
        found = pos >= 0
        due = _commission(source, found, facts, items)
        note = np.full(len(pos), None, dtype=object)
        if rereader.notes:
            _notes(note, facts, np.flatnonzero(found & locked), rereader.notes)
        blocks.append(judge(source, pos, facts, lock_ts, locked, due, now, days, note))
    return blocks


def _notes(note: np.ndarray, facts: Matched, rows: np.ndarray, notes: dict[str, str]) -> None:
    """The re-reads' word on the records of those actions (a lookup of the locked records' ids, vectorised)."""
    ids = facts.some("Id", rows)
    hit = pc.is_in(ids, value_set=pa.array(list(notes), type=TEXT)).to_numpy(zero_copy_only=False)
    for i, action_id in zip(rows[hit].tolist(), ids.filter(pa.array(hit)).to_pylist()):
        note[i] = notes[action_id]


def _stale(sources: list[Source], matched: list[Judging]) -> dict[str, str]:
    """ActionId -> mirrored_at of the actions locked by their LockingDate whose mirrored copy is older than it (the
    lock may have been extended since) and whose correction is not done."""
    stale: dict[str, str] = {}
    for source, (pos, facts, lock_ts, locked) in zip(sources, matched):
        approved = pc.equal(facts["State"], "APPROVED").to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(locked & ~approved & ~np.isin(source.state, _DONE))  # not applied, not dismissed
        if not len(rows):
            continue
        older = rows[facts.number("mirrored_s")[rows] < lock_ts[rows]]  # locked: their actions were found
        stale.update(zip(facts.some("Id", older).to_pylist(), facts.some("mirrored_at", older).to_pylist()))
    return stale


def _commission(source: Source, found: np.ndarray, facts: Matched, items: ItemSource) -> money.Commission:
    if source.items is None:
        return money.orders(source.kind, found, (facts.number("payout_cents"), facts.number("payout_ok")),
                            (facts.number("amount_cents"), facts.number("amount_ok")), text(source.record, "Amount"),
                            facts["Currency"], facts.at)
    n = len(found)
    due = money.Commission(np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool),
                           np.full(n, None, dtype=object))
    for i in range(n):
        if not found[i]:
            due.why[i] = "the action is not in the mirror"
            continue
        currency = facts.at("Currency", i)
        value, estimate, why = money.items(source.items[i], items(facts.at("Id", i)), currency)
        if value is None:
            due.why[i] = why
        else:
            due.units[i], due.known[i], due.estimate[i] = int(value * 100), True, estimate
    return due


def radar_paths(config: Config, paths: Sequence[str] = (), *, preset: str | None = None, days: int | None = None,
                offline: bool = False, state_dir: str | None = None, now: datetime | None = None,
                env: Mapping[str, str] = os.environ, notify: Callable[[str], None] | None = None,
                api_flags: Mapping[str, str | None] | None = None) -> Radar:
    """The radar for the command line and the library: the account from `api_flags` (the command's --api-url,
    --account-sid, --campaign-id, as api_settings() reads them), IMPACT_* / BATCHKIT_* variables, then [api] (a
    campaign needed); with `preset`, every path is an export built in memory, else a batch file (one whose kind cannot
    be told is built as an export, with [build]'s preset or the one its header names)."""
    settings = api_settings(config, {**(api_flags or {}), **({"state_dir": state_dir} if state_dir else {})}, env)
    settings.need_campaign()
    files, exports = ([], list(paths)) if preset else (list(paths), [])
    return radar_for(config, settings, paths=files, exports=exports, preset=preset, days=days, offline=offline,
                     now=now, notify=notify)


def run_radar(config: Config, planned: dict[str, bytes], env: Mapping[str, str] = os.environ,
              notify: Callable[[str], None] | None = None) -> tuple[str, bool]:
    """`batchkit run`'s last line: what locks within [radar] warn_days and is not yet applied (the run's built files
    and the journal's writes), and whether [radar] fail_days says the run exits 1 (an unsent correction locks within
    them). Without an account or a mirror the line says why it could not look, and nothing fails."""
    rs = load_radar_settings(config)
    try:
        settings = api_settings(config, {}, env)
        if not mirror_path(settings.state_dir, settings.account_sid, settings.need_campaign()).exists():
            return ("radar: not looked at (no mirror of the account's actions yet: `batchkit actions sync` makes "
                    "one)"), False
        radar = radar_for(config, settings, planned=planned, notify=notify)
    except ConfigError as exc:
        return f"radar: not looked at ({exc})", False
    except BatchkitError as exc:
        return f"radar: could not look at the lock dates ({exc})", False
    soon = radar.within(rs.warn_days)
    lost = radar.buckets["locked"]
    line = (f"radar: {soon.count:,} correction(s) not yet applied lock within {rs.warn_days} day(s)"
            + (f": {soon.money()}" if soon.count else "")
            + (f"; already locked (lost): {lost.count:,}: {lost.money()}" if lost.count else ""))
    if rs.fail_days is None:
        return line, False
    unsent = radar.unsent_within(rs.fail_days)
    if unsent:
        line += f"; {unsent:,} not sent lock within {rs.fail_days} day(s) ([radar] fail_days): exit 1"
    return line, bool(unsent)
