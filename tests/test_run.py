"""batchkit run: build -> validate -> deliver -> archive, as a scheduler calls it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from batchkit.cli import main
from conftest_sftp import drop, sshd_server  # noqa: F401 (fixtures)
from sshd import SshServer

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "returns"


def _job(tmp_path: Path, deliver: str) -> Path:
    (tmp_path / "exports").mkdir()
    shutil.copy(SAMPLE / "returns_export.csv", tmp_path / "exports" / "returns_export.csv")
    config = tmp_path / "batchkit.toml"
    config.write_text((SAMPLE / "batchkit.toml").read_text()
                      + '\n[run]\ninputs = ["exports/*.csv"]\narchive = "archive"\n\n[deliver]\n' + deliver)
    return config


def _run(config: Path, *extra: str):
    return CliRunner().invoke(main, ["run", "--config", str(config), *extra])


def test_run_delivers_once_and_archives(tmp_path: Path) -> None:
    config = _job(tmp_path, 'to = "outbox"\nstate_dir = "state"\n')
    first = _run(config)
    assert first.exit_code == 0, first.output
    outbox = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert [n.split("_")[1] for n in outbox] == ["item-modifications", "item-reversals", "order-reversals"]
    archived = sorted(p.name for p in (tmp_path / "archive").rglob("*") if p.is_file())
    assert len(archived) == 6 and sum(n.endswith(".csv.json") for n in archived) == 3
    entry = json.loads(next((tmp_path / "archive").rglob("*.json")).read_text())
    assert entry["entry"]["outcome"] == "delivered" and len(entry["entry"]["sha256"]) == 64
    assert "3 delivered" in first.stdout
    log = first.stderr.splitlines()
    assert all(line[:4].isdigit() and line[19] == "Z" for line in log)  # timestamped lines
    assert not (tmp_path / "state" / "staging").exists() or not any((tmp_path / "state" / "staging").iterdir())
    second = _run(config)  # the same export again: same content, nothing sent twice
    assert second.exit_code == 0 and "3 skipped" in second.stdout
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == outbox


def test_run_dry_run_sends_and_archives_nothing(tmp_path: Path) -> None:
    config = _job(tmp_path, 'to = "outbox"\nstate_dir = "state"\n')
    result = _run(config, "--dry-run")
    assert result.exit_code == 0 and "3 would-send" in result.stdout
    assert not (tmp_path / "outbox").exists() and not (tmp_path / "archive").exists()


def test_run_stops_on_input_problems(tmp_path: Path) -> None:
    config = _job(tmp_path, 'to = "outbox"\nstate_dir = "state"\n')
    with open(tmp_path / "exports" / "returns_export.csv", "a") as fh:
        fh.write("0009999,,SKU-1,Hats,1,10.00,1,Lost in post,USD,NEW\n")
    result = _run(config)
    assert result.exit_code == 1 and "BK501" in result.stderr and "nothing was sent" in result.stderr
    assert not (tmp_path / "outbox").exists()


def test_run_without_inputs_or_section(tmp_path: Path) -> None:
    config = _job(tmp_path, 'to = "outbox"\nstate_dir = "state"\n')
    (tmp_path / "exports" / "returns_export.csv").unlink()
    result = _run(config)
    assert result.exit_code == 0 and "nothing to do" in result.stderr
    config.write_text((SAMPLE / "batchkit.toml").read_text())
    missing = _run(config)
    assert missing.exit_code == 2 and "[run]" in missing.stderr


def test_run_delivery_failure_exits_3(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text("not used")
    known = tmp_path / "known_hosts"
    known.write_text("[127.0.0.1]:9 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")
    config = _job(tmp_path, f'to = "sftp://acme@127.0.0.1:9/drop"\nkey_file = "key"\nknown_hosts = "known_hosts"\n'
                            'state_dir = "state"\nretries = 0\ntimeout = 2\n')
    result = _run(config)
    assert result.exit_code == 3, result.output
    assert "safe to run again" in result.stderr and not (tmp_path / "archive").exists()


def test_run_over_sftp(tmp_path: Path, sshd_server: SshServer, drop: Path) -> None:
    known = sshd_server.known_hosts(tmp_path / "known_hosts")
    config = _job(tmp_path, f'to = "{sshd_server.url(drop)}"\nkey_file = "{sshd_server.client_key}"\n'
                            f'known_hosts = "{known}"\nstate_dir = "state"\n')
    result = _run(config)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in drop.iterdir())
    assert len(names) == 3 and not any(n.startswith(".") for n in names)
    assert _run(config).exit_code == 0 and sorted(p.name for p in drop.iterdir()) == names
