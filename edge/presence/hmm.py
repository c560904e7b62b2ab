"""The ``hmm`` zone rule: a hidden Markov model over the zones, so evidence accumulates over time.

The instant rules decide from the readings of the last few seconds alone, and need a hysteresis (a margin held
for some seconds) to keep a still shopper from flapping between two zones; that hysteresis is a fixed lag. This
rule keeps, per device, a probability for every zone and updates it by forward filtering:

- **predict**: in `dt` seconds a shopper leaves zone z with probability ``1 − exp(−rate_z·dt)``, where
  ``rate_z = hmm_speed_mps / chord_z`` and ``chord_z = π·area/perimeter`` is the zone's mean chord (how far a
  straight walk through it goes, on average); leaving, it goes to one of the zones it *adjoins* (shares an
  open edge with, `zone_adjacency`), each as likely. With the much smaller rate `hmm_jump_rate` per second it
  lands in any zone at all, so that a wrong start or a gap in the readings is recovered from: a jump to a zone
  that does not adjoin needs more evidence than a step to one that does;
- **update**: the probabilities are multiplied by the readings' likelihood per zone from the ``model`` rule's
  propagation model (`ZoneModel.log_likelihoods`, averaged over the zone's points), raised to the power
  ``hmm_evidence·dt``. Consecutive evaluations share most of their readings (a reading counts for `stale_s`),
  and the model's errors are correlated over seconds (body shadowing, the facing), so each second of evidence
  is given the weight `hmm_evidence` rather than counted as independent.

The rule's score of a zone is its posterior probability, between 0 and 1 whatever the number of gateways or
σ; the engine switches to a challenger when its probability reaches `hmm_switch_p` and stays there for
`hmm_hold_s` (scale-free, unlike a margin in dB or in log-likelihood units).

Unlike the ``model`` rule, it uses every fresh reading, however weak (`RadioModel.use_above_dbm` does not apply:
with it the busy-hour simulation lost 2–3 points, docs/accuracy.md). With fewer than `MIN_GATEWAYS` readings
the model cannot fit the transmit power; the update then uses the loudest reading per zone instead, as a
Gaussian in the difference to the loudest overall (zones not heard at all count as `FALLBACK_UNHEARD_DB` below
the weakest reading).

The posterior is updated at most every `hmm_step_s` per device, on a grid of `hmm_grid_m`; between updates a
call returns the last one, so ingesting a sighting stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from edge.presence.model import MIN_GATEWAYS, RuleFn, ZoneModel, shelf_segments
from edge.presence.settings import PresenceSettings
from edge.store import StoreLayout

NEG_INF: Final = float("-inf")
FALLBACK_UNHEARD_DB: Final = 6.0
GAP_M: Final = 0.5
"""Zones this close count as touching (a layout may leave a narrow strip between two zones)."""
MIN_PASSAGE_M: Final = 0.8
"""Two touching zones adjoin when their common edge has at least this much not covered by shelving."""
MAX_EVIDENCE_DT_S: Final = 2.0
"""The most seconds of evidence one update counts: a device unevaluated for longer has no more fresh readings."""


def _overlap(a0: float, a1: float, b0: float, b1: float) -> tuple[float, float] | None:
    lo, hi = max(a0, b0), min(a1, b1)
    return (lo, hi) if hi > lo else None


def _open_length(span: tuple[float, float], blocked: list[tuple[float, float]]) -> float:
    """How much of `span` is not covered by the `blocked` intervals (which may overlap each other)."""
    lo, hi = span
    free = 0.0
    at = lo
    for b0, b1 in sorted(blocked):
        if b1 <= at:
            continue
        if b0 >= hi:
            break
        free += max(0.0, b0 - at)
        at = max(at, b1)
        if at >= hi:
            break
    return free + max(0.0, hi - at)


def zone_adjacency(layout: StoreLayout) -> list[list[int]]:
    """For each zone (in layout order), the indexes of the zones a shopper can walk into directly: rectangles
    that touch (within `GAP_M`) along an edge with at least `MIN_PASSAGE_M` of it not shelving (the inner long
    sides of the aisles, `shelf_segments`)."""
    shelves = shelf_segments(layout)
    zones = layout.zones
    adjacent: list[list[int]] = [[] for _ in zones]
    for i, a in enumerate(zones):
        for j in range(i + 1, len(zones)):
            b = zones[j].rect
            r = a.rect
            blocked: list[tuple[float, float]] = []
            span: tuple[float, float] | None = None
            for left, right in ((r, b), (b, r)):
                if abs(left.x1 - right.x0) <= GAP_M:  # side by side: a vertical common edge
                    span = _overlap(left.y0, left.y1, right.y0, right.y1)
                    x = (left.x1 + right.x0) / 2
                    blocked = [
                        (min(y0, y1), max(y0, y1)) for x0, y0, x1, y1 in shelves if x0 == x1 and abs(x0 - x) <= GAP_M
                    ]
                    break
                if abs(left.y1 - right.y0) <= GAP_M:  # one behind the other: a horizontal common edge
                    span = _overlap(left.x0, left.x1, right.x0, right.x1)
                    y = (left.y1 + right.y0) / 2
                    blocked = [
                        (min(x0, x1), max(x0, x1)) for x0, y0, x1, y1 in shelves if y0 == y1 and abs(y0 - y) <= GAP_M
                    ]
                    break
            if span is not None and _open_length(span, blocked) >= MIN_PASSAGE_M:
                adjacent[i].append(j)
                adjacent[j].append(i)
    return adjacent


def leave_rates(layout: StoreLayout, speed_mps: float) -> list[float]:
    """Per zone, the rate (per second) at which a shopper walking at `speed_mps` leaves it: the speed over the
    zone's mean chord ``π·area/perimeter``."""
    rates = []
    for z in layout.zones:
        r = z.rect
        chord = math.pi * r.area / (2.0 * (r.width + r.height))
        rates.append(speed_mps / chord)
    return rates


class ZoneHmm:
    """The forward filter's fixed parts for one layout: where a shopper can go from each zone, and how fast."""

    def __init__(self, layout: StoreLayout, settings: PresenceSettings, model: ZoneModel) -> None:
        self.model = model
        n = len(layout.zones)
        self.zone_count = n
        self.adjacency = zone_adjacency(layout)
        self.rates = np.asarray(leave_rates(layout, settings.hmm_speed_mps), dtype=np.float64)
        moves = np.zeros((n, n))
        for z, neighbours in enumerate(self.adjacency):
            if neighbours:
                moves[z, neighbours] = 1.0 / len(neighbours)
            else:
                moves[z, z] = 1.0  # a zone nobody walks out of: only a jump leaves it
        self.moves = moves
        self.jump_rate = settings.hmm_jump_rate
        self.evidence = settings.hmm_evidence
        self.marginal = True
        self.step = settings.hmm_step_s
        self.sigma = model.model.sigma_db
        self.gateway_zones = np.asarray(model.gateway_zones, dtype=np.intp)

    def prior(self) -> npt.NDArray[np.float64]:
        """Where a device is before any evidence: every zone as likely."""
        return np.full(self.zone_count, 1.0 / self.zone_count)

    def predict(self, p: npt.NDArray[np.float64], dt: float) -> npt.NDArray[np.float64]:
        """`p` after `dt` seconds of walking (`dt` ≥ 0)."""
        leave = 1.0 - np.exp(-self.rates * dt)
        moving = p * leave
        out: npt.NDArray[np.float64] = p - moving + moving @ self.moves
        jump = 1.0 - math.exp(-self.jump_rate * dt)
        if jump > 0.0:
            out = out * (1.0 - jump) + jump / self.zone_count
        return out

    def log_likelihoods(self, heard: Sequence[int], readings: Sequence[float]) -> npt.NDArray[np.float64]:
        """Per zone, the log-likelihood of fresh `readings` from gateways `heard` (at least one): the model's with
        `MIN_GATEWAYS` of them or more, else the fallback (see the module docstring)."""
        if len(heard) >= MIN_GATEWAYS:
            return self.model.log_likelihoods(heard, readings, marginal=self.marginal)
        loudest = np.full(self.zone_count, min(readings) - FALLBACK_UNHEARD_DB)
        for g, r in zip(heard, readings, strict=True):
            z = self.gateway_zones[g]
            loudest[z] = max(loudest[z], r)
        d = loudest - loudest.max()
        out: npt.NDArray[np.float64] = -(d * d) / (2.0 * self.sigma * self.sigma)
        return out

    def zones(self, p: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The zones' probabilities in state `p` (here the states are the zones)."""
        return p

    def update(self, p: npt.NDArray[np.float64], loglik: npt.NDArray[np.float64], dt: float) -> npt.NDArray[np.float64]:
        """Bayes' rule with the evidence of `dt` seconds (weighted by `evidence` per second), normalised."""
        w = self.evidence * min(dt, MAX_EVIDENCE_DT_S)
        with np.errstate(divide="ignore"):
            logp = np.log(p) + w * loglik
        top = logp.max()
        if not math.isfinite(top):  # no zone can explain the readings (cannot happen with a grid): keep p
            return p
        q = np.exp(logp - top)
        out: npt.NDArray[np.float64] = q / q.sum()
        return out


def make_hmm_rule(hmm: ZoneHmm) -> RuleFn:
    """A rule function (see `edge.presence.rules`) whose scores are the zones' posterior probabilities, updated
    at most every `hmm_step_s` per device. `hmm`'s states may be the zones (`ZoneHmm`) or finer
    (`edge.presence.hmm_points.PointHmm`). The state is kept with the device's own readings list, so a reused id
    cannot mix devices, and dropped a minute after its device was last evaluated."""
    step = hmm.step
    # per device: (its readings list, the horizon of the last update, the posterior, its argmax, the zones' share)
    cache: dict[int, tuple[list[float], float, npt.NDArray[np.float64], int, npt.NDArray[np.float64]]] = {}

    def hmm_rule(rssi: list[float], seen: list[float], horizon: float, current: int) -> tuple[int, float, float]:
        key = id(rssi)
        hit = cache.get(key)
        if hit is not None and hit[0] is rssi and 0.0 <= horizon - hit[1] < step:
            best_zone, zones = hit[3], hit[4]
        else:
            heard = [g for g, s in enumerate(seen) if s >= horizon]
            if hit is None or hit[0] is not rssi:
                p, dt = hmm.prior(), step
            else:
                dt = max(0.0, horizon - hit[1])
                p = hmm.predict(hit[2], dt)
            if heard:
                p = hmm.update(p, hmm.log_likelihoods(heard, [rssi[g] for g in heard]), dt)
            zones = hmm.zones(p)
            best_zone = int(zones.argmax()) if heard else -1  # nothing fresh: no decision, as with the other rules
            if len(cache) > 10_000:  # devices come and go: drop entries not refreshed for a minute
                for k in [k for k, v in cache.items() if horizon - v[1] > 60.0]:
                    del cache[k]
            cache[key] = (rssi, horizon, p, best_zone, zones)
        if best_zone < 0:
            return -1, NEG_INF, NEG_INF
        return best_zone, float(zones[best_zone]), float(zones[current]) if current >= 0 else NEG_INF

    return hmm_rule
