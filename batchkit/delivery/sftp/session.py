"""One SFTP session delivering into one directory: upload to .NAME.part, verify, link (never overwrite)."""

from __future__ import annotations

import hashlib
import posixpath
import socket
import stat
from typing import TYPE_CHECKING, Any, Callable

import paramiko

from batchkit.delivery.errors import (
    DropFull,
    PermanentError,
    RemotePathError,
    TransientError,
    UnsupportedServer,
)
from batchkit.delivery.failpoints import crash_point
from batchkit.delivery.records import Outgoing
from batchkit.delivery.sftp.wire import (
    _WRITE_HEADER,
    HARDLINK,
    POSIX_RENAME,
    _Client,
    _mapped,
)

if TYPE_CHECKING:  # named in annotations only
    from batchkit.delivery.settings import DeliverySettings
    from batchkit.delivery.targets import SftpDrop


class SftpSession:
    """One SSH connection with its SFTP channel, delivering into one directory.

    Not `atomic` (targets.Session): SFTP has no rename that refuses to replace, so the final step is a hard
    link of `.NAME.commit` then its removal (a `.NAME.commit` alone may be a link that happened), or
    without hardlink@openssh.com a posix-rename of `.NAME.part` to NAME.
    """

    atomic = False

    def __init__(self, client: paramiko.SSHClient, sftp: _Client, drop: SftpDrop, settings: DeliverySettings) -> None:
        self.client, self.sftp, self.drop, self.settings = client, sftp, drop, settings

    def _mapped(self, what: str) -> Any:
        return _mapped(what, self.drop, self.settings)

    def close(self) -> None:
        """Close the SFTP channel and the SSH connection."""
        self.client.close()

    def check_directory(self) -> None:
        """The target directory exists and the server can rename atomically."""
        if POSIX_RENAME not in self.sftp.server_extensions:
            raise UnsupportedServer(f"{self.drop.host} does not offer {POSIX_RENAME}, so a file cannot appear "
                                    "atomically under its final name; batchkit will not deliver there")
        with self._mapped(f"remote directory {self.drop.path}"):
            mode = self.sftp.stat(self.drop.path).st_mode or 0
        if not stat.S_ISDIR(mode):
            raise RemotePathError(f"remote directory {self.drop.path}: not a directory on {self.drop.host}")

    def _sha256(self, path: str, size: int) -> str:
        digest = hashlib.sha256()
        with self.sftp.open(path, "rb") as fh:
            fh.prefetch(size)
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest()

    def _size(self, path: str) -> int | None:
        try:
            return self.sftp.stat(path).st_size
        except FileNotFoundError:
            return None

    def probe(self, item: Outgoing) -> str:
        """'same' or 'different' when the final name exists (compared by sha256), else 'committing' or
        'foreign' (a .NAME.commit with this content or not), 'part' or 'absent'."""
        final = self.drop.remote(item.name)
        with self._mapped(f"checking {final}"):
            size = self._size(final)
            if size is None:
                if self._size(self._staged(item.name)) is not None:
                    return "committing" if self._holds(self._staged(item.name), item) else "foreign"
                return "absent" if self._size(self._part(item.name)) is None else "part"
            if size != item.size:
                return "different"
            try:
                same = self._sha256(final, size) == item.sha256
            except FileNotFoundError:  # picked up while we read it
                return "absent"
        return "same" if same else "different"

    def _holds(self, path: str, item: Outgoing) -> bool:
        """Whether `path` has exactly `item`'s content (False when it is gone)."""
        try:
            return self._size(path) == item.size and self._sha256(path, item.size) == item.sha256
        except FileNotFoundError:
            return False

    def finish(self, item: Outgoing) -> str | None:
        """Never: without an atomic no-replace rename a .NAME.commit alone cannot be completed safely."""
        return None

    def discard(self, item: Outgoing) -> None:
        """Remove our .NAME.part, and .NAME.commit if it holds this content (never anyone else's file)."""
        self._discard(self._part(item.name))
        try:
            ours = self._holds(self._staged(item.name), item)
        except (OSError, EOFError, paramiko.SSHException, socket.timeout):
            return  # the link is gone: the next run removes it
        if ours:
            self._discard(self._staged(item.name))

    def _part(self, name: str) -> str:
        return self.drop.remote(f".{name}.part")

    def _staged(self, name: str) -> str:
        """Where the .part goes once the ledger says "committing": its presence means the link may have happened."""
        return self.drop.remote(f".{name}.commit")

    def put(self, item: Outgoing, commit: Callable[[], None]) -> str:
        """Pipelined upload to .NAME.part, size and hash check, rename to .NAME.commit, then hardlink to NAME
        (fails if NAME exists) and remove .NAME.commit; without hardlink@openssh.com, posix-rename to NAME."""
        final, part = self.drop.remote(item.name), self._part(item.name)
        state = self.probe(item)
        if state == "same":
            self._discard(self._staged(item.name))  # an earlier attempt linked it and lost the answer
            return final  # identical content already waits under that name: nothing to send
        if state == "different":
            raise RemotePathError(f"{final} already exists on {self.drop.host} with different content (not picked "
                                  "up yet?): not overwritten; rename your file or ask the partner")
        if state == "foreign":
            raise RemotePathError(f"{self._staged(item.name)} on {self.drop.host} has other content than "
                                  f"{item.name} (not batchkit's temporary of this file): not touched; move it away")
        self._send_part(item, part)
        crash_point("part-written")
        if HARDLINK in self.sftp.server_extensions:
            staged = self._staged(item.name)
            try:
                with self._mapped(f"renaming {posixpath.basename(part)} to {posixpath.basename(staged)}"):
                    self.sftp.posix_rename(part, staged)  # our own names only; the link comes after commit()
            except PermanentError:
                self._discard(part)
                raise
            crash_point("staged")
            commit()  # the ledger says "committing": from here a .commit alone may mean the link happened
            crash_point("committing")
            self._link(staged, final)
            crash_point("unlinked")
            return final
        commit()
        try:  # without hardlink: posix-rename replaces a file that appeared under the name during the upload
            with self._mapped(f"renaming {posixpath.basename(part)} to {item.name}"):
                self.sftp.posix_rename(part, final)
        except PermanentError:  # the server answered "no": nothing was renamed
            self._discard(part)
            raise
        return final

    def _send_part(self, item: Outgoing, part: str) -> None:
        """Upload to .NAME.part when the drop has room; a failed upload on a full disk is DropFull (not
        retried) and any failure that retrying cannot fix leaves no .part behind."""
        self._check_room(item, self._size(part) or 0)
        try:
            self._upload(item, part)
        except TransientError:
            self._check_room(item, 0, part)
            raise
        except PermanentError:
            self._discard(part)
            raise

    def _check_room(self, item: Outgoing, ours: int, part: str | None = None) -> None:
        """Raise DropFull when the drop's free space (plus `ours`, our .part's bytes) cannot hold the file;
        with `part`, after a failed upload, whose bytes are removed first. Silent when the server cannot say."""
        try:
            free = self.sftp.free_bytes(self.drop.path)
            if part is not None:
                ours = self._size(part) or 0
        except (OSError, EOFError, paramiko.SSHException):
            return  # the link is gone: the upload's own error stands
        if free is None or free + ours >= item.size:
            return
        if part is not None:
            self._discard(part)
        raise DropFull(f"the drop is full: {self.drop.host}:{self.drop.path} has {free + ours:,} bytes free, "
                       f"{item.name} needs {item.size:,}; nothing was delivered (ask the partner to make room, "
                       "then run again)")

    def _link(self, part: str, final: str) -> None:
        """Link .NAME.part to NAME (fails if NAME exists: never overwrites), then remove the .part."""
        try:
            with self._mapped(f"linking {posixpath.basename(part)} to {posixpath.basename(final)}"):
                try:
                    self.sftp.hardlink(part, final)
                except OSError:
                    if self._size(final) is not None:  # the server said no because the name is taken
                        raise RemotePathError(f"{final} appeared on {self.drop.host} while delivering: not "
                                              "overwritten; rename your file or ask the partner") from None
                    raise
        except PermanentError:
            self._discard(part)
            raise
        crash_point("linked")
        self._discard(part)

    def _upload(self, item: Outgoing, part: str) -> None:
        digest = hashlib.sha256()
        try:
            local = open(item.path, "rb")
        except OSError as exc:
            raise PermanentError(f"cannot read {item.path}: {exc.strerror or exc}: nothing was sent") from None
        with local, self._mapped(f"uploading {item.name}"):
            with self.sftp.open(part, "wb") as remote:
                remote.set_pipelined(True)  # no round trip per write (unpipelined: ~1 MB/s)
                step = self._request_size(remote)
                remote.MAX_REQUEST_SIZE = step
                while chunk := local.read(step):
                    digest.update(chunk)
                    remote.write(chunk)
        if digest.hexdigest() != item.sha256:
            raise PermanentError(f"{item.path} changed while it was being delivered: nothing was renamed")
        with self._mapped(f"verifying {part}"):
            size = self._size(part)
            if size != item.size:
                raise TransientError(f"verifying {part}: {size} bytes arrived, {item.size} sent")
            if item.size <= self.settings.verify_limit and self._sha256(part, size) != item.sha256:
                raise TransientError(f"verifying {part}: the bytes read back differ from the file (sha256)")

    def _request_size(self, remote: paramiko.SFTPFile) -> int:
        """The largest write whose SFTP request fits one SSH packet (32 KiB writes take two)."""
        room = self.sftp.get_channel().out_max_packet_size - 64 - _WRITE_HEADER - len(remote.handle)
        return max(4096, min(int(remote.MAX_REQUEST_SIZE), room))

    def _discard(self, part: str) -> None:
        try:
            self.sftp.remove(part)
        except (OSError, EOFError, paramiko.SSHException, socket.timeout):
            pass
