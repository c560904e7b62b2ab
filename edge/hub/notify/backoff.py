"""When to try a push again after a ``retry`` outcome: exponential backoff with full jitter, and when to give up.

Full jitter (a uniform draw between zero and the exponential cap) spreads the retries of many messages that
failed together — a push service outage, the store's internet line coming back — instead of sending them all
again in the same second.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Final

DEFAULT_BASE_S: Final = 2.0
DEFAULT_MAX_S: Final = 600.0
GIVE_UP_AFTER_S: Final = 86_400.0
"""Why a day: retries only matter while the push service cannot be reached (the store's internet line is down,
the service is overloaded); once it accepts a message, the service itself keeps it for the phone up to its TTL.
A day of retries rides out an outage of a whole trading day, with the line back overnight; past that, even the
messages that last longest (a thank-you coupon, a pickup reminder) are stale, and a service that has refused a
message for a day will not take it."""


def _cap(attempt: int, base_s: float, max_s: float) -> float:
    # 2 ** 1000 would overflow a float: past 63 doublings any sane base is far beyond max_s anyway.
    return max_s if attempt > 64 else min(max_s, base_s * 2.0 ** (attempt - 1))


def next_attempt(
    attempt: int,
    now: float,
    *,
    base_s: float = DEFAULT_BASE_S,
    max_s: float = DEFAULT_MAX_S,
    retry_after_s: float | None = None,
    rng: Callable[[], float] = random.random,
) -> float:
    """The Unix time of the next try after failed attempt number `attempt` (1 for the first send).

    The wait is drawn uniformly from ``[0, min(max_s, base_s * 2 ** (attempt - 1)))`` by `rng` (a function
    returning a float in [0, 1]). A push service's Retry-After (`retry_after_s`) is a floor: the hub never
    comes back sooner than the service asked. Raises `ValueError` for arguments out of range.
    """
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
        raise ValueError(f"attempt must be an integer >= 1, got {attempt!r}")
    if not (math.isfinite(base_s) and base_s > 0):
        raise ValueError(f"base_s must be positive, got {base_s}")
    if not (math.isfinite(max_s) and max_s >= base_s):
        raise ValueError(f"max_s must be at least base_s ({base_s}), got {max_s}")
    if retry_after_s is not None and not (math.isfinite(retry_after_s) and retry_after_s >= 0):
        raise ValueError(f"retry_after_s must be a non-negative number of seconds, got {retry_after_s}")
    draw = rng()
    if not 0.0 <= draw <= 1.0:
        raise ValueError(f"rng must return a number in [0, 1], got {draw}")
    wait = draw * _cap(attempt, base_s, max_s)
    if retry_after_s is not None:
        wait = max(wait, retry_after_s)
    return now + wait


def attempts_within(horizon_s: float, *, base_s: float = DEFAULT_BASE_S, max_s: float = DEFAULT_MAX_S) -> int:
    """How many attempts (the first send included) fit in `horizon_s` when every wait is its expected half-cap."""
    if horizon_s < 0:
        raise ValueError(f"horizon_s must be non-negative, got {horizon_s}")
    attempts, elapsed = 1, 0.0
    while True:
        wait = _cap(attempts, base_s, max_s) / 2  # full jitter's mean
        if elapsed + wait > horizon_s:
            return attempts
        elapsed += wait
        attempts += 1


MAX_ATTEMPTS: Final = attempts_within(GIVE_UP_AFTER_S)
"""Attempts after which a message is given up: on average they span `GIVE_UP_AFTER_S` (296 with the
defaults: the waits double from 2 s to the 600 s ceiling within ten attempts, then average 300 s)."""
