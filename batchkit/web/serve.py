"""Run the workbench: bind 127.0.0.1 (never another address), print the one URL, serve until Ctrl-C.

The socket is bound here, before anything is printed, so a busy port is one line (UsageError, exit 2) and
`--port 0` takes a free port (the URL names it). uvicorn serves on that socket with its access log off (the
first request's address carries the launch key).
"""

from __future__ import annotations

import errno
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from batchkit.core.errors import UsageError
from batchkit.web.guard import Keys
from batchkit.web.settings import ServeSettings

HOST = "127.0.0.1"  # SPEC §8: the workbench binds loopback only; no setting changes it


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:port; a busy or forbidden port is a UsageError."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        why = "is busy (another program listens there)" if exc.errno == errno.EADDRINUSE else \
            f"cannot be used ({exc.strerror})"
        raise UsageError(f"port {port} on {HOST} {why}: choose another with --port N or [serve] port") from None
    return sock


def _server(settings: ServeSettings, debug: bool) -> tuple[Any, socket.socket, Keys, Any]:
    """(uvicorn server, its bound socket, this launch's keys, the app) for `settings` (port 0: a free one)."""
    import uvicorn

    from batchkit.web.app import create_app

    sock = bind(settings.port)
    port = sock.getsockname()[1]
    keys = Keys(port)
    app = create_app(replace(settings, port=port), keys, debug)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                           timeout_graceful_shutdown=3))
    return server, sock, keys, app


def serve(settings: ServeSettings, say: Callable[[str], None], open_browser: bool = False,
          debug: bool = False) -> None:
    """Serve until interrupted (KeyboardInterrupt reaches the caller after a clean shutdown)."""
    server, sock, keys, _ = _server(settings, debug)
    say(f"batchkit serve: open {keys.url()}")
    say("(this address carries this launch's key: keep it to yourself; Ctrl-C stops the workbench)")
    if open_browser:
        threading.Timer(0.5, _open, (keys.url(),)).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


@dataclass
class Running:
    """A workbench serving from a thread of this process (tests, scripts): `url` carries the launch key."""

    url: str
    base: str
    bench: Any
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.bench.tasks.shutdown()


def start_in_thread(settings: ServeSettings, debug: bool = False) -> Running:
    """The workbench on a real socket, served by a daemon thread until `stop()`."""
    server, sock, keys, app = _server(settings, debug)
    server.install_signal_handlers = lambda: None  # not the main thread: Ctrl-C belongs to the caller
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        raise RuntimeError("the workbench did not start")
    return Running(keys.url(), f"http://{HOST}:{keys.port}", app.app.state.bench, server, thread)


def _open(url: str) -> None:
    import webbrowser

    webbrowser.open(url)
