"""SFTP sessions over paramiko (the only module that imports it) (README "batchkit deliver").

Host keys come from the given known_hosts file only (a RejectPolicy that names the offered key's
SHA256 fingerprint); keys are never looked up in ~/.ssh or an agent. Uploads are pipelined to
`.NAME.part`, checked (size; sha256 read back for files up to the verify limit) and renamed with
posix-rename@openssh.com. paramiko's and the socket layer's exceptions are mapped into
batchkit.delivery_errors' TransientError / PermanentError tree in one place, `_mapped`.
"""

from __future__ import annotations

import hashlib
import posixpath
import socket
import stat
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterator

import paramiko
from paramiko.message import Message
from paramiko.sftp import CMD_EXTENDED, CMD_INIT, CMD_VERSION, SFTPError

from batchkit.deliver.errors import (
    AuthError,
    DeliveryError,
    HostKeyError,
    PermanentError,
    RemotePathError,
    TransientError,
    UnsupportedServer,
)
from batchkit.deliver.failpoints import crash_point
from batchkit.deliver.records import Outgoing

if TYPE_CHECKING:  # named in annotations only
    from batchkit.deliver.settings import DeliverySettings
    from batchkit.deliver.targets import SftpDrop

POSIX_RENAME = "posix-rename@openssh.com"
HARDLINK = "hardlink@openssh.com"  # link(2) on the server: fails when the final name exists (never overwrites)
_SFTP_VERSION = 3
_AEAD_FIRST = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")
_WRITE_HEADER = 25  # SFTP WRITE: length, type, id, handle length, offset, data length (+ the handle itself)


def _transport(sock: Any, disabled_algorithms: Any = None) -> paramiko.Transport:
    """paramiko's Transport, preferring AES-GCM when the server offers it.

    The server decrypts every byte: with AES-GCM (one pass, no separate HMAC) OpenSSH's sshd keeps up
    with the OpenSSH client's default; paramiko's own order (aes-ctr + hmac-sha2) is slower there.
    """
    transport = paramiko.Transport(sock, disabled_algorithms=disabled_algorithms)
    options = transport.get_security_options()
    preferred = [c for c in _AEAD_FIRST if c in options.ciphers]
    options.ciphers = tuple(preferred + [c for c in options.ciphers if c not in preferred])
    return transport


class _Client(paramiko.SFTPClient):
    """paramiko's SFTP client, keeping the extensions the server announces (paramiko drops them).

    Overrides paramiko's private `_send_version` (unchanged since paramiko 1.x); the posix-rename
    test against a real sshd started with `internal-sftp -P posix-rename` guards it.
    """

    server_extensions: dict[str, bytes]

    def _send_version(self) -> int:
        msg = Message()
        msg.add_int(_SFTP_VERSION)
        self._send_packet(CMD_INIT, msg)
        kind, data = self._read_packet()
        if kind != CMD_VERSION:
            raise SFTPError("Incompatible sftp protocol")
        reply = Message(data)
        version = reply.get_int()
        extensions: dict[str, bytes] = {}
        while reply.get_remainder():
            name = reply.get_text()
            extensions[name] = reply.get_binary()
        self.server_extensions = extensions
        return int(version)

    def hardlink(self, oldpath: str, newpath: str) -> None:
        """OpenSSH's hardlink@openssh.com extension (paramiko has none): `newpath` must not exist."""
        self._request(CMD_EXTENDED, HARDLINK, self._adjust_cwd(oldpath), self._adjust_cwd(newpath))


class _UnknownHost(paramiko.SSHException):
    pass


class _Reject(paramiko.RejectPolicy):
    """Refuse hosts missing from known_hosts, naming the key the server offered."""

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        raise _UnknownHost(hostname, key)


def _describe(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, EOFError):
        return "the connection was closed by the other side"
    if isinstance(exc, TimeoutError):
        return f"no progress for {timeout:g} s (stalled link)"
    if isinstance(exc, ConnectionResetError):
        return "the connection was reset"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, paramiko.ssh_exception.NoValidConnectionsError):
        return "could not connect"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@contextmanager
def _mapped(what: str, drop: SftpDrop, settings: DeliverySettings) -> Iterator[None]:
    """Turn paramiko's and the socket layer's exceptions into batchkit's, with a one-line message."""
    where = f"{drop.user}@{drop.host}:{drop.port}"
    try:
        yield
    except DeliveryError:
        raise
    except _UnknownHost as exc:
        name, key = exc.args
        raise HostKeyError(
            f"unknown host key: {name} is not in {settings.known_hosts}; the server offered {key.get_name()} "
            f"{key.fingerprint}. If the partner confirms that fingerprint, add this line to the file: "
            f"{name} {key.get_name()} {key.get_base64()}") from None
    except paramiko.BadHostKeyException as exc:
        raise HostKeyError(
            f"host key of {exc.hostname} CHANGED: the server offered {exc.key.get_name()} {exc.key.fingerprint} "
            f"but {settings.known_hosts} pins {exc.expected_key.fingerprint}; refusing to connect (a "
            "man-in-the-middle, or a rotated key: confirm with the partner before editing known_hosts)") from None
    except paramiko.AuthenticationException as exc:
        raise AuthError(f"{where} refused the login ({exc}): check that the key file is authorized "
                        "for this account") from None
    except paramiko.ssh_exception.IncompatiblePeer as exc:
        raise UnsupportedServer(f"{where}: no common SSH algorithm ({exc})") from None
    except PermissionError:
        raise RemotePathError(f"{what}: permission denied on {where}") from None
    except FileNotFoundError:
        raise RemotePathError(f"{what}: no such file or directory on {where} (check the destination)") from None
    except (EOFError, OSError, paramiko.SSHException) as exc:  # resets, stalls, closes, SFTP failures
        raise TransientError(f"{what}: {_describe(exc, settings.timeout)}") from None


def _load_host_keys(client: paramiko.SSHClient, drop: SftpDrop, settings: DeliverySettings) -> None:
    """Load the pinned keys, and look the drop up once now: paramiko fails on a malformed line only when it
    meets it (a bad hashed entry raises binascii.Error or AssertionError in the middle of connecting)."""
    where = drop.host if drop.port == 22 else f"[{drop.host}]:{drop.port}"
    try:
        _add_host_keys(client.get_host_keys(), settings.known_hosts)
        client.get_host_keys().lookup(where)
    except UnicodeDecodeError as exc:
        raise HostKeyError(f"known_hosts file {settings.known_hosts} is not a text file (not UTF-8 at byte "
                           f"{exc.start}): write it with `ssh-keyscan -p PORT HOST`") from None
    except OSError as exc:
        raise HostKeyError(f"cannot read known_hosts file {settings.known_hosts}: {exc.strerror or exc}") from None
    except (paramiko.hostkeys.InvalidHostKey, paramiko.SSHException, ValueError, AssertionError) as exc:
        raise HostKeyError(f"cannot read known_hosts file {settings.known_hosts}: a malformed line "
                           f"({type(exc).__name__}{': ' + str(exc) if str(exc) else ''})") from None


def _add_host_keys(keys: paramiko.HostKeys, path: Any) -> None:
    """The known_hosts lines of `path` (a byte-order mark a Windows editor wrote is not part of the first line)."""
    with open(path, "rb") as fh:
        text = fh.read().decode("utf-8").removeprefix("\ufeff")
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):  # as paramiko's own loader skips them
            continue
        entry = paramiko.hostkeys.HostKeyEntry.from_line(line)
        if entry is not None and entry.key is not None:
            for name in entry.hostnames:
                keys.add(name, entry.key.get_name(), entry.key)


class SftpConnector:
    """Opens verified SFTP sessions to one drop (the key is read once, then reused)."""

    def __init__(self, drop: SftpDrop, settings: DeliverySettings) -> None:
        self.drop, self.settings = drop, settings
        self._pkey: paramiko.PKey | None = None

    def _key(self) -> paramiko.PKey | None:
        path = self.settings.key_file
        if path is None or self._pkey is not None:
            return self._pkey
        secret = self.settings.passphrase.encode() if self.settings.passphrase else None
        try:
            self._pkey = paramiko.PKey.from_path(path, secret)
        except (paramiko.PasswordRequiredException, TypeError):  # paramiko 5 raises TypeError here
            raise AuthError(f"key file {path} is encrypted: set BATCHKIT_KEY_PASSPHRASE") from None
        except paramiko.pkey.UnknownKeyType:  # DSA and other types paramiko 5 no longer uses
            raise AuthError(f"key file {path}: this key type is not supported; use an ed25519 or RSA key") from None
        except (paramiko.SSHException, ValueError, OSError) as exc:
            hint = "a wrong BATCHKIT_KEY_PASSPHRASE, or " if secret else ""
            raise AuthError(f"cannot use key file {path} ({hint}not a private key paramiko reads): "
                            f"{exc or type(exc).__name__}") from None
        return self._pkey

    def connect(self) -> SftpSession:
        """Connect, check the host key, log in, open SFTP and check the target directory."""
        d, s = self.drop, self.settings
        client, sock = paramiko.SSHClient(), None
        try:
            _load_host_keys(client, d, s)
            client.set_missing_host_key_policy(_Reject())
            pkey = self._key()
            with _mapped(f"connecting to {d.url}", d, s):
                sock = socket.create_connection((d.host, d.port), timeout=s.timeout)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # handshake: -50 ms of Nagle waits
                client.connect(d.host, d.port, username=d.user, pkey=pkey, password=s.password, sock=sock,
                               look_for_keys=False, allow_agent=False, timeout=s.timeout,
                               banner_timeout=s.timeout, auth_timeout=s.timeout, channel_timeout=s.timeout,
                               transport_factory=_transport)
                sftp = _Client.from_transport(client.get_transport())
                if sftp is None:
                    raise TransientError(f"connecting to {d.url}: could not open the SFTP channel")
                sftp.get_channel().settimeout(s.timeout)
            session = SftpSession(client, sftp, d, s)
            session.check_directory()
            return session
        except BaseException:
            client.close()
            if sock is not None:
                sock.close()
            raise


class SftpSession:
    """One SSH connection with its SFTP channel, delivering into one directory."""

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
        """'same' or 'different' when the final name exists (compared by sha256), else 'part' or 'absent'."""
        final = self.drop.remote(item.name)
        with self._mapped(f"checking {final}"):
            size = self._size(final)
            if size is None:
                if self._size(self._staged(item.name)) is not None:
                    return "committing"
                return "absent" if self._size(self._part(item.name)) is None else "part"
            if size != item.size:
                return "different"
            try:
                same = self._sha256(final, size) == item.sha256
            except FileNotFoundError:  # picked up while we read it
                return "absent"
        return "same" if same else "different"

    def discard(self, item: Outgoing) -> None:
        """Remove our .NAME.part and .NAME.commit of `item` if they are there."""
        self._discard(self._part(item.name))
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
        try:
            self._upload(item, part)
        except PermanentError:
            self._discard(part)
            raise
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
