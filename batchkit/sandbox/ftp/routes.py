"""GET FTPFileSubmissions, FTPFileSubmissions/{BatchId} and FTPFileSubmissions/{BatchId}/ErrorDetails.

The list: newest first, paginated (PageSize 1..20,000, default 20,000), keyed `FTPFileSubmissions`;
SubmissionDateStart/SubmissionDateEnd and CompletedDateStart/CompletedDateEnd (CompletionDate) filter,
each pair together, ISO 8601 with an offset, [start, end); a 400 for one without the other, a bad date
or an end not after its start. ErrorDetails: paginated, keyed `ErrorDetail`, empty until Complete.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from batchkit.sandbox.ftp.submissions import FileSubmission, FtpSubmissions
from batchkit.sandbox.http import query
from batchkit.sandbox.http.render import (
    ApiError,
    envelope,
    fragment,
    object_body,
    page_body,
)

Render = Callable[[bool], bytes]
PAGE_SIZES = (1, 20000)
PAIRS = (("SubmissionDateStart", "SubmissionDateEnd", "submitted"),
         ("CompletedDateStart", "CompletedDateEnd", "applied_at"))


def known(rest: list[str]) -> bool:
    """A path under FTPFileSubmissions that this module answers."""
    return rest[0] == "FTPFileSubmissions" and (len(rest) <= 2 or (len(rest) == 3 and rest[2] == "ErrorDetails"))


def ftp_route(ftp: FtpSubmissions, path: str, params: Mapping[str, str], rest: list[str], now: datetime) -> Render:
    """The renderer of a GET under FTPFileSubmissions (a 404 for an unknown BatchId)."""
    if len(rest) == 1:
        return _list(ftp, path, params, now)
    sub = ftp.get(rest[1])
    if sub is None:
        raise ApiError(404, f"No FTP file submission with BatchId {rest[1]}")
    if len(rest) == 2:
        fields = sub.fields(now, ftp.process)
        return lambda as_json: object_body(fields, as_json)
    page, size = query.page_params(params, *PAGE_SIZES)
    rows = sub.errors[(page - 1) * size: page * size]
    env = envelope(path, params, len(sub.errors), page, size, len(rows))
    return lambda as_json: page_body("ErrorDetail", env, [fragment(r, "ErrorDetail", as_json) for r in rows], as_json)


def _list(ftp: FtpSubmissions, path: str, params: Mapping[str, str], now: datetime) -> Render:
    tests = [_test(first, last, attribute, params) for first, last, attribute in PAIRS
             if params.get(first) or params.get(last)]
    page, size = query.page_params(params, *PAGE_SIZES)
    every = [s for s in ftp.newest_first() if all(t(s) for t in tests)]
    rows = [s.fields(now, ftp.process) for s in every[(page - 1) * size: page * size]]
    env = envelope(path, params, len(every), page, size, len(rows))
    return lambda as_json: page_body("FTPFileSubmissions", env,
                                     [fragment(r, "FTPFileSubmission", as_json) for r in rows], as_json)


def _test(first: str, last: str, attribute: str, params: Mapping[str, str]) -> Callable[[FileSubmission], bool]:
    """A filter on one date pair, checked: both given, dates with an offset, end after start."""
    for name, other in ((first, last), (last, first)):
        if not params.get(name):
            raise ApiError(400, f"{other} needs {name}: give both or neither", [(name, "required")])
    start, end = query.parse_date(first, params[first]), query.parse_date(last, params[last])
    if end <= start:
        raise ApiError(400, f"{last} must be after {first}", [(last, "before start")])

    def test(sub: FileSubmission) -> bool:
        value = getattr(sub, attribute)
        return value is not None and start <= value < end
    return test
