"""The sockets: a ThreadingHTTPServer on 127.0.0.1 speaking HTTP/1.1 with keep-alive.

The standard library's server, not a framework: every byte of an answer is ours to send or withhold,
so a test can get a body shorter than its Content-Length, an XML answer, or a connection closed with
no answer at all; and nothing needs installing. http/app.py decides what to answer; this module reads the
request, sleeps for a stall fault, writes (or truncates, or drops, or streams, or drips) the answer, and
logs the request. A streamed body (faults/hostile.py) is made as it is sent, outside the store's lock: an
endless one keeps only its own connection's thread busy, until the client hangs up.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from batchkit.sandbox.http.app import JSON_TYPE, Answer, App
from batchkit.sandbox.http.render import ApiError, object_body
from batchkit.sandbox.http.routes import Incoming

MAX_BODY = 10 * 1024 * 1024
STREAM_TIMEOUT = 10.0  # seconds a streamed body waits for a client that stopped reading
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Request:
    """One request the sandbox received: status is what it answered (0: the connection was dropped)."""

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    status: int = 0


class Server(ThreadingHTTPServer):
    """ThreadingHTTPServer bound to 127.0.0.1 only, with the app, the request log and its open connections."""

    daemon_threads = True

    def __init__(self, port: int, app: App, log: Callable[[Request], None]) -> None:
        self.app, self.log = app, log
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__((LOOPBACK, port), Handler)

    def get_request(self) -> tuple[Any, Any]:
        conn, address = super().get_request()
        with self.connections_lock:
            self.connections.add(conn)
        return conn, address

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def hang_up_all(self) -> None:
        """Close every open connection (stop() must not leave keep-alive connections served)."""
        with self.connections_lock:
            for conn in list(self.connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class Handler(BaseHTTPRequestHandler):
    """Reads one request, lets the app answer it, writes the answer as the app says."""

    protocol_version = "HTTP/1.1"
    server_version = "impact-sandbox"
    sys_version = ""
    server: Server

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve()

    do_PUT = do_DELETE = do_POST = do_PATCH = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: the app keeps its own log
        pass

    def _serve(self) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        body = self._body(headers)
        if body is None:
            return
        split = urlsplit(self.path)
        req = Incoming(self.command, split.path, dict(parse_qsl(split.query, keep_blank_values=True)), headers, body,
                       self.path)
        stall = self.server.app.faults.take("stall", req.target)
        if stall:
            time.sleep(stall.seconds)
        try:
            answer = self.server.app.handle(req)
        except Exception as exc:  # a bug of the sandbox: say so, keep serving
            traceback.print_exc(file=sys.stderr)
            answer = Answer(500, object_body(ApiError(500, f"sandbox internal error: {exc}").fields(), True),
                            {"Content-Type": JSON_TYPE})
        self.server.log(Request(req.method, req.path, req.query, _form(headers, body),
                                0 if answer.mode == "drop" else answer.status))  # logged before the client hears
        self._send(answer)

    def _body(self, headers: dict[str, str]) -> bytes | None:
        """The request body (Content-Length or chunked); None after answering a malformed one."""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            return self._chunked()
        length = headers.get("content-length", "0").strip() or "0"
        if not length.isdigit() or int(length) > MAX_BODY:
            self.send_error(400 if not length.isdigit() else 413)
            return None
        return self.rfile.read(int(length))

    def _chunked(self) -> bytes | None:
        chunks: list[bytes] = []
        while True:
            size_line = self.rfile.readline(100).split(b";")[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                self.send_error(400)
                return None
            if size == 0:
                while self.rfile.readline(1000).strip():
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(10)

    def _send(self, answer: Answer) -> None:
        try:
            if answer.mode == "drop":
                self._hang_up()
                return
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            chunked = answer.pieces is not None and answer.length is None
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(len(answer.body) if answer.pieces is None else answer.length))
            self.end_headers()
            if answer.mode == "truncate":
                self._write(answer.body[: len(answer.body) // 2], answer.drip)
                self.wfile.flush()
                self._hang_up()
            elif answer.pieces is None:
                self._write(answer.body, answer.drip)
            else:
                self._stream(answer.pieces, chunked, answer.drip)
        except OSError:  # the client went away (or stopped reading for STREAM_TIMEOUT seconds)
            self.close_connection = True

    def _stream(self, pieces: Iterable[bytes], chunked: bool, drip: float) -> None:
        """Send pieces as they are made (a hostile body; an endless one until the client hangs up)."""
        self.connection.settimeout(STREAM_TIMEOUT)
        for piece in pieces:
            if not piece:
                continue
            self._write(b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece, drip)
        if chunked:
            self._write(b"0\r\n\r\n", drip)
        self.connection.settimeout(None)  # sent whole: the connection waits for its next request as before

    def _write(self, data: bytes, drip: float) -> None:
        """Send `data` at once, or one byte every `drip` seconds (each after its wait: n bytes take n x drip)."""
        if drip <= 0:
            self.wfile.write(data)
            return
        for i in range(len(data)):
            time.sleep(drip)
            self.wfile.write(data[i: i + 1])

    def _hang_up(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _form(headers: dict[str, str], body: bytes) -> dict[str, str]:
    """The body's parameters as far as they can be read (for the request log only)."""
    if not body or not headers.get("content-type", "").lower().startswith("application/x-www-form-urlencoded"):
        return {}
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
