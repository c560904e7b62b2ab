"""`FilterSettings`: which RSSI filter a gateway runs and with what parameters, frozen and validated.

The field names that the remote configuration can set are those of ``edge.protocol.FilterParams`` (``kind``,
``process_noise``, ``measurement_noise``, ``alpha``, ``window_s``, ``forget_after_s``, ``path_loss_exponent``), so
a ``gw/{gw}/config`` message maps onto these settings one to one with `FilterSettings.with_overrides`. The other
fields (``tau_s``, ``gate_sigma``, ``max_samples``, ``iqr_fence``, ``trim_fraction``) are local tuning knobs with
defaults that rarely need changing. Units are in the names where a unit exists; RSSI is in dB(m).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any, Final, Literal, get_args

from edge.protocol import FilterParams

FilterKind = Literal["kalman", "ewma", "window"]
FILTER_KINDS: Final[tuple[FilterKind, ...]] = get_args(FilterKind)

DEFAULT_KIND: Final[FilterKind] = "kalman"
"""Chosen by zone accuracy in the simulator (``corsia eval``; ``docs/accuracy.md``)."""


def _number(name: str, value: object, *, allow_inf: bool = False) -> float:
    """`value` as a float, or a `ValueError` naming the field. Booleans are not numbers here."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name}: must be a number, got {value!r}")
    number = float(value)
    if math.isnan(number) or (math.isinf(number) and not allow_inf):
        raise ValueError(f"{name}: must be a finite number, got {value!r}")
    return number


def _positive(name: str, value: object, *, upper: float = math.inf, allow_inf: bool = False) -> None:
    number = _number(name, value, allow_inf=allow_inf)
    if not 0.0 < number <= upper:
        bound = "greater than 0" if upper == math.inf else f"greater than 0 and at most {upper:g}"
        raise ValueError(f"{name}: must be {bound}, got {value!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class FilterSettings:
    """One gateway's RSSI filter configuration. Construction validates; a bad value raises `ValueError` whose
    message starts with the field name (``"window_s: must be ..."``)."""

    kind: FilterKind = DEFAULT_KIND
    """``"kalman"``, ``"ewma"`` or ``"window"``."""

    # --- shared -------------------------------------------------------------------------------------------
    forget_after_s: float = 10.0
    """A beacon unheard this long is forgotten: `value` is ``None`` and the next advert starts afresh."""
    path_loss_exponent: float = 2.0
    """The log-distance model's n for the distance estimate (``gateway.distance``); 2 is free space."""

    # --- kalman -------------------------------------------------------------------------------------------
    process_noise: float = 12.0
    """q, in dB² per second: how fast the true level may wander. The prediction variance grows by q·Δt."""
    measurement_noise: float = 6.25
    """r, in dB²: the variance of one advert's RSSI around the true level (6.25 = a 2.5 dB standard deviation)."""
    gate_sigma: float = 3.0
    """Innovations beyond this many standard deviations are clipped to it (one multipath outlier moves the
    estimate by at most this much, times the gain). ``math.inf`` turns the gate off."""

    # --- ewma ---------------------------------------------------------------------------------------------
    tau_s: float | None = 1.0
    """Time constant in seconds: each advert is weighted by exp(-age/τ), whatever the advertising rate."""
    alpha: float | None = None
    """Per-advert weight of the classic EWMA (x += α(z − x)): its time constant depends on the advertising
    rate. Exactly one of `tau_s` and `alpha` is set; the remote config carries only `alpha`, and setting it
    there switches the EWMA to per-advert weighting (see `with_overrides`)."""

    # --- window -------------------------------------------------------------------------------------------
    window_s: float = 3.0
    """The window keeps the adverts of the last `window_s` seconds before the latest one."""
    max_samples: int = 100
    """The ring buffer's bound: beyond it the oldest adverts leave the window early (100 adverts = 33 a second
    over the default 3 s)."""
    iqr_fence: float = 1.5
    """Tukey's k: adverts outside [Q1 − k·IQR, Q3 + k·IQR] are dropped. ``math.inf`` keeps every advert."""
    trim_fraction: float = 0.1
    """The fraction dropped from each end of the fenced, sorted adverts before the mean (0 = plain mean)."""

    def __post_init__(self) -> None:
        if self.kind not in FILTER_KINDS:
            raise ValueError(f"kind: must be one of {', '.join(FILTER_KINDS)}, got {self.kind!r}")
        _positive("forget_after_s", self.forget_after_s, upper=3600.0)
        path_loss = _number("path_loss_exponent", self.path_loss_exponent)
        if not 1.0 <= path_loss <= 6.0:
            raise ValueError(f"path_loss_exponent: must be between 1 and 6, got {self.path_loss_exponent!r}")
        _positive("process_noise", self.process_noise)
        _positive("measurement_noise", self.measurement_noise)
        _positive("gate_sigma", self.gate_sigma, allow_inf=True)
        if self.tau_s is not None:
            _positive("tau_s", self.tau_s, upper=3600.0)
        if self.alpha is not None:
            _positive("alpha", self.alpha, upper=1.0)
        if self.tau_s is not None and self.alpha is not None:
            raise ValueError("alpha: set either alpha (per advert) or tau_s (per second), not both")
        if self.kind == "ewma" and self.tau_s is None and self.alpha is None:
            raise ValueError("tau_s: the ewma filter needs tau_s or alpha")
        _positive("window_s", self.window_s, upper=60.0)
        if isinstance(self.max_samples, bool) or not isinstance(self.max_samples, int):
            raise ValueError(f"max_samples: must be an integer, got {self.max_samples!r}")
        if not 4 <= self.max_samples <= 10_000:
            raise ValueError(f"max_samples: must be between 4 and 10000, got {self.max_samples!r}")
        _positive("iqr_fence", self.iqr_fence, allow_inf=True)
        trim = _number("trim_fraction", self.trim_fraction)
        if not 0.0 <= trim < 0.5:
            raise ValueError(f"trim_fraction: must be at least 0 and below 0.5, got {self.trim_fraction!r}")
        # Store plain floats (an int 2 from TOML becomes 2.0), so the hot path never mixes types.
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name != "max_samples" and isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, field.name, float(value))

    def with_overrides(self, params: FilterParams) -> FilterSettings:
        """New settings with the remote configuration's parameters applied; its ``None`` fields keep ours.

        `params.kind` always applies. An `alpha` selects the per-advert EWMA, so it clears `tau_s` (the contract
        has no time constant field; the two are exclusive). The result is validated like any other.
        """
        changes: dict[str, Any] = {"kind": params.kind}
        for name in ("process_noise", "measurement_noise", "window_s", "forget_after_s", "path_loss_exponent"):
            value = getattr(params, name)
            if value is not None:
                changes[name] = value
        if params.alpha is not None:
            changes["alpha"] = params.alpha
            changes["tau_s"] = None
        return replace(self, **changes)
