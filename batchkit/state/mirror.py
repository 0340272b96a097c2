"""The local mirror of one account's and campaign's actions (README "The mirror").

SQLite in the state directory (`mirror/{AccountSID}-{CampaignId}.sqlite3`): every action's fields as
the API gave them (numbers as their exact text), the items of the actions whose items were fetched,
indexes on Id and on (Oid, ActionTrackerId), and the windows of last-updated time synced and when.
Upserts by Id: reading a page twice changes nothing.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from batchkit.state.rows import (
    FIELDS,
    KEYS,
    parse_time,
    plain,
    stored_row,
    text_of,
    unpack,
    utc_text,
)
from batchkit.core.errors import BatchkitError

APPLICATION_ID = 0x424B4D52  # "BKMR": this file is batchkit's mirror
SCHEMA_VERSION = 2  # PRAGMA user_version: a mirror of another layout is rebuilt (it is only a copy)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS actions (
    {', '.join(f'{c} TEXT' for c in KEYS)}, fields TEXT NOT NULL, extra TEXT, mirrored_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS actions_id ON actions (Id);
CREATE INDEX IF NOT EXISTS actions_order ON actions (Oid, ActionTrackerId);
CREATE INDEX IF NOT EXISTS actions_mirrored ON actions (mirrored_at);
CREATE TABLE IF NOT EXISTS items (
    ActionId TEXT NOT NULL, Sku TEXT NOT NULL, fields TEXT NOT NULL, UNIQUE (ActionId, Sku)
);
CREATE TABLE IF NOT EXISTS items_fetched (ActionId TEXT PRIMARY KEY, fetched_at TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS windows (
    plan INTEGER NOT NULL, start TEXT NOT NULL, end TEXT NOT NULL, state TEXT NOT NULL,
    pages INTEGER NOT NULL DEFAULT 0, seen INTEGER NOT NULL DEFAULT 0, finished_at TEXT,
    PRIMARY KEY (plan, start)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""
_STORED = (*KEYS, "fields", "extra", "mirrored_at")
_UPSERT = (f"INSERT INTO actions ({', '.join(_STORED)}) VALUES ({', '.join('?' * len(_STORED))}) "
           "ON CONFLICT (Id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in _STORED[1:])
           + " WHERE actions.fields != excluded.fields OR actions.extra IS NOT excluded.extra")


class MirrorError(BatchkitError):
    """The mirror file cannot be used (exit 2): damaged, foreign, or its folder not writable."""


def mirror_path(state_dir: Path, account_sid: str, campaign_id: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", f"{account_sid}-{campaign_id}")
    return Path(state_dir) / "mirror" / f"{safe}.sqlite3"


@dataclass(frozen=True)
class Stored:
    """How an upsert went: actions new, actions whose fields changed, actions unchanged."""

    new: int = 0
    updated: int = 0
    same: int = 0


class Mirror:
    """One account's and campaign's mirror; opened at once, created when missing."""

    def __init__(self, path: Path, create: bool = True) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_file():
            raise MirrorError(f"the mirror {self.path} is not a file: move it aside")
        if not create and not self.path.exists():
            raise MirrorError(f"no mirror at {self.path} yet: run `batchkit actions sync` first")
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            existed = self.path.exists() and self.path.stat().st_size > 0
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._open(existed)
        except (OSError, sqlite3.Error) as exc:
            raise MirrorError(f"the mirror {self.path} cannot be used ({exc}); it is a copy of the account's "
                              "actions: move it aside and sync again") from None

    def _open(self, existed: bool) -> None:
        if existed and self.db.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            self.db.close()
            raise MirrorError(f"{self.path} is not a batchkit mirror: move it aside (batchkit never deletes it)")
        if existed and self.db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            self._rebuild()
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.execute("PRAGMA cache_size = -16384")  # 16 MiB: most of the indexes of 200,000 actions stay in memory
        self.db.executescript(_SCHEMA)
        self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        if self.get_meta("epoch") is None:  # this mirror's identity: a cache of another (or a rebuilt one) differs
            self.set_meta("epoch", secrets.token_hex(8))

    def _rebuild(self) -> None:
        """A mirror an earlier batchkit laid out differently: emptied, so the next sync reads it whole again."""
        tables = [r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            self.db.execute(f'DROP TABLE IF EXISTS "{table}"')

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Mirror:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- actions

    def store(self, actions: Iterable[dict[str, Any] | tuple[Any, ...]], now: datetime) -> Stored:
        """Upsert actions by Id in one transaction: their fields, or the rows `row_hook` made of them while
        the answer was read (an action without an Id is skipped)."""
        stamp = utc_text(now)
        rows = [row for row in (a if isinstance(a, tuple) else stored_row(a, stamp) for a in actions) if row is not None]
        if not rows:
            return Stored()
        with self.db:
            self.db.execute("BEGIN")
            before = self.count()
            changed = self.db.total_changes
            self.db.executemany(_UPSERT, rows)
            touched = self.db.total_changes - changed
            new = self.count() - before
            if touched:
                self.set_meta("generation", str(self.generation() + 1))
        return Stored(new=new, updated=touched - new, same=len(rows) - touched)

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM actions").fetchone()[0])

    @staticmethod
    def _fields(packed: str, extra: str | None) -> dict[str, Any]:
        fields = {f: v for f, v in zip(FIELDS, unpack(packed)) if v is not None}
        if extra:
            fields.update(json.loads(extra))
        return fields

    def action(self, action_id: str) -> dict[str, Any] | None:
        """An action's fields as the API gave them, with `mirrored_at`; None when not mirrored."""
        row = self.db.execute("SELECT fields, extra, mirrored_at FROM actions WHERE Id = ?", (action_id,)).fetchone()
        return None if row is None else {**self._fields(row[0], row[1]), "mirrored_at": row[2]}

    def by_order(self, oid: str, tracker: str) -> list[dict[str, Any]]:
        """The actions with this Oid and ActionTrackerId, newest created first."""
        rows = self.db.execute("SELECT fields, extra FROM actions WHERE Oid = ? AND ActionTrackerId = ? "
                               "ORDER BY CreationDate DESC, Id DESC", (oid, tracker))
        return [self._fields(p, e) for p, e in rows]

    def by_oid(self, oid: str) -> list[dict[str, Any]]:
        """The actions with this Oid, whatever their tracker, newest created first."""
        rows = self.db.execute("SELECT fields, extra FROM actions WHERE Oid = ? ORDER BY CreationDate DESC, Id DESC",
                               (oid,))
        return [self._fields(p, e) for p, e in rows]

    def keys_since(self, stamp: str | None) -> Iterator[tuple[Any, ...]]:
        """One text per action mirrored at or after `stamp` (all when None): its KEYS joined by \\x1f, then
        its mirrored_at."""
        joined = " || char(31) || ".join(f"coalesce(replace({k}, char(31), ' '), '')" for k in KEYS)
        where = "" if stamp is None else " WHERE mirrored_at >= ?"
        yield from self.db.execute(f"SELECT {joined}, mirrored_at FROM actions{where}", () if stamp is None else
                                   (stamp,))

    def fields_since(self, stamp: str | None, chunk: int = 50_000) -> Iterator[list[tuple[Any, ...]]]:
        """Chunks of (packed fields, mirrored_at) of the actions mirrored at or after `stamp` (all when None), for
        caches of fields beyond the KEYS (the lock-date radar's Payout and partner; rows.unpack reads them)."""
        where = "" if stamp is None else " WHERE mirrored_at >= ?"
        cursor = self.db.execute(f"SELECT fields, mirrored_at FROM actions{where}", () if stamp is None else (stamp,))
        while rows := cursor.fetchmany(chunk):
            yield rows

    # ---------------------------------------------------------------- items

    def store_items(self, action_id: str, items: list[dict[str, Any]], now: datetime) -> None:
        """Replace the items of one action (all of them, as fetched)."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM items WHERE ActionId = ?", (action_id,))
            self.db.executemany("INSERT OR REPLACE INTO items (ActionId, Sku, fields) VALUES (?, ?, ?)",
                                [(action_id, text_of(i.get("Sku")), json.dumps(plain(i), ensure_ascii=False))
                                 for i in items])
            self.db.execute("INSERT OR REPLACE INTO items_fetched VALUES (?, ?)", (action_id, utc_text(now)))

    def items(self, action_id: str) -> list[dict[str, Any]] | None:
        """The action's items when they were fetched, else None."""
        if self.db.execute("SELECT 1 FROM items_fetched WHERE ActionId = ?", (action_id,)).fetchone() is None:
            return None
        rows = self.db.execute("SELECT fields FROM items WHERE ActionId = ? ORDER BY rowid", (action_id,))
        return [json.loads(r[0]) for r in rows]

    # ---------------------------------------------------------------- what was synced when

    def pending_windows(self) -> list[tuple[int, datetime, datetime]]:
        """(plan, start, end) of windows a sync planned and did not finish (it was stopped), oldest first."""
        rows = self.db.execute("SELECT plan, start, end FROM windows WHERE state = 'pending' ORDER BY start")
        return [(int(p), parse_time(s), parse_time(e)) for p, s, e in rows]

    def plan(self, windows: list[tuple[datetime, datetime]]) -> int:
        """Record the windows a sync is about to read (so that a stopped sync resumes them); the plan's id."""
        with self.db:
            self.db.execute("BEGIN")
            plan = int(self.db.execute("SELECT coalesce(max(plan), 0) + 1 FROM windows").fetchone()[0])
            self.db.executemany("INSERT OR REPLACE INTO windows (plan, start, end, state) VALUES (?, ?, ?, 'pending')",
                                [(plan, utc_text(s), utc_text(e)) for s, e in windows])
        return plan

    def finish_window(self, plan: int, start: datetime, end: datetime, pages: int, seen: int, now: datetime) -> None:
        """A window was read whole: mark it, and move the high-water mark when it joins the covered time and no
        earlier window is still pending (one a sync could not read whole, or did not reach: the mark never passes
        time that was not read)."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("UPDATE windows SET state = 'done', pages = ?, seen = ?, finished_at = ? WHERE plan = ? "
                            "AND start = ?", (pages, seen, utc_text(now), plan, utc_text(start)))
            earlier = self.db.execute("SELECT 1 FROM windows WHERE state = 'pending' AND start < ? LIMIT 1",
                                      (utc_text(start),)).fetchone()
            high = self.high_water()
            if earlier is None and (high is None or start <= high):
                self.set_meta("high_water", utc_text(max(end, high) if high else end))
            first = self.get_meta("covered_from")
            if first is None or start < parse_time(first):
                self.set_meta("covered_from", utc_text(start))

    def split_window(self, plan: int, start: datetime, middle: datetime, end: datetime) -> None:
        """Replace a pending window by its two halves (a window over 10 x PageSize)."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM windows WHERE plan = ? AND start = ?", (plan, utc_text(start)))
            self.db.executemany("INSERT OR REPLACE INTO windows (plan, start, end, state) VALUES (?, ?, ?, 'pending')",
                                [(plan, utc_text(start), utc_text(middle)), (plan, utc_text(middle), utc_text(end))])

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        """A number that changes whenever an action is added or changed (caches of the actions compare it)."""
        return int(self.get_meta("generation") or 0)

    def covered(self) -> tuple[datetime, datetime] | None:
        """The last-updated time the syncs have covered without a gap: (from, to), or None before any sync."""
        start, end = self.get_meta("covered_from"), self.get_meta("high_water")
        return (parse_time(start), parse_time(end)) if start and end else None

    def synced_at(self) -> datetime | None:
        """When the last sync finished, or None."""
        text = self.get_meta("synced_at")
        return parse_time(text) if text else None

    def high_water(self) -> datetime | None:
        """The end of the last-updated time covered without a gap since the first sync."""
        text = self.get_meta("high_water")
        return parse_time(text) if text else None
