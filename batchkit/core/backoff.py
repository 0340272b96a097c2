"""The one backoff of batchkit: capped exponential, with jitter (half the step fixed, half random), for every
retry of a read, a connection or an upload. Writes to the API are never retried on an answer (api/writes.py)."""

from __future__ import annotations

import random


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Seconds to wait before try number `attempt` + 1 (attempt 1 is the first retry)."""
    step = min(cap, base * 2 ** max(attempt - 1, 0))
    return step / 2 + random.uniform(0, step / 2)
