"""After a killed delivery or `batchkit run`: what was delivered is archived, an interrupted run's
staging folder is settled and removed, and our own half-uploaded .part is removed from the drop."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner
from conftest_sftp import write_batch

import batchkit
from batchkit.cli import main
from batchkit.delivery.files import deliver_files
from batchkit.state.ledger import Ledger
from batchkit.delivery.local import LocalFolder
from batchkit.delivery.records import sha256_file
from batchkit.delivery.settings import DeliverySettings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "returns"


def _job(tmp_path: Path) -> Path:
    (tmp_path / "exports").mkdir()
    shutil.copy(SAMPLE / "returns_export.csv", tmp_path / "exports" / "returns_export.csv")
    config = tmp_path / "batchkit.toml"
    config.write_text((SAMPLE / "batchkit.toml").read_text() + '\n[run]\ninputs = ["exports/*.csv"]\n'
                      'archive = "archive"\n\n[deliver]\nto = "outbox"\nstate_dir = "state"\n')
    return config


def test_a_run_killed_after_its_first_delivery_is_settled_by_the_next(tmp_path: Path) -> None:
    config = _job(tmp_path)
    stale = tmp_path / "state" / "staging" / "20261201T060000000000Z"  # what the killed run left
    built = batchkit.build(tmp_path / "exports" / "returns_export.csv", stale, config).written
    (stale / ".run.lock").touch()  # its lock died with it
    first = sorted(built)[0]
    ledger = Ledger(tmp_path / "state")
    settings = DeliverySettings(state_dir=tmp_path / "state")
    deliver_files([first], LocalFolder(tmp_path / "outbox"), settings, ledger)  # delivered, then killed
    ledger.close()
    result = CliRunner().invoke(main, ["run", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "removed the staging folder of an interrupted run" in result.stderr and not stale.exists()
    outbox = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert len(outbox) == 3 and first.name in outbox  # the first file once, under the name it was sent with
    archived = sorted(p.name for p in (tmp_path / "archive").rglob("*.csv"))
    assert archived == outbox  # every delivered file archived exactly once
    again = CliRunner().invoke(main, ["run", "--config", str(config)])
    assert again.exit_code == 0 and "3 skipped" in again.stdout
    assert sorted(p.name for p in (tmp_path / "archive").rglob("*.csv")) == outbox  # not archived twice


def test_a_live_runs_staging_folder_is_left_alone(tmp_path: Path) -> None:
    import fcntl
    import os

    config = _job(tmp_path)
    live = tmp_path / "state" / "staging" / "20261201T060000000000Z"
    live.mkdir(parents=True)
    fd = os.open(live / ".run.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another run is alive
    try:
        assert CliRunner().invoke(main, ["run", "--config", str(config)]).exit_code == 0
        assert live.exists()
    finally:
        os.close(fd)


def test_our_half_uploaded_part_is_removed_from_the_drop_by_the_next_delivery(tmp_path: Path) -> None:
    out = tmp_path / "outbox"
    out.mkdir()
    (tmp_path / "files").mkdir()
    killed = write_batch(tmp_path / "files" / "acme_order-modifications.csv", 50)
    digest, size = sha256_file(killed)
    ledger = Ledger(tmp_path / "state")
    ledger.begin(killed.name, digest, size, LocalFolder(out).url)  # 'sending': the run died mid-upload
    ledger.close()
    (out / f".{killed.name}.part").write_bytes(killed.read_bytes()[:64])
    (out / ".someone-elses.part").write_text("not ours\n")
    other = write_batch(tmp_path / "files" / "acme-2_order-modifications.csv", 5)
    ledger = Ledger(tmp_path / "state")
    deliver_files([other], LocalFolder(out), DeliverySettings(state_dir=tmp_path / "state"), ledger)
    entries = ledger.entries()
    ledger.close()
    assert sorted(p.name for p in out.iterdir()) == [".someone-elses.part", other.name]
    assert "its temporary was removed from the drop" in (entries[0].error or "")


def test_a_full_archive_disk_leaves_no_temporary_and_names_the_archive(tmp_path, monkeypatch) -> None:
    import errno

    from batchkit.delivery import archive as archive_module

    config = _job(tmp_path)
    real = archive_module.shutil.copyfile

    def full(src: str, dst: str, **kw: object) -> object:
        if "archive" not in str(dst):
            return real(src, dst, **kw)
        Path(dst).write_bytes(b"partial")  # what a copy that ran out of space leaves
        raise OSError(errno.ENOSPC, "No space left on device", str(src))

    monkeypatch.setattr(archive_module.shutil, "copyfile", full)
    result = CliRunner().invoke(main, ["run", "--config", str(config)])
    assert result.exit_code == 2 and "No space left on device in " in result.stderr
    assert "archive" in result.stderr.split("No space left on device in ")[1].split()[0]  # the archive folder
    leftovers = [p.name for p in (tmp_path / "archive").rglob("*") if p.name.endswith(".part")]
    assert leftovers == []
