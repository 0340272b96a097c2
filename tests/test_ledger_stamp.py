"""The ledger knows itself: an empty or foreign file in its place is damage (exit 2, untouched), never a
fresh ledger that forgets what was sent."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from click.testing import CliRunner
from conftest_sftp import write_batch

from batchkit.cli import main
from batchkit.state.store import APPLICATION_ID, DB_NAME

NAME = "acme_order-modifications.csv"


def _deliver(tmp_path: Path, state: Path) -> tuple[int, str]:
    batch = tmp_path / "files" / NAME
    if not batch.exists():
        batch.parent.mkdir(parents=True, exist_ok=True)
        write_batch(batch, 20)
    result = CliRunner().invoke(main, ["deliver", str(batch), "--to", str(tmp_path / "outbox"), "--state-dir", str(state)])
    return result.exit_code, result.output


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_new_ledger_carries_batchkits_stamp(tmp_path: Path) -> None:
    assert _deliver(tmp_path, tmp_path / "state")[0] == 0
    with sqlite3.connect(tmp_path / "state" / DB_NAME) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_an_empty_ledger_file_is_damage_not_a_fresh_start(tmp_path: Path) -> None:
    state = tmp_path / "state"
    assert _deliver(tmp_path, state)[0] == 0
    (tmp_path / "outbox" / NAME).unlink()  # the partner picked it up
    (state / DB_NAME).write_bytes(b"")  # a full disk or a bad restore truncated the ledger
    code, output = _deliver(tmp_path, state)
    assert code == 2 and "is empty (0 bytes)" in output
    assert (state / DB_NAME).stat().st_size == 0 and not (tmp_path / "outbox" / NAME).exists()  # nothing sent twice


def test_a_foreign_sqlite_file_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    with sqlite3.connect(state / DB_NAME) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    before = _digest(state / DB_NAME)
    code, output = _deliver(tmp_path, state)
    assert code == 2 and "is not a batchkit ledger" in output
    assert _digest(state / DB_NAME) == before and not (tmp_path / "outbox").exists()


def test_a_ledger_of_an_earlier_batchkit_is_kept_and_stamped(tmp_path: Path) -> None:
    state = tmp_path / "state"
    assert _deliver(tmp_path, state)[0] == 0
    with sqlite3.connect(state / DB_NAME) as db:
        db.execute("PRAGMA application_id = 0")  # what ledgers written before the stamp look like
    code, output = _deliver(tmp_path, state)
    assert code == 0 and "already delivered" in output
    with sqlite3.connect(state / DB_NAME) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert db.execute("SELECT count(*) FROM deliveries").fetchone()[0] == 1


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / DB_NAME).write_bytes(b"this is not a database\n" * 100)
    before = _digest(state / DB_NAME)
    code, output = _deliver(tmp_path, state)
    assert code == 2 and str(state / DB_NAME) in output and _digest(state / DB_NAME) == before


def test_a_ledger_without_the_source_column_gets_it_and_keeps_its_rows(tmp_path: Path) -> None:
    state = tmp_path / "state"
    assert _deliver(tmp_path, state)[0] == 0
    with sqlite3.connect(state / DB_NAME) as db:  # the ledger as batchkit wrote it before `source` (and the stamp)
        db.execute("ALTER TABLE deliveries DROP COLUMN source")
        db.execute("PRAGMA user_version = 0")  # before the schema had a version
        db.execute("PRAGMA application_id = 0")
    code, output = _deliver(tmp_path, state)
    assert code == 0 and "already delivered" in output
    with sqlite3.connect(state / DB_NAME) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(deliveries)")]
        assert columns[-1] == "source" and db.execute("SELECT count(*) FROM deliveries").fetchone()[0] == 1


def test_a_delivery_records_the_file_it_sent(tmp_path: Path) -> None:
    from batchkit.state.ledger import Ledger

    assert _deliver(tmp_path, tmp_path / "state")[0] == 0
    (entry,) = Ledger(tmp_path / "state").entries()
    assert entry.source == str((tmp_path / "files" / NAME).resolve())
