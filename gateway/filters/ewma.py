"""Exponentially weighted moving averages of the RSSI: per second (`tau_s`) or per advert (`alpha`).

**Per second (the default).** Every advert z_i counts with the weight exp(−age_i / τ), and the value is the
weighted mean::

    x(t) = Σ exp(−(t − t_i)/τ)·z_i  /  Σ exp(−(t − t_i)/τ)

kept in two running sums, decayed by d = exp(−Δt/τ) at each advert::

    S = d·S + z        W = d·W + 1        x = S / W   (the division waits for `value`)

The memory is τ seconds whatever the advertising rate: a step in the level shows as 1 − exp(−T/τ) of its size
after T seconds at 1 advert/s as at 10/s; a faster advertiser simply averages more adverts, so its value is
less noisy. Irregular intervals, bursts and two adverts with the same time are handled as they come. With
regular adverts every h seconds this is exactly the classic EWMA with α = 1 − exp(−h/τ) (the default τ = 1 s
is α ≈ 0.095 at 10 adverts/s and α ≈ 0.63 at 1/s), except at the start, where the normalisation weights the
first adverts evenly instead of leaning on the first one.

**Per advert.** The classic x = x + α·(z − x), the first advert setting x = z. Its memory is about 1/α adverts,
so a phone advertising ten times as often is smoothed over a tenth of the time: zones would switch faster for
some phones than for others. It is here because the remote configuration carries `alpha`, and because it is
what most BLE projects call an EWMA.
"""

from __future__ import annotations

import math

from gateway.filters.base import RssiFilter


class EwmaFilter(RssiFilter):
    """Either EWMA of this module's docstring: give `tau_s` (per second) or `alpha` (per advert)."""

    __slots__ = ("_alpha", "_inv_tau", "_s", "_w")

    def __init__(self, *, tau_s: float | None = None, alpha: float | None = None, forget_after_s: float = 10.0) -> None:
        super().__init__(forget_after_s)
        if (tau_s is None) == (alpha is None):
            raise ValueError("tau_s: give exactly one of tau_s and alpha")
        # Per second: _inv_tau = 1/τ, _alpha = 0. Per advert: _inv_tau = 0, _alpha = α, and _s holds x (_w = 1).
        self._inv_tau = 0.0 if tau_s is None else 1.0 / tau_s
        self._alpha = 0.0 if alpha is None else float(alpha)
        self._s = 0.0
        self._w = 0.0

    @property
    def tau_s(self) -> float | None:
        return None if self._inv_tau == 0.0 else 1.0 / self._inv_tau

    @property
    def alpha(self) -> float | None:
        return None if self._alpha == 0.0 else self._alpha

    def update(self, rssi: float, t: float) -> None:
        dt = t - self.last_t
        self.last_t = t
        self.count += 1
        if dt > self.forget_after_s:  # the first advert, or the first after a silence: start afresh
            self._s = rssi
            self._w = 1.0
        elif self._alpha:
            self._s += self._alpha * (rssi - self._s)
        else:
            d = math.exp(-dt * self._inv_tau) if dt > 0.0 else 1.0
            self._s = self._s * d + rssi
            self._w = self._w * d + 1.0

    def value(self, t: float) -> float | None:
        if t - self.last_t > self.forget_after_s:
            return None
        return self._s / self._w
