"""The ``model`` zone rule: where in the store are this device's readings most likely to come from?

Best-gateway rules place a shopper in the zone of the loudest gateway. That fails wherever the layout's zones
and the gateways' "nearest" regions disagree: at the front of a 16 m aisle a shopper is nearer the checkout's
gateway than the aisle's own, in the middle of the aisle. This rule uses every gateway's reading at once.

For a grid of points over the floor it predicts each gateway's RSSI with the log-distance model plus a loss per
shelf line crossed (an aisle has gondola shelving along both long sides, as in ``docs/store-layout.md``). For a
device with fresh readings o_g from gateways H, the unknown transmit power is fitted per point (the mean of
o_g − E[p, g] over H), and the point's cost is the sum of squared residuals. A zone's score is the
log-likelihood of its best point, −cost / (2σ²). Hysteresis then compares log-likelihoods
(`PresenceSettings.model_margin`), since decibels no longer apply.

The model's parameters are generic indoor values, not the simulator's: ``docs/accuracy.md`` measures how much a
mismatch costs. numpy keeps one decision at a few tens of microseconds; the rule recomputes a device's scores
at most every `recompute_s`, so ingesting a sighting stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from edge.presence.settings import RadioModel
from edge.store import StoreLayout, ZoneKind

RuleFn = Callable[[list[float], list[float], float, int], tuple[int, float, float]]

NEG_INF: Final = float("-inf")
MIN_GATEWAYS: Final = 3
EPS: Final = 1e-6
CHUNK: Final = 32
"""Devices scored in one matrix product: enough rows to run it near the processor's peak, few enough that the
working arrays stay in the cache."""


def shelf_segments(layout: StoreLayout) -> list[tuple[float, float, float, float]]:
    """Shelf lines (x0, y0, x1, y1): the long sides of every aisle that are not outer walls, deduplicated."""
    seen: set[tuple[float, float, float, float]] = set()
    for zone in layout.zones_of_kind(ZoneKind.AISLE):
        r = zone.rect
        if r.height >= r.width:
            sides = [(r.x0, r.y0, r.x0, r.y1), (r.x1, r.y0, r.x1, r.y1)]
            outer = [abs(s[0]) < EPS or abs(s[0] - layout.width) < EPS for s in sides]
        else:
            sides = [(r.x0, r.y0, r.x1, r.y0), (r.x0, r.y1, r.x1, r.y1)]
            outer = [abs(s[1]) < EPS or abs(s[1] - layout.depth) < EPS for s in sides]
        for side, is_outer in zip(sides, outer, strict=True):
            if not is_outer:
                seen.add(tuple(round(v, 6) for v in side))  # type: ignore[arg-type]
    return sorted(seen)


Coord = float | npt.NDArray[np.float64]


def _orient(ax: Coord, ay: Coord, bx: Coord, by: Coord, cx: Coord, cy: Coord) -> npt.NDArray[np.float64]:
    """The sign of the turn a → b → c, vectorised: segment intersection by orientation tests."""
    return np.asarray((bx - ax) * (cy - ay) - (by - ay) * (cx - ax), dtype=np.float64)


def shelf_crossings(
    px: npt.NDArray[np.float64],
    py: npt.NDArray[np.float64],
    gx: float,
    gy: float,
    shelves: Sequence[tuple[float, float, float, float]],
) -> npt.NDArray[np.float64]:
    """How many shelf segments the straight line from each point to the gateway crosses."""
    count = np.zeros_like(px)
    for x0, y0, x1, y1 in shelves:
        d1 = _orient(x0, y0, x1, y1, px, py)
        d2 = _orient(x0, y0, x1, y1, gx, gy)
        d3 = _orient(px, py, gx, gy, x0, y0)
        d4 = _orient(px, py, gx, gy, x1, y1)
        count += ((d1 * d2) < 0) & ((d3 * d4) < 0)
    return count


def predicted_rssi(
    layout: StoreLayout, model: RadioModel, px: npt.NDArray[np.float64], py: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Points x gateways: the RSSI each gateway of `layout` reads from a 0 dBm-at-1-m transmitter at each point
    (`px`, `py`), by the log-distance model plus a loss per shelf line crossed; no body. A point may lie outside the
    floor (the pavement): the model knows no walls, whose loss would be the same for every gateway."""
    shelves = shelf_segments(layout)
    columns = []
    for g in layout.gateways:
        d = np.sqrt((px - g.x) ** 2 + (py - g.y) ** 2 + model.gateway_height_m**2)
        loss = 10.0 * model.path_loss_exponent * np.log10(np.maximum(d, 0.1))
        columns.append(-loss - model.shelf_loss_db * shelf_crossings(px, py, g.x, g.y, shelves))
    return np.stack(columns, axis=1)


class ZoneModel:
    """Predicted readings on a grid over the floor, and the per-zone scores of a set of readings."""

    def __init__(self, layout: StoreLayout, model: RadioModel, zone_ids: Sequence[str]) -> None:
        self.model = model
        step = model.grid_m
        xs = np.arange(step / 2, layout.width, step)
        ys = np.arange(step / 2, layout.depth, step)
        gx, gy = np.meshgrid(xs, ys)
        px, py = gx.ravel(), gy.ravel()
        zone_index = {z: i for i, z in enumerate(zone_ids)}
        self.gateway_zones = [zone_index[g.zone_id] for g in layout.gateways]
        zones = np.array(
            [
                zone_index[z.id] if (z := layout.zone_at(float(x), float(y))) is not None else -1
                for x, y in zip(px, py, strict=True)
            ]
        )
        keep = zones >= 0
        px, py, zones = px[keep], py[keep], zones[keep]
        order = np.argsort(zones, kind="stable")  # points grouped by zone, for a per-zone max with reduceat
        px, py, zones = px[order], py[order], zones[order]
        self._points_x, self._points_y = px, py
        self.zone_count = len(zone_ids)
        self._starts = np.searchsorted(zones, np.arange(self.zone_count))
        self._present = np.isin(np.arange(self.zone_count), zones)
        self._counts = np.bincount(zones, minlength=self.zone_count).astype(np.float64)
        base = predicted_rssi(layout, model, px, py)
        towards = np.stack([np.arctan2(g.y - py, g.x - px) for g in layout.gateways], axis=1)
        # One prediction per candidate facing: the body costs most for gateways behind the shopper.
        headings = np.linspace(-np.pi, np.pi, max(model.headings, 1), endpoint=False)
        body = (
            [model.body_loss_db * 0.5 * (1.0 - np.cos(towards - h)) for h in headings] if model.headings > 1 else [0.0]
        )
        self.expected = np.stack([base - b for b in body], axis=0)  # headings x points x gateways
        self._scale = 1.0 / (2.0 * model.sigma_db**2)
        # The same predictions for the hot path, one row per gateway over (heading, point), and their squares
        # below them, in float32: a decision is then one small matrix product (see `log_likelihoods`).
        gateways = len(layout.gateways)
        flat = self.expected.transpose(2, 0, 1).reshape(gateways, -1)
        self._stack = np.ascontiguousarray(np.vstack([flat, flat * flat]), dtype=np.float32)
        self._headings: int = self.expected.shape[0]
        self._points = self.expected.shape[1]
        # Reused by every decision: a fresh array of this size each time costs more in page faults than the
        # arithmetic (the allocator maps and unmaps blocks this large).
        self._scratch = np.empty((2 * CHUNK, self._stack.shape[1]), dtype=np.float32)

    def scores(self, heard: Sequence[int], readings: Sequence[float]) -> list[float]:
        """Per zone, the log-likelihood of its best point given `readings` from gateways `heard`.

        With fewer than `MIN_GATEWAYS` readings the transmit power cannot be told from the distance, so the
        scores fall back to the best-gateway rule's (each zone scores its loudest gateway's reading).
        """
        if len(heard) < MIN_GATEWAYS:
            fallback = [NEG_INF] * self.zone_count
            for g, r in zip(heard, readings, strict=True):
                z = self.gateway_zones[g]
                if r > fallback[z]:
                    fallback[z] = r
            return fallback
        return [float(v) for v in self.log_likelihoods(heard, readings)]

    def log_likelihoods(
        self, heard: Sequence[int], readings: Sequence[float], *, marginal: bool = False
    ) -> npt.NDArray[np.float64]:
        """Per zone, the log-likelihood of `readings` (at least `MIN_GATEWAYS` of them) from gateways `heard`:
        of the zone's best point and facing, or with `marginal`, averaged over the zone's points and the facings
        (the likelihood of "somewhere in this zone", which the ``hmm`` rule uses). ``-inf`` for a zone without
        grid points."""
        mask, rssi = self.readings_matrix([heard], [readings])
        out: npt.NDArray[np.float64] = self.log_likelihoods_many(mask, rssi, marginal=marginal)[0]
        return out

    def point_log_likelihoods(self, heard: Sequence[int], readings: Sequence[float]) -> npt.NDArray[np.float64]:
        """Per grid point (`points_x`, `points_y`), the log-likelihood of `readings` (at least `MIN_GATEWAYS` of
        them) from gateways `heard`, averaged over the facings."""
        mask, rssi = self.readings_matrix([heard], [readings])
        out: npt.NDArray[np.float64] = self.point_log_likelihoods_many(mask, rssi)[0]
        return out

    def readings_matrix(
        self, heard: Sequence[Sequence[int]], readings: Sequence[Sequence[float]]
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
        """Devices' readings as the ``*_many`` methods take them: a devices x gateways mask of the gateways heard,
        and the readings (0 where not heard)."""
        mask = np.zeros((len(heard), len(self.gateway_zones)), dtype=np.bool_)
        rssi = np.zeros(mask.shape)
        for k, (gs, rs) in enumerate(zip(heard, readings, strict=True)):
            mask[k, gs] = True
            rssi[k, gs] = rs
        return mask, rssi

    def log_likelihoods_many(
        self, heard: npt.NDArray[np.bool_], rssi: npt.NDArray[np.float64], *, marginal: bool = False
    ) -> npt.NDArray[np.float64]:
        """`log_likelihoods` for many devices at once: `heard` a devices x gateways mask (each row at least
        `MIN_GATEWAYS`), `rssi` the readings where heard. Devices x zones."""
        best = np.full((heard.shape[0], self.zone_count), NEG_INF)
        present = self._present
        starts = self._starts[present]
        for rows in chunks(heard.shape[0]):
            cost, rr = self._costs(heard[rows], rssi[rows])
            if not marginal:
                per_point = cost.max(axis=1)  # the best facing
                best[rows, present] = np.maximum.reduceat(per_point, starts, axis=1)
            else:
                top = cost.max(axis=(1, 2))[:, None]
                np.subtract(cost, top[:, :, None], out=cost)
                per_point = np.exp(cost, out=cost).sum(axis=1)
                sums = np.add.reduceat(per_point, starts, axis=1)
                with np.errstate(divide="ignore"):
                    best[rows, present] = np.log(sums / (self._counts[present] * self._headings)) + top
            best[rows] -= self._scale * rr[:, None]
        return best

    def point_log_likelihoods_many(
        self, heard: npt.NDArray[np.bool_], rssi: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """`point_log_likelihoods` for many devices at once (as `log_likelihoods_many`): devices x points."""
        out = np.empty((heard.shape[0], self._points))
        for rows in chunks(heard.shape[0]):
            cost, rr = self._costs(heard[rows], rssi[rows])
            # float32 products; Σr² (thousands, the same for every point) is taken off in float64
            out[rows] = self._facings_averaged(cost)
            out[rows] -= self._scale * rr[:, None]
        return out

    def point_log_likelihoods_by_facing_many(
        self, heard: npt.NDArray[np.bool_], rssi: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Each point's log-likelihood for each of the model's facings (devices x headings x points), and averaged
        over them as `point_log_likelihoods_many` gives it (devices x points), from one pass."""
        devices = heard.shape[0]
        by_facing = np.empty((devices, self._headings, self._points))
        mean_out = np.empty((devices, self._points))
        for rows in chunks(devices):
            cost, rr = self._costs(heard[rows], rssi[rows])
            base = self._scale * rr
            by_facing[rows] = cost
            by_facing[rows] -= base[:, None, None]
            mean_out[rows] = self._facings_averaged(cost)
            mean_out[rows] -= base[:, None]
        return by_facing, mean_out

    def _facings_averaged(self, cost: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Per device and point, the log of the mean over the facings of exp(`cost`) (devices x headings x points,
        `_costs`'s first part; overwritten)."""
        top = cost.max(axis=1)
        np.subtract(cost, top[:, None, :], out=cost)
        mean = np.exp(cost, out=cost).sum(axis=1)
        mean *= np.float32(1.0 / self._headings)
        out: npt.NDArray[np.float32] = np.log(mean) + top
        return out

    @property
    def headings(self) -> int:
        """How many facings of the shopper's body the predictions are made for (1: no body loss)."""
        return self._headings

    @property
    def points_x(self) -> npt.NDArray[np.float64]:
        return np.asarray(self._points_x, dtype=np.float64)

    @property
    def points_y(self) -> npt.NDArray[np.float64]:
        return np.asarray(self._points_y, dtype=np.float64)

    @property
    def point_zones(self) -> npt.NDArray[np.intp]:
        """The zone index of each grid point."""
        return np.repeat(np.arange(self.zone_count), self._counts.astype(np.intp))

    def _costs(
        self, heard: npt.NDArray[np.bool_], rssi: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float64]]:
        """Per device (at most `CHUNK`), (heading, point), the log-likelihood plus scale·Σr², and per device Σr²
        (see `log_likelihoods`). The first is a view of the model's scratch array: the next call overwrites it."""
        # Per (heading, point), with e the predictions and the transmit power fitted (r − e minus its mean):
        # Σ(r − e)² − (Σ(r − e))²/n = Σr² + (Σe² − 2·Σr·e) − (Σe − Σr)²/n, the sums over the gateways heard.
        # The part in brackets and Σe are one matrix product over the stacked predictions and their squares, for
        # every device at once: a product of many rows runs near the processor's peak, one of two rows at the
        # memory's pace (docs/presence.md).
        devices, gateways = heard.shape
        scale = self._scale
        r = np.where(heard, rssi, 0.0)
        w = np.zeros((2 * devices, 2 * gateways), dtype=np.float32)
        w[:devices, :gateways] = (2.0 * scale) * r
        w[:devices, gateways:] = np.where(heard, -scale, 0.0)
        w[devices:, :gateways] = heard
        both = np.matmul(w, self._stack, out=self._scratch[: 2 * devices])
        linear, e1 = both[:devices], both[devices:]  # −scale·(Σe² − 2·Σr·e), and Σe (becomes +scale·(Σe − Σr)²/n)
        e1 -= r.sum(axis=1).astype(np.float32)[:, None]
        e1 *= e1
        e1 *= (scale / heard.sum(axis=1)).astype(np.float32)[:, None]
        linear += e1
        rr = np.einsum("kg,kg->k", r, r)
        # log-likelihood + scale·Σr², devices x headings x points
        return linear.reshape(devices, self._headings, self._points), rr


def chunks(devices: int) -> list[slice]:
    """Slices of at most `CHUNK` devices covering `devices`."""
    return [slice(k, min(k + CHUNK, devices)) for k in range(0, devices, CHUNK)]


def make_model_rule(model: ZoneModel) -> RuleFn:
    """A rule function (see `edge.presence.rules`) that scores zones with `model`, at most every recompute_s
    per device. Cached scores are kept with the device's own readings list, so a reused id cannot mix devices."""
    recompute = model.model.recompute_s
    cache: dict[int, tuple[list[float], float, list[float]]] = {}

    def model_rule(rssi: list[float], seen: list[float], horizon: float, current: int) -> tuple[int, float, float]:
        key = id(rssi)
        hit = cache.get(key)
        if hit is None or hit[0] is not rssi or horizon - hit[1] >= recompute or hit[1] > horizon:
            floor = model.model.use_above_dbm
            heard = [g for g, s in enumerate(seen) if s >= horizon and rssi[g] >= floor]
            scores = model.scores(heard, [rssi[g] for g in heard])
            if len(cache) > 10_000:  # devices come and go: drop entries not refreshed for a minute
                for k in [k for k, v in cache.items() if horizon - v[1] > 60.0]:
                    del cache[k]
            cache[key] = (rssi, horizon, scores)
        else:
            scores = hit[2]
        best_zone = -1
        best = NEG_INF
        for z, v in enumerate(scores):
            if v > best:
                best, best_zone = v, z
        if best == NEG_INF:
            best_zone = -1
        return best_zone, best, scores[current] if current >= 0 else NEG_INF

    return model_rule
