"""Uploaded files: stored under the state folder, in a folder of batchkit's choosing, removed after keep_days.

Nothing the browser sends names a path: an upload is known by its id (random, checked against ID_SHAPE); its
file keeps a cleaned copy of the name the browser gave (the kind of a batch file is read from its name), with
every directory part, every character outside [A-Za-z0-9._ -] and every leading dot removed.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from batchkit.core.errors import InputError

ID_SHAPE = re.compile(r"[a-z0-9]{20}")
READABLE = (".csv", ".xlsx", ".xlsm", ".txt", ".tsv", ".zip")
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Upload:
    """One stored upload: `name` is the cleaned name shown and used for kind detection."""

    id: str
    name: str
    path: Path
    size: int
    created: float


def safe_name(given: str | None, fallback: str = "upload.csv") -> str:
    """The last part of a browser-given name, cleaned: never a path, never hidden, never empty."""
    text = (given or "").replace("\x00", "")
    base = PureWindowsPath(PurePosixPath(text).name).name
    base = _UNSAFE.sub("_", base).strip(" .")[:120]
    return base if base and base not in {".", ".."} else fallback


class Uploads:
    """The uploads folder: save (bounded), find by id, sweep what is older than keep_days."""

    def __init__(self, folder: Path, keep_days: int) -> None:
        self.folder, self.keep_days = folder, keep_days
        self.folder.mkdir(parents=True, exist_ok=True)

    def save(self, stream: BinaryIO, given_name: str | None, limit: int) -> Upload:
        """Copy `stream` into a new folder; InputError for a kind batchkit does not read or over `limit` bytes."""
        name = safe_name(given_name)
        if not name.lower().endswith(READABLE):
            raise InputError(f"{name}: batchkit reads .csv and .xlsx files (and .zip of them), not this kind of file")
        upload_id = secrets.token_hex(10)
        home = self.folder / upload_id
        home.mkdir(mode=0o700)
        path, size = home / name, 0
        with path.open("xb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    out.close()
                    shutil.rmtree(home, ignore_errors=True)
                    raise InputError(f"{name}: larger than the {limit >> 20} MB the workbench accepts")
                out.write(chunk)
        created = time.time()
        (home / ".upload.json").write_text(json.dumps({"name": name, "size": size, "created": created}))
        return Upload(upload_id, name, path, size, created)

    def add_file(self, name: str, data: bytes) -> Upload:
        """A file the workbench made (a fixed file, a built batch): kept beside the uploads, known by id."""
        import io

        return self.save(io.BytesIO(data), name, len(data))

    def get(self, upload_id: str) -> Upload | None:
        """The upload of that id, or None (a malformed id names nothing: it never reaches the filesystem)."""
        if not ID_SHAPE.fullmatch(upload_id or ""):
            return None
        home = self.folder / upload_id
        try:
            meta = json.loads((home / ".upload.json").read_text())
            path = home / safe_name(meta["name"])
            return Upload(upload_id, path.name, path, int(meta["size"]), float(meta["created"])) if path.is_file() \
                else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def sweep(self, now: float | None = None) -> int:
        """Remove the uploads older than keep_days; returns how many went."""
        cutoff = (time.time() if now is None else now) - self.keep_days * 86400
        gone = 0
        for home in self.folder.iterdir() if self.folder.is_dir() else ():
            if ID_SHAPE.fullmatch(home.name) and home.is_dir() and home.stat().st_mtime < cutoff:
                shutil.rmtree(home, ignore_errors=True)
                gone += 1
        return gone
