"""Where `batchkit run` builds its files: a folder of the state directory per run, held by a lock for
as long as the run lives, so the next run can tell an interrupted run's folder from a live one.

A folder left by an interrupted run is settled at the next run's start: every file in it that the
ledger says was delivered is archived (if it is not already), then the folder is removed. What was
never delivered is built again from its export.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

from batchkit.core.errors import ConfigError, InputError
from batchkit.delivery.archive import archive, archived
from batchkit.delivery.errors import ArchiveError
from batchkit.state.ledger import Ledger
from batchkit.delivery.records import DeliveryResult, sha256_file

LOCK = ".run.lock"


@contextmanager
def stage(state_dir: Path, now: datetime) -> Iterator[Path]:
    """A new staging folder, locked while the run lives (the caller removes it or keeps it)."""
    folder = state_dir / "staging" / now.strftime("%Y%m%dT%H%M%S%fZ")
    try:
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot create the staging folder {folder} in the state directory: "
                          f"{exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield folder
    finally:
        os.close(fd)


def settle_interrupted(state_dir: Path, current: Path, destination: str, archive_root: Path, day: Path,
                       say: Callable[[str], None]) -> None:
    """Archive what interrupted runs delivered from their staging folders, then remove those folders."""
    root = state_dir / "staging"
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p != current) if root.is_dir() else []:
        if not _abandoned(folder):
            continue  # another run is alive and owns it
        kept = _archive_delivered(folder, destination, archive_root, day, say)
        if kept:
            say(f"run: {folder} of an interrupted run keeps {kept} delivered file(s) that could not be archived")
            continue
        shutil.rmtree(folder, ignore_errors=True)
        say(f"run: removed the staging folder of an interrupted run: {folder}")


def _abandoned(folder: Path) -> bool:
    try:
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _archive_delivered(folder: Path, destination: str, archive_root: Path, day: Path,
                       say: Callable[[str], None]) -> int:
    """Archive the delivered files of an abandoned staging folder; how many could not be."""
    ledger, failed = Ledger(folder.parent.parent), 0
    try:
        for path in sorted(folder.glob("*.csv")):
            digest, size = sha256_file(path)
            entry = ledger.last(digest, destination)
            if entry is None or entry.outcome != "delivered" or archived(archive_root, entry):
                continue
            result = DeliveryResult(path, entry.name, size, digest, destination, "skipped", entry=entry)
            try:
                say(f"archive: {archive(replace(result), day)} (delivered by an interrupted run)")
            except (ArchiveError, InputError) as exc:
                failed += 1
                say(f"archive: failed: {exc}")
    finally:
        ledger.close()
    return failed
