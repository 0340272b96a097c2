"""A folder on this machine as a destination: its address, and the session that writes files into it.

Files are written as `.NAME.part`, fsynced, checked, renamed to `.NAME.commit` and renamed into place in
one atomic step that never overwrites (rename.py); LocalSession says what happens where that is not possible.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

from batchkit.io import rename
from batchkit.delivery.errors import PermanentError, RemotePathError
from batchkit.delivery.failpoints import crash_point
from batchkit.delivery.records import Outgoing, sha256_file
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
            or _entry_problem(self.path / f".{name}.part", " (batchkit's temporary name)") \
            or _entry_problem(self.path / f".{name}.commit", " (batchkit's temporary name)")
        if problem:
            raise RemotePathError(f"cannot deliver {name}: {problem}")
        state = LocalSession(self.path).probe(item)
        if state in ("different", "foreign"):
            raise RemotePathError(_taken(self.path / (name if state == "different" else f".{name}.commit"), item))


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
    """Atomic, never-overwriting delivery into a local folder.

    A fsynced `.NAME.part` is verified, renamed to `.NAME.commit`, the ledger told "committing", then
    `.NAME.commit` is renamed to NAME in one atomic step that never replaces a file (renameat2 with
    RENAME_NOREPLACE, rename.py): `.NAME.commit` is there exactly when that rename did not happen.
    Where the system or the folder's filesystem refuses renameat2, NAME is a hard link of `.NAME.commit`,
    which is then removed; a kill between the two leaves both names, so there a `.NAME.commit` alone may
    be a link that happened (the file since picked up) and recovery will not guess (`atomic` is False).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.atomic = rename.available()  # False once this folder's filesystem refuses renameat2

    def _names(self, item: Outgoing) -> tuple[Path, Path, Path]:
        """NAME, .NAME.part and .NAME.commit of `item` in this folder."""
        return (self.folder / item.name, self.folder / f".{item.name}.part",
                self.folder / f".{item.name}.commit")

    def probe(self, item: Outgoing) -> str:
        """What the folder holds of `item` (targets.Session.probe); a .NAME.commit is ours only with its content."""
        final, part, staged = self._names(item)
        try:
            if final.exists():
                if not final.is_file():
                    return "different"
                return "same" if sha256_file(final) == (item.sha256, item.size) else "different"
            if staged.is_symlink() or staged.exists():
                return "committing" if _holds(staged, item) else "foreign"
            return "part" if part.exists() else "absent"
        except OSError as exc:
            raise RemotePathError(f"cannot check {final}: {exc.strerror or exc}") from None

    def put(self, item: Outgoing, commit: Callable[[], None]) -> str:
        """Deliver `item` (targets.Session.put): stage it as .NAME.commit, or reuse ours already there, call
        `commit()`, then give it its name; the final path."""
        final, part, staged = self._names(item)
        LocalFolder(self.folder).check(item)  # a folder in the way, other content under NAME or .NAME.commit
        state = self.probe(item)
        if state == "same":
            return str(final)
        if state in ("different", "foreign"):
            raise RemotePathError(_taken(final if state == "different" else staged, item))
        if state == "committing":  # our complete .NAME.commit is there: renaming it delivers it
            _remove(part)
        else:
            self._stage(item, part, staged)
        commit()  # the ledger says "committing" (if it fails, .NAME.commit stays for the next run to settle)
        crash_point("committing")
        self._into_place(staged, final, link=True)
        _fsync_dir(self.folder)
        crash_point("unlinked")
        return str(final)

    def finish(self, item: Outgoing) -> str | None:
        """Complete an interrupted delivery: rename our `.NAME.commit` of `item` (probe said 'committing') to
        NAME in one atomic step, never replacing; the final path. None, with nothing touched, where this
        folder cannot rename atomically: there a .NAME.commit alone may be a link that already happened."""
        final, part, staged = self._names(item)
        if not self._into_place(staged, final, link=False):
            return None
        _remove(part)  # a leftover of an earlier attempt, if any
        _fsync_dir(self.folder)
        return str(final)

    def _stage(self, item: Outgoing, part: Path, staged: Path) -> None:
        """Write `.NAME.part` (fsynced), check its hash, rename it to `.NAME.commit`; leaves no .part on failure."""
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
            doing = f"cannot rename {part.name} to {staged.name}"
            if not self._rename(part, staged):  # our own names only; NAME is asked for only after commit()
                os.replace(part, staged)
        except FileExistsError:  # a name of ours taken meanwhile by someone else's file
            raise RemotePathError(f"{doing}: the name appeared meanwhile: not touched; move it away, then run "
                                  "again") from None
        except OSError as exc:
            raise RemotePathError(f"{doing}: {exc.strerror or exc}") from None
        finally:
            _remove(part)
        crash_point("staged")

    def _into_place(self, staged: Path, final: Path, link: bool) -> bool:
        """Give our complete `staged` the name `final`, never replacing a file: one atomic rename, or where
        this folder cannot, a hard link then the removal of `staged` (if `link`; else False, nothing done).
        Removes `staged` when it fails (RemotePathError), so no temporary of ours stays in the drop."""
        try:
            if self._rename(staged, final):
                crash_point("linked")
                return True
            if not link:
                return False
            os.link(staged, final)  # the fallback: fails if the name exists, never clobbers
            crash_point("linked")
        except FileExistsError:
            _remove(staged)
            raise RemotePathError(f"{final} appeared while delivering: not overwritten") from None
        except OSError as exc:
            _remove(staged)
            raise RemotePathError(f"cannot rename {staged.name} to {final}: {exc.strerror or exc}") from None
        _remove(staged)
        return True

    def _rename(self, src: Path, dst: Path) -> bool:
        """renameat2(src, dst, RENAME_NOREPLACE); False (nothing renamed) where it cannot be used, which this
        session then remembers (FileExistsError when `dst` exists)."""
        if not self.atomic:
            return False
        try:
            rename.rename_noreplace(src, dst)
        except rename.RenameUnsupported:
            self.atomic = False
            return False
        return True

    def discard(self, item: Outgoing) -> None:
        """Remove our .NAME.part, and .NAME.commit if it holds this content (never anyone else's file)."""
        _, part, staged = self._names(item)
        _remove(part)
        with contextlib.suppress(OSError):
            if _holds(staged, item):
                _remove(staged)

    def close(self) -> None:
        pass


def _holds(path: Path, item: Outgoing) -> bool:
    """Whether `path` is a regular file (not a symlink) with exactly `item`'s content."""
    if path.is_symlink() or not path.is_file() or path.stat().st_size != item.size:
        return False
    return sha256_file(path) == (item.sha256, item.size)


def _taken(path: Path, item: Outgoing) -> str:
    """Why `item` cannot go where `path` stands (another file's content under NAME or .NAME.commit)."""
    if path.name == item.name:
        return f"{path} already exists with different content: not overwritten"
    return (f"{path} is there with other content than {item.name} (not batchkit's temporary of this file): "
            "not touched; move it away, then run again")


def _remove(path: Path) -> None:
    """Remove `path` if it is a regular file (a temporary of ours); a symlink or folder is left alone."""
    with contextlib.suppress(OSError):
        if path.is_file() and not path.is_symlink():
            path.unlink()


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
