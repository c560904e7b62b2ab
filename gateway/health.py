"""The gateway's health report: what IT sees every `health_interval_s` on ``gw/{gw}/health``."""

from __future__ import annotations

from edge.host import THERMAL_ZONE, cpu_temp_c, rss_mb

__all__ = ["THERMAL_ZONE", "RateMeter", "cpu_temp_c", "rss_mb"]


class RateMeter:
    """Events per second between two readings of a monotonically growing counter."""

    __slots__ = ("_last_count", "_last_t")

    def __init__(self, count: int, t: float) -> None:
        self._last_count = count
        self._last_t = t

    def rate(self, count: int, t: float) -> float:
        dt = t - self._last_t
        value = (count - self._last_count) / dt if dt > 0 else 0.0
        self._last_count, self._last_t = count, t
        return round(max(value, 0.0), 1)
