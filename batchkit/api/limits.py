"""Every answer read under limits (SPEC §8 "Answers are bounded"; README "Answers batchkit does not trust").

httpx's `timeout` bounds each read, not a request, and `response.content` holds whatever the server sends.
Here an answer is streamed and stops being read, with one line naming what was exceeded, as soon as:

* its body, as sent or once decompressed, passes the limit of its kind of request: `[api] max_body_mb` (64 MB)
  for a listing's page (20,000 actions are ~25 MB), OBJECT_BYTES (1 MB) for a single object or a write's
  answer (a Content-Length over the limit is refused before a byte is read);
* it decompresses to more than `[api] max_inflate_ratio` (100) times what was received, past its first MiB:
  gzip and deflate are inflated here, chunk by chunk, never past the limit (a gzip bomb costs the limit);
* the request as a whole (connect, send, headers, every read) passes `[api] request_seconds` (300 s): a
  server dripping a byte a second fails at the deadline. The deadline reaches each socket operation through
  httpcore's network backend (every read and write waits at most until the deadline) and is checked again
  after each chunk, so neither a drip nor a stall outlives it by more than a moment.

Memory is bounded by the limit, not by what the server sends.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from batchkit.api.errors import AnswerInflated, AnswerTooLarge, AnswerTooSlow, ApiAnswerError
from batchkit.api.settings import ApiSettings

MIB = 1 << 20
OBJECT_BYTES = MIB  # a single object (an action, an inquiry, an APISubmission) or a write's answer
RATIO_FROM = MIB  # the ratio is judged once this much has been inflated (small bodies compress oddly well)
STEP = 256 * 1024  # bytes zlib inflates a call: the size and the ratio are checked between calls
ACCEPT_ENCODING = "gzip, deflate"  # what batchkit inflates itself: asked for explicitly, nothing else
_DROPPED = ("content-encoding", "content-length", "transfer-encoding")  # headers of the body as sent
_LOCAL = threading.local()  # the deadline of the request this thread is making (monotonic seconds)


@dataclass(frozen=True)
class Limits:
    """The limits of one request: its body's bytes, the decompression ratio, its whole time."""

    body: int
    ratio: float
    seconds: float
    kind: str  # "a listing's page" | "a single answer", for messages
    key: str  # the setting that sets `body`, for messages
    advice: str = "if it persists, check [api] url points at impact.com"  # what to do, for messages


def limits_for(settings: ApiSettings, listing: bool) -> Limits:
    """A listing's page may be up to [api] max_body_mb; anything else (an object, a write's answer) 1 MB."""
    listing_bytes = int(settings.max_body_mb) * MIB
    if listing:
        return Limits(listing_bytes, settings.max_inflate_ratio, settings.request_seconds, "a listing's page",
                      "[api] max_body_mb", "raise [api] max_body_mb, or lower [api] page_size")
    return Limits(min(OBJECT_BYTES, listing_bytes), settings.max_inflate_ratio, settings.request_seconds,
                  "a single answer", "batchkit's limit for one object")


def _size(n: int) -> str:
    return f"{n / MIB:,.0f} MB" if n >= MIB else f"{n:,} bytes"


# ---------------------------------------------------------------- the deadline


@contextmanager
def deadline(seconds: float) -> Iterator[float]:
    """The deadline (monotonic) of the request made inside the block, by this thread."""
    at = time.monotonic() + seconds
    before = getattr(_LOCAL, "at", None)
    _LOCAL.at = at
    try:
        yield at
    finally:
        _LOCAL.at = before


def past(at: float) -> bool:
    """Whether the deadline `at` has come (a timeout raised then is the deadline's, not one read's)."""
    return time.monotonic() >= at - 0.005


def too_slow(limits: Limits, what: str) -> AnswerTooSlow:
    return AnswerTooSlow(f"{what}: no complete answer within {limits.seconds:g} s ([api] request_seconds); "
                         "stopped reading it: try again later, or raise [api] request_seconds for a slow link",
                         "request_seconds")


def _within(timeout: float | None) -> float | None:
    """A socket operation's timeout, cut to what is left of this thread's request deadline."""
    at = getattr(_LOCAL, "at", None)
    if at is None:
        return timeout
    left = max(at - time.monotonic(), 0.001)
    return left if timeout is None else min(timeout, left)


class _BoundedStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake ends by the request's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _within(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _within(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _BoundedStream(self._stream.start_tls(ssl_context, server_hostname, _within(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _BoundedBackend(httpcore.NetworkBackend):
    """httpcore's network backend, its connections bounded by the request's deadline."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _BoundedStream(self._backend.connect_tcp(host, port, _within(timeout), local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _BoundedStream(self._backend.connect_unix_socket(path, _within(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def bound(transport: httpx.BaseTransport) -> bool:
    """Put the deadline under an httpx transport's connections (False when it has none to bound: a test's
    MockTransport; the deadline is then still checked between chunks)."""
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is None or isinstance(backend, _BoundedBackend):
        return isinstance(backend, _BoundedBackend)
    pool._network_backend = _BoundedBackend(backend)  # type: ignore[union-attr]
    return True


def bound_client(client: httpx.Client) -> None:
    """Bound every transport of an httpx client: its own and its proxies' (from the environment)."""
    mounts = getattr(client, "_mounts", {})
    for transport in [getattr(client, "_transport", None), *mounts.values()]:
        if transport is not None:
            bound(transport)


# ---------------------------------------------------------------- the body


class _Inflater:
    """The body as sent -> as meant (gzip, deflate or none), never past the limit or the ratio: zlib inflates at
    most STEP bytes a call, and both are checked between calls, so a bomb costs no more than the limit."""

    def __init__(self, encoding: str, limits: Limits, what: str) -> None:
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip().lower() not in ("", "identity")]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise ApiAnswerError(f"{what}: the answer is encoded as {encoding!r}, which batchkit did not ask for "
                                 f"(it asks for {ACCEPT_ENCODING}); a proxy in between may have changed it")
        self.coding = codings[0] if codings else ""
        self.limits, self.what = limits, what
        self.received = self.inflated = 0
        self._zlib = None if not self.coding else zlib.decompressobj(
            zlib.MAX_WBITS | (16 if "gzip" in self.coding else 0))

    def feed(self, chunk: bytes) -> list[bytes]:
        """The decoded pieces of the next chunk as sent (AnswerTooLarge, AnswerInflated past the limits)."""
        self.received += len(chunk)
        if self.received > self.limits.body:
            raise self._too_large("")
        if self._zlib is None:
            self.inflated += len(chunk)
            return [chunk]
        pieces, data = [], chunk
        while data and not self._zlib.eof:  # after the end: trailing bytes, ignored (as httpx does)
            piece = self._step(data)
            progress = bool(piece) or len(self._zlib.unconsumed_tail) < len(data)
            data = self._zlib.unconsumed_tail
            self.inflated += len(piece)
            self._check(self.received - len(data))
            pieces.append(piece)
            if not progress:
                break
        return pieces

    def _step(self, data: bytes) -> bytes:
        """One call of zlib: at most STEP bytes, and never more than one past the limit."""
        assert self._zlib is not None
        most = min(STEP, self.limits.body - self.inflated + 1)
        try:
            return self._zlib.decompress(data, most)
        except zlib.error:
            if self.coding != "deflate" or self.inflated or self.received != len(data):
                raise ApiAnswerError(f"{self.what}: the compressed answer is corrupt", broken=True) from None
        self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # "deflate" sent raw, without zlib's header
        self.coding = "raw deflate"
        try:
            return self._zlib.decompress(data, most)
        except zlib.error:
            raise ApiAnswerError(f"{self.what}: the compressed answer is corrupt", broken=True) from None

    def _check(self, consumed: int) -> None:
        """The body inflated so far against the limit, and against the compressed bytes it came from."""
        if self.inflated > self.limits.body:
            raise self._too_large(" once decompressed")
        if self.inflated > RATIO_FROM and self.inflated > self.limits.ratio * max(consumed, 1):
            raise AnswerInflated(f"{self.what}: the answer decompresses to more than {self.limits.ratio:g} times "
                                 f"its size ([api] max_inflate_ratio): a compression bomb; stopped reading it "
                                 "(raise the ratio only if impact.com's own answers compress that well)",
                                 "max_inflate_ratio")

    def end(self) -> None:
        """The body ended: a compressed one must have ended too (else it was cut short)."""
        if self._zlib is not None and not self._zlib.eof:
            raise ApiAnswerError(f"{self.what}: the compressed answer ended before its end ({self.received:,} "
                                 "bytes): a truncated body", broken=True)

    def _too_large(self, how: str) -> AnswerTooLarge:
        lim = self.limits
        return AnswerTooLarge(f"{self.what}: the answer passed {_size(lim.body)}{how}, the limit for {lim.kind} "
                              f"({lim.key}); stopped reading it: {lim.advice}", "max_body_mb")


def read_body(response: httpx.Response, limits: Limits, at: float, what: str) -> bytes:
    """A streamed response's body, decoded, under `limits` and the deadline `at` (raises on any of them;
    httpx's TransportError when the connection fails while it is read)."""
    declared = response.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > limits.body:
        raise AnswerTooLarge(f"{what}: the answer is {int(declared):,} bytes, over {_size(limits.body)}, the limit "
                             f"for {limits.kind} ({limits.key}); not read: {limits.advice}", "max_body_mb")
    inflater = _Inflater(response.headers.get("content-encoding", ""), limits, what)
    pieces: list[bytes] = []  # held as received: no buffer grown past the limit (a bytearray over-allocates)
    for chunk in response.iter_raw():
        pieces += inflater.feed(chunk)
        if past(at):
            raise too_slow(limits, what)
    inflater.end()
    return b"".join(pieces)


def answered(response: httpx.Response, body: bytes) -> httpx.Response:
    """A plain response holding the body read under the limits (status, headers, reason as they came)."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DROPPED]
    extensions = {k: v for k, v in response.extensions.items() if k == "reason_phrase"}
    return httpx.Response(response.status_code, headers=headers, content=body, request=response.request,
                          extensions=extensions)
