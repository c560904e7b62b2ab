"""`RssiFilter`: the one interface every per-beacon RSSI filter offers."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod


class RssiFilter(ABC):
    """The filtered RSSI of one beacon at one gateway, fed one advert at a time.

    `update` runs once per advert (hundreds of thousands a second per core), so implementations keep their
    state in slots as plain floats and allocate nothing there; anything costly waits for `value`, which runs
    once per report interval. Times are monotonic seconds, non-decreasing from one call to the next.

    A filter forgets: once `forget_after_s` has passed since the last advert, `value` is ``None``, and the
    next advert starts the filter afresh as if it were the first. Until then the estimate holds between
    adverts: every implementation's value changes only when an advert arrives.
    """

    __slots__ = ("count", "forget_after_s", "last_t")

    count: int
    """Adverts taken since the filter was made (never reset, so a caller can difference it per interval)."""
    last_t: float
    """The time of the latest advert; ``-math.inf`` before the first one."""
    forget_after_s: float
    """Silence after which the filter has no value and starts afresh."""

    def __init__(self, forget_after_s: float) -> None:
        self.forget_after_s = forget_after_s
        self.last_t = -math.inf
        self.count = 0

    @abstractmethod
    def update(self, rssi: float, t: float) -> None:
        """Take one advert's RSSI (dBm) heard at monotonic time `t` (seconds)."""

    @abstractmethod
    def value(self, t: float) -> float | None:
        """The filtered RSSI at time `t`, or ``None`` with no advert yet or none for `forget_after_s`."""

    def forgotten(self, t: float) -> bool:
        """Whether the filter holds nothing at time `t` (never heard, or silent for more than `forget_after_s`)."""
        return t - self.last_t > self.forget_after_s
