"""Migration 2: batchkit 0.1.0's two per-channel books (`api_records`, keyed by file sha256 + row + URL, and
`inquiry_resolutions`, keyed by URL + inquiry) copied into the journal, keyed by the change.

Each old row becomes the journal row of its change (account from the URL's /Advertisers/<SID>/, target and
digest from the request it sent). Two old rows with one change (the bug the journal fixes: the same change sent
from two files or two URL spellings) become one, the most certain kept: applied > queued > unknown > refused >
failed. Rows that sent nothing (skipped) are not copied. The old tables are left as they were.
"""

from __future__ import annotations

import sqlite3
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from batchkit.core.change import Change, action_change, inquiry_change

_STATES = {"sending": "unknown", "queued": "queued", "unknown": "unknown", "applied": "applied",
           "refused": "refused", "failed": "failed", "sent": "applied"}
_RANK = {"applied": 5, "queued": 4, "unknown": 3, "refused": 2, "failed": 1}


def account_in(url: str) -> str:
    """The SID of an API URL (`.../Advertisers/<SID>/...`), '' when it names none."""
    path = urlsplit(url).path
    return path.split("/Advertisers/", 1)[1].split("/", 1)[0] if "/Advertisers/" in path else ""


def _tables(db: sqlite3.Connection) -> set[str]:
    return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _old_records(db: sqlite3.Connection) -> list[tuple[Change, dict[str, Any]]]:
    rows = db.execute("SELECT delivery_id, sha256, destination, name, row, line, method, payload, state, queued_uri, "
                      "sent_at, finished_at, attempts, error FROM api_records WHERE method != '' ORDER BY id")
    found = []
    for (delivery, sha, dest, name, row, line, method, payload, state, uri, sent, done, attempts, error) in rows:
        change = action_change(account_in(dest), method, dict(parse_qsl(payload, keep_blank_values=True)))
        found.append((change, {"channel": "api", "destination": dest, "method": method, "payload": payload,
                               "delivery_id": delivery, "sha256": sha, "name": name, "row": row, "line": line,
                               "state": _STATES.get(state, "unknown"), "queued_uri": uri, "reason": error,
                               "sent_at": sent, "finished_at": done, "attempts": attempts}))
    return found


def _old_resolutions(db: sqlite3.Connection) -> list[tuple[Change, dict[str, Any]]]:
    rows = db.execute("SELECT destination, payload, state, source, row, sent_at, finished_at, attempts, error "
                      "FROM inquiry_resolutions WHERE payload != '' ORDER BY id")
    found = []
    for dest, payload, state, source, row, sent, done, attempts, error in rows:
        change = inquiry_change(account_in(dest), dict(parse_qsl(payload, keep_blank_values=True)))
        found.append((change, {"channel": "inquiry", "destination": dest, "method": "PUT", "payload": payload,
                               "source": source, "row": row, "state": _STATES.get(state, "unknown"),
                               "reason": error, "sent_at": sent, "finished_at": done, "attempts": attempts}))
    return found


def books_into_journal(db: sqlite3.Connection) -> int:
    """Copy the old books into `writes` (which exists); how many journal rows were written."""
    tables = _tables(db)
    old = (_old_records(db) if "api_records" in tables else []) + \
        (_old_resolutions(db) if "inquiry_resolutions" in tables else [])
    best: dict[str, tuple[Change, dict[str, Any]]] = {}
    for change, row in old:
        kept = best.get(change.key)
        if kept is None or _RANK.get(row["state"], 0) > _RANK.get(kept[1]["state"], 0):
            best[change.key] = (change, row)
    for change, row in best.values():
        columns = {"change": change.key, "account": change.account, "target": change.target,
                   "digest": change.digest, **row}
        names = ", ".join(columns)
        db.execute(f"INSERT OR IGNORE INTO writes ({names}) VALUES ({', '.join('?' * len(columns))})",
                   tuple(columns.values()))
    return len(best)
