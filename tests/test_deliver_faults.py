"""Broken environments and inputs for deliver: always one line and exit 2 (environment) or 3 (delivery).

Every case uses real files and folders in tmp_path; nothing is deleted or overwritten that batchkit did not make.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest_sftp import write_batch

from batchkit.cli.deliver import deliver as deliver_command
from batchkit.core.config import load_config
from batchkit.core.errors import ConfigError, UsageError
from batchkit.delivery.archive import archive
from batchkit.delivery.files import deliver_files
from batchkit.delivery.errors import ArchiveError, LedgerError
from batchkit.state.ledger import Ledger
from batchkit.delivery.local import LocalFolder
from batchkit.delivery.settings import DeliverySettings, resolve_settings
from batchkit.delivery.targets import parse_destination

NAME = "acme_order-modifications.csv"
NO_USER = "~batchkit-no-such-user-4711"


@pytest.fixture
def batch_file(tmp_path: Path) -> Path:
    (tmp_path / "files").mkdir()
    return write_batch(tmp_path / "files" / NAME, 5)


def _cli(*args: str) -> Any:
    return CliRunner().invoke(deliver_command, list(args), env={"XDG_STATE_HOME": None})


def _one_line_error(result: Any, code: int, *words: str) -> None:
    assert result.exit_code == code, result.output
    assert result.stderr.startswith("batchkit: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.output
    for word in words:
        assert word in result.stderr, result.stderr


def _both(batch_file: Path, *args: str) -> tuple[Any, Any]:
    """The same delivery as a dry run, then for real."""
    return _cli(str(batch_file), *args, "--dry-run"), _cli(str(batch_file), *args)


# ------------------------------------------------------------------ things in the way in a local destination

@pytest.mark.parametrize("blocker", [NAME, f".{NAME}.part"])
def test_a_folder_in_the_way_fails_cleanly_and_is_left_alone(tmp_path: Path, batch_file: Path, blocker: str) -> None:
    (tmp_path / "drop" / blocker / "inner").mkdir(parents=True)
    dry, real = _both(batch_file, "--to", str(tmp_path / "drop"), "--state-dir", str(tmp_path / "state"))
    _one_line_error(dry, 3, blocker, "is not a file")
    assert dry.stdout.startswith(f"would fail {NAME}")
    _one_line_error(real, 3, blocker, "is not a file")
    assert (tmp_path / "drop" / blocker / "inner").is_dir()
    assert sorted(p.name for p in (tmp_path / "drop").iterdir()) == [blocker]


def test_a_dry_run_sees_a_different_file_waiting_under_the_name(tmp_path: Path, batch_file: Path) -> None:
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / NAME).write_text("not ours\n")
    dry, real = _both(batch_file, "--to", str(tmp_path / "drop"), "--state-dir", str(tmp_path / "state"))
    _one_line_error(dry, 3, "different content")
    _one_line_error(real, 3, "different content")
    assert (tmp_path / "drop" / NAME).read_text() == "not ours\n"


def test_a_file_where_the_destination_folder_should_be(tmp_path: Path, batch_file: Path) -> None:
    (tmp_path / "drop").write_text("mine\n")
    dry, real = _both(batch_file, "--to", str(tmp_path / "drop"), "--state-dir", str(tmp_path / "state"))
    _one_line_error(dry, 3, "is not a folder")
    _one_line_error(real, 3, "is not a folder")
    assert (tmp_path / "drop").read_text() == "mine\n"


def test_a_symlinked_temporary_never_overwrites_its_target(tmp_path: Path, batch_file: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / f".{NAME}.part").symlink_to(victim)
    result = _cli(str(batch_file), "--to", str(tmp_path / "drop"), "--state-dir", str(tmp_path / "state"))
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "precious\n"
    assert (tmp_path / "drop" / NAME).read_bytes() == batch_file.read_bytes()


# ------------------------------------------------------------------ the state directory, the ledger, the lock

def test_a_state_dir_that_is_a_file(tmp_path: Path, batch_file: Path) -> None:
    (tmp_path / "stfile").write_text("mine\n")
    dry, real = _both(batch_file, "--to", str(tmp_path / "drop"), "--state-dir", str(tmp_path / "stfile"))
    _one_line_error(dry, 2, "stfile is not a folder")
    _one_line_error(real, 2, "stfile is not a folder")
    assert (tmp_path / "stfile").read_text() == "mine\n" and not (tmp_path / "drop").exists()


@pytest.mark.parametrize("name", ["ledger.sqlite3", "deliver.lock"])
def test_a_folder_named_like_the_ledger_or_the_lock(tmp_path: Path, batch_file: Path, name: str) -> None:
    (tmp_path / "state" / name).mkdir(parents=True)
    dry, real = _both(batch_file, "--to", str(tmp_path / "drop"), "--state-dir", str(tmp_path / "state"))
    _one_line_error(dry, 2, name, "is not a file")
    _one_line_error(real, 2, name, "is not a file")
    assert (tmp_path / "state" / name).is_dir() and not (tmp_path / "drop").exists()


def test_a_damaged_ledger_is_reported_and_kept(tmp_path: Path, batch_file: Path) -> None:
    (tmp_path / "state").mkdir()
    ledger = tmp_path / "state" / "ledger.sqlite3"
    ledger.write_bytes(b"garbage, not SQLite\n" * 100)
    dry, real = _both(batch_file, "--to", str(tmp_path / "drop"), "--state-dir", str(tmp_path / "state"))
    _one_line_error(dry, 2, "is damaged", str(ledger))
    _one_line_error(real, 2, "is damaged", str(ledger))
    assert ledger.read_bytes() == b"garbage, not SQLite\n" * 100 and not (tmp_path / "drop").exists()


def test_a_foreign_sqlite_file_is_not_taken_for_a_ledger(tmp_path: Path, batch_file: Path) -> None:
    (tmp_path / "state").mkdir()
    with sqlite3.connect(tmp_path / "state" / "ledger.sqlite3") as db:
        db.execute("CREATE TABLE deliveries (x TEXT)")
    result = _cli(str(batch_file), "--to", str(tmp_path / "drop"), "--state-dir", str(tmp_path / "state"))
    _one_line_error(result, 2, "not a batchkit ledger")


def test_ledger_errors_are_ledger_errors(tmp_path: Path) -> None:
    (tmp_path / "stfile").write_text("x")
    with pytest.raises(LedgerError, match="is not a folder") as info:
        with Ledger(tmp_path / "stfile").locked(0):
            pass
    assert info.value.exit_code == 2
    assert Ledger(tmp_path / "stfile").entries() == []  # nothing to read is not an error


# ------------------------------------------------------------------ destinations and paths

@pytest.mark.parametrize("text, message", [
    ("sftp://u@[::1/x", "not a valid URL"),
    ("sftp://u@host:0/x", "invalid port"),
    ("sftp://u@host/in#box", "not allowed"),
    ("sftp://u@host/in?x=1", "not allowed"),
    ("", "empty"),
    ("  ", "empty"),
    ("file://", "has no folder"),
    ("file://otherhost/srv/drop", "names another host"),
    (f"{NO_USER}/drop", "cannot expand"),
])
def test_bad_destinations_are_usage_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_destination(text)


def test_local_file_urls() -> None:
    assert parse_destination("file:///srv/drop") == LocalFolder(Path("/srv/drop"))
    assert parse_destination("file://localhost/srv/drop") == LocalFolder(Path("/srv/drop"))


@pytest.mark.parametrize("body, message", [
    ('to = ""', r"\[deliver\] to is empty"),
    ('to = "sftp://u@[::1/x"', r"\[deliver\] to: destination .* is not a valid URL"),
    (f'state_dir = "{NO_USER}/state"', r"\[deliver\] state_dir .* cannot expand"),
    ('state_dir = ""', r"\[deliver\] state_dir is empty"),
])
def test_bad_destinations_in_the_file_are_config_errors(tmp_path: Path, body: str, message: str) -> None:
    toml = tmp_path / "batchkit.toml"
    toml.write_text(f"[deliver]\n{body}\n")
    with pytest.raises(ConfigError, match=message):
        resolve_settings(load_config(toml), {}, {})


@pytest.mark.parametrize("args, message", [
    (["--to", "sftp://u@[::1/x"], "not a valid URL"),
    (["--to", f"{NO_USER}/x"], "cannot expand"),
    (["--state-dir", f"{NO_USER}/x"], "cannot expand"),
    (["--to", ""], "--to is empty"),
    (["--state-dir", ""], "--state-dir is empty"),
    (["--to", "file://"], "has no folder"),
    (["--to", "file://otherhost/tmp/x"], "names another host"),
])
def test_bad_flags_are_one_line_errors(tmp_path: Path, batch_file: Path, args: list[str], message: str) -> None:
    base = ["--to", str(tmp_path / "drop"), "--state-dir", str(tmp_path / "state")]
    result = _cli(str(batch_file), "--dry-run", *base, *args)  # the last --to/--state-dir wins
    _one_line_error(result, 2, message)


def test_a_non_utf8_known_hosts_names_the_file(tmp_path: Path) -> None:
    kh, key = tmp_path / "kh", tmp_path / "key"
    kh.write_bytes(b"\xff\xfe")
    key.write_text("k")
    with pytest.raises(ConfigError, match=f"known_hosts file {kh} is not a text file"):
        resolve_settings(load_config(cwd=tmp_path), {"to": "sftp://u@127.0.0.1:9/x", "known_hosts": kh,
                                                     "key_file": key}, {})


# ------------------------------------------------------------------ archive

def test_archive_problems_are_archive_errors(tmp_path: Path, batch_file: Path) -> None:
    settings = DeliverySettings(state_dir=tmp_path / "state", lock_wait=5, config=load_config(cwd=tmp_path))
    ledger = Ledger(settings.state_dir)
    (result,) = deliver_files([batch_file], LocalFolder(tmp_path / "drop"), settings, ledger)
    ledger.close()
    (tmp_path / "archive").write_text("mine\n")
    with pytest.raises(ArchiveError, match="archive is not a folder") as info:
        archive(result, tmp_path / "archive" / "2026-11-24")
    assert info.value.exit_code == 2 and (tmp_path / "archive").read_text() == "mine\n"
