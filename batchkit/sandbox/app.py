"""One request in, one answer out: due submissions, faults, the rate limit, auth, then the route.

No sockets here (server.py has them): an Answer says what to send and how (whole, truncated, or not
at all). Order of events for every request: apply the submissions (API and FTP file) that are due;
a storm fault, else the rate limit (429 when spent); a fail fault; Basic auth (401) and the path's
account (403); the route (400/404/405 for bad requests). Every answer carries the rate-limit headers.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

from batchkit.sandbox import routes
from batchkit.sandbox.applied import AppliedWrites
from batchkit.sandbox.faults import Faults
from batchkit.sandbox.ftp import FtpSubmissions
from batchkit.sandbox.inquiries import Inquiries
from batchkit.sandbox.ratelimit import RateLimit
from batchkit.sandbox.render import ApiError, object_body
from batchkit.sandbox.routes import Incoming
from batchkit.sandbox.submissions import Submissions

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"


@dataclass
class Answer:
    """What to send: status, headers, body; `mode` "send", "truncate" (close mid-body) or "drop" (no answer)."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    mode: str = "send"


@dataclass
class App:
    """The sandbox's API behind its sockets."""

    submissions: Submissions
    limiter: RateLimit
    faults: Faults
    token: str
    read_only: frozenset[str]
    ftp: FtpSubmissions
    inquiries: Inquiries
    applied: AppliedWrites = field(default_factory=AppliedWrites)

    def handle(self, req: Incoming) -> Answer:
        """Answer one request (under the store's lock: a request sees one state)."""
        store = self.submissions.store
        with store.lock:
            self.submissions.process_due()
            self.ftp.process_due()
            as_json = "application/json" in req.headers.get("accept", "").lower()
            rate: dict[str, str] = {}
            headers: dict[str, str] = {}
            try:
                status, render, mode = self._answer(req, rate)
            except ApiError as exc:
                status, render, mode = exc.status, _error(exc), "send"
                headers.update(exc.headers)
            headers.update(rate)
            if self.faults.take("xml", req.path):
                as_json = False
            if mode == "send" and self.faults.take("truncate", req.path):
                mode = "truncate"
            headers["Content-Type"] = JSON_TYPE if as_json else XML_TYPE
            return Answer(status, render(as_json), headers, mode)

    def _answer(self, req: Incoming, rate: dict[str, str]) -> tuple[int, Callable[[bool], bytes], str]:
        """The route's answer, or the ApiError of a fault, the budget, auth or the request itself."""
        if self.faults.take("storm", req.path):
            rate.update(self.limiter.storm())
            raise ApiError(429, "Too many requests")
        allowed, headers = self.limiter.take()
        rate.update(headers)
        if not allowed:
            raise ApiError(429, "Too many requests")
        failure = self.faults.take("fail", req.path)
        if failure:
            raise ApiError(failure.status, f"The service answered {failure.status} (an injected fault)")
        access = self._access(req.headers.get("authorization", ""))
        if access is None:
            raise ApiError(401, "Authentication failed: give the AccountSID and AuthToken with HTTP Basic auth",
                           headers={"WWW-Authenticate": 'Basic realm="impact"'})
        segments = req.path.split("/")
        sid = self.submissions.store.account.sid
        if len(segments) < 4 or segments[:2] != ["", "Advertisers"] or not segments[3]:
            raise ApiError(404, f"No such resource: {req.path}")
        if unquote(segments[2]) != sid:
            raise ApiError(403, f"These credentials give no access to account {unquote(segments[2])}")
        rest = [unquote(s) for s in segments[3:]]
        if req.method in ("PUT", "DELETE") and rest in (["Actions"], ["ActionInquiries"]) and access != "write":
            raise ApiError(403, "This token may not modify actions" if rest == ["Actions"] else
                           "This token may not resolve action inquiries")
        return routes.route(self.submissions, self.faults, req, rest, self.ftp, self.inquiries, self.applied)

    def _access(self, header: str) -> str | None:
        """"write" for the token, "read" for a read-only token, None for anything else."""
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, colon, token = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        if not colon or not hmac.compare_digest(user.encode(), self.submissions.store.account.sid.encode()):
            return None
        if hmac.compare_digest(token.encode(), self.token.encode()):
            return "write"
        return "read" if token in self.read_only else None


def _error(exc: ApiError) -> Callable[[bool], bytes]:
    return lambda as_json: object_body(exc.fields(), as_json)
