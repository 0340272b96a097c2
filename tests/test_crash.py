"""Crash consistency: a delivery killed (SIGKILL, as a power cut) at each of its steps in turn, then run
again. Afterwards the drop holds exactly one complete file and none of batchkit's temporaries, and the
ledger says delivered, for a local folder, an SFTP drop and `batchkit run` alike. A local folder's final
step is one atomic no-replace rename (renameat2), so a kill just before it leaves our `.NAME.commit`
alone and the next run completes it. SFTP's final step is a link then an unlink: there a `.NAME.commit`
alone may be a link that happened and the file since picked up, so that one step is refused with exit
3, as the README says, and `--resend` then delivers it once.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest_sftp import drop, require_sshd, settings, sshd_server, write_batch  # noqa: F401 (fixtures)

from batchkit.delivery.failpoints import POINTS
from batchkit.state.ledger import Ledger
from batchkit.delivery.records import sha256_file

ROOT = Path(__file__).resolve().parents[1]
NAME = "acme_order-modifications.csv"
UNKNOWABLE = "committing"  # SFTP's link was asked for: a .commit alone may mean the partner took the file


def _batchkit(args: list[str], crash: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BATCHKIT_CRASH_AT"}
    if crash:
        env["BATCHKIT_CRASH_AT"] = crash
    return subprocess.run([sys.executable, "-m", "batchkit", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def _ours(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _check_consistent(folder: Path, batch: Path, state: Path) -> None:
    assert _ours(folder) == [NAME] and (folder / NAME).read_bytes() == batch.read_bytes()
    digest, _ = sha256_file(batch)
    entries = [e for e in Ledger(state).entries() if e.sha256 == digest]
    assert [e.outcome for e in entries if e.outcome == "delivered"] == ["delivered"]  # recorded once


def _killed_then_rerun(args: list[str], point: str, folder: Path, batch: Path, state: Path,
                       unknowable: str | None = None) -> None:
    killed = _batchkit(args, crash=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    again = _batchkit(args)
    if point == unknowable:
        assert again.returncode == 3 and "the partner may already have it" in again.stderr
        assert NAME not in _ours(folder)
        again = _batchkit([*args, "--resend"])  # the partner confirmed they do not have it
    assert again.returncode == 0, again.stdout + again.stderr
    _check_consistent(folder, batch, state)


@pytest.mark.parametrize("point", POINTS)
def test_a_local_delivery_killed_at_each_step(tmp_path: Path, point: str) -> None:
    batch = write_batch(tmp_path / NAME, 200)
    out, state = tmp_path / "outbox", tmp_path / "state"
    args = ["deliver", str(batch), "--to", str(out), "--state-dir", str(state)]
    _killed_then_rerun(args, point, out, batch, state)  # every step recovers, `committing` included


def test_a_commit_left_alone_by_a_kill_is_completed_by_the_next_run(tmp_path: Path) -> None:
    batch = write_batch(tmp_path / NAME, 200)
    out, state = tmp_path / "outbox", tmp_path / "state"
    args = ["deliver", str(batch), "--to", str(out), "--state-dir", str(state)]
    assert _batchkit(args, crash="committing").returncode == -signal.SIGKILL
    assert _ours(out) == [f".{NAME}.commit"]  # the ledger said committing; the rename never happened
    assert (out / f".{NAME}.commit").read_bytes() == batch.read_bytes()
    again = _batchkit(args)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"sent {NAME} ->" in again.stdout  # delivered now, not skipped
    assert f"found .{NAME}.commit of an interrupted delivery: completed it" in again.stdout
    _check_consistent(out, batch, state)
    last = _batchkit(args)  # and recorded: the next run skips it
    assert last.returncode == 0 and "already delivered" in last.stdout and _ours(out) == [NAME]


@pytest.mark.parametrize("point", POINTS)
def test_an_sftp_delivery_killed_at_each_step(tmp_path: Path, point: str, sshd_server, drop: Path,  # noqa: F811
                                              settings) -> None:  # noqa: F811
    batch = write_batch(tmp_path / NAME, 200)
    state = tmp_path / "state"
    args = ["deliver", str(batch), "--to", sshd_server.url(drop), "--state-dir", str(state),
            "--key-file", str(settings.key_file), "--known-hosts", str(settings.known_hosts)]
    _killed_then_rerun(args, point, drop, batch, state, unknowable=UNKNOWABLE)


@pytest.mark.parametrize("point", POINTS)
def test_a_run_killed_at_each_step_of_its_first_delivery(tmp_path: Path, point: str) -> None:
    sample = ROOT / "samples" / "returns"
    (tmp_path / "exports").mkdir()
    shutil.copy(sample / "returns_export.csv", tmp_path / "exports" / "returns_export.csv")
    config = tmp_path / "batchkit.toml"
    config.write_text((sample / "batchkit.toml").read_text() + '\n[run]\ninputs = ["exports/*.csv"]\n'
                      'archive = "archive"\n\n[deliver]\nto = "outbox"\nstate_dir = "state"\n')
    killed = _batchkit(["run", "--config", str(config)], crash=point)
    assert killed.returncode == -signal.SIGKILL
    again = _batchkit(["run", "--config", str(config)])
    assert again.returncode == 0, again.stdout + again.stderr
    outbox = _ours(tmp_path / "outbox")
    assert len(outbox) == 3 and not [n for n in outbox if n.startswith(".")]  # three files, no temporary
    assert sorted(p.name for p in (tmp_path / "archive").rglob("*.csv")) == outbox  # each archived once
    staging = tmp_path / "state" / "staging"
    assert not staging.exists() or not any(staging.iterdir())  # the killed run's folder is gone
