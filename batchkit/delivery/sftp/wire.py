"""paramiko's wire: the transport, an SFTP client that keeps the server's extensions, the host-key policy,
and the one place paramiko's and the socket layer's exceptions become batchkit's (`mapped`)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

import paramiko
from paramiko.message import Message
from paramiko.sftp import (
    CMD_EXTENDED,
    CMD_EXTENDED_REPLY,
    CMD_INIT,
    CMD_VERSION,
    SFTPError,
)

from batchkit.delivery.errors import (
    AuthError,
    DeliveryError,
    HostKeyError,
    RemotePathError,
    TransientError,
    UnsupportedServer,
)

if TYPE_CHECKING:  # named in annotations only
    from batchkit.delivery.settings import DeliverySettings
    from batchkit.delivery.targets import SftpDrop

POSIX_RENAME = "posix-rename@openssh.com"
STATVFS = "statvfs@openssh.com"  # free space of the drop: a full disk is said, not retried
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

    def free_bytes(self, path: str) -> int | None:
        """Bytes an unprivileged writer may still use on `path`'s file system (statvfs@openssh.com's
        f_bavail x f_frsize), or None when the server does not say."""
        if STATVFS not in self.server_extensions:
            return None
        kind, reply = self._request(CMD_EXTENDED, STATVFS, self._adjust_cwd(path))
        if kind != CMD_EXTENDED_REPLY or reply is None:
            return None
        _bsize, frsize, _blocks, _bfree, bavail = (reply.get_int64() for _ in range(5))
        return int(bavail * frsize)


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
