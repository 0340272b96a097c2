"""The workbench's security model (SPEC §8), one ASGI middleware in front of every route and static file.

- Host: only `127.0.0.1:PORT` and `localhost:PORT` (a DNS-rebinding page names its own host: refused).
- The launch secret: the URL `batchkit serve` prints carries `?key=SECRET`; the first visit trades it for an
  HttpOnly, SameSite=Strict cookie (and a redirect that drops it from the address bar). No cookie: refused.
- CSRF: every request that is not GET/HEAD carries the page's token in `X-CSRF-Token` (htmx sends it from the
  `hx-headers` of <body>); an `Origin`, when the browser sends one, must be the workbench's own.
- Bodies are bounded (Content-Length checked first, then every chunk counted): over the bound is 413.
- Every answer carries a Content-Security-Policy allowing only the app's own scripts and styles.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer"),
           (b"cross-origin-opener-policy", b"same-origin"), (b"cross-origin-resource-policy", b"same-origin")]
SAFE_METHODS = {"GET", "HEAD"}
KEY_PARAM = "key"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Keys:
    """One launch's secrets: the key in the printed URL, the cookie's value, the pages' CSRF token."""

    port: int
    launch: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    session: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)

    @property
    def cookie(self) -> str:
        """The cookie's name: per port, so two workbenches on one machine do not overwrite each other's."""
        return f"batchkit_{self.port}"

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset({f"127.0.0.1:{self.port}", f"localhost:{self.port}"})

    def url(self, path: str = "/") -> str:
        """The address to open: it carries the launch key."""
        return f"http://127.0.0.1:{self.port}{path}?{KEY_PARAM}={self.launch}"


class TooLarge(Exception):
    """The request's body passed the bound while the app was reading it."""


class Guard:
    """The middleware: refuses what SPEC §8 refuses, with a short plain-text answer; adds the headers."""

    def __init__(self, app: ASGIApp, keys: Keys, max_body: int) -> None:
        self.app, self.keys, self.max_body = app, keys, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            return await _plain(send, *refusal)
        trade = self._trade(scope)
        if trade is not None:
            return await self._redirect_with_cookie(send, trade)
        await self._pass(scope, receive, send)

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str] | None:
        """(status, why) when the request is refused before the app sees it."""
        if headers.get("host", "") not in self.keys.hosts:
            return 421, "batchkit serve answers only at 127.0.0.1 and localhost on its own port."
        if not self._has_key(scope) and not self._has_cookie(headers):
            return 403, "Open the address `batchkit serve` printed: it carries this launch's key."
        if scope["method"] not in SAFE_METHODS:
            if not hmac.compare_digest(headers.get(CSRF_HEADER, ""), self.keys.csrf):
                return 403, "This request did not come from a workbench page (no CSRF token). Reload the page."
            origin = headers.get("origin")
            if origin is not None and origin not in {f"http://{h}" for h in self.keys.hosts}:
                return 403, "This request came from another site."
            length = headers.get("content-length", "0")
            if not length.isdigit() or int(length) > self.max_body:
                return 413, f"Too large: the workbench accepts up to {self.max_body >> 20} MB at once ([serve] max_upload_mb)."
        return None

    def _has_key(self, scope: Scope) -> bool:
        return any(k == KEY_PARAM and hmac.compare_digest(v, self.keys.launch) for k, v in _query(scope))

    def _has_cookie(self, headers: dict[str, str]) -> bool:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(headers.get("cookie", ""))
        except Exception:  # noqa: BLE001 - a malformed Cookie header is no cookie
            return False
        got = jar.get(self.keys.cookie)
        return got is not None and hmac.compare_digest(got.value, self.keys.session)

    def _trade(self, scope: Scope) -> str | None:
        """The address without the key, when this request carries it (GET only): the cookie replaces it."""
        if scope["method"] not in SAFE_METHODS or not self._has_key(scope):
            return None
        rest = urlencode([(k, v) for k, v in _query(scope) if k != KEY_PARAM])
        return scope.get("path", "/") + (f"?{rest}" if rest else "")

    async def _redirect_with_cookie(self, send: Send, location: str) -> None:
        cookie = f"{self.keys.cookie}={self.keys.session}; HttpOnly; SameSite=Strict; Path=/"
        await send({"type": "http.response.start", "status": 303,
                    "headers": [(b"location", location.encode("latin-1", "replace")),
                                (b"set-cookie", cookie.encode()), (b"cache-control", b"no-store"), *HEADERS]})
        await send({"type": "http.response.body", "body": b""})

    async def _pass(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The app, with every chunk of the body counted and the security headers on the answer."""
        seen, started = 0, False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise TooLarge
            return message

        async def headed(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []), *HEADERS]}
            await send(message)

        try:
            await self.app(scope, counted, headed)
        except TooLarge:
            if not started:
                await _plain(send, 413, f"Too large: the workbench accepts up to {self.max_body >> 20} MB at once.")


def _query(scope: Scope) -> list[tuple[str, str]]:
    return parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)


async def _plain(send: Send, status: int, text: str) -> None:
    body = (text + "\n").encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store"), *HEADERS]})
    await send({"type": "http.response.body", "body": body})
