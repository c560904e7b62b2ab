"""Retry scheduling: full jitter under a doubling cap, Retry-After as a floor, and when to give up."""

from __future__ import annotations

import random

import pytest

from edge.hub.notify.backoff import GIVE_UP_AFTER_S, MAX_ATTEMPTS, attempts_within, next_attempt

NOW = 1_795_392_000.0
ALMOST_ONE = 1.0 - 1e-12


def test_zero_draw_retries_at_once_and_top_draw_waits_the_whole_cap() -> None:
    assert next_attempt(1, NOW, rng=lambda: 0.0) == NOW
    assert next_attempt(1, NOW, rng=lambda: ALMOST_ONE) == pytest.approx(NOW + 2.0)


def test_cap_doubles_per_attempt_until_the_ceiling() -> None:
    caps = [next_attempt(a, NOW, rng=lambda: ALMOST_ONE) - NOW for a in range(1, 15)]
    assert caps[:9] == pytest.approx([2, 4, 8, 16, 32, 64, 128, 256, 512])
    assert caps[9:] == pytest.approx([600.0] * 5)


def test_custom_base_and_ceiling() -> None:
    waits = [next_attempt(a, NOW, base_s=0.5, max_s=3.0, rng=lambda: ALMOST_ONE) - NOW for a in (1, 2, 3, 4, 5)]
    assert waits == pytest.approx([0.5, 1.0, 2.0, 3.0, 3.0])


def test_random_draws_stay_within_bounds_and_spread_out() -> None:
    rng = random.Random(7)
    for attempt in (1, 3, 6, 12, 40):
        cap = min(600.0, 2.0 * 2 ** (attempt - 1))
        times = [next_attempt(attempt, NOW, rng=rng.random) for _ in range(500)]
        assert all(NOW <= t <= NOW + cap for t in times)
        # Full jitter: the draws cover the range, they do not cluster at the cap.
        assert min(times) - NOW < 0.1 * cap
        assert max(times) - NOW > 0.9 * cap


def test_retry_after_is_a_floor_not_a_replacement() -> None:
    assert next_attempt(1, NOW, retry_after_s=30.0, rng=lambda: 0.5) == NOW + 30.0
    # A draw longer than the service's Retry-After wins: the floor never shortens the wait.
    assert next_attempt(12, NOW, retry_after_s=5.0, rng=lambda: 0.5) == NOW + 300.0
    assert next_attempt(1, NOW, retry_after_s=3600.0, rng=lambda: 0.0) == NOW + 3600.0


def test_huge_attempt_numbers_do_not_overflow() -> None:
    assert next_attempt(10_000, NOW, rng=lambda: ALMOST_ONE) == pytest.approx(NOW + 600.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"attempt": 0},
        {"attempt": -1},
        {"attempt": True},
        {"base_s": 0.0},
        {"base_s": float("nan")},
        {"max_s": 1.0},  # below base_s
        {"retry_after_s": -1.0},
        {"retry_after_s": float("inf")},
        {"rng": lambda: 1.5},
    ],
)
def test_bad_arguments_raise(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"attempt": 1, "now": NOW, **kwargs}
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message; any ValueError is the contract
        next_attempt(**args)  # type: ignore[arg-type]


def test_max_attempts_span_about_a_day_on_average() -> None:
    assert attempts_within(0.0) == 1
    assert attempts_within(1.0) == 2  # the first wait averages 1 s
    waits = [min(600.0, 2.0 * 2 ** (a - 1)) / 2 for a in range(1, MAX_ATTEMPTS)]
    assert sum(waits) <= GIVE_UP_AFTER_S < sum(waits) + 300.0
    assert attempts_within(GIVE_UP_AFTER_S) == MAX_ATTEMPTS


def test_a_message_retried_max_attempts_times_gives_up_after_roughly_a_day() -> None:
    rng = random.Random(42)
    spans = []
    for _ in range(20):
        t = NOW
        for attempt in range(1, MAX_ATTEMPTS):
            t = next_attempt(attempt, t, rng=rng.random)
        spans.append(t - NOW)
    assert all(20 * 3600 < span < 28 * 3600 for span in spans)
