"""The Brand API client on httpx (README "The impact.com API").

Basic auth (the account SID and the token), `Accept: application/json` on every request, form-encoded
writes, relative `@nextpageuri` links followed to the end, numbers read exactly. Every request waits
for the budget first. GETs are retried on connection errors, timeouts, broken bodies and 5xx with
capped, jittered backoff, and after a 429 once the window has reset; **writes are never retried here**:
`send` makes one request and returns its answer; what the answer means, and whether to send again, is
decided in one place (api/writes.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from batchkit.api.answers import Page, page_of, parse_json
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
    """The API's own error text ({"Message": ..., "Errors": [{"Field", "Message"}]}), when it sent one."""
    try:
        body = parse_json(response.content, "")
    except ApiAnswerError:
        return response.reason_phrase or ""
    if not isinstance(body, dict):
        return ""
    text = str(body.get("Message", "")).strip()
    errors = body.get("Errors")
    errors = errors if isinstance(errors, list) else []
    details = [f"{e.get('Field', '')}: {e.get('Message', '')}".strip(": ") for e in errors if isinstance(e, dict)]
    return "; ".join([t for t in [text, *details] if t])


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
            headers={"Accept": "application/json", "User-Agent": f"batchkit/{VERSION}"},
            timeout=httpx.Timeout(settings.timeout), transport=transport, follow_redirects=False,
            trust_env=not local, verify=True)

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
        return text.replace(self.settings.token, "***") if self.settings.token else text

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
                   response.status_code)

    def backoff(self, attempt: int) -> None:
        """Wait before retry number `attempt` (1 = the first), capped and jittered."""
        self.sleep(backoff_delay(attempt, self.settings.backoff, self.settings.backoff_cap))

    def get(self, resource: str, params: Mapping[str, Any] | None = None, what: str = "",
            hook: Callable[[dict[str, Any]], Any] | None = None) -> Any:
        """GET a resource (a path under the account, or a relative link the API gave), as exact JSON
        (`hook`: json's object_hook, applied to every object as it is read)."""
        target = resource if resource.startswith("/Advertisers/") else self.path(resource)
        what = what or f"GET {target.split('?')[0]}"
        failures, storms, last = 0, 0, ""
        while True:
            self.budget.before()
            try:
                response = self._http.get(target, params=dict(params) if params else None)
            except httpx.TransportError as exc:
                last = _describe(exc)
            else:
                self.budget.after(response.headers, response.status_code)
                if response.status_code == 429:
                    storms += 1
                    if storms > MAX_STORM:
                        raise ApiUnreachable(f"{what}: impact.com kept answering 429 (too many requests) after "
                                             f"{MAX_STORM} waits for the reset; try again later")
                    continue  # the budget waits for the reset before the next attempt
                if response.status_code < 500:
                    if response.status_code >= 400:
                        raise self._refuse(response, what)
                    try:
                        return parse_json(response.content, what, hook)
                    except ApiAnswerError as exc:
                        if not exc.broken:
                            raise
                        last = "a truncated or malformed body"
                else:
                    last = f"HTTP {response.status_code}"
            failures += 1
            if failures > self.settings.retries:
                raise ApiUnreachable(self._scrub(f"{what}: impact.com did not answer after {failures} attempts "
                                                 f"({last}); nothing was changed, try again later"))
            self.backoff(failures)

    def pages(self, resource: str, params: Mapping[str, Any], key: str, what: str = "",
              hook: Callable[[dict[str, Any]], Any] | None = None) -> Iterator[Page]:
        """Every page of a list, following @nextpageuri (relative links on the API's own host only)."""
        link: str | None = None
        while True:
            body = self.get(link, what=what, hook=hook) if link else self.get(resource, params, what=what, hook=hook)
            page = page_of(body, key, what or f"GET {resource}")
            yield page
            if not page.next_uri:
                return
            parts = urlsplit(page.next_uri)
            if parts.scheme or parts.netloc or not parts.path.startswith(f"{self.settings.base}/"):
                raise ApiAnswerError(f"{what or resource}: the next-page link {page.next_uri!r} does not point "
                                     "into this account on this API; not followed")
            link = page.next_uri

    def send(self, method: str, resource: str, form: Mapping[str, str], what: str) -> httpx.Response:
        """One PUT or DELETE, form-encoded, sent once and never retried here: NotAccepted when it could not be
        sent (no connection), UnknownWrite when it was sent and the answer was lost; otherwise the answer,
        whatever its status (api/writes.py says what it means)."""
        self.budget.before()
        try:
            response = self._http.request(method, self.path(resource), content=urlencode(dict(form)).encode(),
                                          headers={"Content-Type": _FORM})
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise NotAccepted(self._scrub(f"{what}: not sent ({_describe(exc)})")) from None
        except httpx.TransportError as exc:
            raise UnknownWrite(self._scrub(f"{what}: sent, but the answer was lost ({_describe(exc)})")) from None
        self.budget.after(response.headers, response.status_code)
        return response

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
