"""The Brand API client on httpx (README "The impact.com API").

Basic auth (the account SID and the token), `Accept: application/json` on every request, form-encoded
writes, relative `@nextpageuri` links followed to the end, numbers read exactly. Every request waits
for the budget first. Every answer is read as a stream under limits (api/limits.py: its size, as sent and
decompressed, and one deadline for the whole request); every link is checked before it is followed
(api/links.py); a listing's pages must advance (answers.Walk). GETs are retried on connection errors,
timeouts, broken bodies and 5xx with capped, jittered backoff, and after a 429 once the window has reset (an
answer over a limit is not retried: the same answer would come again); **writes are never retried here**:
`send` makes one request and returns its answer; what the answer means, and whether to send again, is
decided in one place (api/writes.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from batchkit.api.answers import Page, Walk, page_of, parse_json, record_id
from batchkit.api.budget import Budget
from batchkit.api.errors import (
    ApiAnswerError,
    ApiCredentials,
    ApiError,
    ApiForbidden,
    ApiNotFound,
    ApiRejected,
    ApiUnreachable,
    NotAccepted,
    UnknownWrite,
)
from batchkit.api.limits import (
    ACCEPT_ENCODING,
    Limits,
    answered,
    bound_client,
    deadline,
    limits_for,
    past,
    read_body,
    too_slow,
)
from batchkit.api.links import account_path
from batchkit.api.settings import ApiSettings, is_loopback
from batchkit.core.backoff import backoff_delay
from batchkit.core.version import VERSION

MAX_STORM = 20  # 429s in a row on one GET before giving up (each one waited out)
_FORM = "application/x-www-form-urlencoded"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time (timeout)"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect ({exc})" if str(exc) else "could not connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the connection closed before the answer was complete"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _message(response: httpx.Response) -> str:
    """The API's own error text ({"Message": ..., "Errors": [{"Field", "Message"}]}), when it sent one, with the
    credentials the request carried scrubbed from it (a server may echo its Authorization header)."""
    from batchkit.core.secrets import credentials_of, scrub

    try:
        sid, token = credentials_of(response.request.headers.get("Authorization", ""))
    except RuntimeError:  # a response built without its request (tests)
        sid, token = "", ""
    try:
        body = parse_json(response.content, "")
    except ApiAnswerError:
        return scrub(response.reason_phrase or "", sid, token)
    if not isinstance(body, dict):
        return ""
    text = str(body.get("Message", "")).strip()
    errors = body.get("Errors")
    errors = errors if isinstance(errors, list) else []
    details = [f"{e.get('Field', '')}: {e.get('Message', '')}".strip(": ") for e in errors if isinstance(e, dict)]
    return scrub("; ".join([t for t in [text, *details] if t]), sid, token)


class ApiClient:
    """One account's API. `transport` is httpx's seam for tests; `sleep`/`clock` pace the budget."""

    def __init__(self, settings: ApiSettings, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 notify: Callable[[str], None] | None = None, budget: Budget | None = None) -> None:
        settings.need_token()
        self.settings, self.sleep = settings, sleep
        self.budget = budget or Budget(settings.requests_per_hour, sleep=sleep, clock=clock, notify=notify)
        local = is_loopback(urlsplit(settings.url).hostname or "")
        self._http = httpx.Client(
            base_url=settings.url, auth=httpx.BasicAuth(settings.account_sid, settings.token),
            headers={"Accept": "application/json", "Accept-Encoding": ACCEPT_ENCODING,
                     "User-Agent": f"batchkit/{VERSION}"},
            timeout=httpx.Timeout(settings.timeout), transport=transport, follow_redirects=False,
            trust_env=not local, verify=True)
        bound_client(self._http)  # every socket operation ends by the request's deadline

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def path(self, resource: str) -> str:
        """/Advertisers/{sid}/{resource}."""
        return f"{self.settings.base}/{resource.lstrip('/')}"

    def _scrub(self, text: str) -> str:
        """`text` without the token in any form (raw, percent-encoded, base64 of SID:token, an Authorization
        value): batchkit.core.secrets, for every text from a server or a URL."""
        from batchkit.core.secrets import scrub

        return scrub(text, self.settings.account_sid, self.settings.token)

    def _refuse(self, response: httpx.Response, what: str) -> ApiError | ApiCredentials | ApiForbidden:
        """The error for a refused request (401, 403, 404, other 4xx)."""
        said = self._scrub(_message(response))
        if response.status_code == 401:
            return ApiCredentials(f"{what}: impact.com refused the credentials (401): check IMPACT_ACCOUNT_SID "
                                  "and IMPACT_AUTH_TOKEN")
        if response.status_code == 403:
            return ApiForbidden(f"{what}: this token may not do that (403{': ' + said if said else ''}); use a "
                                "token with that permission, or the account's own SID and token")
        cls = ApiNotFound if response.status_code == 404 else ApiRejected
        return cls(f"{what}: impact.com refused the request ({response.status_code}{': ' + said if said else ''})",
                   response.status_code, said)

    def backoff(self, attempt: int) -> None:
        """Wait before retry number `attempt` (1 = the first), capped and jittered."""
        self.sleep(backoff_delay(attempt, self.settings.backoff, self.settings.backoff_cap))

    def _target(self, resource: str, what: str) -> str:
        """The path (and query) a GET asks for: a link the API gave (an absolute URL, or a path starting with
        /Advertisers/), checked to lead into this account (api/links.py), or a resource under the account."""
        link = resource.startswith(("/Advertisers/", "//")) or "://" in resource
        return account_path(resource if link else self.path(resource), self.settings.url, self.settings.base, what)

    def _exchange(self, method: str, target: str, limits: Limits, what: str, **request: Any) -> httpx.Response:
        """One request, its answer read whole under `limits` (api/limits.py) and returned as a plain response;
        the budget hears its headers at once. The bodies of 429s and 5xx are not read (their status is all that
        counts). Raises httpx.TransportError as httpx does, AnswerOverLimit past a limit or the deadline."""
        with deadline(limits.seconds) as at:
            try:
                with self._http.stream(method, target, **request) as response:
                    self.budget.after(response.headers, response.status_code)
                    skip = response.status_code == 429 or response.status_code >= 500
                    body = b"" if skip else read_body(response, limits, at, what)
            except (httpx.ReadTimeout, httpx.WriteTimeout):
                if past(at):
                    raise too_slow(limits, what) from None
                raise
        return answered(response, body)

    def _attempt(self, target: str, params: Mapping[str, Any] | None, what: str, limits: Limits,
                 hook: Callable[[dict[str, Any]], Any] | None) -> tuple[str, Any]:
        """One GET: ("ok", the JSON), ("429", None) or ("retry", why); raises what another try would not change
        (a refusal, an answer over a limit, a well-formed answer that is not the documented JSON)."""
        try:
            response = self._exchange("GET", target, limits, what, params=dict(params) if params else None)
            if response.status_code == 429:
                return "429", None
            if response.status_code >= 500:
                return "retry", f"HTTP {response.status_code}"
            if response.status_code >= 400:
                raise self._refuse(response, what)
            return "ok", parse_json(self._clean(response.content), what, hook)
        except httpx.TransportError as exc:
            return "retry", _describe(exc)
        except ApiAnswerError as exc:
            if not exc.broken:
                raise
            return "retry", "a truncated or malformed body"

    def get(self, resource: str, params: Mapping[str, Any] | None = None, what: str = "",
            hook: Callable[[dict[str, Any]], Any] | None = None, listing: bool | None = None) -> Any:
        """GET a resource (a path under the account, or a link the API gave), as exact JSON (`hook`: json's
        object_hook, applied to every object as it is read). `listing`: read under a listing's limit ([api]
        max_body_mb) rather than a single object's (1 MB); by default, when the request has a query."""
        target = self._target(resource, what or f"GET {resource.split('?')[0]}")
        what = what or f"GET {target.split('?')[0]}"
        limits = limits_for(self.settings, bool(params) or "?" in target if listing is None else listing)
        failures, storms = 0, 0
        while True:
            self.budget.before()
            kind, value = self._attempt(target, params, what, limits, hook)
            if kind == "ok":
                return value
            if kind == "429":
                storms += 1
                if storms > MAX_STORM:
                    raise ApiUnreachable(f"{what}: impact.com kept answering 429 (too many requests) after "
                                         f"{MAX_STORM} waits for the reset; try again later")
                continue  # the budget waits for the reset before the next attempt
            failures += 1
            if failures > self.settings.retries:
                raise ApiUnreachable(self._scrub(f"{what}: impact.com did not answer after {failures} attempts "
                                                 f"({value}); nothing was changed, try again later"))
            self.backoff(failures)

    def _clean(self, body: bytes) -> bytes:
        """An answer's body with the token in any form, and any credential a server echoed, scrubbed before a
        single value of it is read (the mirror, the journal and every message get what the server said minus
        them). A quick search of the raw bytes first: a clean page of 25 MB is not decoded twice."""
        token = self.settings.token
        needles = [b"Basic ", b"Bearer ", b"uthorization"] + ([token.encode()] if token else [])
        from batchkit.core.secrets import b64_forms

        if token:
            needles += [form.encode() for form in b64_forms(f"{self.settings.account_sid}:{token}".encode())]
        if not any(n in body for n in needles if n) and not (token and b"%" in body and len(body) < 1 << 20):
            return body
        return self._scrub(body.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")

    def pages(self, resource: str, params: Mapping[str, Any], key: str, what: str = "",
              hook: Callable[[dict[str, Any]], Any] | None = None,
              ident: Callable[[Any], str | None] = record_id) -> Iterator[Page]:
        """Every page of a list, following @nextpageuri: each link checked to lead into this account on this
        API before it is followed (api/links.py), the pages checked to advance (answers.Walk: a page read twice,
        more pages than @numpages, a next link missing before @numpages, a record (by `ident`) on two pages:
        ListingIncomplete)."""
        try:
            yield from self._pages(resource, params, key, what or f"GET {resource}", hook, ident)
        except ApiError as exc:  # a message may quote a link or a record the server gave
            exc.args = (self._scrub(str(exc)), *exc.args[1:])
            raise

    def _pages(self, resource: str, params: Mapping[str, Any], key: str, what: str,
               hook: Callable[[dict[str, Any]], Any] | None, ident: Callable[[Any], str | None]) -> Iterator[Page]:
        first = self._target(resource, what)
        walk = Walk(what, first + (f"{'&' if '?' in first else '?'}{urlencode(dict(params))}" if params else ""),
                    ident)
        body = self.get(first, params, what=what, hook=hook, listing=True)
        while True:
            page = page_of(body, key, what)
            walk.count(page)
            yield page
            if not page.next_uri:
                walk.end(page)
                return
            link = walk.follow(page, account_path(page.next_uri, self.settings.url, self.settings.base,
                                                  f"{what} (its next-page link)"))
            body = self.get(link, what=what, hook=hook, listing=True)

    def send(self, method: str, resource: str, form: Mapping[str, str], what: str) -> httpx.Response:
        """One PUT or DELETE, form-encoded, sent once and never retried here: NotAccepted when it could not be
        sent (no connection), UnknownWrite when it was sent and its answer was lost or could not be read (cut,
        over the 1 MB limit, past [api] request_seconds); otherwise the answer, whatever its status, its body
        read under the limits (api/writes.py says what it means)."""
        self.budget.before()
        try:
            return self._exchange(method, self.path(resource), limits_for(self.settings, False), what,
                                  content=urlencode(dict(form)).encode(), headers={"Content-Type": _FORM})
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise NotAccepted(self._scrub(f"{what}: not sent ({_describe(exc)})")) from None
        except httpx.TransportError as exc:
            raise UnknownWrite(self._scrub(f"{what}: sent, but the answer was lost ({_describe(exc)})")) from None
        except ApiAnswerError as exc:  # over a limit, past the deadline, a corrupt or cut compressed body
            why = str(exc).removeprefix(f"{what}: ")
            raise UnknownWrite(self._scrub(f"{what}: sent, but its answer could not be read ({why}); it may have "
                                           "been applied")) from None

    def said(self, response: httpx.Response) -> str:
        """The API's own words in an answer (its Message and Errors), the token scrubbed."""
        return self._scrub(_message(response))

    def credentials_error(self, response: httpx.Response, what: str) -> ApiCredentials | ApiForbidden | None:
        """The error a 401 or 403 is (the caller was refused, not the request); None for any other status."""
        if response.status_code in (401, 403):
            error = self._refuse(response, what)
            assert isinstance(error, (ApiCredentials, ApiForbidden))
            return error
        return None

    def read(self, response: httpx.Response, what: str) -> Any:
        """An answer's body as exact JSON (ApiAnswerError when it is not)."""
        return parse_json(response.content, what)
