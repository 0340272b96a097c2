"""Faults to inject, each consumed by the next matching request(s).

`path_contains` is matched against the request's path and query as sent (`/Advertisers/…/Actions?Page=2`);
`times` is how many matching requests (or answers, or submissions) a fault is armed for.

    fail(status, times, path_contains)   answer that status with a JSON error body
    truncate(times, path_contains)       promise a longer body than is sent, then close the connection
    xml(times)                           answer XML although JSON was asked
    drop_after_apply(times, path_contains)
                                         apply the write (PUT/DELETE /Actions: queue the submission, it
                                         will apply; PUT /ActionInquiries: resolve the inquiry), then close
                                         the connection without answering
    fail_after_apply(status, times, path_contains)
                                         apply the write, then answer `status` (500, 502, 503, 504, 408,
                                         any 4xx/5xx: a gateway's error after the backend did the work)
                                         with the same JSON error body as fail()
    garble_after_apply(times, path_contains)
                                         apply the write, then answer 200 with its body cut in half (the
                                         Content-Length true to the cut body): complete, but unreadable
    stall(seconds, times)                sleep before answering
    storm(times)                         answer 429 whatever the budget (Remaining 0, Reset 1)
    hold_drop() / release_drop()         the drop watcher picks no file up until released (nor does
                                         settle()): "the submission is not there yet"

Hostile answers (faults/hostile.py makes their bodies as they are sent, never whole in memory):

    huge_body(size, times, path_contains)
                                         the next 200 answer is `size` bytes (Content-Length true): the
                                         answer with spaces before its last byte (valid JSON read whole)
    endless_body(times, path_contains)   the next 200 answer is chunked (Transfer-Encoding: chunked): the
                                         answer's head, then chunks of spaces that never end (until the
                                         client hangs up; only that connection's thread is busy)
    gzip_bomb(size, times, path_contains)
                                         the next 200 answer is `Content-Encoding: gzip`: a small body that
                                         inflates to `size` bytes (the answer padded with spaces, as huge_body)
    drip(interval, times, path_contains) the next answer (any status) is sent one byte every `interval`
                                         seconds, the headers at once
    rewrite(field, value, times, path_contains)
                                         the next 2xx JSON object answer has its top-level key `field` set to
                                         `value` (added when missing); "{self}" in a string value becomes the
                                         request's own path and query (a next-page link to itself)
    drop_field(field, times, path_contains)
                                         the next 2xx JSON object answer that has the top-level key `field`
                                         loses it (e.g. "@nextpageuri" while "@numpages" says there are more)
    duplicate_page(times, path_contains) the next 2xx JSON list page carries, instead of its own records, the
                                         records of the page served before it under the same list key (its
                                         envelope unchanged: "@page" 2 with page 1's Actions); pages are
                                         remembered only while this fault is armed, and a page with none
                                         before it leaves the fault armed
    rate_limited(reset, retry_after, times, path_contains)
                                         answer 429 (before the budget, which it does not count) with
                                         X-RateLimit-Limit, X-RateLimit-Remaining: 0, X-RateLimit-Reset:
                                         `reset` exactly as given ("0", "-5", a past Unix time, "soon") and
                                         Retry-After: `retry_after` when given (seconds or an HTTP date)
    echo_auth(status, times, path_contains)
                                         answer `status` (default 400; before auth) with {"Status": "ERROR",
                                         "Message": <the Authorization header verbatim>, "Errors": [{"Field":
                                         "Authorization", "Message": <its Basic credentials decoded,
                                         SID:token>}]}: a badly behaved gateway
    raw_number(field, text, times, path_contains)
                                         in the next 2xx JSON answer that has the key `field` (at any depth),
                                         every value of that key is the raw JSON number `text` ("Amount": 1e2)
    submission_error(error_type, error_reason, times)
                                         the next API submission(s) to complete do not apply and carry that
                                         ErrorType and ErrorReason verbatim (control characters, OSC 8, BEL...)

The three *_after_apply faults are consumed only by writes the server applied (faults/applied.py records each
in Sandbox.applied_writes()), the first armed of them that matches: a write refused on its own merits
(400/404, 401/403, 429, a `fail` fault) is answered normally and leaves them armed. Likewise huge_body,
endless_body and gzip_bomb wait for a 200 answer (the first armed of the three that matches is used), and
rewrite, drop_field, raw_number and duplicate_page for a 2xx JSON answer (JSON was asked, no xml fault) they
apply to; every armed rewrite, drop_field and raw_number that applies is used by the same answer. A
truncated answer takes no body fault. Body faults apply to a write's answer after the write was applied.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

AFTER_APPLY = ("drop", "fail_after", "garble")  # the kinds a write takes once applied (faults/applied.py)
SHAPES = ("endless", "gzip", "huge")  # the kinds that make a 200 answer's body hostile, in the order tried
JSON_EDITS = ("duplicate_page", "drop_field", "rewrite", "raw_number")  # the kinds that edit a 2xx JSON answer
JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")  # RFC 8259's grammar


@dataclass
class Fault:
    """One armed fault (the fields its kind uses; the others keep their defaults)."""

    kind: str
    times: int
    path_contains: str = ""
    status: int = 503
    seconds: float = 0.0
    size: int = 0
    field: str = ""
    value: object = None
    text: str = ""
    retry_after: str | None = None
    reason: str = ""


class Faults:
    """The armed faults of a sandbox (thread-safe)."""

    def __init__(self) -> None:
        self._armed: list[Fault] = []
        self._lock = threading.Lock()
        self._drop_held = False

    def fail(self, status: int = 503, times: int = 1, path_contains: str = "") -> None:
        """Answer the next `times` matching requests with `status` and a JSON error body."""
        self._arm(Fault("fail", times, path_contains, status=_error_status("fail", status)))

    def truncate(self, times: int = 1, path_contains: str = "") -> None:
        """Send a Content-Length larger than the body, then close the connection mid-body."""
        self._arm(Fault("truncate", times, path_contains))

    def xml(self, times: int = 1) -> None:
        """Answer XML even though JSON was asked."""
        self._arm(Fault("xml", times))

    def drop_after_apply(self, times: int = 1, path_contains: str = "") -> None:
        """For PUT/DELETE: queue the submission (it will apply) or resolve the inquiry, then close the socket
        without answering."""
        self._arm(Fault("drop", times, path_contains))

    def fail_after_apply(self, status: int, times: int = 1, path_contains: str = "") -> None:
        """For PUT/DELETE: apply the write as usual, then answer `status` with a JSON error body instead of
        the success answer (a gateway's 502/504 after the backend did the work)."""
        self._arm(Fault("fail_after", times, path_contains, status=_error_status("fail_after_apply", status)))

    def garble_after_apply(self, times: int = 1, path_contains: str = "") -> None:
        """For PUT/DELETE: apply the write as usual, then answer 200 with a body cut in half (its
        Content-Length true to the cut body): a complete answer that cannot be read."""
        self._arm(Fault("garble", times, path_contains, status=200))

    def stall(self, seconds: float, times: int = 1) -> None:
        """Sleep `seconds` before answering."""
        self._arm(Fault("stall", times, seconds=seconds))

    def storm(self, times: int) -> None:
        """Answer 429 `times` times regardless of the budget."""
        self._arm(Fault("storm", times))

    def huge_body(self, size: int, times: int = 1, path_contains: str = "") -> None:
        """The next 200 answer is `size` bytes (at least the answer itself): the answer with spaces before its
        last byte, made as it is sent; valid JSON when read whole."""
        self._arm(Fault("huge", times, path_contains, size=_size("huge_body", size)))

    def endless_body(self, times: int = 1, path_contains: str = "") -> None:
        """The next 200 answer is chunked and never ends: the answer's head, then chunks of spaces until the
        client hangs up."""
        self._arm(Fault("endless", times, path_contains))

    def gzip_bomb(self, size: int, times: int = 1, path_contains: str = "") -> None:
        """The next 200 answer has Content-Encoding: gzip, a small body that inflates to `size` bytes (the
        answer with spaces before its last byte)."""
        self._arm(Fault("gzip", times, path_contains, size=_size("gzip_bomb", size)))

    def drip(self, interval: float, times: int = 1, path_contains: str = "") -> None:
        """Send the next answer one byte every `interval` seconds (the headers at once)."""
        if not isinstance(interval, int | float) or not math.isfinite(interval) or interval < 0:
            raise ValueError(f"drip() takes an interval of 0 or more seconds, not {interval!r}")
        self._arm(Fault("drip", times, path_contains, seconds=float(interval)))

    def rewrite(self, field: str, value: object, times: int = 1, path_contains: str = "") -> None:
        """Set the top-level key `field` of the next 2xx JSON object answer to `value`; "{self}" in a string
        value is the request's own path and query."""
        try:
            json.dumps(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"rewrite() takes a value JSON can carry, not {value!r}: {exc}") from None
        self._arm(Fault("rewrite", times, path_contains, field=_field("rewrite", field), value=value))

    def drop_field(self, field: str, times: int = 1, path_contains: str = "") -> None:
        """Remove the top-level key `field` from the next 2xx JSON object answer that has it."""
        self._arm(Fault("drop_field", times, path_contains, field=_field("drop_field", field)))

    def duplicate_page(self, times: int = 1, path_contains: str = "") -> None:
        """The next 2xx JSON list page carries the records of the page served before it (same list key)."""
        self._arm(Fault("duplicate_page", times, path_contains))

    def rate_limited(self, reset: str, retry_after: str | None = None, times: int = 1, path_contains: str = "") -> None:
        """Answer 429 with X-RateLimit-Remaining 0, X-RateLimit-Reset `reset` exactly as given, and Retry-After
        `retry_after` when given."""
        self._arm(Fault("rate_limited", times, path_contains, text=_header("reset", reset),
                        retry_after=None if retry_after is None else _header("retry_after", retry_after)))

    def echo_auth(self, status: int = 400, times: int = 1, path_contains: str = "") -> None:
        """Answer `status` with an error body whose Message is the request's Authorization header verbatim and
        whose Errors carry its credentials decoded (SID:token)."""
        self._arm(Fault("echo_auth", times, path_contains, status=_error_status("echo_auth", status)))

    def raw_number(self, field: str, text: str, times: int = 1, path_contains: str = "") -> None:
        """In the next 2xx JSON answer with the key `field` (at any depth), serialise each of its values as the
        raw JSON number `text` (1e2, 0e2, -0, 1E+400, 0.30000000000000004)."""
        if not isinstance(text, str) or not JSON_NUMBER.fullmatch(text):
            raise ValueError(f"raw_number() takes the text of a JSON number, not {text!r}")
        self._arm(Fault("raw_number", times, path_contains, field=_field("raw_number", field), text=text))

    def submission_error(self, error_type: str, error_reason: str, times: int = 1) -> None:
        """The next `times` API submissions to complete do not apply and carry this ErrorType and ErrorReason
        verbatim."""
        if not isinstance(error_type, str) or not isinstance(error_reason, str):
            raise TypeError("submission_error() takes an ErrorType and an ErrorReason as text")
        self._arm(Fault("submission_error", times, text=error_type, reason=error_reason))

    def hold_drop(self) -> None:
        """Pick up no dropped file (they stay in the folder, no FTP submission appears) until release_drop()."""
        with self._lock:
            self._drop_held = True

    def release_drop(self) -> None:
        """Pick dropped files up again (at the watcher's next look, or at settle())."""
        with self._lock:
            self._drop_held = False

    @property
    def drop_held(self) -> bool:
        """True between hold_drop() and release_drop() (or clear())."""
        with self._lock:
            return self._drop_held

    def clear(self) -> None:
        """Disarm every fault (and release a held drop)."""
        with self._lock:
            self._armed.clear()
            self._drop_held = False

    def pending(self) -> list[Fault]:
        """The faults still armed."""
        with self._lock:
            return [replace(f) for f in self._armed]

    def armed(self, kinds: tuple[str, ...]) -> bool:
        """True when a fault of one of these kinds is armed (whatever it matches)."""
        with self._lock:
            return any(f.kind in kinds for f in self._armed)

    def take(self, kind: str, path: str, when: Callable[[Fault], bool] | None = None) -> Fault | None:
        """Consume one use of the first armed fault of `kind` that matches `path` (and `when`, if given)."""
        return self._take_first((kind,), path, when)

    def take_all(self, kind: str, path: str, when: Callable[[Fault], bool] | None = None) -> list[Fault]:
        """Consume one use of every armed fault of `kind` that matches `path` (and `when`), the first first."""
        with self._lock:
            found = [f for f in self._armed if f.kind == kind and f.path_contains in path and (when is None or when(f))]
            for fault in found:
                self._use(fault)
            return found

    def take_after_apply(self, path: str) -> Fault | None:
        """Consume one use of the first armed after-apply fault (drop, fail_after, garble) matching `path`."""
        return self._take_first(AFTER_APPLY, path)

    def take_shape(self, path: str) -> Fault | None:
        """Consume one use of the first armed endless_body, gzip_bomb or huge_body fault matching `path`."""
        for kind in SHAPES:
            fault = self._take_first((kind,), path)
            if fault is not None:
                return fault
        return None

    def take_submission_error(self) -> tuple[str, str] | None:
        """Consume one use of the first armed submission_error: (ErrorType, ErrorReason)."""
        fault = self._take_first(("submission_error",), "")
        return None if fault is None else (fault.text, fault.reason)

    def _take_first(self, kinds: tuple[str, ...], path: str, when: Callable[[Fault], bool] | None = None) -> Fault | None:
        with self._lock:
            for fault in self._armed:
                if fault.kind in kinds and fault.path_contains in path and (when is None or when(fault)):
                    self._use(fault)
                    return fault
            return None

    def _use(self, fault: Fault) -> None:
        fault.times -= 1
        if fault.times <= 0:
            self._armed.remove(fault)

    def _arm(self, fault: Fault) -> None:
        if not isinstance(fault.times, int) or fault.times < 1:
            raise ValueError(f"times must be at least 1, not {fault.times}")
        with self._lock:
            self._armed.append(fault)


def _error_status(name: str, status: int) -> int:
    if not isinstance(status, int) or not 400 <= status <= 599:
        raise ValueError(f"{name}() takes an error status (400-599), not {status}")
    return status


def _size(name: str, size: int) -> int:
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ValueError(f"{name}() takes a size of at least 1 byte, not {size!r}")
    return size


def _field(name: str, field: str) -> str:
    if not isinstance(field, str) or not field:
        raise ValueError(f"{name}() takes a field name, not {field!r}")
    return field


def _header(name: str, value: str) -> str:
    """A header value as given; CR, LF and NUL would end the header (and split the answer): refused."""
    if not isinstance(value, str) or any(c in value for c in "\r\n\0"):
        raise ValueError(f"{name} must be the text of one header value (no CR, LF or NUL), not {value!r}")
    return value
