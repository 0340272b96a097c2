"""Opening a verified SFTP session: pinned host keys only, the key read once (README "batchkit deliver")."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

import paramiko

from batchkit.delivery.errors import AuthError, HostKeyError, TransientError
from batchkit.delivery.sftp.session import SftpSession
from batchkit.delivery.sftp.wire import _Client, _mapped, _Reject, _transport

if TYPE_CHECKING:  # named in annotations only
    from batchkit.delivery.settings import DeliverySettings
    from batchkit.delivery.targets import SftpDrop


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
