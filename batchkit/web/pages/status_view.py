"""What the Status page shows, read from the library (no logic of its own): the journal's summary
(batchkit.state.status, as `batchkit status`), the verdicts the ledger already holds (batchkit.verdicts, as
`batchkit results` reports them, without a request), one delivery's rows, pages of long lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from batchkit.core.findings import FileReport, Finding
from batchkit.delivery.viaapi.destination import account_of, is_api_destination
from batchkit.state.journal import Entry
from batchkit.state.ledger import Ledger, LedgerEntry
from batchkit.state.status import WHAT_TO_DO, Status, summarise
from batchkit.state.verdicts import Verdicts
from batchkit.verdicts.collect import report_of
from batchkit.verdicts.findings import Tally
from batchkit.verdicts.targets import Target, find_targets

DELIVERIES_PER_PAGE = 20
ATTENTION_PER_PAGE = 50
ROWS_PER_PAGE = 50
T = TypeVar("T")


@dataclass(frozen=True)
class Paged:
    """One page of a long list (pages count from 1)."""

    items: list[Any]
    number: int
    pages: int
    total: int
    size: int

    @property
    def first(self) -> int:
        """The place (from 1) of the page's first item (0 when there is none)."""
        return 0 if not self.total else (self.number - 1) * self.size + 1

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def paged(items: Sequence[T], number: int, size: int) -> Paged:
    """Page `number` of `items` (clamped to the pages there are)."""
    pages = max((len(items) + size - 1) // size, 1)
    number = min(max(number, 1), pages)
    start = (number - 1) * size
    return Paged(list(items[start:start + size]), number, pages, len(items), size)


def channel(destination: str) -> tuple[str, str]:
    """(channel, where) of a ledger destination: the API (its account), an SFTP drop, a folder."""
    if is_api_destination(destination):
        root, sid, campaign = account_of(destination)
        return "API", f"{root} account {sid}" + (f", campaign {campaign}" if campaign else "")
    parts = urlsplit(destination)
    if parts.scheme == "file":
        return "folder", unquote(parts.path)
    if parts.scheme == "sftp":
        return "SFTP", f"{parts.username or ''}{'@' if parts.username else ''}{parts.hostname or ''}{parts.path}"
    return "drop", destination


@dataclass
class DeliveryRow:
    """One file delivery as the list shows it."""

    entry: LedgerEntry
    records: dict[str, int]
    tally: Tally | None = None
    channel: tuple[str, str] = ("", "")

    @property
    def record_count(self) -> int:
        return sum(self.records.values())


@dataclass
class Overview:
    """The whole page: the summary, what needs a person, a page of deliveries with their verdicts so far."""

    status: Status
    attention: Paged
    deliveries: Paged
    what_to_do: dict[str, str] = field(default_factory=lambda: dict(WHAT_TO_DO))

    @property
    def empty(self) -> bool:
        return not self.deliveries.total and not self.status.counts


def overview(state_dir: Path, page: int = 1, attention_page: int = 1,
             kept: dict[Any, Any] | None = None) -> Overview | None:
    """The journal's overview, newest deliveries first; None when nothing was ever recorded here. `kept`: the
    tallies of pages seen before, reused while the ledger file is unchanged (finding a delivered file's content
    hashes it: a page of big files is read once, not on every visit)."""
    ledger = Ledger(state_dir)
    try:
        if not ledger.exists():
            return None
        ledger.check()
        status = summarise(ledger, None)
        rows = [DeliveryRow(f.entry, f.records, channel=channel(f.entry.destination)) for f in reversed(status.files)]
        shown = paged(rows, page, DELIVERIES_PER_PAGE)
        _add_tallies(ledger, shown.items, {} if kept is None else kept)
        return Overview(status, paged(status.attention, attention_page, ATTENTION_PER_PAGE), shown)
    finally:
        ledger.close()


def _add_tallies(ledger: Ledger, rows: list[DeliveryRow], kept: dict[Any, Any]) -> None:
    """The verdicts the ledger holds on these deliveries (as `batchkit results` reports them; no request)."""
    key = ("status-tallies", str(ledger.path), _changes(ledger.path), tuple(r.entry.id for r in rows))
    if key not in kept:
        if len(kept) > 64:
            kept.clear()
        kept[key] = _tallies(ledger, [r.entry.id for r in rows])
    for row in rows:
        row.tally = kept[key].get(row.entry.id)


def _changes(path: Path) -> tuple[int, int, bytes]:
    """What tells one state of the ledger file from the next: its time, its size and SQLite's file change counter
    (bytes 24-27 of the header, counted up by every write: the ledger keeps a rollback journal, not a WAL)."""
    stat = path.stat()
    with path.open("rb") as f:
        f.seek(24)
        return stat.st_mtime_ns, stat.st_size, f.read(4)


def _tallies(ledger: Ledger, ids: list[int]) -> dict[int, Tally]:
    targets = {t.entry.id: t for t in find_targets(ledger, [])}
    wanted = [targets[i] for i in ids if i in targets]
    if not wanted:
        return {}
    got = report_of(wanted, Verdicts(ledger), 1, short=False)
    return {t.entry.id: tally for t, tally in zip(wanted, got.tallies)}


@dataclass
class GridRow:
    """One record of the delivered file, with the platform's verdicts on it."""

    row: int
    cells: list[str]
    findings: list[Finding]
    marked: dict[str, list[Finding]]  # column as written -> the findings that name it

    @property
    def unplaced(self) -> list[Finding]:
        """Findings on the row that name no column of the file (shown on the row's number)."""
        return [f for f in self.findings if not f.column or f.column not in self.marked]


@dataclass
class Detail:
    """One delivery: its facts, its records in the journal, its verdicts, its rows (grid or list)."""

    entry: LedgerEntry
    channel: tuple[str, str]
    records: dict[str, int]
    writes: Paged
    tally: Tally | None
    findings: list[Finding]
    local: Path | None
    header: list[str] = field(default_factory=list)
    grid: Paged | None = None
    missing_why: str = ""
    show: str = "verdicts"

    @property
    def unplaced(self) -> list[Finding]:
        """Verdicts at no row of the file (impact.com's Line names none)."""
        return [f for f in self.findings if f.row is None]


def detail(state_dir: Path, delivery_id: int, page: int = 1, show: str = "verdicts",
           writes_page: int = 1) -> Detail | None:
    """One delivery of the ledger, None when there is no such delivery."""
    ledger = Ledger(state_dir)
    try:
        if not ledger.exists():
            return None
        found = [e for e in ledger.entries() if e.id == delivery_id]
        if not found:
            return None
        entry = found[0]
        writes = [w for w in ledger.journal.entries(channel="api") if w.delivery_id == delivery_id]
        counts = summarise(ledger, None)
        records = next((f.records for f in counts.files if f.entry.id == delivery_id), {})
        target = _target_of(ledger, entry)
        report, tally = _verdicts_of(ledger, target)
        made = Detail(entry, channel(entry.destination), records, paged(writes, writes_page, ATTENTION_PER_PAGE),
                      tally, report.findings() if report else [], target.local if target else None, show=show)
        _grid(made, page)
        return made
    finally:
        ledger.close()


def _target_of(ledger: Ledger, entry: LedgerEntry) -> Target | None:
    """The delivery as `batchkit results` asks about it (an API delivery: by its content and destination)."""
    for target in find_targets(ledger, []):
        if target.entry.id == entry.id or (target.kind == "api" and target.entry.sha256 == entry.sha256
                                           and target.entry.destination == entry.destination):
            return target
    return None


def _verdicts_of(ledger: Ledger, target: Target | None) -> tuple[FileReport | None, Tally | None]:
    if target is None:
        return None, None
    got = report_of([target], Verdicts(ledger), 0, short=False)
    return got.report.files[0], got.tallies[0]


def _grid(made: Detail, page: int) -> None:
    """The delivered file's rows in its own columns, when the file is at hand; else why not."""
    if made.local is None:
        made.missing_why = (f"the delivered file ({made.entry.name}) is not at hand: batchkit looked for the file "
                            "it sent, a copy given to `batchkit results`, the archive and a local drop, and none "
                            "holds the same content; its verdicts are listed by row number")
        return
    from batchkit.core.errors import BatchkitError
    from batchkit.io.read import read_table

    try:
        table = read_table(made.local)
    except BatchkitError as exc:
        made.missing_why = f"the delivered file cannot be read now ({exc}); its verdicts are listed by row number"
        return
    made.header = [str(h) for h in table.header]
    by_row: dict[int, list[Finding]] = {}
    for f in made.findings:
        if f.row is not None:
            by_row.setdefault(f.row, []).append(f)
    rows = [int(r) for r in table.rows]
    keep = [k for k, r in enumerate(rows) if made.show == "all" or r in by_row]
    chosen = paged(keep, page, ROWS_PER_PAGE)
    cells = table.data.fillna("")
    made.grid = Paged([_grid_row(rows[k], [str(v) for v in cells.iloc[k]], by_row.get(rows[k], []), made.header)
                       for k in chosen.items], chosen.number, chosen.pages, chosen.total, ROWS_PER_PAGE)


def _grid_row(row: int, cells: list[str], findings: list[Finding], header: list[str]) -> GridRow:
    marked: dict[str, list[Finding]] = {}
    for f in findings:
        if f.column and f.column in header:
            marked.setdefault(f.column, []).append(f)
    return GridRow(row, cells, findings, marked)


def attention_where(e: Entry) -> str:
    """Where a write came from, as `batchkit status` says it."""
    return f"row {e.row} of {e.name}" if e.name and e.row is not None else (e.name or e.channel)
