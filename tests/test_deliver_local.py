"""Delivery to a local folder, settings precedence, destinations, the ledger and its lock, archive, the command."""

from __future__ import annotations

import json
import multiprocessing
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest_sftp import HEADER, write_batch

from batchkit.cli.base import Command
from batchkit.cli.deliver import deliver as deliver_command
from batchkit.core.config import load_config
from batchkit.core.errors import ConfigError, InputError, UsageError
from batchkit.io import rename
from batchkit.delivery.archive import archive
from batchkit.delivery.files import backoff_delay, deliver_files
from batchkit.delivery.errors import (
    InvalidFiles,
    LockBusy,
    RemotePathError,
    UncertainDelivery,
)
from batchkit.state.ledger import Ledger
from batchkit.delivery.local import LocalFolder
from batchkit.delivery.records import DeliveryResult
from batchkit.delivery.settings import DeliverySettings, resolve_settings
from batchkit.delivery.targets import SftpDrop, parse_destination

NAME = "acme_order-modifications.csv"


@pytest.fixture
def settings(tmp_path: Path) -> DeliverySettings:
    return DeliverySettings(state_dir=tmp_path / "state", lock_wait=5, config=load_config(cwd=tmp_path))


@pytest.fixture
def batch_file(tmp_path: Path) -> Path:
    (tmp_path / "files").mkdir()
    return write_batch(tmp_path / "files" / NAME, 200)


def _send(paths: list[Path], folder: Path, settings: DeliverySettings, **kw: Any) -> list[DeliveryResult]:
    ledger = Ledger(settings.state_dir)
    try:
        return deliver_files(paths, LocalFolder(folder), settings, ledger, **kw)
    finally:
        ledger.close()


def _cli(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(deliver_command, list(args), env=env)


# ------------------------------------------------------------------ local folder delivery

def test_local_delivery_is_complete_and_recorded(tmp_path: Path, settings, batch_file: Path) -> None:
    out = tmp_path / "outbox" / "deep"
    (result,) = _send([batch_file], out, settings)
    assert result.outcome == "delivered" and result.attempts == 1
    assert sorted(p.name for p in out.iterdir()) == [NAME]  # folder created; no temporary left
    assert (out / NAME).read_bytes() == batch_file.read_bytes()
    (entry,) = Ledger(settings.state_dir).entries()
    assert (entry.outcome, entry.sha256, entry.destination) == ("delivered", result.sha256, out.resolve().as_uri())


def test_same_content_is_skipped_until_resend(tmp_path: Path, settings, batch_file: Path) -> None:
    out = tmp_path / "outbox"
    (first,) = _send([batch_file], out, settings)
    (out / NAME).unlink()
    (skipped,) = _send([batch_file], out, settings)
    assert skipped.outcome == "skipped" and skipped.at == first.at and not (out / NAME).exists()
    renamed = batch_file.with_name("copy_order-modifications.csv")
    renamed.write_bytes(batch_file.read_bytes())
    (same_content,) = _send([renamed], out, settings)
    assert same_content.outcome == "skipped"  # by content, whatever the name
    (again,) = _send([batch_file], out, settings, resend=True)
    assert again.outcome == "delivered" and (out / NAME).read_bytes() == batch_file.read_bytes()
    assert [e.outcome for e in Ledger(settings.state_dir).entries()] == ["delivered", "delivered"]


def test_a_different_existing_file_is_never_overwritten(tmp_path: Path, settings, batch_file: Path) -> None:
    out = tmp_path / "outbox"
    out.mkdir()
    (out / NAME).write_text("not yours\n")
    with pytest.raises(RemotePathError, match="different content") as info:
        _send([batch_file], out, settings)
    assert info.value.exit_code == 3 and (out / NAME).read_text() == "not yours\n"
    assert sorted(p.name for p in out.iterdir()) == [NAME]
    assert [r.outcome for r in info.value.results] == ["failed"]


def test_a_failure_stops_the_run_and_says_what_happened_to_each_file(tmp_path: Path, settings) -> None:
    (tmp_path / "files").mkdir()
    files = [write_batch(tmp_path / "files" / f"{n}_order-modifications.csv", 3, start) for n, start in
             (("a", 1), ("b", 100), ("c", 200))]
    out = tmp_path / "outbox"
    out.mkdir()
    (out / files[1].name).write_text("taken\n")
    with pytest.raises(RemotePathError) as info:
        _send(files, out, settings)
    assert [r.outcome for r in info.value.results] == ["delivered", "failed", "not-attempted"]


def test_invalid_files_send_nothing(tmp_path: Path, settings, batch_file: Path) -> None:
    bad = tmp_path / "files" / "bad_order-modifications.csv"
    bad.write_text(HEADER + "1000.4636.1,,,$12,USD,NEW,ORDER_UPDATE\n")
    with pytest.raises(InvalidFiles) as info:
        _send([batch_file, bad], tmp_path / "outbox", settings)
    assert info.value.exit_code == 1 and not (tmp_path / "outbox").exists()
    assert Ledger(settings.state_dir).entries() == []


def test_dry_run_touches_nothing(tmp_path: Path, settings, batch_file: Path) -> None:
    out = tmp_path / "outbox"
    (preview,) = _send([batch_file], out, settings, dry_run=True)
    assert preview.outcome == "would-send" and not out.exists() and not settings.state_dir.exists()
    _send([batch_file], out, settings)
    (again,) = _send([batch_file], out, settings, dry_run=True)
    assert again.outcome == "would-skip" and again.describe().startswith(f"{NAME}: already delivered on ")
    assert ", would be skipped (" in again.describe()


@pytest.mark.parametrize("name", ["receipt_order-modifications.csv", "result_x_order-modifications.csv",
                                  ".hidden_order-modifications.csv", "acme_order-modifications.xlsx"])
def test_names_the_drop_would_ignore_are_refused(tmp_path: Path, settings, name: str) -> None:
    f = tmp_path / name
    f.write_text(HEADER + "1000.4636.1,,,12.34,USD,NEW,ORDER_UPDATE\n")
    with pytest.raises(UsageError):
        _send([f], tmp_path / "outbox", settings)


# ------------------------------------------------------------------ ledger: interrupted runs, lock, concurrency

def test_rows_left_by_a_dead_run_are_settled(tmp_path: Path, settings, batch_file: Path) -> None:
    out = tmp_path / "outbox"
    (preview,) = _send([batch_file], out, settings, dry_run=True)
    ledger = Ledger(settings.state_dir)
    dest = LocalFolder(out).url
    ledger.begin(NAME, preview.sha256, preview.size, dest)  # died during the upload
    ledger.update(ledger.begin(NAME, "f" * 64, 1, dest), "committing")  # died during the rename
    with ledger.locked(1):
        pass
    assert [e.outcome for e in ledger.entries()] == ["failed", "unknown"]
    (result,) = _send([batch_file], out, settings)  # an interrupted upload did not deliver: send
    assert result.outcome == "delivered"


def test_uncertain_earlier_delivery_needs_resend(tmp_path: Path, settings, batch_file: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rename, "available", lambda: False)  # a link + unlink final step: nothing there proves nothing
    out = tmp_path / "outbox"
    (preview,) = _send([batch_file], out, settings, dry_run=True)
    ledger = Ledger(settings.state_dir)
    ledger.update(ledger.begin(NAME, preview.sha256, preview.size, LocalFolder(out).url), "unknown")
    with pytest.raises(UncertainDelivery, match="ask them, then run with --resend"):
        _send([batch_file], out, settings)
    assert _send([batch_file], out, settings, resend=True)[0].outcome == "delivered"


@pytest.mark.parametrize("missing", ["in the C library", "on the filesystem"])
def test_without_renameat2_the_link_fallback_still_delivers(tmp_path: Path, settings, batch_file: Path,
                                                            monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    def refused(src: object, dst: object) -> None:
        raise rename.RenameUnsupported("renameat2(RENAME_NOREPLACE): Invalid argument")

    if missing == "in the C library":
        monkeypatch.setattr(rename, "_renameat2", lambda: None)
        monkeypatch.setattr(rename, "available", lambda: False)
    else:  # e.g. NFS: the call exists, the folder's filesystem answers EINVAL
        monkeypatch.setattr(rename, "rename_noreplace", refused)
    out = tmp_path / "outbox"
    (result,) = _send([batch_file], out, settings)
    assert result.outcome == "delivered" and (out / NAME).read_bytes() == batch_file.read_bytes()
    assert sorted(p.name for p in out.iterdir()) == [NAME]  # the link's temporary is gone
    (out / NAME).unlink()  # picked up; the same content is not sent twice
    assert _send([batch_file], out, settings)[0].outcome == "skipped" and not list(out.iterdir())
    other = write_batch(tmp_path / "files" / "acme_order-modifications_2.csv", 5, start=1000)
    (out / other.name).write_text("the partner's own file\n")
    with pytest.raises(RemotePathError, match="already exists with different content"):
        _send([other], out, settings)  # the fallback never clobbers either
    assert (out / other.name).read_text() == "the partner's own file\n"
    assert sorted(p.name for p in out.iterdir()) == [other.name]


def test_a_held_lock_fails_with_a_clear_message(tmp_path: Path, settings, batch_file: Path) -> None:
    holder = Ledger(settings.state_dir)
    with holder.locked(0):
        with pytest.raises(LockBusy, match=r"another batchkit delivery is running \(pid \d+") as info:
            _send([batch_file], tmp_path / "outbox", replace(settings, lock_wait=0.2))
    assert info.value.exit_code == 3 and not (tmp_path / "outbox").exists()


def _worker(path: str, out_dir: str, settings: DeliverySettings, barrier: Any, queue: Any) -> None:
    barrier.wait()
    try:
        queue.put(_send([Path(path)], Path(out_dir), settings)[0].outcome)
    except Exception as exc:
        queue.put(f"{type(exc).__name__}: {exc}")


def test_two_processes_never_both_deliver(tmp_path: Path, settings, batch_file: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(str(batch_file), str(tmp_path / "outbox"), settings, barrier, queue))
             for _ in range(2)]
    for p in procs:
        p.start()
    outcomes = sorted(queue.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(10)
    assert outcomes == ["delivered", "skipped"]
    assert [e.outcome for e in Ledger(settings.state_dir).entries()] == ["delivered"]


# ------------------------------------------------------------------ archive

def test_archive_copies_the_file_with_its_ledger_entry(tmp_path: Path, settings, batch_file: Path) -> None:
    (result,) = _send([batch_file], tmp_path / "outbox", settings)
    copy = archive(result, tmp_path / "archive")
    assert copy.read_bytes() == batch_file.read_bytes()
    doc = json.loads(copy.with_name(copy.name + ".json").read_text())
    assert doc["entry"]["sha256"] == result.sha256 and doc["entry"]["outcome"] == "delivered"
    other = write_batch(tmp_path / NAME, 3, 9000)  # same name, other content: kept apart
    (second,) = _send([other], tmp_path / "outbox2", settings)
    copy2 = archive(second, tmp_path / "archive")
    assert copy2.name == f"acme_order-modifications.{second.sha256[:12]}.csv"
    assert archive(result, tmp_path / "archive") == copy  # idempotent
    with pytest.raises(ValueError):
        archive(replace(result, outcome="would-send", entry=None), tmp_path / "archive")
    batch_file.write_text(HEADER)  # changed after delivery: the archive refuses to keep a wrong copy
    with pytest.raises(InputError, match="changed since it was delivered"):
        archive(result, tmp_path / "archive3")


# ------------------------------------------------------------------ settings and destinations

def test_settings_precedence_flag_env_config_default(tmp_path: Path) -> None:
    (tmp_path / "cfg").mkdir()
    toml = tmp_path / "cfg" / "batchkit.toml"
    toml.write_text('[deliver]\nto = "drop"\nstate_dir = "st"\ntimeout = 7\nretries = 2\n')
    config = load_config(toml)
    s = resolve_settings(config, {}, {})
    assert s.to == str(tmp_path / "cfg" / "drop") and s.state_dir == tmp_path / "cfg" / "st"  # relative to the file
    assert (s.timeout, s.retries) == (7.0, 2)
    s = resolve_settings(config, {}, {"BATCHKIT_TO": "envdrop", "BATCHKIT_STATE_DIR": "/tmp/envstate"})
    assert (s.to, s.state_dir) == ("envdrop", Path("/tmp/envstate"))
    s = resolve_settings(config, {"to": "flagdrop", "state_dir": None}, {"BATCHKIT_TO": "envdrop"})
    assert s.to == "flagdrop" and s.state_dir == tmp_path / "cfg" / "st"
    s = resolve_settings(load_config(cwd=tmp_path), {}, {"XDG_STATE_HOME": "/xdg"})
    assert (s.to, s.state_dir, s.timeout, s.retries) == ("./outbox", Path("/xdg/batchkit"), 30.0, 4)


def test_secrets_come_only_from_the_environment(tmp_path: Path) -> None:
    s = resolve_settings(load_config(cwd=tmp_path), {},
                         {"BATCHKIT_SFTP_PASSWORD": "pw", "BATCHKIT_KEY_PASSPHRASE": "pp"})
    assert (s.password, s.passphrase) == ("pw", "pp") and "pw" not in repr(s)
    toml = tmp_path / "batchkit.toml"
    toml.write_text('[deliver]\npassword = "pw"\n')
    with pytest.raises(ConfigError, match="secrets never go in batchkit.toml"):
        resolve_settings(load_config(toml), {}, {})


@pytest.mark.parametrize("body, message", [
    ('bogus = 1', "unknown key 'bogus'"),
    ('timeout = "fast"', "timeout must be a number"),
    ('retries = 1.5', "retries must be an integer"),
    ('timeout = 0', "timeout must be > 0"),
    ('to = 5', "to must be a string"),
])
def test_bad_deliver_sections_are_config_errors(tmp_path: Path, body: str, message: str) -> None:
    toml = tmp_path / "batchkit.toml"
    toml.write_text(f"[deliver]\n{body}\n")
    with pytest.raises(ConfigError, match=message) as info:
        resolve_settings(load_config(toml), {}, {})
    assert info.value.exit_code == 2


def test_sftp_needs_a_pinned_host_key_and_a_key(tmp_path: Path) -> None:
    config = load_config(cwd=tmp_path)
    to = {"to": "sftp://acme@drop.example:2222/in"}
    with pytest.raises(ConfigError, match="needs --known-hosts"):
        resolve_settings(config, to, {})
    kh = tmp_path / "kh"
    kh.write_text("@cert-authority *.example ssh-ed25519 AAAA\n")
    with pytest.raises(ConfigError, match="@cert-authority"):
        resolve_settings(config, {**to, "known_hosts": kh}, {})
    kh.write_text("[drop.example]:2222 ssh-ed25519 AAAA\n")
    with pytest.raises(ConfigError, match="needs --key-file"):
        resolve_settings(config, {**to, "known_hosts": kh}, {})
    s = resolve_settings(config, {**to, "known_hosts": kh}, {"BATCHKIT_SFTP_PASSWORD": "pw"})
    assert s.password == "pw" and s.key_file is None


@pytest.mark.parametrize("text, expected", [
    ("sftp://acme@drop.example/in/", SftpDrop("acme", "drop.example", 22, "/in")),
    ("sftp://acme@drop.example:2222", SftpDrop("acme", "drop.example", 2222, ".")),
    ("sftp://acme@drop.example:2222/", SftpDrop("acme", "drop.example", 2222, "/")),
    ("sftp://acme@drop.example/~/in", SftpDrop("acme", "drop.example", 22, "in")),
    ("sftp://a%40b@[::1]:22/x", SftpDrop("a@b", "::1", 22, "/x")),
    ("out/box", LocalFolder(Path("out/box"))),
])
def test_parse_destination(text: str, expected: object) -> None:
    dest = parse_destination(text)
    assert dest == expected
    if isinstance(dest, SftpDrop):
        assert parse_destination(dest.url) == dest  # the ledger's name round-trips


@pytest.mark.parametrize("text, message", [
    ("sftp://acme:secret@host/x", "never put a password"),
    ("sftp://host/x", "needs a user"),
    ("ftp://acme@host/x", "unsupported destination"),
    ("sftp://acme@host:99999/x", "invalid port"),
])
def test_bad_destinations(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_destination(text)


def test_backoff_is_capped_exponential_with_jitter() -> None:
    s = DeliverySettings(backoff=1.0, backoff_cap=8.0)
    for attempt, step in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        delays = [backoff_delay(attempt, s) for _ in range(50)]
        assert all(step / 2 <= d <= step for d in delays) and len(set(delays)) > 1


# ------------------------------------------------------------------ the command

def test_cli_delivers_to_the_default_outbox(tmp_path: Path, batch_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    result = _cli(str(batch_file))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"sent {NAME} -> outbox/{NAME}") and result.stderr == ""
    assert (tmp_path / "outbox" / NAME).read_bytes() == batch_file.read_bytes()
    assert (tmp_path / "xdg" / "batchkit" / "ledger.sqlite3").is_file()
    again = _cli(str(batch_file))
    assert again.exit_code == 0 and "already delivered" in again.stdout and "skipped" in again.stdout


def test_cli_exit_codes(tmp_path: Path, batch_file: Path) -> None:
    state = ["--state-dir", str(tmp_path / "state")]
    bad = tmp_path / "bad_order-modifications.csv"
    bad.write_text(HEADER + "1000.4636.1,,,$12,USD,NEW,ORDER_UPDATE\n")
    invalid = _cli(str(bad), "--to", str(tmp_path / "out"), *state)
    assert invalid.exit_code == 1 and "BK201" in invalid.stdout and "nothing was sent" in invalid.stderr
    assert not (tmp_path / "out").exists()
    usage = _cli(str(batch_file), "--to", "ftp://x@y/z", *state)
    assert usage.exit_code == 2 and usage.stderr.startswith("batchkit: error: unsupported destination")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / NAME).write_text("other\n")
    failed = _cli(str(batch_file), "--to", str(tmp_path / "taken"), *state)
    assert failed.exit_code == 3 and f"failed {NAME}" in failed.stdout and "not overwritten" in failed.stderr
    dry = _cli(str(batch_file), "--to", str(tmp_path / "out"), "--dry-run", *state)
    assert dry.exit_code == 0 and dry.stdout.startswith(f"would send {NAME}") and not (tmp_path / "out").exists()


def test_cli_takes_settings_from_the_environment(tmp_path: Path, batch_file: Path) -> None:
    env = {"BATCHKIT_TO": str(tmp_path / "envbox"), "BATCHKIT_STATE_DIR": str(tmp_path / "envstate")}
    result = _cli(str(batch_file), env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "envbox" / NAME).exists() and (tmp_path / "envstate" / "ledger.sqlite3").exists()


def test_deliver_is_registered_on_the_main_group() -> None:
    from batchkit.cli.main import main

    assert "deliver" in main.commands and "run" in main.commands
    command = main.commands["deliver"]
    assert isinstance(command, Command) and command.help
