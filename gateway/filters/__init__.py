"""Per-beacon RSSI filters: one interface, three filters, a factory from validated settings, and a bank.

    >>> bank = FilterBank(FilterSettings(kind="kalman"), rssi_offset=-1.5)
    >>> for t in range(5):
    ...     bank.update("eid:1a2b3c4d5e6f7a8b", -70.0, float(t))
    >>> bank.value("eid:1a2b3c4d5e6f7a8b", 5.0)
    -71.5
    >>> bank.values(30.0)  # silent for more than forget_after_s (10 s): forgotten
    {}

- `RssiFilter` (``base.py``): ``update(rssi, t)`` per advert, ``value(t)`` per report, ``last_t``, ``count``.
- `KalmanFilter` (``kalman.py``): a random-walk level, variance growing with the time between adverts, with an
  innovation gate against lone outliers.
- `EwmaFilter` (``ewma.py``): exponential weights per second (`tau_s`) or per advert (`alpha`).
- `WindowFilter` (``window.py``): the last `window_s` seconds, Tukey's IQR fence, trimmed mean; computed only
  when the value is read.
- `FilterSettings` (``settings.py``): the validated configuration; `with_overrides` applies a remote
  ``FilterParams``. `make_filter(settings)` builds a filter; `FilterBank` (``bank.py``) keeps one per beacon,
  adds the gateway's `rssi_offset` and forgets silent beacons.

Pure: no I/O, no bleak, no numpy. Equations, defaults and measured costs are in ``docs/filters.md``; the
benchmark is ``bench/filters.py``.
"""

from __future__ import annotations

from gateway.filters.bank import FilterBank, make_filter
from gateway.filters.base import RssiFilter
from gateway.filters.ewma import EwmaFilter
from gateway.filters.kalman import KalmanFilter
from gateway.filters.settings import DEFAULT_KIND, FILTER_KINDS, FilterKind, FilterSettings
from gateway.filters.window import WindowFilter, robust_mean

__all__ = [
    "DEFAULT_KIND",
    "FILTER_KINDS",
    "EwmaFilter",
    "FilterBank",
    "FilterKind",
    "FilterSettings",
    "KalmanFilter",
    "RssiFilter",
    "WindowFilter",
    "make_filter",
    "robust_mean",
]
