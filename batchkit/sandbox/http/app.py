"""One request in, one answer out: due submissions, faults, the rate limit, auth, then the route.

No sockets here (http/server.py has them): an Answer says what to send and how (whole, truncated, or not
at all; as pieces made while sent, chunked, dripped). Order of events for every request: apply the
submissions (API and FTP file) that are due; a storm or rate_limited fault, else the rate limit (429
when spent); a fail or echo_auth fault; Basic auth (401) and the path's account (403); the route
(400/404/405 for bad requests). Every answer carries the rate-limit headers. Then, on the answer: an xml
fault; the JSON edits of a 2xx JSON answer (duplicate_page, drop_field, rewrite, raw_number); a truncate
fault; and, out of the store's lock, a 200 answer's body shape (endless_body, gzip_bomb, huge_body) and
a drip fault.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

from batchkit.sandbox.actions.submissions import Submissions
from batchkit.sandbox.faults import hostile
from batchkit.sandbox.faults.applied import AppliedWrites
from batchkit.sandbox.faults.faults import Faults
from batchkit.sandbox.ftp.submissions import FtpSubmissions
from batchkit.sandbox.http import routes
from batchkit.sandbox.http.ratelimit import RateLimit
from batchkit.sandbox.http.render import ApiError, object_body
from batchkit.sandbox.http.routes import Incoming
from batchkit.sandbox.inquiries.store import Inquiries

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"


@dataclass
class Answer:
    """What to send: status, headers, body; `mode` "send", "truncate" (close mid-body) or "drop" (no answer).

    `pieces`, when set, are sent instead of `body` as they are made: `length` bytes in all (Content-Length),
    or chunked when `length` is None; `drip` > 0 sends one byte every `drip` seconds."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    mode: str = "send"
    pieces: Iterable[bytes] | None = None
    length: int | None = None
    drip: float = 0.0


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
    pages: dict[str, object] = field(default_factory=dict)  # list key -> last page's records (duplicate_page)

    def handle(self, req: Incoming) -> Answer:
        """Answer one request (under the store's lock: a request sees one state), then shape its body."""
        answer = self._handle(req)
        if answer.mode == "send":
            self._shape(req, answer)
        return answer

    def _shape(self, req: Incoming, answer: Answer) -> None:
        """A 200 answer's hostile body (endless_body, gzip_bomb, huge_body), then a drip fault: out of the lock."""
        shape = self.faults.take_shape(req.target) if answer.status == 200 else None
        if shape is not None and shape.kind == "endless":
            answer.pieces, answer.length = hostile.endless(answer.body), None
        elif shape is not None and shape.kind == "gzip":
            answer.pieces = hostile.gzipped(answer.body, shape.size)
            answer.length = sum(len(piece) for piece in answer.pieces)
            answer.headers["Content-Encoding"] = "gzip"
        elif shape is not None:
            answer.pieces = hostile.padded(answer.body, shape.size)
            answer.length = hostile.padded_length(answer.body, shape.size)
        drip = self.faults.take("drip", req.target)
        if drip is not None:
            answer.drip = drip.seconds

    def _handle(self, req: Incoming) -> Answer:
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
            if self.faults.take("xml", req.target):
                as_json = False
            body = render(as_json)
            if mode == "send" and as_json and 200 <= status < 300:
                body = hostile.edit_json(self.faults, req.target, body, self.pages)
            if mode == "send" and self.faults.take("truncate", req.target):
                mode = "truncate"
            headers["Content-Type"] = JSON_TYPE if as_json else XML_TYPE
            return Answer(status, body, headers, mode)

    def _answer(self, req: Incoming, rate: dict[str, str]) -> tuple[int, Callable[[bool], bytes], str]:
        """The route's answer, or the ApiError of a fault, the budget, auth or the request itself."""
        if self.faults.take("storm", req.target):
            rate.update(self.limiter.storm())
            raise ApiError(429, "Too many requests")
        limited = self.faults.take("rate_limited", req.target)
        if limited:
            rate.update({"X-RateLimit-Limit": str(self.limiter.limit), "X-RateLimit-Remaining": "0",
                         "X-RateLimit-Reset": limited.text})
            raise ApiError(429, "Too many requests",
                           headers={} if limited.retry_after is None else {"Retry-After": limited.retry_after})
        allowed, headers = self.limiter.take()
        rate.update(headers)
        if not allowed:
            raise ApiError(429, "Too many requests")
        failure = self.faults.take("fail", req.target)
        if failure:
            raise ApiError(failure.status, f"The service answered {failure.status} (an injected fault)")
        echo = self.faults.take("echo_auth", req.target)
        if echo:
            raise hostile.echo_auth_error(echo, req.headers.get("authorization", ""))
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
