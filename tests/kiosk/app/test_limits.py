"""Rate limits per session and for the whole kiosk, on a clock the test moves."""

from __future__ import annotations

from kiosk.app.limits import Limit, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_session_is_held_to_its_own_limit() -> None:
    clock = Clock()
    limiter = RateLimiter({"lookup": Limit(per_session=3, overall=100, window_s=60.0)}, clock)
    assert [limiter.allow("lookup", "a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("lookup", "b"), "another session has its own count"


def test_the_global_limit_stops_a_new_session_per_try() -> None:
    clock = Clock()
    limiter = RateLimiter({"signup": Limit(per_session=2, overall=5, window_s=600.0)}, clock)
    allowed = [limiter.allow("signup", f"session-{i}") for i in range(7)]
    assert allowed == [True] * 5 + [False] * 2


def test_the_window_slides() -> None:
    clock = Clock()
    limiter = RateLimiter({"lookup": Limit(per_session=2, overall=100, window_s=60.0)}, clock)
    assert limiter.allow("lookup", "a")
    assert limiter.allow("lookup", "a")
    clock.now += 30
    assert not limiter.allow("lookup", "a")
    clock.now += 30.1  # the first two attempts are now more than a minute old
    assert limiter.allow("lookup", "a")


def test_refused_attempts_do_not_count_and_actions_are_separate() -> None:
    clock = Clock()
    limits = {"lookup": Limit(1, 100, 60.0), "signup": Limit(1, 100, 60.0)}
    limiter = RateLimiter(limits, clock)
    assert limiter.allow("lookup", "a")
    for _ in range(10):
        assert not limiter.allow("lookup", "a")
    assert limiter.allow("signup", "a")
    clock.now += 60.5
    assert limiter.allow("lookup", "a"), "refusals did not extend the window"
