"""The state folder's store: a ledger written by batchkit 0.1.0 (tests/state/ledger-0.1.0.sqlite3, made by that
release's demo plus one unknown and one refused record of each channel) opens, is migrated in place to the journal,
and what it knew keeps a change from being sent twice; a newer schema is refused; no module outside state/ writes
SQL."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from batchkit.core.change import action_change, inquiry_change
from batchkit.state.errors import LedgerError
from batchkit.state.journal import Origin
from batchkit.state.ledger import Ledger
from batchkit.state.schema import VERSION
from batchkit.state.store import APPLICATION_ID, DB_NAME

ROOT = Path(__file__).resolve().parent.parent
OLD = ROOT / "tests" / "state" / "ledger-0.1.0.sqlite3"
SID = "IRSANDBOXACME1"


@pytest.fixture
def old_ledger(tmp_path: Path) -> Path:
    state = tmp_path / "state"
    state.mkdir()
    shutil.copy(OLD, state / DB_NAME)
    return state


def _version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("PRAGMA user_version").fetchone()[0])


def test_a_ledger_of_0_1_0_is_migrated_in_place_keeping_every_row(old_ledger: Path) -> None:
    with sqlite3.connect(old_ledger / DB_NAME) as db:
        before = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("deliveries", "api_records", "inquiry_resolutions", "verdict_records")}
    assert _version(old_ledger / DB_NAME) == 0
    ledger = Ledger(old_ledger)
    assert ledger.schema_version() == VERSION == 2
    assert len(ledger.entries()) == before["deliveries"] == 8
    counts = ledger.journal.counts()
    assert counts == {"queued": 4, "unknown": 2, "refused": 2, "applied": 8}  # 6 api records, 10 resolutions
    with sqlite3.connect(old_ledger / DB_NAME) as db:  # the old books are kept as they were
        assert db.execute("SELECT count(*) FROM api_records").fetchone()[0] == before["api_records"]
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    ledger.close()
    assert Ledger(old_ledger).journal.counts() == counts  # opening again migrates nothing twice


def test_what_the_old_ledger_knew_keys_the_journal_by_the_change(old_ledger: Path) -> None:
    journal = Ledger(old_ledger).journal
    queued = action_change(SID, "DELETE", {"ActionId": "1000.4636.158301", "DispositionCode": "ITEM_RETURNED"})
    assert journal.get(queued.key).state == "queued"
    unknown = action_change(SID, "PUT", {"ActionId": "1000.4636.158133", "Amount": "10.5", "Reason": "ORDER_UPDATE"})
    entry = journal.get(unknown.key)  # sent as Amount=10.50 by 0.1.0: the same change
    assert entry is not None and entry.state == "unknown" and entry.name == "acme_order-modifications_extra.csv"
    refused = inquiry_change(SID, {"Id": "600001", "ResolutionStatus": "VALID", "ActionTrackerId": "2240",
                                   "TransactionDate": "2025-12-01 00:00:00"})
    assert journal.get(refused.key).state == "refused"
    applied = [e for e in journal.entries(channel="inquiry") if e.state == "applied"]
    assert len(applied) == 8 and all(e.target.startswith("Inquiry 5000") for e in applied)


def test_two_old_records_of_one_change_become_one_journal_row_the_most_certain_kept(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    shutil.copy(OLD, state / DB_NAME)
    with sqlite3.connect(state / DB_NAME) as db:  # the bug of 0.1.0: one change sent from two spellings of the URL
        (dest,) = db.execute("SELECT DISTINCT destination FROM api_records WHERE state = 'queued'").fetchone()
        db.execute("INSERT INTO api_records (delivery_id, sha256, destination, name, row, line, method, payload, "
                   "state) SELECT delivery_id, 'f' || sha256, replace(destination, '127.0.0.1', 'localhost'), name, "
                   "row, line, method, payload, 'failed' FROM api_records WHERE state = 'queued'")
        assert dest.startswith("http://127.0.0.1")
    counts = Ledger(state).journal.counts()
    assert counts["queued"] == 4 and "failed" not in counts


def test_a_ledger_of_a_newer_batchkit_is_refused_and_left_alone(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    ledger.begin("a.csv", "0" * 64, 1, "file:///x")
    ledger.close()
    with sqlite3.connect(tmp_path / DB_NAME) as db:
        db.execute(f"PRAGMA user_version = {VERSION + 1}")
    with pytest.raises(LedgerError, match="newer batchkit"):
        Ledger(tmp_path).entries()
    assert _version(tmp_path / DB_NAME) == VERSION + 1


def test_a_write_journaled_sending_when_the_run_died_is_unknown_at_the_next_lock(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    change = action_change(SID, "PUT", {"ActionId": "1.2.3", "Amount": "5", "Reason": "ORDER_UPDATE"})
    ledger.journal.sending(change, "api", "https://api", "PUT", "ActionId=1.2.3", Origin(name="a.csv", row=2))
    ledger.close()
    again = Ledger(tmp_path)
    with again.locked(1):
        pass
    (entry,) = again.journal.entries()
    assert entry.state == "unknown" and "stopped after sending" in (entry.reason or "")


def test_a_files_records_follow_its_delivery(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    did = ledger.begin("a.csv", "0" * 64, 1, "file:///drop")
    change = action_change(SID, "DELETE", {"ActionId": "1.2.3", "DispositionCode": "OTHER"})
    ledger.journal.record_file(did, [(change.key, 2, 2)])
    assert ledger.journal.get(change.key).state == "sending"
    ledger.update(did, "delivered")
    found = ledger.journal.get(change.key)
    assert (found.state, found.channel, found.name, found.row) == ("delivered", "drop", "a.csv", 2)
    other = ledger.begin("b.csv", "1" * 64, 1, "file:///drop")  # sent again (--resend) in another file, cut short
    ledger.journal.record_file(other, [(change.key, 5, 5)])
    ledger.update(other, "failed")
    assert ledger.journal.get(change.key).state == "delivered"  # a.csv delivered it: that stands
    lost = action_change(SID, "DELETE", {"ActionId": "4.5.6", "DispositionCode": "OTHER"})
    first = ledger.begin("c.csv", "2" * 64, 1, "file:///drop")
    ledger.journal.record_file(first, [(lost.key, 2, 2)])
    ledger.update(first, "failed")  # never renamed: not sent
    again = ledger.begin("d.csv", "3" * 64, 1, "file:///drop")
    ledger.journal.record_file(again, [(lost.key, 3, 3)])
    ledger.update(again, "delivered")
    found = ledger.journal.get(lost.key)
    assert (found.state, found.name, found.row) == ("delivered", "d.csv", 3)


def test_a_refusal_needs_a_person_until_its_own_row_is_fixed_and_sent(tmp_path: Path) -> None:
    from batchkit.state.status import summarise

    ledger = Ledger(tmp_path)
    journal = ledger.journal

    def sent(amount: str, name: str, state: str) -> None:
        change = action_change(SID, "PUT", {"ActionId": "1.2.3", "Amount": amount, "Reason": "ORDER_UPDATE"})
        journal.settle(journal.sending(change, "api", "https://api", "PUT", "x", Origin(name=name, row=2)), state)

    sent("10", "a.csv", "refused")
    sent("11", "other.csv", "queued")  # another file's change to the same action: not its fix
    assert [e.state for e in summarise(ledger).attention] == ["refused"]
    sent("12", "a.csv", "queued")  # row 2 of a.csv, fixed and sent
    assert summarise(ledger).attention == [] and summarise(ledger).exit_code == 0


SQL = re.compile(r"\b(INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX)|ALTER\s+TABLE)\b")


def test_no_module_outside_state_writes_sql_to_the_ledger() -> None:
    """Only batchkit/state writes SQL (the ledger, and the mirror of each account's actions: state/mirror.py); the
    sandbox, a fake impact.com, keeps its own store and is the one exception."""
    allowed = ("batchkit/state/", "batchkit/sandbox/")
    found = [str(p.relative_to(ROOT)) for p in (ROOT / "batchkit").rglob("*.py")
             if not str(p.relative_to(ROOT)).startswith(allowed) and SQL.search(p.read_text())]
    assert found == []
