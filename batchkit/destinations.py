"""Where files go: a local folder or an SFTP drop, and the sessions that write into them.

A destination names itself for the ledger (`url`), places a file (`remote`) and opens sessions
(`connector`). The local folder's session lives here; the SFTP one lives in batchkit.sftp, the only
module that imports paramiko, and is imported only when an SFTP drop connects.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Callable, Protocol
from urllib.parse import quote, unquote, urlsplit

from batchkit.delivery_errors import PermanentError, RemotePathError
from batchkit.delivery_files import Outgoing, sha256_file
from batchkit.errors import UsageError
from batchkit.ledger import folder_problem

if TYPE_CHECKING:  # above this module (they import it): named in annotations only
    from batchkit.delivery_settings import DeliverySettings
    from batchkit.sftp import SftpConnector

__all__ = ["Connector", "Destination", "LocalFolder", "Session", "SftpDrop", "expand_user", "parse_destination"]


class Session(Protocol):
    """An open connection to a destination."""

    def probe(self, item: Outgoing) -> str:
        """'same', 'different' (final name taken), 'part' (only the temporary exists) or 'absent'."""

    def put(self, item: Outgoing, commit: Callable[[], None]) -> str:
        """Write `.NAME.part`, verify, call `commit()`, rename to NAME; return the final path."""

    def close(self) -> None:
        """Close the connection."""


class Connector(Protocol):
    """Opens sessions (a fresh one for every retry)."""

    def connect(self) -> Session:
        """Open a session or raise a DeliveryError."""


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
        if _LocalSession(self.path).probe(item) == "different":
            raise RemotePathError(f"{self.path / name} already exists with different content: not overwritten")

    def connector(self, settings: DeliverySettings) -> Connector:
        """How to open a session to this folder."""
        return _LocalConnector(self.path, settings)


@dataclass(frozen=True)
class SftpDrop:
    """A directory on an SFTP server: absolute (`/dir`), or relative to the login's start (`/~/dir`)."""

    user: str
    host: str
    port: int
    path: str

    @property
    def url(self) -> str:
        """The canonical sftp:// form (the ledger's name for this destination)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        shown = self.path if self.path.startswith("/") else "/~" + ("" if self.path == "." else "/" + self.path)
        return f"sftp://{quote(self.user, safe='')}@{host}:{self.port}{shown}"

    def remote(self, name: str) -> str:
        """The remote path of `name` in this directory."""
        return name if self.path == "." else posixpath.join(self.path, name)

    def check(self, item: Outgoing) -> None:
        """Nothing to check without connecting (a dry run never connects)."""

    def connector(self, settings: DeliverySettings) -> SftpConnector:
        """How to open SFTP sessions (imports paramiko only now)."""
        from batchkit.sftp import SftpConnector

        return SftpConnector(self, settings)


Destination = LocalFolder | SftpDrop


def parse_destination(text: str) -> Destination:
    """`sftp://user@host[:port]/dir`, `file:///dir` or a local folder path; UsageError for anything else."""
    if not text.strip():
        raise UsageError("the destination is empty: give a folder or sftp://user@host[:port]/dir")
    if "://" not in text:
        return LocalFolder(expand_user(text, "destination"))
    try:
        parts = urlsplit(text)
        hostname, username, password = parts.hostname, parts.username, parts.password
    except ValueError as exc:  # "Invalid IPv6 URL", bad characters in the host
        raise UsageError(f"destination {text!r} is not a valid URL ({exc})") from None
    if parts.query or parts.fragment or text.rstrip().endswith(("?", "#")):
        raise UsageError(f"destination {text!r}: '?' and '#' are not allowed in a destination (write them as "
                         "%3F and %23 in a path)")
    if parts.scheme == "file":
        return _file_folder(text, parts.netloc, unquote(parts.path))
    if parts.scheme != "sftp":
        raise UsageError(f"unsupported destination {text!r}: use a folder or sftp://user@host[:port]/dir")
    if password is not None:
        raise UsageError("never put a password in the destination: set BATCHKIT_SFTP_PASSWORD instead")
    if not username or not hostname:
        raise UsageError(f"destination {text!r} needs a user and a host: sftp://user@host[:port]/dir")
    try:
        port = 22 if parts.port is None else parts.port
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise UsageError(f"destination {text!r} has an invalid port")
    path = unquote(parts.path) or "."
    if path == "/~" or path.startswith("/~/"):
        path = path[3:].strip("/") or "."
    elif path != "/":
        path = path.rstrip("/")
    return SftpDrop(unquote(username), hostname, port, posixpath.normpath(path))


def _file_folder(text: str, host: str, path: str) -> LocalFolder:
    if host.lower() not in ("", "localhost"):
        raise UsageError(f"destination {text!r} names another host ({host}): a file:// URL must be local "
                         "(file:///dir); use sftp://user@host/dir for a remote drop")
    if not path:
        raise UsageError(f"destination {text!r} has no folder: write file:///absolute/dir or just the folder")
    return LocalFolder(Path(path))


def expand_user(text: str, what: str) -> Path:
    """`text` as a path with a leading ~ or ~user expanded; UsageError when that home is unknown."""
    try:
        return Path(text).expanduser()
    except RuntimeError:  # no such user, or no home directory
        raise UsageError(f"{what} {text!r}: cannot expand {text.split('/')[0]!r} (no such user or no home "
                         "directory): write the full path") from None


class _LocalConnector:
    def __init__(self, folder: Path, settings: DeliverySettings) -> None:
        self.folder, self.settings = folder, settings

    def connect(self) -> Session:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            problem = folder_problem(self.folder) or f"cannot create {self.folder}: {exc.strerror or exc}"
            raise RemotePathError(f"destination: {problem}") from None
        return _LocalSession(self.folder)


class _LocalSession:
    """Atomic, never-overwriting delivery into a local folder (hard link of a fsynced temporary)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def probe(self, item: Outgoing) -> str:
        final, part = self.folder / item.name, self.folder / f".{item.name}.part"
        try:
            if final.exists():
                if not final.is_file():
                    return "different"
                return "same" if sha256_file(final) == (item.sha256, item.size) else "different"
            return "part" if part.exists() else "absent"
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
            if digest != item.sha256:
                raise PermanentError(f"{item.path} changed while it was being delivered: nothing was delivered")
            commit()
            doing = f"cannot link {part.name} to {final}"
            os.link(part, final)  # fails if the name appeared meanwhile: never clobbers
        except FileExistsError:
            raise RemotePathError(f"{final} appeared while delivering: not overwritten") from None
        except OSError as exc:
            raise RemotePathError(f"{doing}: {exc.strerror or exc}") from None
        finally:
            with contextlib.suppress(OSError):
                if part.is_file() and not part.is_symlink():
                    part.unlink()
        _fsync_dir(self.folder)
        return str(final)

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
