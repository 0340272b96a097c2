"""The API's failures, in batchkit's tree (one line each; the token never appears in a message).

    BatchkitError (exit 2)
    ├── ApiCredentials       401: the account SID or token is wrong
    ├── ApiForbidden         403: this token may not do that
    └── ApiError (exit 3)    the API could not be used
        ├── ApiUnreachable   connection errors, timeouts, 5xx after the retries
        ├── ApiAnswerError   an answer batchkit cannot read: XML, a truncated or malformed body, a missing key
        │   ├── AnswerOverLimit  an answer batchkit stopped reading (api/limits.py), never retried:
        │   │   ├── AnswerTooLarge   its body (or its body once decompressed) is over [api] max_body_mb
        │   │   ├── AnswerInflated   it decompresses more than [api] max_inflate_ratio times its size
        │   │   └── AnswerTooSlow    it was not complete within [api] request_seconds
        │   ├── ForeignLink      a link (@nextpageuri, ErrorsUri, QueuedUri) outside this account on this API
        │   └── ListingIncomplete  pages that do not advance; a sync's window that could not be read whole
        ├── ApiRejected      4xx: the request was refused (its Message and Errors said)
        │   └── ApiNotFound  404
        ├── NotAccepted      a write answered 429 or 5xx: not queued, sending it again is safe
        └── UnknownWrite     a write whose answer was lost: it may or may not be queued; never resend blindly
"""

from __future__ import annotations

from batchkit.core.errors import BatchkitError


class ApiCredentials(BatchkitError):
    """impact.com refused the credentials (401)."""


class ApiForbidden(BatchkitError):
    """The token is valid but may not do this (403)."""


class ApiError(BatchkitError):
    """The API could not be used; nothing was changed unless the message says so."""

    exit_code = 3


class ApiUnreachable(ApiError):
    """No answer after the retries (connection refused or reset, timeouts, 5xx)."""


class ApiAnswerError(ApiError):
    """An answer that is not the documented JSON; `broken` when the body itself was cut or malformed (a read
    may be tried again), not when it was well-formed but not JSON (XML: asking again gives the same)."""

    def __init__(self, message: str, broken: bool = False) -> None:
        super().__init__(message)
        self.broken = broken


class AnswerOverLimit(ApiAnswerError):
    """An answer batchkit stopped reading because it passed a limit (`key`: the [api] setting that sets it).
    Asking again would cost as much for the same answer: never retried. For a write: its answer is unknown."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


class AnswerTooLarge(AnswerOverLimit):
    """The body, as sent or once decompressed, is larger than the limit of its kind of request."""


class AnswerInflated(AnswerOverLimit):
    """The body decompresses to more than [api] max_inflate_ratio times its size (a compression bomb)."""


class AnswerTooSlow(AnswerOverLimit):
    """The request (connect, send, every read) was not complete within [api] request_seconds."""


class ForeignLink(ApiAnswerError):
    """A link an answer gave leads outside this account on this API (or hides where it leads): not followed."""


class ListingIncomplete(ApiAnswerError):
    """A listing whose pages do not advance (a page read twice, more pages than @numpages, a next link missing
    before @numpages, a record on two pages): what was read is not the whole list."""


class ApiRejected(ApiError):
    """The API refused the request (4xx other than 401/403/429); `said`: the API's own words."""

    def __init__(self, message: str, status: int = 400, said: str = "") -> None:
        super().__init__(message)
        self.status, self.said = status, said


class ApiNotFound(ApiRejected):
    """The resource does not exist (404)."""


class NotAccepted(ApiError):
    """A write was answered 429 or 5xx: it was not queued, so sending it again is safe (`status` 0: never sent)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class UnknownWrite(ApiError):
    """A write was sent and its answer lost: it may have been queued. Read before sending again."""
