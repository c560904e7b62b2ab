"""The ``hmm-points`` zone rule: the ``hmm`` rule's forward filter over the floor's grid points, not the zones.

Over zones, the filter must treat a zone as one place: its likelihood is the average over all of its points, so a
shopper just inside the mouth of a 16 m aisle, who fits only its first metres, scores the aisle poorly against the
small front strip they came from, and the switch waits for evidence from deeper in. Over points, the filter
follows the shopper along the floor, and a zone's probability is the sum over its points (docs/accuracy.md).

- **predict**: a shopper either stands (shuffling a little, `points_shuffle_m` in a second) or walks
  (`points_walk_m`), and keeps doing so from second to second: the state is (mode, point), a standing shopper
  starts walking with probability `points_start_p` a second and a walking one stops with `points_stop_p`, both
  scaled by the zone's kind where `points_kind_motion` is on (`KIND_MOTION`: a till or the pickup desk holds
  a shopper who stops there). Each mode's step is a Gaussian of its width among the points reachable in a
  straight line without crossing shelving (`shelf_segments`). So a shopper who has stood at a shelf for a while
  is held there by the evidence of all those seconds, while one who walks is followed at walking pace. A longer
  gap repeats the step, up to `MAX_STEPS`; `hmm_jump_rate` lands anywhere;
- **update**: as the ``hmm`` rule, each point's likelihood (`ZoneModel.point_log_likelihoods`, averaged over the
  facings) raised to ``points_evidence·dt``. With fewer than `MIN_GATEWAYS` readings each point takes its zone's
  fallback likelihood (`ZoneHmm.log_likelihoods`);
- **facings** (with `points_facing_redraw_p` above 0): a standing shopper's state also holds the way they face,
  one of the model's facings, kept from second to second and turned with that probability; a standing state's
  likelihood is then its own facing's, and the body in the way is fitted over the whole stop, not afresh each
  second. A walking shopper's readings are still averaged over the facings, and one who stops faces any way.

Each mode's step is a float32 matrix product over the points, cut into blocks of target points, each over the
points that reach them (shelving and distance leave most of the matrix 0); a floor of more than
`DENSE_MAX_POINTS` points gathers over each point's reachable neighbours instead (a few dozen at 1 m), whose
memory and cost grow with the area, not its square. The posterior is kept, stepped and updated in float32: the
likelihoods come out of float32 products, so more would only carry their rounding, and it halves the memory
traffic of every pass over the points.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import numpy as np
import numpy.typing as npt

from edge.presence.hmm import Probabilities, ZoneHmm
from edge.presence.model import ZoneModel, shelf_crossings, shelf_segments
from edge.presence.settings import PresenceSettings
from edge.store import StoreLayout, ZoneKind

REACH_SIGMAS: Final = 3.0
"""A step reaches this many walking widths at most: beyond, the Gaussian's weight is negligible."""
MAX_STEPS: Final = 3
"""The most one-second steps a prediction takes: after a longer gap, the readings decide alone."""
DENSE_MAX_POINTS: Final = 1500
"""Floors of up to this many grid points (1,500 m² at 1 m) step with a dense matrix, larger ones with a gather."""
GATHER_MAX_REACH: Final = 32
"""A step whose points reach at most this many others gathers over them at any size: cheaper than a product."""
KIND_MOTION: Final[Mapping[ZoneKind, tuple[float, float]]] = MappingProxyType(
    {
        # a queue and a till hold a shopper who stops there
        ZoneKind.CHECKOUT: (1.0, 0.4),
        # the strip by the desk is mostly walked along; who stops there waits for a parcel
        ZoneKind.PICKUP: (0.2, 0.4),
    }
)
"""Per zone kind, the factors on `points_stop_p` and `points_start_p` on its points (1 for the kinds not named):
the simulated shoppers' own rates there against the whole store's, rounded (docs/accuracy.md). Not the entrance,
though nobody stops in the doorway: held standing there, a leaving shopper stays placed at the doors, where the
engine can end the visit as the readings fade."""
TILE_POINTS: Final = 100
"""The dense step's product is cut into blocks of this many target points, each over the points that reach them."""
MAX_TILED_SHARE: Final = 0.7
"""The blocks replace the whole product only when they take at most this share of its work (the gather costs)."""


class _Kernel:
    """One mode's one-second step over the points: point j's next probability is Σ p[i]·K[i, j], K[i] a Gaussian
    of width `width` over the points i reaches without crossing shelving (`near[i]`, at squared distances `d2[i]`)
    within `REACH_SIGMAS` widths."""

    def __init__(self, near: list[npt.NDArray[np.intp]], d2: list[npt.NDArray[np.float64]], width: float) -> None:
        points = len(near)
        inside = [dd <= (REACH_SIGMAS * width) ** 2 for dd in d2]
        reach = [n[k] for n, k in zip(near, inside, strict=True)]
        rows = [_normalised(np.exp(-dd[k] / (2.0 * width * width))) for dd, k in zip(d2, inside, strict=True)]
        widest = max(len(r) for r in reach)
        # Up to a floor of DENSE_MAX_POINTS points (9 MB of float32), the step is a product: cut into blocks over
        # the points that reach each block (`_tile`; the demo store's steps: 67 µs for 8 devices walking, against
        # 116 µs for the whole product, 47 µs standing against 86 µs for the gather), or whole where blocks would
        # not skip enough. Larger floors, and steps that reach only a few points where blocks would not pay, gather
        # over the points i that reach j (the same as those j reaches: distance and shelving are symmetric),
        # padded to a rectangle with weight 0.
        self.dense: npt.NDArray[np.float32] | None = None
        self._from = np.zeros((points, 0), dtype=np.intp)
        self._weight = np.zeros((points, 0), dtype=np.float32)
        self._tile_from: npt.NDArray[np.intp] | None = None
        self._tiles = np.zeros((0, 0, 0), dtype=np.float32)
        if points <= DENSE_MAX_POINTS:
            dense = np.zeros((points, points), dtype=np.float32)
            for i, (r, w) in enumerate(zip(reach, rows, strict=True)):
                dense[i, r] = w
            if self._tile(dense):
                return
            if widest > GATHER_MAX_REACH:
                self.dense = dense
                return
        self._from = np.zeros((points, widest), dtype=np.intp)
        self._weight = np.zeros(self._from.shape, dtype=np.float32)
        filled = np.zeros(points, dtype=np.intp)
        for i, (r, w) in enumerate(zip(reach, rows, strict=True)):
            self._from[r, filled[r]] = i
            self._weight[r, filled[r]] = w
            filled[r] += 1

    def _tile(self, dense: npt.NDArray[np.float32]) -> bool:
        """Cut the product into blocks of `TILE_POINTS` target points, each a product over the points that reach
        them (shelving and distance leave most of the matrix 0: in the demo store each block needs 250 of the 600
        points), when that skips enough of the work; one batched product then does every block."""
        points = dense.shape[0]
        blocks = [np.arange(c, min(c + TILE_POINTS, points)) for c in range(0, points, TILE_POINTS)]
        sources = [np.flatnonzero((dense[:, b] != 0).any(axis=1)) for b in blocks]
        widest = max(len(r) for r in sources)
        if len(blocks) * widest * TILE_POINTS > MAX_TILED_SHARE * points * points:
            return False
        tile_from = np.zeros((len(blocks), widest), dtype=np.intp)  # padded with point 0, at weight 0
        self._tiles = np.zeros((len(blocks), widest, TILE_POINTS), dtype=np.float32)
        for t, (b, r) in enumerate(zip(blocks, sources, strict=True)):
            tile_from[t, : len(r)] = r
            self._tiles[t, : len(r), : len(b)] = dense[np.ix_(r, b)]
        self._tile_from = tile_from.ravel()
        return True

    def __call__(self, q: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """One second's step of each row of `q` (devices x points)."""
        if self._tile_from is not None:
            devices, points = q.shape
            blocks, widest, _ = self._tiles.shape
            gathered = np.take(q, self._tile_from, axis=1).reshape(devices, blocks, widest).transpose(1, 0, 2)
            tiled: npt.NDArray[np.float32] = np.matmul(gathered, self._tiles).transpose(1, 0, 2)
            return tiled.reshape(devices, -1)[:, :points]
        out: npt.NDArray[np.float32] = (
            q @ self.dense if self.dense is not None else np.einsum("kij,ij->ki", q[:, self._from], self._weight)
        )
        return out


class PointHmm(ZoneHmm):
    """The forward filter's fixed parts over the grid points of a `ZoneModel` (`hmm_grid_m`): where a shopper on
    each point can be a second later, standing or walking. States are (mode, point), the standing points first
    (one block per facing when facings are kept); `zones` sums them per zone."""

    def __init__(self, layout: StoreLayout, settings: PresenceSettings, model: ZoneModel) -> None:
        super().__init__(layout, settings, model)
        self.evidence = settings.points_evidence
        px, py = model.points_x, model.points_y
        self.point_zones = model.point_zones
        self.points = len(px)
        redraw = settings.points_facing_redraw_p
        # standing states per facing kept (1: the facings averaged each second), then the walking ones
        self.facings = model.headings if redraw > 0.0 else 1
        self._redraw = np.float32(redraw)
        self.states = (self.facings + 1) * self.points
        self.state_dtype = np.float32  # the step is a float32 product: more would be rounded away there anyway
        # points x zones: 1 where the point is in the zone
        self._in_zone = np.zeros((self.points, self.zone_count), dtype=np.float32)
        self._in_zone[np.arange(self.points), self.point_zones] = 1.0
        stop_factor, start_factor = _kind_factors(layout, self.point_zones, settings.points_kind_motion)
        # per point: the probability a second that a standing shopper there starts walking, a walking one stops
        # (a factor may be above 1: a probability stays one)
        self.start_p = np.minimum(1.0, settings.points_start_p * start_factor).astype(np.float32)
        self.stop_p = np.minimum(1.0, settings.points_stop_p * stop_factor).astype(np.float32)
        # how much of the time a shopper walks, in the long run: the modes' share before any evidence
        rates = self.start_p.astype(np.float64) + self.stop_p
        walking = np.divide(self.start_p, rates, out=np.full(self.points, 0.5), where=rates > 0.0)
        counts = np.bincount(self.point_zones, minlength=self.zone_count).astype(np.float64)
        present = counts > 0
        # every zone as likely, and every point within a zone (in the state's type, as the rows it lands in)
        anywhere = (1.0 / present.sum() / np.where(present, counts, 1.0))[self.point_zones]
        standing = np.tile((1.0 - walking) * anywhere / self.facings, self.facings)
        self._anywhere: Probabilities = np.concatenate([standing, walking * anywhere]).astype(np.float32)
        shelves = shelf_segments(layout)
        walk, shuffle = settings.points_walk_m, settings.points_shuffle_m
        reach = REACH_SIGMAS * max(walk, shuffle)
        near_points: list[npt.NDArray[np.intp]] = []
        d2s: list[npt.NDArray[np.float64]] = []
        for i in range(self.points):
            d2 = (px - px[i]) ** 2 + (py - py[i]) ** 2
            near = np.flatnonzero(d2 <= reach * reach)
            near = near[shelf_crossings(px[near], py[near], float(px[i]), float(py[i]), shelves) == 0]
            near_points.append(near)
            d2s.append(d2[near])
        self._standing = _Kernel(near_points, d2s, shuffle)
        self._walking = _Kernel(near_points, d2s, walk)

    def prior(self) -> Probabilities:
        """Where a device is before any evidence: every zone as likely (as for `ZoneHmm`), and within a zone every
        point, each mode in its long-run share. Not every point: a device heard by one gateway would start in the
        largest zones."""
        return self._anywhere.copy()

    def predict_many(self, p: Probabilities, dt: npt.NDArray[np.float64]) -> Probabilities:
        """`p` (devices x states) after `dt` seconds (per device), in float32: the steps keep each row's total."""
        q = p.astype(np.float32, copy=False)
        steps = np.minimum(MAX_STEPS, np.maximum(1, np.round(dt))).astype(np.intp)
        q = self._step(q)
        for k in range(2, int(steps.max()) + 1):
            rows = steps >= k
            q[rows] = self._step(q[rows])
        return self._jumps(q, dt, self._anywhere)

    def _step(self, q: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """One second's step of each row of `q`: first whether the shopper starts or stops walking (and, standing,
        turns), then the mode's move."""
        n, facings = self.points, self.facings
        start, stop = self.start_p, self.stop_p
        out = np.empty_like(q)
        if facings == 1:
            standing, walking = q[:, :n], q[:, n:]
            out[:, :n] = self._standing((1.0 - start) * standing + stop * walking)
            out[:, n:] = self._walking(start * standing + (1.0 - stop) * walking)
            return out
        devices = q.shape[0]
        kept = q[:, : facings * n].reshape(devices, facings, n)
        walking = q[:, facings * n :]
        # a shopper who stops faces any way; one standing turns with probability `_redraw` a second
        still = (1.0 - start) * kept + (stop * walking / np.float32(facings))[:, None, :]
        still = (1.0 - self._redraw) * still + self._redraw * still.mean(axis=1, keepdims=True)
        out[:, : facings * n] = self._standing(still.reshape(devices * facings, n)).reshape(devices, facings * n)
        out[:, facings * n :] = self._walking(start * kept.sum(axis=1) + (1.0 - stop) * walking)
        return out

    def _model_log_likelihoods(
        self, heard: npt.NDArray[np.bool_], rssi: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """The points' likelihoods, the same for both modes (the readings do not tell walking from standing); with
        facings kept, a standing state's is its own facing's."""
        if self.facings == 1:
            return np.tile(self.model.point_log_likelihoods_many(heard, rssi), 2)
        by_facing, averaged = self.model.point_log_likelihoods_by_facing_many(heard, rssi)
        return np.concatenate([by_facing.reshape(heard.shape[0], -1), averaged], axis=1)

    def _fallback(self, heard: npt.NDArray[np.bool_], rssi: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Each point takes its zone's fallback likelihood, in every state on it."""
        return np.tile(super()._fallback(heard, rssi)[:, self.point_zones], self.facings + 1)

    def points_many(self, p: Probabilities) -> Probabilities:
        """Each point's probability, both modes (and every facing) together (devices x points)."""
        n, facings = self.points, self.facings
        if facings == 1:
            out: Probabilities = p[:, :n] + p[:, n:]
            return out
        kept: Probabilities = p[:, : facings * n].reshape(p.shape[0], facings, n).sum(axis=1)
        kept += p[:, facings * n :]
        return kept

    def most_likely_points(self, p: Probabilities) -> npt.NDArray[np.intp]:
        """Each device's most likely grid point (devices x states in, one index per device out)."""
        out: npt.NDArray[np.intp] = self.points_many(p).argmax(axis=1)
        return out

    def walking(self, p: Probabilities) -> float:
        """The probability, in one device's state `p`, that the shopper is walking."""
        return float(p[self.facings * self.points :].sum())

    def zones_many(self, p: Probabilities) -> Probabilities:
        """The zones' probabilities: the sum over each zone's points, in both modes."""
        out: Probabilities = self.points_many(p) @ self._in_zone
        return out


def _kind_factors(
    layout: StoreLayout, point_zones: npt.NDArray[np.intp], on: bool
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Each point's factors on the stop and start probabilities, by its zone's kind (`KIND_MOTION`); all 1 when
    `on` is false."""
    factors = np.ones((len(layout.zones), 2))
    if on:
        for z, zone in enumerate(layout.zones):
            factors[z] = KIND_MOTION.get(zone.kind, (1.0, 1.0))
    per_point = factors[point_zones]
    return per_point[:, 0], per_point[:, 1]


def _normalised(w: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    out: npt.NDArray[np.float64] = w / w.sum()
    return out
