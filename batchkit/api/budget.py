"""The rate limit as a budget (README "The budget"): requests are paced, never sent while told to wait.

impact.com allows 1,000 requests an hour per account and says on every answer how many are left
(X-RateLimit-Remaining) and when the window resets (X-RateLimit-Reset: seconds, or a Unix timestamp
when the value is above 10^9). The budget waits for the reset when nothing is left, and also keeps
its own count so that it never sends more than `requests_per_hour` in any hour of its own.

A 429 is waited out for its `Retry-After` (seconds, or an HTTP date: not documented for brands, honoured
and preferred when sent), else its Reset. A wait that cannot be used (missing, <= 0, a time in the past,
unparseable, over an hour: the window is an hour) falls back to MIN_WAIT, doubled on each 429 in a row up to
MAX_FALLBACK: a server that says "now" to every 429 gets a backoff, never a burst.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime

TIMESTAMP = 10**9  # a Reset above this is a Unix time, not seconds
HOUR = 3600.0
MIN_WAIT = 1.0  # the least a 429 is waited out; the first fallback wait when it names no usable time
MAX_FALLBACK = 60.0  # the fallback doubles on each 429 in a row, up to this


def _number(headers: Mapping[str, str], name: str) -> float | None:
    try:
        value = float(headers.get(name, "").strip())
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None  # nan, inf: no information


def _usable(seconds: float | None) -> float | None:
    """A wait a server named, when it can be used: more than 0 and at most an hour (the window)."""
    return seconds if seconds is not None and 0 < seconds <= HOUR else None


def retry_after(headers: Mapping[str, str], wall: float) -> float | None:
    """Retry-After in seconds from now (delta-seconds, or an HTTP date against `wall`); None when absent or
    unusable."""
    text = next((v for k, v in headers.items() if k.lower() == "retry-after"), "").strip()
    if not text:
        return None
    try:
        return _usable(float(text))
    except ValueError:
        pass
    try:
        return _usable(parsedate_to_datetime(text).timestamp() - wall)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _seconds(wait: float) -> str:
    return f"{wait:,.0f} s" if wait >= 10 else f"{wait:.1f}".removesuffix(".0") + " s"


class Budget:
    """Paces requests by the server's rate-limit headers and our own `per_hour`."""

    def __init__(self, per_hour: int, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time,
                 notify: Callable[[str], None] | None = None) -> None:
        self.per_hour, self.sleep, self.clock, self.wall, self.notify = per_hour, sleep, clock, wall, notify
        self.sent: deque[float] = deque()
        self.limit: int | None = None
        self.remaining: int | None = None
        self.reset_at: float | None = None
        self.requests = 0
        self.waited = 0.0
        self.storms = 0  # 429s in a row
        self.guessed = False  # the current wait is the fallback: the server named no usable time

    def wait_needed(self) -> float:
        """Seconds to wait before the next request may go."""
        now = self.clock()
        while self.sent and self.sent[0] <= now - HOUR:
            self.sent.popleft()
        wait = 0.0
        if self.remaining is not None and self.remaining <= 0 and self.reset_at is not None:
            wait = self.reset_at - now
        if len(self.sent) >= self.per_hour:
            wait = max(wait, self.sent[0] + HOUR - now)
        return max(0.0, wait)

    def before(self) -> None:
        """Call before each request: waits (saying so) when the budget is spent, then counts the request."""
        wait = self.wait_needed()
        if wait > 0:
            if self.notify:
                self.notify(self._saying(wait))
            self.sleep(wait)
            self.waited += wait
            self.remaining = None  # the window has reset: the next answer says how much is left
        self.sent.append(self.clock())
        self.requests += 1

    def _saying(self, wait: float) -> str:
        """The line a wait is announced with."""
        if self.remaining == 0 or self.storms:
            left = f"0 of {self.limit:,}" if self.limit else "0"
            why = " (it named no usable time to wait: backing off)" if self.guessed else ""
            return f"impact.com's rate limit: {left} request(s) left this hour; waiting {_seconds(wait)}{why}"
        return (f"impact.com's rate limit: {len(self.sent):,} request(s) sent in the past hour, none left of [api] "
                f"requests_per_hour ({self.per_hour:,}); waiting {_seconds(wait)}")

    def after(self, headers: Mapping[str, str], status: int) -> None:
        """Read the rate-limit headers of an answer (a 429 means nothing is left until the reset)."""
        lower = {k.lower(): v for k, v in headers.items() if k.lower().startswith("x-ratelimit-")}
        limit, remaining = _number(lower, "x-ratelimit-limit"), _number(lower, "x-ratelimit-remaining")
        reset = self._reset(_number(lower, "x-ratelimit-reset"))
        if limit is not None and limit > 0:
            self.limit = int(limit)
        if remaining is not None:
            self.remaining = max(0, int(remaining))
        if status != 429:
            self.storms, self.guessed = 0, False
            if reset is not None:
                self.reset_at = self.clock() + reset
            return
        self.storms += 1
        self.remaining = 0
        wait = retry_after(headers, self.wall()) or reset
        self.guessed = wait is None
        if wait is None:
            wait = min(MAX_FALLBACK, MIN_WAIT * 2 ** (self.storms - 1))
        self.reset_at = self.clock() + max(wait, MIN_WAIT)

    def _reset(self, value: float | None) -> float | None:
        """X-RateLimit-Reset as seconds from now (a value above 10^9 is a Unix time); None when unusable."""
        if value is None:
            return None
        return _usable(value - self.wall() if value > TIMESTAMP else value)

    def left(self) -> int | None:
        """Requests left in the server's window, when it said."""
        return self.remaining
