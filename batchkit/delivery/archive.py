"""The archive of delivered files: a copy of each with its ledger entry as JSON beside it."""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from glob import escape as glob_escape
from pathlib import Path
from typing import Iterator

from batchkit.core.errors import InputError
from batchkit.delivery.errors import ArchiveError
from batchkit.delivery.records import DeliveryResult, LedgerEntry, sha256_file, utc_now
from batchkit.io.write import folder_problem


def archive(result: DeliveryResult, archive_dir: Path) -> Path:
    """Copy a delivered file into `archive_dir` with its ledger entry as JSON beside it; return the copy."""
    if result.outcome not in ("delivered", "skipped") or result.entry is None:
        raise ValueError(f"{result.name} was not delivered ({result.outcome}): nothing to archive")
    try:
        return _archive(result, result.entry, archive_dir)
    except OSError as exc:  # named by the archive folder: a full disk there is not the staged file's fault
        problem = folder_problem(archive_dir) or f"{exc.strerror or exc} in {archive_dir}"
        raise ArchiveError(f"cannot archive {result.name} (it was delivered): {problem}") from None


def _archive(result: DeliveryResult, entry: LedgerEntry, archive_dir: Path) -> Path:
    archive_dir.mkdir(parents=True, exist_ok=True)
    target = archive_dir / result.name
    if target.exists() and sha256_file(target)[0] != result.sha256:
        target = archive_dir / f"{Path(result.name).stem}.{result.sha256[:12]}{Path(result.name).suffix}"
    if not target.exists():
        with _temporary(archive_dir / f".{target.name}.part") as tmp:
            shutil.copyfile(result.path, tmp)
            if sha256_file(tmp)[0] != result.sha256:
                raise InputError(f"{result.path} changed since it was delivered: not archived")
            os.replace(tmp, target)
    doc = {"entry": entry.as_dict(), "file": str(result.path), "archived": utc_now()}
    meta = target.with_name(target.name + ".json")
    with _temporary(meta.with_name(f".{meta.name}.part")) as tmp:
        tmp.write_text(json.dumps(doc, indent=2) + "\n")
        os.replace(tmp, meta)
    return target


@contextmanager
def _temporary(path: Path) -> Iterator[Path]:
    """A temporary name that is removed if anything goes wrong before it is renamed (a full disk)."""
    try:
        yield path
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def archived(archive_root: Path, entry: LedgerEntry) -> bool:
    """True when a ledger entry's file is in the archive already, in any day's folder (by its JSON)."""
    for meta in archive_root.glob(f"*/{glob_escape(Path(entry.name).stem)}*.json"):
        try:
            doc = json.loads(meta.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and isinstance(doc.get("entry"), dict) and doc["entry"].get("id") == entry.id:
            return True
    return False
