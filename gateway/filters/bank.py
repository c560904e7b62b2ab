"""`make_filter` and `FilterBank`: one filter per beacon, the gateway's `rssi_offset`, and forgetting."""

from __future__ import annotations

import math
from collections.abc import Iterator

from gateway.filters.base import RssiFilter
from gateway.filters.ewma import EwmaFilter
from gateway.filters.kalman import KalmanFilter
from gateway.filters.settings import FilterSettings
from gateway.filters.window import WindowFilter

MAX_RSSI_OFFSET_DB = 30.0
"""The bound of ``rssi_offset``, as in the store layout and ``GatewayConfig``."""


def make_filter(settings: FilterSettings) -> RssiFilter:
    """A new, empty filter of the kind and with the parameters of `settings`."""
    if settings.kind == "kalman":
        return KalmanFilter(
            settings.process_noise, settings.measurement_noise, settings.gate_sigma, settings.forget_after_s
        )
    if settings.kind == "ewma":
        return EwmaFilter(tau_s=settings.tau_s, alpha=settings.alpha, forget_after_s=settings.forget_after_s)
    return WindowFilter(
        settings.window_s, settings.max_samples, settings.iqr_fence, settings.trim_fraction, settings.forget_after_s
    )


def _check_offset(rssi_offset: float) -> float:
    if isinstance(rssi_offset, bool) or not isinstance(rssi_offset, int | float) or math.isnan(rssi_offset):
        raise ValueError(f"rssi_offset: must be a number, got {rssi_offset!r}")
    if not -MAX_RSSI_OFFSET_DB <= rssi_offset <= MAX_RSSI_OFFSET_DB:
        raise ValueError(f"rssi_offset: must be between -30 and 30 dB, got {rssi_offset!r}")
    return float(rssi_offset)


class FilterBank:
    """The filters of one gateway, one per beacon id.

    A beacon's filter is made at its first advert and dropped once it has been silent for `forget_after_s`
    (by `values` or `forget`, which the gateway calls once per report interval), so memory follows the beacons
    actually around. The gateway's `rssi_offset` is added on the way out, not on the way in: every filter
    here commutes with adding a constant, so the result is the same, and a new offset from the remote
    configuration applies at the next report without disturbing any filter.
    """

    __slots__ = ("_filters", "_offset", "_settings")

    def __init__(self, settings: FilterSettings | None = None, rssi_offset: float = 0.0) -> None:
        self._settings = FilterSettings() if settings is None else settings
        self._offset = _check_offset(rssi_offset)
        self._filters: dict[str, RssiFilter] = {}

    @property
    def settings(self) -> FilterSettings:
        return self._settings

    @property
    def rssi_offset(self) -> float:
        """dB added to every filtered value so that all gateways of a store agree (see docs/store-layout.md)."""
        return self._offset

    def configure(self, settings: FilterSettings | None = None, rssi_offset: float | None = None) -> None:
        """Apply a new configuration; ``None`` keeps the current one.

        New filter settings (if they differ) drop every beacon's filter: each starts afresh at its next advert,
        rather than a mix of old and new filters reporting side by side. A new offset keeps them.
        """
        offset = self._offset if rssi_offset is None else _check_offset(rssi_offset)
        if settings is not None and settings != self._settings:
            self._settings = settings
            self._filters.clear()
        self._offset = offset

    def update(self, beacon_id: str, rssi: float, t: float) -> None:
        """Take one advert of `beacon_id` (raw RSSI in dBm, monotonic time in seconds)."""
        filt = self._filters.get(beacon_id)
        if filt is None:
            filt = self._filters[beacon_id] = make_filter(self._settings)
        filt.update(rssi, t)

    def get(self, beacon_id: str) -> RssiFilter | None:
        """The filter of `beacon_id`, if it has one (its value is without the offset)."""
        return self._filters.get(beacon_id)

    def value(self, beacon_id: str, t: float) -> float | None:
        """The filtered RSSI of `beacon_id` with the offset, or ``None`` if unheard or forgotten."""
        filt = self._filters.get(beacon_id)
        value = None if filt is None else filt.value(t)
        return None if value is None else value + self._offset

    def values(self, t: float) -> dict[str, float]:
        """Every remembered beacon's filtered RSSI with the offset; the forgotten ones are dropped."""
        out: dict[str, float] = {}
        forgotten: list[str] = []
        offset = self._offset
        for beacon_id, filt in self._filters.items():
            value = filt.value(t)
            if value is None:
                forgotten.append(beacon_id)
            else:
                out[beacon_id] = value + offset
        for beacon_id in forgotten:
            del self._filters[beacon_id]
        return out

    def discard(self, beacon_id: str) -> bool:
        """Drop one beacon's filter now (say, it is no longer allowed); True if it had one."""
        return self._filters.pop(beacon_id, None) is not None

    def forget(self, t: float) -> int:
        """Drop the filters of beacons silent for more than `forget_after_s` at `t`; return how many."""
        forgotten = [beacon_id for beacon_id, filt in self._filters.items() if filt.forgotten(t)]
        for beacon_id in forgotten:
            del self._filters[beacon_id]
        return len(forgotten)

    def __len__(self) -> int:
        return len(self._filters)

    def __contains__(self, beacon_id: object) -> bool:
        return beacon_id in self._filters

    def __iter__(self) -> Iterator[str]:
        return iter(self._filters)
