"""Which deliveries `batchkit results` asks about, and where each delivered file's content is at hand.

A file drop is one `deliveries` row with outcome delivered (each is its own FTPFileSubmission); an API
delivery is one file's records in the journal (state/journal.py, channel api), named by its newest
`deliveries` row. The content (to place the platform's details at rows, and for --report) is the FILE
given with the same sha256, else a copy in the run's archive, else the file still in a local drop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from glob import escape as glob_escape
from pathlib import Path
from urllib.parse import unquote, urlsplit

from batchkit.core.errors import UsageError
from batchkit.state.ledger import Ledger
from batchkit.delivery.records import LedgerEntry, sha256_file
from batchkit.state.journal import Entry as RecordEntry
from batchkit.delivery.viaapi.destination import is_api_destination
from batchkit.state.verdicts import Verdicts


@dataclass
class Target:
    """One delivery to ask the platform about."""

    kind: str  # "drop" (a file in an SFTP drop or a folder) or "api" (records through the API)
    entry: LedgerEntry
    local: Path | None = None  # the delivered content, when at hand
    records: list[RecordEntry] = field(default_factory=list)  # api only


def is_upload(name: str) -> bool:
    """A bulk-resolution CSV of inquiries (batchkit inquiries resolve --to DIR): a person uploads it in the web
    app; the platform's file submissions never list it, so no verdict is asked for."""
    return "inquiry-resolution" in name


def _at_or_after(entry: LedgerEntry, since: datetime | None) -> bool:
    if since is None:
        return True
    return datetime.fromisoformat(entry.started_at.replace("Z", "+00:00")) >= since


def find_targets(ledger: Ledger, files: list[Path], since: datetime | None = None,
                 archive: Path | None = None) -> list[Target]:
    """The deliveries of the ledger (those of `files` if given; at or after `since`), oldest first; a FILE
    given is remembered, so that a later call without it still finds the content."""
    entries = ledger.entries()
    found = [Target("drop", e) for e in entries if e.outcome == "delivered" and not is_api_destination(e.destination)
             and not is_upload(e.name)]
    found += _api_targets(ledger, entries)
    found = sorted((t for t in found if _at_or_after(t.entry, since)), key=lambda t: t.entry.id)
    if files:
        found = _chosen(found, files)
    verdicts = Verdicts(ledger)
    seen = verdicts.copies()
    for target in found:
        if target.local is not None:
            verdicts.remember_copy(target.entry.sha256, str(target.local.absolute()))
        target.local = target.local or _at_hand(target.entry, archive, seen.get(target.entry.sha256))
    return found


def _api_targets(ledger: Ledger, entries: list[LedgerEntry]) -> list[Target]:
    """One target per file content and API destination in the journal, named by its newest delivery."""
    newest = {(e.sha256, e.destination): e for e in entries if is_api_destination(e.destination)}
    grouped: dict[tuple[str, str], list[RecordEntry]] = {}
    for record in ledger.journal.entries(channel="api"):
        grouped.setdefault((record.sha256, record.destination), []).append(record)
    return [Target("api", newest[key], records=sorted(records, key=lambda r: r.row or 0))
            for key, records in grouped.items() if key in newest]


def _chosen(found: list[Target], files: list[Path]) -> list[Target]:
    """The targets of the FILEs given: by content when the file is here, else by the name it was sent as."""
    chosen: list[Target] = []
    for path in files:
        digest = sha256_file(path)[0] if path.is_file() else None
        hits = [t for t in found if (t.entry.sha256 == digest if digest else t.entry.name == path.name)]
        if not hits:
            how = "this content" if digest else "this name"
            raise UsageError(f"{path}: no delivery of {how} in the ledger (give a file that was delivered, or "
                             "the name it was delivered as)")
        for target in hits:
            target.local = path if digest else None
            if target not in chosen:
                chosen.append(target)
    return sorted(chosen, key=lambda t: t.entry.id)


def _same(path: Path, sha256: str) -> bool:
    try:
        return path.is_file() and sha256_file(path)[0] == sha256
    except OSError:
        return False


def _at_hand(entry: LedgerEntry, archive: Path | None, seen: str | None) -> Path | None:
    """A copy of the delivered content: where it was seen before, the file that was sent (if unchanged), in the
    archive (any day), or still in a local drop."""
    for known in (seen, entry.source):  # a FILE given earlier, the file the delivery sent
        if known and _same(Path(known), entry.sha256):
            return Path(known)
    stem, suffix = Path(entry.name).stem, Path(entry.name).suffix
    if archive is not None and archive.is_dir():
        for name in (entry.name, f"{stem}.{entry.sha256[:12]}{suffix}"):
            for copy in sorted(archive.glob(f"*/{glob_escape(name)}")):
                if _same(copy, entry.sha256):
                    return copy
    parts = urlsplit(entry.destination)
    if parts.scheme == "file" and entry.remote:
        remote = Path(entry.remote)
        if not remote.is_absolute():
            remote = Path(unquote(parts.path)) / entry.name
        if _same(remote, entry.sha256):
            return remote
    return None
