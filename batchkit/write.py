"""Atomic writes: a temporary file in the same folder, fsync, then rename; never overwrite unasked."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from batchkit.errors import InputError


def write_bytes_atomic(path: Path, data: bytes, overwrite: bool = False) -> None:
    """Write `data` to `path` atomically; refuse to replace an existing file unless `overwrite`."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise InputError(f"{path}: already exists (use --force to overwrite)")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{folder}: no such directory")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if the name appeared meanwhile: never clobbers
            os.unlink(tmp)
    except FileExistsError:
        os.unlink(tmp)
        raise InputError(f"{path}: already exists (use --force to overwrite)") from None
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_text_atomic(path: Path, text: str, overwrite: bool = False) -> None:
    """Write UTF-8 text (no BOM) atomically."""
    write_bytes_atomic(path, text.encode("utf-8"), overwrite)
