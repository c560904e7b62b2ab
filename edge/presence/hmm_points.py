"""The ``hmm-points`` zone rule: the ``hmm`` rule's forward filter over the floor's grid points, not the zones.

Over zones, the filter must treat a zone as one place: its likelihood is the average over all of its points, so a
shopper just inside the mouth of a 16 m aisle, who fits only its first metres, scores the aisle poorly against the
small front strip they came from, and the switch waits for evidence from deeper in. Over points, the filter
follows the shopper along the floor, and a zone's probability is the sum over its points (docs/accuracy.md).

- **predict**: in one second a shopper stays about where they were (a standing shopper shuffles,
  `points_shuffle_m`) or, with probability `points_walking`, walks (`points_walk_m`): the next point is drawn from
  a mixture of two Gaussians of those widths, among the points reachable in a straight line without crossing
  shelving (`shelf_segments`). A longer gap repeats the step, up to `MAX_STEPS`; `hmm_jump_rate` lands anywhere;
- **update**: as the ``hmm`` rule, each point's likelihood (`ZoneModel.point_log_likelihoods`, averaged over the
  facings) raised to ``hmm_evidence·dt``. With fewer than `MIN_GATEWAYS` readings each point takes its zone's
  fallback likelihood (`ZoneHmm.log_likelihoods`).

The step is a float32 matrix product over the points (the demo store's 600 at 1 m: 25 µs); a floor of more than
`DENSE_MAX_POINTS` points gathers over each point's reachable neighbours instead (a few dozen at 1 m), whose
memory and cost grow with the area, not its square. The posterior is kept, stepped and updated in float32: the
likelihoods come out of float32 products, so more would only carry their rounding, and it halves the memory
traffic of every pass over the points.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from edge.presence.hmm import Probabilities, ZoneHmm
from edge.presence.model import ZoneModel, shelf_crossings, shelf_segments
from edge.presence.settings import PresenceSettings
from edge.store import StoreLayout

REACH_SIGMAS: Final = 3.0
"""A step reaches this many walking widths at most: beyond, the Gaussian's weight is negligible."""
MAX_STEPS: Final = 3
"""The most one-second steps a prediction takes: after a longer gap, the readings decide alone."""
DENSE_MAX_POINTS: Final = 1500
"""Floors of up to this many grid points (1,500 m² at 1 m) step with a dense matrix, larger ones with a gather."""


class PointHmm(ZoneHmm):
    """The forward filter's fixed parts over the grid points of a `ZoneModel` (`hmm_grid_m`): where a shopper on
    each point can be a second later. States are points; `zones` sums them per zone."""

    def __init__(self, layout: StoreLayout, settings: PresenceSettings, model: ZoneModel) -> None:
        super().__init__(layout, settings, model)
        px, py = model.points_x, model.points_y
        self.point_zones = model.point_zones
        self.points = len(px)
        self.states = self.points
        self.state_dtype = np.float32  # the step is a float32 product: more would be rounded away there anyway
        # points x zones: 1 where the point is in the zone
        self._in_zone = np.zeros((self.points, self.zone_count), dtype=np.float32)
        self._in_zone[np.arange(self.points), self.point_zones] = 1.0
        counts = np.bincount(self.point_zones, minlength=self.zone_count).astype(np.float64)
        present = counts > 0
        # every zone as likely, and every point within a zone (in the state's type, as the rows it lands in)
        anywhere = (1.0 / present.sum() / np.where(present, counts, 1.0))[self.point_zones]
        self._anywhere: Probabilities = anywhere.astype(np.float32)
        shelves = shelf_segments(layout)
        walk, shuffle, walking = settings.points_walk_m, settings.points_shuffle_m, settings.points_walking
        reach = REACH_SIGMAS * max(walk, shuffle)
        rows: list[npt.NDArray[np.intp]] = []
        weights: list[npt.NDArray[np.float64]] = []
        for i in range(self.points):
            d2 = (px - px[i]) ** 2 + (py - py[i]) ** 2
            near = np.flatnonzero(d2 <= reach * reach)
            near = near[shelf_crossings(px[near], py[near], float(px[i]), float(py[i]), shelves) == 0]
            w = walking * _normalised(np.exp(-d2[near] / (2.0 * walk * walk)))
            w += (1.0 - walking) * _normalised(np.exp(-d2[near] / (2.0 * shuffle * shuffle)))
            rows.append(near)
            weights.append(w)
        # The step: point j's next probability is Σ p[i]·K[i, j]. A dense float32 matrix is one fast product up to
        # a floor of DENSE_MAX_POINTS points (9 MB); beyond, a gather over the points i that reach j (the same as
        # those j reaches: distance and shelving are symmetric), padded to a rectangle with weight 0.
        self._dense: npt.NDArray[np.float32] | None = None
        self._from = np.zeros((self.points, 0), dtype=np.intp)
        self._weight = np.zeros((self.points, 0), dtype=np.float32)
        if self.points <= DENSE_MAX_POINTS:
            self._dense = np.zeros((self.points, self.points), dtype=np.float32)
            for i, (near, w) in enumerate(zip(rows, weights, strict=True)):
                self._dense[i, near] = w
        else:
            width = max(len(r) for r in rows)
            self._from = np.zeros((self.points, width), dtype=np.intp)
            self._weight = np.zeros((self.points, width), dtype=np.float32)
            filled = np.zeros(self.points, dtype=np.intp)
            for i, (near, w) in enumerate(zip(rows, weights, strict=True)):
                self._from[near, filled[near]] = i
                self._weight[near, filled[near]] = w
                filled[near] += 1

    def prior(self) -> Probabilities:
        """Where a device is before any evidence: every zone as likely (as for `ZoneHmm`), and within a zone every
        point. Not every point: a device heard by one gateway would start in the largest zones."""
        return self._anywhere.copy()

    def predict_many(self, p: Probabilities, dt: npt.NDArray[np.float64]) -> Probabilities:
        """`p` (devices x points) after `dt` seconds (per device), in float32: the steps keep each row's total."""
        q = p.astype(np.float32, copy=False)
        steps = np.minimum(MAX_STEPS, np.maximum(1, np.round(dt))).astype(np.intp)
        q = self._step(q)
        for k in range(2, int(steps.max()) + 1):
            rows = steps >= k
            q[rows] = self._step(q[rows])
        return self._jumps(q, dt, self._anywhere)

    def _step(self, q: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """One second's step of each row of `q`."""
        out: npt.NDArray[np.float32] = (
            q @ self._dense if self._dense is not None else np.einsum("kij,ij->ki", q[:, self._from], self._weight)
        )
        return out

    def _model_log_likelihoods(
        self, heard: npt.NDArray[np.bool_], rssi: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        return self.model.point_log_likelihoods_many(heard, rssi)

    def _fallback(self, heard: npt.NDArray[np.bool_], rssi: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Each point takes its zone's fallback likelihood."""
        out: npt.NDArray[np.float64] = super()._fallback(heard, rssi)[:, self.point_zones]
        return out

    def zones_many(self, p: Probabilities) -> Probabilities:
        """The zones' probabilities: the sum over each zone's points."""
        out: Probabilities = p @ self._in_zone
        return out


def _normalised(w: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    out: npt.NDArray[np.float64] = w / w.sum()
    return out
