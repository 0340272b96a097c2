"""Opening sessions to a destination: a local folder's here, an SFTP drop's through sftp.py.

paramiko is imported only when an SFTP drop connects. A destination of another kind (the API's, say)
brings its own Connector and passes it to deliver_files.
"""

from __future__ import annotations

from batchkit.delivery.local import LocalConnector, LocalFolder
from batchkit.delivery.settings import DeliverySettings
from batchkit.delivery.targets import Connector, Destination, SftpDrop


def connector_for(dest: Destination, settings: DeliverySettings) -> Connector:
    """How to open sessions to `dest` (a fresh one for every retry)."""
    if isinstance(dest, LocalFolder):
        return LocalConnector(dest.path)
    if isinstance(dest, SftpDrop):
        from batchkit.delivery.sftp import SftpConnector

        return SftpConnector(dest, settings)
    raise TypeError(f"no connector for {dest!r}: pass one to deliver_files")
