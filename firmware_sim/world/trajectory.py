"""Where a device is over time: a piecewise-linear path with the direction its carrier faces.

A `Trajectory` is knots ``(t, x, y)`` joined by straight segments walked at constant speed; a segment whose two
knots share a position is a dwell. Each segment also has a `heading`: the direction the carrier's body faces
(walking direction, or towards the shelf while browsing), which the radio needs for body shadowing; ``nan``
means no body (a beacon on a stand, the ESPresense harness's bare receiver-side model).

Times are seconds since the scenario's start. Before its first knot and after its last one the device is not
in the world at all (it does not advertise); queries there return the first or last position.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

NO_BODY = math.nan


@dataclass(frozen=True, slots=True, eq=False)
class Trajectory:
    """Knot times (strictly increasing), positions, and one heading per segment (radians, ``atan2`` style)."""

    t: FloatArray
    x: FloatArray
    y: FloatArray
    heading: FloatArray

    def __post_init__(self) -> None:
        n = len(self.t)
        if n < 1 or len(self.x) != n or len(self.y) != n or len(self.heading) != max(n - 1, 1):
            raise ValueError("a trajectory needs n knots and max(n - 1, 1) headings")
        if n > 1 and not bool(np.all(np.diff(self.t) > 0)):
            raise ValueError("trajectory knot times must be strictly increasing")

    @property
    def start(self) -> float:
        return float(self.t[0])

    @property
    def end(self) -> float:
        return float(self.t[-1])

    def position(self, ts: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Positions at the times `ts` (vectorised)."""
        return np.interp(ts, self.t, self.x), np.interp(ts, self.t, self.y)

    def facing(self, ts: FloatArray) -> FloatArray:
        """The heading of the segment each time falls in."""
        i = np.searchsorted(self.t, ts, side="right") - 1
        return self.heading[np.clip(i, 0, len(self.heading) - 1)]

    def point(self, t: float) -> tuple[float, float]:
        """The position at one time."""
        return float(np.interp(t, self.t, self.x)), float(np.interp(t, self.t, self.y))

    def length_m(self) -> float:
        """The distance walked along the whole trajectory."""
        return float(np.sum(np.hypot(np.diff(self.x), np.diff(self.y))))


class TrajectoryBuilder:
    """Builds a `Trajectory` step by step: walk to a point, dwell, walk along a path."""

    def __init__(self, t: float, x: float, y: float) -> None:
        self.t = t
        self.x = x
        self.y = y
        self._knots: list[tuple[float, float, float]] = [(t, x, y)]
        self._headings: list[float] = []
        self.heading = NO_BODY

    def walk_to(self, x: float, y: float, speed_mps: float) -> TrajectoryBuilder:
        """Walk in a straight line at `speed_mps`; a zero-length walk does nothing."""
        d = math.hypot(x - self.x, y - self.y)
        if d < 1e-9:
            return self
        self.heading = math.atan2(y - self.y, x - self.x)
        return self._knot(self.t + d / speed_mps, x, y, self.heading)

    def walk_path(self, points: Sequence[tuple[float, float]], speed_mps: float) -> TrajectoryBuilder:
        for px, py in points:
            self.walk_to(px, py, speed_mps)
        return self

    def move_for(self, x: float, y: float, duration_s: float, heading: float | None = None) -> TrajectoryBuilder:
        """Go to (x, y) in exactly `duration_s` (a scripted track, or a dwell when the point is unchanged)."""
        if duration_s <= 0:
            raise ValueError("duration_s must be positive")
        if heading is None:
            moving = math.hypot(x - self.x, y - self.y) > 1e-9
            heading = math.atan2(y - self.y, x - self.x) if moving else self.heading
        self.heading = heading
        return self._knot(self.t + duration_s, x, y, heading)

    def dwell(self, duration_s: float, heading: float | None = None) -> TrajectoryBuilder:
        """Stay put for `duration_s`, facing `heading` (default: the way the carrier was walking)."""
        if duration_s <= 0:
            return self
        return self.move_for(self.x, self.y, duration_s, heading)

    def _knot(self, t: float, x: float, y: float, heading: float) -> TrajectoryBuilder:
        self._knots.append((t, x, y))
        self._headings.append(heading)
        self.t, self.x, self.y = t, x, y
        return self

    def build(self) -> Trajectory:
        knots = np.array(self._knots, dtype=np.float64)
        headings = np.array(self._headings or [NO_BODY], dtype=np.float64)
        return Trajectory(knots[:, 0].copy(), knots[:, 1].copy(), knots[:, 2].copy(), headings)


def stationary(x: float, y: float, start_s: float, end_s: float, heading: float = NO_BODY) -> Trajectory:
    """A device that stays at one point from `start_s` to `end_s` (a beacon on a shelf, next door...)."""
    return TrajectoryBuilder(start_s, x, y).move_for(x, y, end_s - start_s, heading).build()
