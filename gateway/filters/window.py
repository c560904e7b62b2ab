"""A sliding time window with Tukey's IQR fence and a trimmed mean: robust to multipath fades by construction,
at the price of a lag of about half the window. It follows ESPresense's ring-buffer smoothing (``FilteredDistance``:
drop the readings far from the median, average the rest), with Tukey's fence and a trimmed mean as the robust
steps, and a window in seconds rather than in readings.

`update` only appends the advert to a bounded ring buffer (two ``deque(maxlen=max_samples)``, one of times and
one of RSSI values: no per-advert allocation beyond the deques' own blocks). The statistics wait for `value`,
which runs once per report interval, and are cached until the next advert:

1. keep the adverts of the last `window_s` seconds before the latest one (the window ends at the latest advert,
   so the value, like the other filters', changes only when an advert arrives); the ring buffer also bounds
   them to the newest `max_samples`;
2. with fewer than 4 adverts, the value is their median;
3. otherwise sort them; Q1 and Q3 are the 25th and 75th percentiles (linear interpolation between order
   statistics, as ``statistics.quantiles(..., method="inclusive")`` and numpy's default); drop the adverts
   outside [Q1 − k·IQR, Q3 + k·IQR], k = `iqr_fence` (1.5, Tukey's fence);
4. from the m adverts left, drop ⌊trim·m⌋ from each end (trim = `trim_fraction`) and average the rest.

The sort costs O(n log n) for n ≤ `max_samples` adverts, once per interval per beacon.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import deque

from gateway.filters.base import RssiFilter


def _quantile(ordered: list[float], q: float) -> float:
    """The q-quantile of sorted values, interpolating linearly between order statistics (type 7)."""
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def robust_mean(values: list[float], iqr_fence: float = 1.5, trim_fraction: float = 0.1) -> float:
    """The window's statistic (steps 2–4 of the module docstring) of a non-empty list of RSSI values."""
    ordered = sorted(values)
    n = len(ordered)
    if n < 4:
        return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2.0
    q1 = _quantile(ordered, 0.25)
    q3 = _quantile(ordered, 0.75)
    reach = iqr_fence * (q3 - q1)
    if math.isnan(reach):  # iqr_fence = inf and IQR = 0: the fence is off
        low, high = 0, n
    else:  # the fence is applied to sorted values, so the adverts kept are one slice
        low = bisect_left(ordered, q1 - reach)
        high = bisect_right(ordered, q3 + reach)
    cut = int((high - low) * trim_fraction)
    kept = ordered[low + cut : high - cut]
    return sum(kept) / len(kept)


class WindowFilter(RssiFilter):
    """The window filter of this module's docstring."""

    __slots__ = ("_cached", "_cached_count", "_iqr_fence", "_rssi", "_times", "_trim", "_window_s")

    def __init__(
        self,
        window_s: float = 3.0,
        max_samples: int = 100,
        iqr_fence: float = 1.5,
        trim_fraction: float = 0.1,
        forget_after_s: float = 10.0,
    ) -> None:
        super().__init__(forget_after_s)
        self._window_s = float(window_s)
        self._iqr_fence = float(iqr_fence)
        self._trim = float(trim_fraction)
        self._times: deque[float] = deque(maxlen=max_samples)
        self._rssi: deque[float] = deque(maxlen=max_samples)
        self._cached = 0.0
        self._cached_count = -1

    def update(self, rssi: float, t: float) -> None:
        if t - self.last_t > self.forget_after_s:  # the first advert, or the first after a silence
            self._times.clear()
            self._rssi.clear()
        self._times.append(t)
        self._rssi.append(rssi)
        self.last_t = t
        self.count += 1

    def value(self, t: float) -> float | None:
        if t - self.last_t > self.forget_after_s:
            return None
        if self._cached_count != self.count:  # something new since the last read: recompute
            times, rssi = self._times, self._rssi
            start = self.last_t - self._window_s
            while times[0] < start:  # the newest advert is always in, so this stops
                times.popleft()
                rssi.popleft()
            self._cached = robust_mean(list(rssi), self._iqr_fence, self._trim)
            self._cached_count = self.count
        return self._cached

    @property
    def samples(self) -> int:
        """How many adverts the ring buffer holds (some may be older than the window until the next `value`)."""
        return len(self._rssi)
