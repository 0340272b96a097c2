"""The Radar page's work and what it shows: the library's radar (batchkit.deadlines.run.radar_paths, as
`batchkit.radar()` calls it) run as a task over the uploads, its corrections put in the two orders the page offers
(computed once, over the whole radar), and one page of rows at a time, each with where its correction lives.

Nothing here decides a bucket, a total or a commission: those are the library's, shown as they are.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa

from batchkit.core.config import Config
from batchkit.core.errors import BatchkitError
from batchkit.deadlines.model import Correction, Radar, correction
from batchkit.deadlines.run import radar_paths
from batchkit.deadlines.totals import Total
from batchkit.web.uploads import Upload
from batchkit.web.work import Task

PER_PAGE = 50
SORTS = {"deadline": "by deadline: soonest first, no lock date known last",
         "commission": "by commission: largest first within each currency (currencies in A-Z order; amounts in "
                       "different currencies are never compared), commission unknown last"}
NEAR = ("24h", "3d")  # buckets whose deadline is highlighted as near
Order = tuple[np.ndarray, np.ndarray]  # (block, record) of each correction, in one order


@dataclass
class RadarResult:
    """A finished radar, its two orders, and the delivery of each journal write (Status links to it)."""

    radar: Radar
    orders: dict[str, Order]
    deliveries: dict[int, int]


@dataclass
class RadarView:
    """One radar kept between requests (bench.kept): which uploads, how, its task and its result."""

    uploads: list[Upload]
    preset: str | None = None
    offline: bool = False
    days: int | None = None
    id: str = field(default_factory=lambda: secrets.token_hex(10))
    task_id: str = ""
    result: RadarResult | None = None

    def clean(self, text: str) -> str:
        """A message with the uploads' places on disk replaced by the names shown (the page never shows a path)."""
        for upload in self.uploads:
            text = text.replace(str(upload.path.parent) + "/", "").replace(str(upload.path), upload.name)
        return text


def run_radar(view: RadarView, config: Config, state_dir: Path, task: Task) -> RadarResult:
    """The library's radar over the view's uploads (and the journal), then its orders; errors in one line."""
    task.report(f"reading {len(view.uploads)} file(s) and the journal's writes not yet applied; matching each "
                "correction to its action in the mirror" + ("" if view.offline else " (synced first when old)"))
    try:
        radar = radar_paths(config, [str(u.path) for u in view.uploads], preset=view.preset, days=view.days,
                            offline=view.offline, state_dir=str(state_dir), notify=lambda text: task.report(text))
    except BatchkitError as exc:
        exc.args = (view.clean(str(exc)),)
        raise
    task.report(f"putting {radar.count:,} correction(s) in order")
    deadline = deadline_order(radar)
    view.result = RadarResult(radar, {"deadline": deadline, "commission": commission_order(radar, deadline)},
                              deliveries_of(radar))
    return view.result


def deadline_order(radar: Radar) -> Order:
    """Every correction in the library's deadline order (Radar.corrections(): soonest LockingDate first, none
    known last, ties in the order read), as arrays: a page at any offset costs its own 50 rows only."""
    blocks = radar.blocks
    if not blocks:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    which = np.concatenate([np.full(len(b), n, dtype=np.int64) for n, b in enumerate(blocks)])
    rec = np.concatenate([np.arange(len(b), dtype=np.int64) for b in blocks])
    ts = np.concatenate([b.lock_ts for b in blocks])
    order = np.lexsort((rec, which, np.nan_to_num(ts, nan=np.inf)))
    return which[order], rec[order]


def commission_order(radar: Radar, deadline: Order) -> Order:
    """The corrections by commission: those with a known commission first, by currency (A-Z), largest first; then
    those whose commission cannot be told; ties in deadline order."""
    which, rec = deadline
    if not len(which):
        return deadline
    blocks = radar.blocks
    starts = np.cumsum([0] + [len(b) for b in blocks])[:-1]
    at = starts[which] + rec
    units = np.concatenate([b.commission.units for b in blocks]).astype(np.int64)[at]
    known = np.concatenate([b.commission.known for b in blocks]).astype(bool)[at]
    coded = pa.chunked_array([b.facts["Currency"] for b in blocks], type=pa.large_string()).combine_chunks() \
        .dictionary_encode()
    names = coded.dictionary.to_pylist()
    rank = np.argsort(np.argsort(np.array(names, dtype=object))) if names else np.zeros(0, dtype=np.int64)
    currency = rank[coded.indices.to_numpy(zero_copy_only=False)][at]
    order = np.lexsort((np.arange(len(at)), -units, currency, ~known))
    return which[order], rec[order]


def deliveries_of(radar: Radar) -> dict[int, int]:
    """Journal write id -> its delivery's id, for the journal's corrections (Status shows a delivery's rows)."""
    return {e.id: e.delivery_id for b in radar.blocks if b.source.journal is not None for e in b.source.journal
            if e.delivery_id is not None}


@dataclass(frozen=True)
class Row:
    """One correction as the table shows it: its place in the order, its deadline in words (and the class that
    colours it), its commission, and where it lives (the upload holding it, the journal write's delivery)."""

    place: int
    c: Correction
    deadline: str
    css: str
    commission: str
    file: str  # the file's name as shown ('' for none)
    upload: Upload | None  # the uploaded batch file holding the correction (check it, send it)
    export: Upload | None  # the uploaded export it was built from in memory
    delivery: int | None
    send: bool


@dataclass(frozen=True)
class RowsPage:
    rows: list[Row]
    number: int
    pages: int
    total: int
    sort: str

    @property
    def first(self) -> int:
        return (self.number - 1) * PER_PAGE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def rows_page(view: RadarView, result: RadarResult, sort: str, number: int) -> RowsPage:
    """Page `number` (clamped) of the corrections in the order `sort` (deadline unless commission)."""
    sort = sort if sort in SORTS else "deadline"
    which, rec = result.orders[sort]
    total = len(which)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    number = min(max(number, 1), pages)
    start = (number - 1) * PER_PAGE
    radar = result.radar
    picked = zip(which[start:start + PER_PAGE].tolist(), rec[start:start + PER_PAGE].tolist())
    rows = [row_of(view, result, start + n + 1, correction(radar.blocks[b], i, radar.now))
            for n, (b, i) in enumerate(picked)]
    return RowsPage(rows, number, pages, total, sort)


def row_of(view: RadarView, result: RadarResult, place: int, c: Correction) -> Row:
    label = result.radar.label(c.bucket)
    if c.bucket == "locked":
        words, css = f"{label}: locked, it can no longer be corrected", "deadline-past"
    elif c.bucket == "unknown":
        words, css = label, ""
    else:
        words, css = f"{label}: {c.left()} left", "deadline-near" if c.bucket in NEAR else ""
    upload, export, name = _where(view, c)
    send = upload is not None and c.state == "to send" and c.bucket != "locked"
    delivery = result.deliveries.get(c.journal_id) if c.journal_id is not None else None
    return Row(place, c, words, css if c.at_risk else "", commission_text(c), name, upload, export, delivery, send)


def _where(view: RadarView, c: Correction) -> tuple[Upload | None, Upload | None, str]:
    """(the uploaded batch file, the uploaded export it was built from, the name shown) of a correction."""
    if not c.file:
        return None, None, ""
    path = Path(c.file)
    for upload in view.uploads if c.origin == "file" else []:
        if path == upload.path:
            return upload, None, upload.name
        if path.parent == upload.path.parent:
            return None, upload, path.name
    return None, None, path.name


def commission_text(c: Correction) -> str:
    if c.commission is None:
        return "unknown" + (f": {c.note}" if c.note else "")
    return f"{c.currency or ''} {c.commission:,}".strip() + (" (estimate)" if c.estimate else "")


def amounts(total: Total) -> list[tuple[str, str, str]]:
    """(currency, exact amount, amount as shown) of a total, one per currency (never added together)."""
    return [(cur, str(a), f"{cur} {a:,}".strip()) for cur, a in sorted(total.amounts.items())]


def stake(currencies: dict[str, Decimal]) -> list[tuple[str, str, str]]:
    return [(cur, str(a), f"{cur} {a:,}".strip()) for cur, a in sorted(currencies.items())]
