"""A private OpenSSH sshd on 127.0.0.1 and a loopback fault proxy, for the SFTP tests and the benchmark.

No pytest here (benchmarks/deliver_bench.py imports it too); the fixtures live in conftest_sftp.py.
Everything listens on 127.0.0.1 only. The server follows SPEC §4: its own config, a free port, an
ed25519 host key (0600), AuthorizedKeysFile (0644), StrictModes/UsePAM/password auth off, and
`Subsystem sftp internal-sftp -d <root>` (-d sets the login's start directory; absolute paths still
reach the whole file system, relative ones resolve from <root>).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

SSHD = Path("/usr/sbin/sshd")
HOST = "127.0.0.1"


def sshd_missing_reason() -> str | None:
    """Why a real sshd cannot be started here, or None."""
    if not SSHD.is_file() or not os.access(SSHD, os.X_OK):
        return f"{SSHD} not found: run scripts/ensure_sshd.sh (apt-get install openssh-server)"
    if os.geteuid() == 0:
        try:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation dir
        except OSError as exc:
            return f"cannot create /run/sshd ({exc.strerror})"
    return None


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def make_key(path: Path) -> str:
    """Write a fresh ed25519 private key (OpenSSH format, 0600) to `path`; return its public line."""
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                            serialization.NoEncryption())
    path.write_bytes(pem)
    path.chmod(0o600)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return public.decode()


def known_hosts_line(port: int, public_line: str) -> str:
    """An OpenSSH known_hosts entry for 127.0.0.1:`port` ([host]:port form when port is not 22)."""
    name = HOST if port == 22 else f"[{HOST}]:{port}"
    return f"{name} {public_line}\n"


@dataclass
class SshServer:
    """A running sshd: where it listens, its keys, its drop root, and what it logged."""

    workdir: Path
    port: int
    root: Path
    host_public: str
    client_key: Path
    client_public: str
    proc: subprocess.Popen[str]
    log: list[str] = field(default_factory=list)
    user: str = field(default_factory=lambda: pwd.getpwuid(os.geteuid()).pw_name)

    def known_hosts(self, path: Path, port: int | None = None, public_line: str | None = None) -> Path:
        """Write a known_hosts file pinning this server's key (or `public_line`) for `port`."""
        path.write_text(known_hosts_line(port or self.port, public_line or self.host_public))
        return path

    def url(self, remote_dir: str | Path, user: str | None = None, port: int | None = None) -> str:
        """The sftp:// destination for an absolute remote directory."""
        return f"sftp://{user or self.user}@{HOST}:{port or self.port}{remote_dir}"

    def log_text(self) -> str:
        """Everything sshd wrote to stderr so far."""
        return "".join(self.log)

    def logins(self) -> int:
        """How many SSH logins sshd accepted so far (each delivery run that sends opens one)."""
        return sum(1 for line in list(self.log) if line.startswith("Accepted publickey"))

    def wait_logins(self, expected: int, limit: float = 2.0) -> int:
        """logins(), after giving sshd's log up to `limit` seconds to reach `expected` (it is read by a thread)."""
        deadline = time.monotonic() + limit
        while self.logins() < expected and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.logins()

    def stop(self) -> None:
        """Stop sshd (its session children exit when their connections close)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _collect(stream: object, sink: list[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        sink.append(line)


def start_sshd(sftp_flags: str = "", extra_config: str = "") -> SshServer:
    """Start a private sshd on a free loopback port and wait for its SSH- banner.

    The working directory is world-traversable (0755) so that a second, unprivileged login
    (see `unprivileged_user`) can read the authorized keys when the tests run as root.
    """
    reason = sshd_missing_reason()
    if reason:
        raise RuntimeError(reason)
    workdir = Path(tempfile.mkdtemp(prefix="batchkit-sshd-"))
    workdir.chmod(0o755)
    root = workdir / "root"
    root.mkdir(mode=0o755)
    root.chmod(0o755)
    host_public = make_key(workdir / "host_ed25519")
    client_key = workdir / "client_ed25519"
    client_public = make_key(client_key)
    auth = workdir / "authorized_keys"
    auth.write_text(client_public + "\n")
    auth.chmod(0o644)
    port = free_port()
    config = workdir / "sshd_config"
    config.write_text(f"""\
ListenAddress {HOST}
Port {port}
HostKey {workdir / 'host_ed25519'}
PidFile {workdir / 'sshd.pid'}
AuthorizedKeysFile {auth}
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
AllowTcpForwarding no
X11Forwarding no
PrintMotd no
LogLevel INFO
MaxStartups 100:30:200
Subsystem sftp internal-sftp -d {root} {sftp_flags}
{extra_config}
""")
    proc = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    server = SshServer(workdir, port, root, host_public, client_key, client_public, proc)
    threading.Thread(target=_collect, args=(proc.stderr, server.log), daemon=True).start()
    try:
        _wait_for_banner(port, proc, server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_for_banner(port: int, proc: subprocess.Popen[str], server: SshServer, limit: float = 10.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            time.sleep(0.05)
            raise RuntimeError(f"sshd exited with {proc.returncode}: {server.log_text()}")
        try:
            with socket.create_connection((HOST, port), timeout=1) as s:
                if s.recv(64).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"sshd did not answer on {HOST}:{port} within {limit} s: {server.log_text()}")


def unprivileged_user() -> str:
    """A login that file permissions apply to: `nobody` when running as root, else ourselves."""
    if os.geteuid() == 0:
        return "nobody"
    return pwd.getpwuid(os.geteuid()).pw_name


class FaultProxy:
    """A TCP relay on 127.0.0.1 that breaks the first `faulty` connections after `after` bytes upstream.

    mode: "close" (FIN both ways), "reset" (RST to the client), "stall" (stop relaying, keep the
    sockets open until the proxy stops), "slow" (relay at about `rate` bytes/s, no fault).
    """

    def __init__(self, target_port: int, mode: str, after: int = 0, faulty: int = 1, rate: int = 0) -> None:
        self.target_port, self.mode, self.after, self.faulty, self.rate = target_port, mode, after, faulty, rate
        self.connections = 0
        self.faults = 0
        self._stop = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((HOST, 0))
        self._listener.listen(64)
        self.port = int(self._listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop accepting and drop every relayed connection."""
        self._stop.set()
        self._listener.close()
        with self._lock:
            for s in self._sockets:
                try:
                    s.close()
                except OSError:
                    pass

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                faulty = self.mode != "slow" and self.connections <= self.faulty
            try:
                server = socket.create_connection((HOST, self.target_port))
            except OSError:
                client.close()
                continue
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._sockets += [client, server]
            state = {"sent": 0, "broken": False}
            threading.Thread(target=self._pump, args=(client, server, state, faulty, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, state, faulty, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, state: dict, faulty: bool, upstream: bool) -> None:
        try:
            while not self._stop.is_set():
                data = src.recv(65536)
                if not data or state["broken"]:
                    break
                if faulty and upstream and state["sent"] + len(data) > self.after:
                    keep = max(self.after - state["sent"], 0)
                    dst.sendall(data[:keep])
                    state["sent"] += keep
                    self._break(src, dst, state)
                    break
                if self.rate:
                    time.sleep(len(data) / self.rate)
                dst.sendall(data)
                if upstream:
                    state["sent"] += len(data)
        except OSError:
            pass
        finally:
            if not (state["broken"] and self.mode == "stall"):
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

    def _break(self, client: socket.socket, server: socket.socket, state: dict) -> None:
        with self._lock:
            self.faults += 1
        state["broken"] = True
        if self.mode == "stall":
            return  # keep both sockets open, relay nothing more: a silent black hole
        if self.mode == "reset":
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        server.close()
