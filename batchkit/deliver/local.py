"""A folder on this machine as a destination: its address, and the session that writes files into it.

Files are written as `.NAME.part`, fsynced, checked and renamed into place; nothing is overwritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

from batchkit.deliver.errors import PermanentError, RemotePathError
from batchkit.deliver.failpoints import crash_point
from batchkit.deliver.records import Outgoing, sha256_file
from batchkit.io.write import folder_problem

__all__ = ["LocalConnector", "LocalFolder", "LocalSession"]


@dataclass(frozen=True)
class LocalFolder:
    """A folder on this machine (created when missing)."""

    path: Path

    @property
    def url(self) -> str:
        """The ledger's name for this destination."""
        try:
            return self.path.resolve().as_uri()
        except (OSError, RuntimeError):  # a symlink loop: the absolute path still names the folder
            return self.path.absolute().as_uri()

    def remote(self, name: str) -> str:
        """The final path of `name` in this folder."""
        return str(self.path / name)

    def check(self, item: Outgoing) -> None:
        """Raise RemotePathError if something in the folder already stands in the way of `item` (cheap, local)."""
        name = item.name
        problem = folder_problem(self.path) or _entry_problem(self.path / name, "") \
            or _entry_problem(self.path / f".{name}.part", " (batchkit's temporary name)")
        if problem:
            raise RemotePathError(f"cannot deliver {name}: {problem}")
        if LocalSession(self.path).probe(item) == "different":
            raise RemotePathError(f"{self.path / name} already exists with different content: not overwritten")


class LocalConnector:
    """Opens sessions into a folder, creating it when missing."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def connect(self) -> LocalSession:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            problem = folder_problem(self.folder) or f"cannot create {self.folder}: {exc.strerror or exc}"
            raise RemotePathError(f"destination: {problem}") from None
        return LocalSession(self.folder)


class LocalSession:
    """Atomic, never-overwriting delivery into a local folder (hard link of a fsynced temporary)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def probe(self, item: Outgoing) -> str:
        final, part, staged = (self.folder / n for n in (item.name, f".{item.name}.part", f".{item.name}.commit"))
        try:
            if final.exists():
                if not final.is_file():
                    return "different"
                return "same" if sha256_file(final) == (item.sha256, item.size) else "different"
            return "committing" if staged.exists() else "part" if part.exists() else "absent"
        except OSError as exc:
            raise RemotePathError(f"cannot check {final}: {exc.strerror or exc}") from None

    def put(self, item: Outgoing, commit: Callable[[], None]) -> str:
        final, part = self.folder / item.name, self.folder / f".{item.name}.part"
        LocalFolder(self.folder).check(item)  # a folder in the way of NAME or of .NAME.part, other content
        state = self.probe(item)
        if state == "same":
            return str(final)
        if state == "different":
            raise RemotePathError(f"{final} already exists with different content: not overwritten")
        try:
            src = open(item.path, "rb")
        except OSError as exc:
            raise PermanentError(f"cannot read {item.path}: {exc.strerror or exc}: nothing was delivered") from None
        doing = f"cannot write {part}"
        try:
            with src:
                part.unlink(missing_ok=True)  # a leftover of an interrupted run (never a folder: checked above)
                digest = _copy(src, os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666))
            crash_point("part-written")
            if digest != item.sha256:
                raise PermanentError(f"{item.path} changed while it was being delivered: nothing was delivered")
            staged = self.folder / f".{item.name}.commit"
            doing = f"cannot rename {part.name} to {staged.name}"
            os.replace(part, staged)  # our own names only; the link is asked for only after commit()
            part = staged
            crash_point("staged")
            commit()  # the ledger says "committing": from here a .commit alone may mean the link happened
            crash_point("committing")
            doing = f"cannot link {staged.name} to {final}"
            os.link(staged, final)  # fails if the name appeared meanwhile: never clobbers
            crash_point("linked")
        except FileExistsError:
            raise RemotePathError(f"{final} appeared while delivering: not overwritten") from None
        except OSError as exc:
            raise RemotePathError(f"{doing}: {exc.strerror or exc}") from None
        finally:
            with contextlib.suppress(OSError):
                if part.is_file() and not part.is_symlink():
                    part.unlink()
        _fsync_dir(self.folder)
        crash_point("unlinked")
        return str(final)

    def discard(self, item: Outgoing) -> None:
        for part in (self.folder / f".{item.name}.part", self.folder / f".{item.name}.commit"):
            with contextlib.suppress(OSError):
                if part.is_file() and not part.is_symlink():
                    part.unlink()

    def close(self) -> None:
        pass


def _copy(src: BinaryIO, fd: int) -> str:
    """Copy `src` into the open descriptor `fd`, fsync and close it; the sha256 of what was written."""
    digest = hashlib.sha256()
    with open(fd, "wb") as dst:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return digest.hexdigest()


def _entry_problem(path: Path, what: str) -> str | None:
    try:
        if path.is_symlink() or not path.exists() or path.is_file():
            return None
    except OSError as exc:
        return f"cannot check {path}: {exc.strerror or exc}"
    return f"{path}{what} exists and is not a file: move it away"


def _fsync_dir(folder: Path) -> None:
    """Make the new name durable (best effort: the file is already complete under its name)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
