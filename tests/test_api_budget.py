"""The rate-limit budget: waits for the reset when nothing is left, reads both Reset forms, keeps its own count."""

from __future__ import annotations

from batchkit.api.budget import Budget


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _budget(per_hour: int = 1000, wall: float = 1_700_000_000.0) -> tuple[Budget, Clock, list[str]]:
    clock, said = Clock(), []
    return Budget(per_hour, sleep=clock.sleep, clock=clock, wall=lambda: wall + clock.now, notify=said.append), \
        clock, said


def test_nothing_left_waits_until_the_reset_in_seconds_and_says_so() -> None:
    budget, clock, said = _budget()
    budget.before()
    budget.after({"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "42"}, 200)
    budget.before()
    assert clock.slept == [42.0] and budget.waited == 42.0
    assert said and "waiting 42 s" in said[0] and "0 of 1,000" in said[0]


def test_a_reset_above_a_billion_is_a_unix_timestamp() -> None:
    budget, clock, _ = _budget(wall=1_700_000_000.0)
    budget.before()
    stamp = 1_700_000_000.0 + clock.now + 90
    budget.after({"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(stamp))}, 200)
    budget.before()
    assert clock.slept == [90.0]


def test_requests_left_do_not_wait() -> None:
    budget, clock, said = _budget()
    for _ in range(5):
        budget.before()
        budget.after({"X-RateLimit-Remaining": "500", "X-RateLimit-Reset": "3000"}, 200)
    assert clock.slept == [] and said == [] and budget.requests == 5 and budget.left() == 500


def test_a_429_without_headers_still_waits() -> None:
    budget, clock, _ = _budget()
    budget.before()
    budget.after({}, 429)
    budget.before()
    assert clock.slept and clock.slept[0] > 0


def test_our_own_count_caps_an_hour_without_server_headers() -> None:
    budget, clock, _ = _budget(per_hour=3)
    for _ in range(3):
        budget.before()
        clock.now += 10
    budget.before()  # the 4th within the hour waits until the first is an hour old
    assert clock.slept == [3600 - 30]


def test_malformed_headers_are_ignored_not_fatal() -> None:
    budget, clock, _ = _budget()
    budget.before()
    budget.after({"X-RateLimit-Remaining": "lots", "X-RateLimit-Reset": "nan", "X-RateLimit-Limit": "-"}, 200)
    budget.before()
    assert clock.slept == [] and budget.left() is None


def test_a_429_with_an_unusable_reset_backs_off_doubling_up_to_the_cap() -> None:
    from batchkit.api.budget import MAX_FALLBACK

    budget, clock, said = _budget()
    for reset in ["0", "-5", str(1_700_000_000 - 10), "soon", "86400", "0", "0", "0", "0"]:
        budget.before()
        budget.after({"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}, 429)
    budget.before()
    assert clock.slept == [1, 2, 4, 8, 16, 32, MAX_FALLBACK, MAX_FALLBACK, MAX_FALLBACK]  # never 0: no burst
    assert said[0] == ("impact.com's rate limit: 0 of 1,000 request(s) left this hour; waiting 1 s (it named no "
                       "usable time to wait: backing off)")
    budget.after({"X-RateLimit-Remaining": "5"}, 200)
    budget.after({}, 429)
    budget.before()
    assert clock.slept[-1] == 1  # a success in between starts the backoff again


def test_retry_after_is_preferred_to_the_reset_in_seconds_or_as_a_date() -> None:
    from email.utils import formatdate

    budget, clock, said = _budget(wall=1_700_000_000.0)
    budget.before()
    budget.after({"X-RateLimit-Reset": "3000", "Retry-After": "7"}, 429)
    budget.before()
    budget.after({"X-RateLimit-Reset": "3000", "Retry-After": formatdate(1_700_000_000.0 + clock.now + 90,
                                                                       usegmt=True)}, 429)
    budget.before()
    assert clock.slept == [7, 90] and said[0].endswith("waiting 7 s")


def test_a_small_positive_reset_on_a_429_still_waits_the_minimum() -> None:
    budget, clock, _ = _budget()
    budget.before()
    budget.after({"X-RateLimit-Reset": "0.01"}, 429)
    budget.before()
    assert clock.slept == [1.0]


def test_our_own_count_says_so() -> None:
    budget, _, said = _budget(per_hour=2)
    for _ in range(3):
        budget.before()
    assert said == [("impact.com's rate limit: 2 request(s) sent in the past hour, none left of [api] "
                     "requests_per_hour (2); waiting 3,600 s")]
