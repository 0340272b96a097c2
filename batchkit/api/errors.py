"""The API's failures, in batchkit's tree (one line each; the token never appears in a message).

    BatchkitError (exit 2)
    ├── ApiCredentials       401: the account SID or token is wrong
    ├── ApiForbidden         403: this token may not do that
    └── ApiError (exit 3)    the API could not be used
        ├── ApiUnreachable   connection errors, timeouts, 5xx after the retries
        ├── ApiAnswerError   an answer batchkit cannot read: XML, a truncated or malformed body, a missing key
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


class ApiRejected(ApiError):
    """The API refused the request (4xx other than 401/403/429)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class ApiNotFound(ApiRejected):
    """The resource does not exist (404)."""


class NotAccepted(ApiError):
    """A write was answered 429 or 5xx: it was not queued, so sending it again is safe (`status` 0: never sent)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class UnknownWrite(ApiError):
    """A write was sent and its answer lost: it may have been queued. Read before sending again."""
