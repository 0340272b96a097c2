"""Where files go: a local folder or an SFTP drop, and the sessions that write into them.

A destination names itself for the ledger (`url`), places a file (`remote`) and opens sessions
(`connector`). The local folder's session lives here; the SFTP one lives in batchkit.sftp, the only
module that imports paramiko, and is imported only when an SFTP drop connects.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol
from urllib.parse import quote, unquote, urlsplit

from batchkit.delivery_errors import PermanentError, RemotePathError
from batchkit.delivery_files import Outgoing, sha256_file
from batchkit.errors import UsageError

if TYPE_CHECKING:  # above this module (they import it): named in annotations only
    from batchkit.delivery_settings import DeliverySettings
    from batchkit.sftp import SftpConnector

__all__ = ["Connector", "Destination", "LocalFolder", "Session", "SftpDrop", "parse_destination"]


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
        return self.path.resolve().as_uri()

    def remote(self, name: str) -> str:
        """The final path of `name` in this folder."""
        return str(self.path / name)

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

    def connector(self, settings: DeliverySettings) -> SftpConnector:
        """How to open SFTP sessions (imports paramiko only now)."""
        from batchkit.sftp import SftpConnector

        return SftpConnector(self, settings)


Destination = LocalFolder | SftpDrop


def parse_destination(text: str) -> Destination:
    """`sftp://user@host[:port]/dir` or a local folder path."""
    if "://" not in text:
        return LocalFolder(Path(text).expanduser())
    parts = urlsplit(text)
    if parts.scheme == "file":
        return LocalFolder(Path(unquote(parts.path)))
    if parts.scheme != "sftp":
        raise UsageError(f"unsupported destination {text!r}: use a folder or sftp://user@host[:port]/dir")
    if parts.password is not None:
        raise UsageError("never put a password in the destination: set BATCHKIT_SFTP_PASSWORD instead")
    if not parts.username or not parts.hostname:
        raise UsageError(f"destination {text!r} needs a user and a host: sftp://user@host[:port]/dir")
    try:
        port = parts.port or 22
    except ValueError:
        raise UsageError(f"destination {text!r} has an invalid port") from None
    path = unquote(parts.path) or "."
    if path == "/~" or path.startswith("/~/"):
        path = path[3:].strip("/") or "."
    elif path != "/":
        path = path.rstrip("/")
    return SftpDrop(unquote(parts.username), parts.hostname, port, posixpath.normpath(path))


class _LocalConnector:
    def __init__(self, folder: Path, settings: DeliverySettings) -> None:
        self.folder, self.settings = folder, settings

    def connect(self) -> Session:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RemotePathError(f"cannot create {self.folder}: {exc.strerror}") from None
        return _LocalSession(self.folder)


class _LocalSession:
    """Atomic, never-overwriting delivery into a local folder (hard link of a fsynced temporary)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def probe(self, item: Outgoing) -> str:
        final = self.folder / item.name
        if final.exists():
            return "same" if sha256_file(final) == (item.sha256, item.size) else "different"
        return "part" if (self.folder / f".{item.name}.part").exists() else "absent"

    def put(self, item: Outgoing, commit: Callable[[], None]) -> str:
        final, part = self.folder / item.name, self.folder / f".{item.name}.part"
        state = self.probe(item)
        if state == "same":
            return str(final)
        if state == "different":
            raise RemotePathError(f"{final} already exists with different content: not overwritten")
        try:
            digest = hashlib.sha256()
            with open(item.path, "rb") as src, open(part, "wb") as dst:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            if digest.hexdigest() != item.sha256:
                raise PermanentError(f"{item.path} changed while it was being delivered: nothing was delivered")
            commit()
            os.link(part, final)  # fails if the name appeared meanwhile: never clobbers
        except FileExistsError:
            raise RemotePathError(f"{final} appeared while delivering: not overwritten") from None
        except OSError as exc:
            raise RemotePathError(f"cannot write {part}: {exc.strerror}") from None
        finally:
            part.unlink(missing_ok=True)
        _fsync_dir(self.folder)
        return str(final)

    def close(self) -> None:
        pass


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
