"""A one-dimensional Kalman filter of the RSSI level, aware of irregular advert intervals, with a gate against
single multipath outliers.

The model: the true level x wanders as a random walk (a constant-level model whose uncertainty grows with
time), and each advert measures it with independent noise::

    x(t + Δt) = x(t) + w,   w ~ N(0, q·Δt)        q = process_noise, dB²/s
    z         = x + v,      v ~ N(0, r)           r = measurement_noise, dB²

For each advert z at time t, with Δt since the previous one::

    P⁻ = P + q·Δt                     predict: the level may have moved since the last advert
    S  = P⁻ + r                       the innovation's variance
    e  = z − x                        the innovation
    e  = clip(e, −g·√S, +g·√S)        the gate (g = gate_sigma): an outlier pulls no further than g·√S
    K  = P⁻ / S                       the gain
    x  = x + K·e
    P  = (1 − K)·P⁻ = P⁻·r / S

The first advert (and the first after `forget_after_s` of silence) sets x = z, P = r. Because P grows with
Δt, a beacon heard rarely gets a high gain (each advert is news) and one heard often a low gain (many adverts
are averaged): the smoothing time is about √(r / (q·rate)) seconds — 0.8 s at 10 adverts/s, 2.5 s at 1/s with
the defaults — which is what the evidence supports, not a constant per-advert weight.

The gate clips rather than rejects: a real change of level (the shopper turns a corner) produces a run of
large innovations, each of which still moves the estimate by K·g·√S, so the filter never locks out; a lone
−20 dB multipath fade moves it by K·g·√S instead of K·20 dB.
"""

from __future__ import annotations

import math

from gateway.filters.base import RssiFilter


class KalmanFilter(RssiFilter):
    """The Kalman filter described in this module's docstring."""

    __slots__ = ("_gate2", "_p", "_q", "_r", "_x")

    def __init__(
        self,
        process_noise: float,
        measurement_noise: float,
        gate_sigma: float = 3.0,
        forget_after_s: float = 10.0,
    ) -> None:
        super().__init__(forget_after_s)
        self._q = float(process_noise)
        self._r = float(measurement_noise)
        self._gate2 = float(gate_sigma) ** 2  # compared with e²/S, so the hot path takes no square root
        self._x = 0.0
        self._p = 0.0

    def update(self, rssi: float, t: float) -> None:
        dt = t - self.last_t
        self.last_t = t
        self.count += 1
        if dt > self.forget_after_s:  # the first advert, or the first after a silence: start afresh
            self._x = rssi
            self._p = self._r
            return
        p = self._p + self._q * dt if dt > 0.0 else self._p
        s = p + self._r
        e = rssi - self._x
        if e * e > self._gate2 * s:  # outside the gate: clip to g·√S (rare, so the root is taken only here)
            limit = math.sqrt(self._gate2 * s)
            e = limit if e > 0.0 else -limit
        k = p / s
        self._x += k * e
        self._p = p - k * p

    def value(self, t: float) -> float | None:
        if t - self.last_t > self.forget_after_s:
            return None
        return self._x

    @property
    def variance(self) -> float | None:
        """P, the estimate's variance in dB² just after the latest advert (``None`` before the first)."""
        return None if self.count == 0 else self._p
