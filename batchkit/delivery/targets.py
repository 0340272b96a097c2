"""Where files go: the Destination, Connector and Session protocols, the SFTP drop's address, and
parse_destination (a folder, file:// or sftp:// text -> a destination).

A destination names itself for the ledger (`url`), places a file (`remote`) and checks what it can
without connecting (`check`). connect.py opens sessions: local.py's for a folder, sftp.py's (the only
module that imports paramiko, imported only when an SFTP drop connects) for a drop.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol
from urllib.parse import quote, unquote, urlsplit

from batchkit.core.errors import UsageError
from batchkit.delivery.local import LocalFolder
from batchkit.delivery.records import Outgoing

if TYPE_CHECKING:
    from batchkit.api.settings import ApiSettings

API = "api"  # the destination that sends each record through impact.com's API (a folder named api: ./api)

__all__ = ["Connector", "Destination", "Session", "SftpDrop", "expand_user", "parse_destination"]


class Session(Protocol):
    """An open connection to a destination.

    `atomic` says what a `.NAME.commit` alone means after the ledger said "committing". True: the final
    step is one atomic rename of `.NAME.commit` to NAME that never replaces a file (renameat2 with
    RENAME_NOREPLACE, a local folder), so `.NAME.commit` is there exactly when that rename did not happen
    (`finish` completes it), and nothing at all means it happened and the partner picked the file up.
    False (a hard link then the removal of `.NAME.commit`, SFTP's way): a `.NAME.commit` alone may be a
    link that happened, and nothing at all is not taken as proof either: recovery refuses to guess.
    """

    atomic: bool

    def probe(self, item: Outgoing) -> str:
        """'same', 'different' (final name taken), 'committing' (no NAME, our `.NAME.commit` with this
        content), 'foreign' (no NAME, a `.NAME.commit` with other content: never touched), 'part' (only
        `.NAME.part`: the final step never happened) or 'absent'."""

    def put(self, item: Outgoing, commit: Callable[[], None]) -> str:
        """Write `.NAME.part`, verify, rename it to `.NAME.commit`, call `commit()`, give it the name NAME
        (never replacing a file); return the final path. Our `.NAME.commit` already there may be reused."""

    def finish(self, item: Outgoing) -> str | None:
        """Rename our `.NAME.commit` of `item` to NAME atomically (an interrupted delivery); the final path,
        or None with nothing touched when the session cannot (`atomic` False, or found to be so now)."""

    def discard(self, item: Outgoing) -> None:
        """Remove batchkit's own `.NAME.part` / `.NAME.commit` of `item` if there (never anything else)."""

    def close(self) -> None:
        """Close the connection."""


class Connector(Protocol):
    """Opens sessions (a fresh one for every retry)."""

    def connect(self) -> Session:
        """Open a session or raise a DeliveryError."""


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


class Destination(Protocol):
    """Where a delivery goes: a name for the ledger, a place for each file, a check that needs no connection.

    LocalFolder (local.py), SftpDrop and ApiDestination (viaapi/destination.py) are the destinations;
    connect.py opens the sessions of the first two, the API's records go through api/writes.py.
    """

    @property
    def url(self) -> str:
        """The ledger's name for this destination (the same content goes to one url once)."""

    def remote(self, name: str) -> str:
        """Where `name` ends up at the destination."""

    def check(self, item: Outgoing) -> None:
        """Raise a DeliveryError for a problem visible without connecting (a dry run calls only this)."""


def parse_destination(text: str, api: Callable[[], ApiSettings] | None = None) -> Destination:
    """`sftp://user@host[:port]/dir`, `file:///dir`, a local folder path, or `api` (each record through impact.com's
    API; `api` gives the account's settings); UsageError for anything else. A folder called api is `./api`."""
    if not text.strip():
        raise UsageError("the destination is empty: give a folder or sftp://user@host[:port]/dir")
    if text.strip() == API:
        from batchkit.delivery.viaapi.destination import ApiDestination

        return ApiDestination((api or _api_from_environment)())
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


def _api_from_environment() -> ApiSettings:
    """The account of IMPACT_* / BATCHKIT_* variables, then [api] of ./batchkit.toml."""
    import os

    from batchkit.api.settings import api_settings
    from batchkit.core.config import load_config

    return api_settings(load_config(), {}, os.environ)


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
