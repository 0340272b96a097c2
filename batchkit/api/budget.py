"""The rate limit as a budget (README "The budget"): requests are paced, never sent while told to wait.

impact.com allows 1,000 requests an hour per account and says on every answer how many are left
(X-RateLimit-Remaining) and when the window resets (X-RateLimit-Reset: seconds, or a Unix timestamp
when the value is above 10^9). The budget waits for the reset when nothing is left, and also keeps
its own count so that it never sends more than `requests_per_hour` in any hour of its own.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping

TIMESTAMP = 10**9  # a Reset above this is a Unix time, not seconds
HOUR = 3600.0
_UNKNOWN_RESET = 60.0  # a 429 without a Reset header: wait a minute, then look again


def _number(headers: Mapping[str, str], name: str) -> float | None:
    try:
        value = float(headers.get(name, "").strip())
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None  # nan, inf: no information


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
                left = f"0 of {self.limit:,}" if self.limit else f"{len(self.sent):,} sent"
                self.notify(f"impact.com rate limit: waiting {wait:,.0f} s for the hourly budget to reset ({left} "
                            "requests left)")
            self.sleep(wait)
            self.waited += wait
            self.remaining = None  # the window has reset: the next answer says how much is left
        self.sent.append(self.clock())
        self.requests += 1

    def after(self, headers: Mapping[str, str], status: int) -> None:
        """Read the rate-limit headers of an answer (a 429 means nothing is left until the reset)."""
        lower = {k.lower(): v for k, v in headers.items() if k.lower().startswith("x-ratelimit-")}
        limit, remaining = _number(lower, "x-ratelimit-limit"), _number(lower, "x-ratelimit-remaining")
        reset = _number(lower, "x-ratelimit-reset")
        if limit is not None and limit > 0:
            self.limit = int(limit)
        if remaining is not None:
            self.remaining = max(0, int(remaining))
        if reset is not None:
            seconds = reset - self.wall() if reset > TIMESTAMP else reset
            self.reset_at = self.clock() + max(0.0, min(seconds, 2 * HOUR))
        if status == 429:
            self.remaining = 0
            if reset is None:
                self.reset_at = self.clock() + _UNKNOWN_RESET

    def left(self) -> int | None:
        """Requests left in the server's window, when it said."""
        return self.remaining
