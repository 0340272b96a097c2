"""Run the workbench: bind 127.0.0.1 (never another address), print the one URL, serve until Ctrl-C.

The socket is bound here, before anything is printed, so a busy port is one line (UsageError, exit 2) and
`--port 0` takes a free port (the URL names it). uvicorn serves on that socket with its access log off (the
first request's address carries the launch key).
"""

from __future__ import annotations

import errno
import socket
import threading
from collections.abc import Callable

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


def serve(settings: ServeSettings, say: Callable[[str], None], open_browser: bool = False,
          debug: bool = False, ready: threading.Event | None = None) -> None:
    """Serve until interrupted (KeyboardInterrupt reaches the caller after a clean shutdown)."""
    import uvicorn

    from batchkit.web.app import create_app

    sock = bind(settings.port)
    port = sock.getsockname()[1]
    keys = Keys(port)
    app = create_app(ServeSettings(settings.state_dir, port, settings.max_upload, settings.keep_days,
                                   settings.config_path), keys, debug)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                           timeout_graceful_shutdown=3))
    say(f"batchkit serve: open {keys.url()}")
    say("(this address carries this launch's key: keep it to yourself; Ctrl-C stops the workbench)")
    if open_browser:
        threading.Timer(0.5, _open, (keys.url(),)).start()
    if ready is not None:
        ready.set()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


def _open(url: str) -> None:
    import webbrowser

    webbrowser.open(url)
