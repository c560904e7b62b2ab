"""Dwell thresholds per zone: a zone's campaign fires after *its own* number of seconds in the zone, which need
not be the presence engine's single ``dwell`` moment. Pure logic, fed with journey events, asked every tick.

    >>> watch = DwellWatch({"aisle-4": [20.0, 60.0]})
    >>> watch.on_zone("phone-1", "visit-1", "aisle-4", since=100.0)
    >>> watch.due(119.0), [(c.zone, c.threshold_s) for c in watch.due(120.0)]
    ([], [('aisle-4', 20.0)])
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DwellCrossed:
    """`device` has been in `zone` for `threshold_s` (at least) during `visit`."""

    device: str
    visit: str
    zone: str
    threshold_s: float
    dwell_s: float


class DwellWatch:
    """Which device has been how long in which zone, and which thresholds that crosses."""

    def __init__(self, thresholds: Mapping[str, Iterable[float]]) -> None:
        self._thresholds: dict[str, tuple[float, ...]] = {}
        self.set_thresholds(thresholds)
        self._where: dict[str, tuple[str, str, float]] = {}  # device → (visit, zone, since)
        self._heap: list[tuple[float, int, str, str, float]] = []  # (due, tiebreak, device, zone, threshold)
        self._order = itertools.count()

    def set_thresholds(self, thresholds: Mapping[str, Iterable[float]]) -> None:
        """The dwell seconds that matter per zone (the campaigns changed); applies to zones entered from now on."""
        self._thresholds = {zone: tuple(sorted(set(values))) for zone, values in thresholds.items() if values}

    def on_zone(self, device: str, visit: str, zone: str, since: float) -> None:
        """`device` is in `zone` from `since` (a visit's enter, or a zone change)."""
        self._where[device] = (visit, zone, since)
        for threshold in self._thresholds.get(zone, ()):
            heapq.heappush(self._heap, (since + threshold, next(self._order), device, zone, threshold))

    def on_exit(self, device: str) -> None:
        """The visit ended: pending thresholds are dropped (lazily, when they come due)."""
        self._where.pop(device, None)

    def due(self, now: float) -> list[DwellCrossed]:
        """Thresholds crossed by `now` and still valid (the device has not left the zone since)."""
        crossed: list[DwellCrossed] = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            due, _, device, zone, threshold = heapq.heappop(heap)
            where = self._where.get(device)
            if where is None or where[1] != zone or where[2] + threshold != due:
                continue  # left the zone, or entered it again later (a newer entry is queued)
            crossed.append(DwellCrossed(device, where[0], zone, threshold, now - where[2]))
        return crossed

    def zone_of(self, device: str) -> str | None:
        """The zone `device` is in, in a visit going on; None otherwise."""
        where = self._where.get(device)
        return None if where is None else where[1]

    def __len__(self) -> int:
        return len(self._where)
