"""Fixtures for the SFTP tests: a real OpenSSH sshd on 127.0.0.1 (see sshd.py), fast settings, batch files.

Imported by test_sftp.py (`from conftest_sftp import ...`). When sshd is missing the tests skip
locally, but FAIL under CI=true: a CI run must not pass by testing nothing.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator

import pytest
from sshd import SshServer, sshd_missing_reason, start_sshd

from batchkit.core.config import load_config
from batchkit.delivery.settings import DeliverySettings

HEADER = "ActionId,OrderId,ActionTrackerId,Amount,CurrencyCode,CustomerStatus,Reason\n"


def require_sshd() -> None:
    """Skip (locally) or fail (CI=true) when a real sshd cannot run here."""
    reason = sshd_missing_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but the SFTP tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def sshd_server() -> Iterator[SshServer]:
    """One private sshd per test module."""
    require_sshd()
    server = start_sshd()
    yield server
    server.stop()


@pytest.fixture
def drop(sshd_server: SshServer, request: pytest.FixtureRequest) -> Path:
    """An empty remote directory for this test (absolute path on the server)."""
    path = sshd_server.root / request.node.name.replace("[", "_").replace("]", "")
    path.mkdir(mode=0o755)
    return path


def write_batch(path: Path, rows: int, start: int = 1) -> Path:
    """A valid order-modification batch file with `rows` records (ids from `start`)."""
    body = "".join(f"1000.4636.{i},,,12.34,USD,NEW,ORDER_UPDATE\n" for i in range(start, start + rows))
    path.write_text(HEADER + body)
    return path


@pytest.fixture
def batch(tmp_path: Path) -> Callable[..., Path]:
    """Factory: batch(rows=100, name=..., start=1) writes a valid file into tmp_path/files."""
    folder = tmp_path / "files"
    folder.mkdir(exist_ok=True)

    def make(rows: int = 100, name: str = "acme_order-modifications.csv", start: int = 1) -> Path:
        return write_batch(folder / name, rows, start)

    return make


@pytest.fixture
def settings(tmp_path: Path, sshd_server: SshServer) -> DeliverySettings:
    """Fast settings: 2 s timeouts, 3 retries with millisecond backoff, pinned host key, client key."""
    known = sshd_server.known_hosts(tmp_path / "known_hosts")
    return DeliverySettings(key_file=sshd_server.client_key, known_hosts=known, state_dir=tmp_path / "state",
                            timeout=2.0, retries=3, backoff=0.01, backoff_cap=0.05, lock_wait=20,
                            config=load_config(cwd=tmp_path))


def with_port(settings: DeliverySettings, server: SshServer, port: int, tmp_path: Path) -> DeliverySettings:
    """Settings whose known_hosts pins the server's key under another port (a proxy in front of it)."""
    known = server.known_hosts(tmp_path / f"known_hosts_{port}", port=port)
    return replace(settings, known_hosts=known)
