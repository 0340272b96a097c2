"""The account's request budget: `limit` requests per fixed window of `window` seconds, the window
starting at the first request (and at the first request after it ended).

Every answer carries X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset; Reset is the
whole seconds until the window ends (>= 0), or with style "timestamp" the Unix time it ends (the
platform's documentation shows both). Over the budget the answer is 429, which neither counts nor
moves the window. No Retry-After, as for brands.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

STYLES = ("seconds", "timestamp")


class RateLimit:
    """A fixed-window request budget on the sandbox's clock."""

    def __init__(self, limit: int, window: float, style: str, now: Callable[[], datetime]) -> None:
        if limit < 1 or window <= 0:
            raise ValueError(f"a rate needs at least 1 request per a positive number of seconds, not {limit}/{window}")
        if style not in STYLES:
            raise ValueError(f"reset_style must be one of {', '.join(STYLES)}, not {style!r}")
        self.limit, self.window, self.style, self.now = limit, timedelta(seconds=window), style, now
        self._start: datetime | None = None
        self._used = 0
        self._lock = threading.Lock()

    def take(self) -> tuple[bool, dict[str, str]]:
        """Count one request: (allowed, the headers of its answer)."""
        with self._lock:
            now = self.now()
            if self._start is None or now >= self._start + self.window:
                self._start, self._used = now, 0
            allowed = self._used < self.limit
            if allowed:
                self._used += 1
            return allowed, self._headers(self.limit - self._used, self._start + self.window, now)

    def storm(self) -> dict[str, str]:
        """The headers of a 429 the budget did not cause: Remaining 0, Reset 1 second."""
        now = self.now()
        return self._headers(0, now + timedelta(seconds=1), now)

    def _headers(self, remaining: int, end: datetime, now: datetime) -> dict[str, str]:
        if self.style == "timestamp":
            reset = math.ceil(end.timestamp())
        else:
            reset = max(0, math.ceil((end - now).total_seconds()))
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(reset)}
