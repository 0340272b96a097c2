"""What the radar tells: each correction (Correction), the totals (Total, per bucket, currency, partner, month lost)
and the whole (Radar), as data for the command line, the XLSX sheet, the JSON and the workbench."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np

from batchkit.core.fixedpoint import rounded
from batchkit.deadlines.judge import BUCKETS, UNSENT, Block
from batchkit.deadlines.sources import STATES
from batchkit.deadlines.totals import Total, grouped

LABELS = {"locked": "already locked (lost)", "24h": "locks within 24 h", "3d": "locks within 3 days",
          "days": "locks within {days} days", "later": "locks later", "unknown": "lock date unknown"}


@dataclass(frozen=True)
class Correction:
    """One correction and its deadline. `commission` is None when it cannot be told (`note` says why), never 0;
    `estimate` marks a modification's Payout x (old - new) / old. Times: `locking_date` as impact.com gives it (the
    account's time), `locks_at` in UTC, `locks_local` in the user's zone (TZ)."""

    origin: str  # "file" (a batch file or a built export) or "journal" (a write not yet applied)
    file: str | None
    row: int | None
    journal_id: int | None
    kind: str
    names: str  # how the correction names its action
    action_id: str | None
    partner_id: str | None
    partner: str | None
    currency: str | None
    locking_date: str | None
    locks_at: datetime | None
    locks_local: datetime | None
    seconds_left: int | None
    commission: Decimal | None
    estimate: bool
    state: str
    reason: str | None
    sent_at: str | None
    bucket: str
    at_risk: bool
    note: str | None

    def left(self) -> str:
        """The time left as days and hours (`1 d 22 h`), `locked` once passed, `-` when unknown."""
        if self.bucket == "locked":
            return "locked"
        if self.seconds_left is None:
            return "-"
        hours = self.seconds_left // 3600
        return f"{hours // 24} d {hours % 24} h"

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found.update(commission=None if self.commission is None else str(self.commission), left=self.left(),
                     locks_at=_iso(self.locks_at), locks_local=_iso(self.locks_local))
        return found


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


@dataclass
class Radar:
    """The radar over every correction: buckets (BUCKETS order, each a Total of what is at stake), at stake per
    currency (not yet locked), per partner, the lost column per month (LockingDate's month, account time), the
    count per state; `corrections()` lists the corrections in deadline order.

    Example::

        radar = batchkit.radar(["samples/batch/acme_order-reversals_2026-11-22.csv"], offline=True)
        for bucket, total in radar.buckets.items():
            print(radar.label(bucket), total.count)
    """

    now: datetime
    days: int
    count: int
    buckets: dict[str, Total]
    currencies: dict[str, Decimal]
    partners: dict[str, Total]
    lost: dict[str, Total]
    states: dict[str, int]
    account: str = ""
    campaign: str = ""
    mirror_at: datetime | None = None
    refreshed: bool = False
    requests: int = 0
    notes: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list, repr=False)
    currency_names: list[str] = field(default_factory=list, repr=False)

    def label(self, bucket: str) -> str:
        """A bucket's name for people ("locks within 24 h", ...).

        Example::

            print(batchkit.radar(offline=True).label("days"))
        """
        return LABELS[bucket].format(days=self.days)

    def _rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(block, record) of every correction in deadline order (no deadline last)."""
        if not self.blocks:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        which = np.concatenate([np.full(len(b), n) for n, b in enumerate(self.blocks)])
        rec = np.concatenate([np.arange(len(b)) for b in self.blocks])
        ts = np.concatenate([b.lock_ts for b in self.blocks])
        order = np.lexsort((rec, which, np.nan_to_num(ts, nan=np.inf)))
        return which[order], rec[order]

    def corrections(self, limit: int | None = None, at_risk: bool = False) -> list[Correction]:
        """The corrections in deadline order (`at_risk`: only those whose commission is still at stake).

        Example::

            radar = batchkit.radar(["samples/batch/acme_order-reversals_2026-11-22.csv"], offline=True)
            for c in radar.corrections(limit=5):
                print(c.action_id, c.locking_date, c.commission, c.state)
        """
        found: list[Correction] = []
        time.tzset()  # the user's zone (TZ) as it is now
        which, rec = self._rows()
        for b, i in zip(which.tolist(), rec.tolist()):
            if limit is not None and len(found) >= limit:
                break
            block = self.blocks[b]
            if not at_risk or block.at_risk[i]:
                found.append(correction(block, i, self.now))
        return found

    def within(self, days: float) -> Total:
        """What is at stake in corrections whose action locks within `days` (not locked yet).

        Example::

            print(batchkit.radar(offline=True).within(3).as_dict())
        """
        if not self.blocks:
            return Total()
        bound = self.now.timestamp() + days * 86_400.0
        mask = np.concatenate([b.at_risk & ~b.locked & (b.lock_ts <= bound) for b in self.blocks])
        cur = np.concatenate([b.cur if b.cur is not None else np.zeros(len(b), dtype=np.int64) for b in self.blocks])
        units = np.concatenate([b.commission.units for b in self.blocks])
        known = np.concatenate([b.commission.known for b in self.blocks])
        found = grouped(np.zeros(int(mask.sum()), dtype=np.int64), [""], cur[mask], self.currency_names, units[mask],
                        known[mask])
        return found.get("", Total())

    def unsent_within(self, days: float) -> int:
        """Corrections not sent (to send, refused, unknown) whose action locks within `days`.

        Example::

            print(batchkit.radar(offline=True).unsent_within(1))
        """
        return sum(int((np.isin(b.state, UNSENT) & ~b.locked & (b.lock_ts - self.now.timestamp() <= days * 86_400.0))
                       .sum()) for b in self.blocks)

    def as_dict(self, limit: int | None = None) -> dict[str, Any]:
        """The JSON document of `batchkit radar --format json` (every correction, or the first `limit`).

        Example::

            print(json.dumps(batchkit.radar(offline=True).as_dict(limit=20)))
        """
        return {"now": self.now.isoformat(), "days": self.days, "account": self.account, "campaign": self.campaign,
                "mirror_at": _iso(self.mirror_at), "requests": self.requests, "count": self.count,
                "buckets": [{"bucket": k, "label": self.label(k), **t.as_dict()} for k, t in self.buckets.items()],
                "at_stake": {c: str(a) for c, a in sorted(self.currencies.items())},
                "partners": {p: t.as_dict() for p, t in sorted(self.partners.items())},
                "lost": {m: t.as_dict() for m, t in sorted(self.lost.items())},
                "states": self.states, "notes": self.notes,
                "corrections": [c.as_dict() for c in self.corrections(limit)]}


def local_time(ts: float) -> datetime:
    """A UTC timestamp in the user's zone (TZ: Radar.corrections reads it again first)."""
    return datetime.fromtimestamp(ts).astimezone()


def correction(b: Block, i: int, now: datetime) -> Correction:
    """Record i of block b as a Correction."""
    s, f = b.source, b.facts
    file, row, journal_id = s.where(i)
    text = {name: f.at(name, i) or None for name in ("Id", "MediaPartnerId", "MediaPartnerName", "Currency",
                                                      "LockingDate")}
    ts = b.lock_ts[i]
    known = bool(b.commission.known[i])
    notes = [n for n in (b.commission.why[i], b.note[i]) if n]
    return Correction(
        "journal" if s.journal is not None else "file", file, row, journal_id, s.kind, names(s, i), text["Id"],
        text["MediaPartnerId"], text["MediaPartnerName"], text["Currency"], text["LockingDate"],
        None if np.isnan(ts) else datetime.fromtimestamp(ts, UTC), None if np.isnan(ts) else local_time(ts),
        None if np.isnan(ts) else int(ts - now.timestamp()),
        rounded(int(b.commission.units[i]), 2, text["Currency"] or "") if known else None,
        bool(b.commission.estimate[i]), STATES[b.state[i]], s.reason[i], s.sent[i], BUCKETS[b.bucket[i]],
        bool(b.at_risk[i]), "; ".join(notes) or None)


def names(s: Any, i: int) -> str:
    """How record i names its action: `ActionId X`, or `OrderId X ActionTrackerId Y`."""
    r = s.record
    action = str(r["ActionId"].iat[i] or "").strip() if "ActionId" in r.columns else ""
    if action:
        return f"ActionId {action}"
    order = str(r["OrderId"].iat[i] or "").strip() if "OrderId" in r.columns else ""
    tracker = str(r["ActionTrackerId"].iat[i] or "").strip() if "ActionTrackerId" in r.columns else ""
    return f"OrderId {order} ActionTrackerId {tracker}"
