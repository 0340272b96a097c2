"""Each correction judged against its action's lock: locked as preflight judges it (BK702: State APPROVED, or the
LockingDate passed, whatever the mirror's State says), the time left, its final state (too late: locked before it
was applied) and its bucket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from batchkit.deadlines.commission import Commission
from batchkit.deadlines.matched import Matched
from batchkit.deadlines.sources import STATES, Source
from batchkit.preflight.match import utc_seconds

BUCKETS = ("locked", "24h", "3d", "days", "later", "unknown")
DAY = 86_400.0
_APPLIED, _DISMISSED, _TOO_LATE = STATES.index("applied"), STATES.index("dismissed"), STATES.index("too late")
_IN_FLIGHT = (STATES.index("queued"), STATES.index("sent"))  # accepted: in time when sent before the lock
UNSENT = tuple(STATES.index(s) for s in ("to send", "refused", "unknown"))  # [radar] fail_days looks at these


@dataclass
class Block:
    """One source's corrections, judged (columns, one value per record)."""

    source: Source
    pos: np.ndarray
    facts: Matched  # the matched action's Id, Payout, partner, Currency, State, LockingDate, ... ("": none)
    lock_ts: np.ndarray  # UTC seconds (nan: no LockingDate known)
    locked: np.ndarray
    state: np.ndarray  # indexes of STATES, too late decided
    at_risk: np.ndarray  # not applied, not dismissed, not accepted in time: the commission is still at stake
    bucket: np.ndarray  # indexes of BUCKETS
    commission: Commission
    note: np.ndarray  # object: what the radar did or could not do for the record (None)
    cur: np.ndarray | None = None  # the record's currency as a code of Radar.currency_names (set by summary)

    def __len__(self) -> int:
        return len(self.pos)


def locked_now(found: np.ndarray, state: pa.Array, lock_ts: np.ndarray, now: datetime) -> np.ndarray:
    """Preflight's rule (BK702): APPROVED, or the LockingDate at or before now (compared in UTC)."""
    approved = pc.equal(state, "APPROVED").to_numpy(zero_copy_only=False)
    return found & (approved | (lock_ts <= now.timestamp()))


def judge(source: Source, pos: np.ndarray, facts: Matched, lock_ts: np.ndarray, locked: np.ndarray,
          commission: Commission, now: datetime, days: int, note: np.ndarray) -> Block:
    """The final state, what is at stake and the bucket of every record of `source`."""
    found = pos >= 0
    state = source.state.copy()
    if source.journal is not None or np.any(state != 0):  # records the journal knows: sent before the lock?
        sent_ts = utc_seconds(pa.array(["" if s is None else str(s) for s in source.sent], type=pa.large_string()))
        in_time = np.isin(state, _IN_FLIGHT) & (sent_ts < lock_ts)
        done = (state == _APPLIED) | (state == _DISMISSED)
    else:
        in_time = done = np.zeros(len(pos), dtype=bool)
    state[locked & ~done & ~in_time] = _TOO_LATE
    at_risk = ~done & ~(locked & in_time)
    left = lock_ts - now.timestamp()
    bucket = np.select([locked, ~found | np.isnan(left), left <= DAY, left <= 3 * DAY, left <= days * DAY],
                       [0, 5, 1, 2, 3], default=4).astype(np.int8)
    return Block(source, pos, facts, lock_ts, locked, state, at_risk, bucket, commission, note)
