"""SFTP sessions over paramiko (the only package that imports it) (README "batchkit deliver").

Host keys come from the given known_hosts file only (a RejectPolicy that names the offered key's
SHA256 fingerprint); keys are never looked up in ~/.ssh or an agent. Uploads are pipelined to
`.NAME.part`, checked (size; sha256 read back for files up to the verify limit) and renamed with
posix-rename@openssh.com. paramiko's and the socket layer's exceptions are mapped into
batchkit.delivery.errors' TransientError / PermanentError tree in one place, `wire._mapped`.
"""

from batchkit.delivery.sftp.connect import SftpConnector, _add_host_keys
from batchkit.delivery.sftp.session import SftpSession
from batchkit.delivery.sftp.wire import HARDLINK, POSIX_RENAME, _Client

__all__ = ["HARDLINK", "POSIX_RENAME", "SftpConnector", "SftpSession", "_Client", "_add_host_keys"]
