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
call returns the last one, so ingesting a sighting stays cheap. The engine hands the rule each gateway batch's
devices first (`HmmRule.prepare`), and those due an update are updated together: their likelihoods are one matrix
product over the devices, and so is the `hmm-points` step, which runs near the processor's peak where one device
at a time waits on memory (about 3 times fewer µs per device, docs/presence.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from edge.presence.model import MIN_GATEWAYS, ZoneModel, chunks, shelf_segments
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

Probabilities = npt.NDArray[np.floating[Any]]
"""Devices' (or one device's) probabilities over the states, in the state's type (`ZoneHmm.state_dtype`)."""
Observer = Callable[[Probabilities, npt.NDArray[np.bool_], npt.NDArray[np.float64]], None]
"""Called after each pass of updates with the devices' new posteriors, the fresh readings' mask and the readings."""


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
        self.states = n
        self.state_dtype: type[np.floating[Any]] = np.float64
        """How a device's state is kept between updates (`predict` reads no more precision than this)."""
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

    def prior(self) -> Probabilities:
        """Where a device is before any evidence: every zone as likely."""
        return np.full(self.zone_count, 1.0 / self.zone_count)

    def predict(self, p: Probabilities, dt: float) -> Probabilities:
        """`p` after `dt` seconds of walking (`dt` ≥ 0)."""
        out: Probabilities = self.predict_many(p[None, :], np.array([dt]))[0]
        return out

    def predict_many(self, p: Probabilities, dt: npt.NDArray[np.float64]) -> Probabilities:
        """`predict` for many devices at once: `p` devices x states, `dt` per device."""
        leave = 1.0 - np.exp(-self.rates[None, :] * dt[:, None])
        moving = p * leave
        out: Probabilities = p - moving + moving @ self.moves
        return self._jumps(out, dt, 1.0 / self.zone_count)

    def _jumps(
        self, p: Probabilities, dt: npt.NDArray[np.float64], anywhere: float | npt.NDArray[np.floating[Any]]
    ) -> Probabilities:
        """`p` with the jumps of `dt` seconds: a share of each row lands `anywhere` (a distribution over states)."""
        jump = (1.0 - np.exp(-self.jump_rate * dt)).astype(p.dtype)[:, None]
        out: Probabilities = p * (1.0 - jump)
        out += jump * anywhere
        return out

    def log_likelihoods(self, heard: Sequence[int], readings: Sequence[float]) -> npt.NDArray[np.float64]:
        """Per state, the log-likelihood of fresh `readings` from gateways `heard` (at least one): the model's
        with `MIN_GATEWAYS` of them or more, else the fallback (see the module docstring)."""
        mask, rssi = self.model.readings_matrix([heard], [readings])
        out: npt.NDArray[np.float64] = self.log_likelihoods_many(mask, rssi)[0]
        return out

    def log_likelihoods_many(
        self, heard: npt.NDArray[np.bool_], rssi: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """`log_likelihoods` for many devices at once: `heard` a devices x gateways mask (each row at least one),
        `rssi` the readings where heard. Devices x states."""
        enough = heard.sum(axis=1) >= MIN_GATEWAYS
        if enough.all():
            return self._model_log_likelihoods(heard, rssi)
        out = np.empty((heard.shape[0], self.states))
        if enough.any():
            out[enough] = self._model_log_likelihoods(heard[enough], rssi[enough])
        out[~enough] = self._fallback(heard[~enough], rssi[~enough])
        return out

    def _model_log_likelihoods(
        self, heard: npt.NDArray[np.bool_], rssi: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """Devices x states, from the propagation model (rows of `MIN_GATEWAYS` readings or more)."""
        return self.model.log_likelihoods_many(heard, rssi, marginal=self.marginal)

    def _fallback(self, heard: npt.NDArray[np.bool_], rssi: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Per device and zone, with too few readings for the model: the zone's loudest reading as a Gaussian in
        the difference to the loudest overall (zones not heard at `FALLBACK_UNHEARD_DB` below the weakest)."""
        out = np.empty((heard.shape[0], self.zone_count))
        for k, (row, readings) in enumerate(zip(heard, rssi, strict=True)):
            gateways = np.flatnonzero(row)
            loudest = np.full(self.zone_count, readings[gateways].min() - FALLBACK_UNHEARD_DB)
            np.maximum.at(loudest, self.gateway_zones[gateways], readings[gateways])
            d = loudest - loudest.max()
            out[k] = -(d * d) / (2.0 * self.sigma * self.sigma)
        return out

    def zones(self, p: Probabilities) -> Probabilities:
        """The zones' probabilities in state `p`."""
        out: Probabilities = self.zones_many(p[None, :])[0]
        return out

    def zones_many(self, p: Probabilities) -> Probabilities:
        """`zones` for many devices at once (here the states are the zones)."""
        return p

    def update(self, p: Probabilities, loglik: npt.NDArray[np.float64], dt: float) -> Probabilities:
        """Bayes' rule with the evidence of `dt` seconds (weighted by `evidence` per second), normalised."""
        out: Probabilities = self.update_many(p[None, :], loglik[None, :], np.array([dt]))[0]
        return out

    def update_many(
        self, p: Probabilities, loglik: npt.NDArray[np.float64], dt: npt.NDArray[np.float64]
    ) -> Probabilities:
        """`update` for many devices at once, in `p`'s type."""
        w = (self.evidence * np.minimum(dt, MAX_EVIDENCE_DT_S)).astype(p.dtype)
        with np.errstate(divide="ignore"):
            logp = np.log(p)
        logp += w[:, None] * loglik.astype(p.dtype, copy=False)
        top = logp.max(axis=1, keepdims=True)
        with np.errstate(invalid="ignore"):
            logp -= top
            out: Probabilities = np.exp(logp, out=logp)
            out /= out.sum(axis=1, keepdims=True)
        lost = ~np.isfinite(top[:, 0])
        if lost.any():  # no state can explain the readings (cannot happen with a grid): keep p
            out[lost] = p[lost]
        return out


class _Posterior:
    """One device's posterior: its row in `HmmRule`'s state matrix, when it was last updated, and the zones'
    probabilities then (a list: the engine reads two of them per sighting)."""

    __slots__ = ("best", "horizon", "row", "rssi", "zones")

    def __init__(self, rssi: list[float], row: int) -> None:
        self.rssi = rssi
        self.row = row
        self.horizon = NEG_INF
        self.best = -1
        self.zones: list[float] = []


class HmmRule:
    """The rule function (see `edge.presence.rules`) whose scores are the zones' posterior probabilities,
    updated at most every `hmm_step_s` per device. `hmm`'s states may be the zones (`ZoneHmm`) or finer
    (`edge.presence.hmm_points.PointHmm`).

    The state is kept with the device's own readings list, so a reused id cannot mix devices, and dropped when
    the engine `forget`s the device or a minute after it was last evaluated. The posteriors are the rows of one
    matrix, so `prepare` updates many devices in one pass of matrix products, which costs a fraction of updating
    them one by one; the engine calls it with the devices of a gateway batch before deciding each of them.
    `observe`, when given, sees every pass of updates (`Observer`)."""

    def __init__(self, hmm: ZoneHmm, observe: Observer | None = None) -> None:
        self._hmm = hmm
        self._observe = observe
        self._step = hmm.step
        self._posteriors: dict[int, _Posterior] = {}  # by id of the device's readings list
        self._rows = np.empty((0, hmm.states), dtype=hmm.state_dtype)
        self._free: list[int] = []

    def __call__(self, rssi: list[float], seen: list[float], horizon: float, current: int) -> tuple[int, float, float]:
        post = self._current(rssi, horizon)
        if post is None:
            self._update([(rssi, seen)], horizon)
            post = self._posteriors[id(rssi)]
        best = post.best
        if best < 0:
            return -1, NEG_INF, NEG_INF
        zones = post.zones
        return best, zones[best], zones[current] if current >= 0 else NEG_INF

    def prepare(self, devices: Sequence[tuple[list[float], list[float]]], horizon: float) -> set[int]:
        """Bring the devices' posteriors up to `horizon` (those due an update) ahead of calls for them; returns
        the `id` of each updated device's readings list."""
        # once each: a device may be in a batch twice (two EIDs of one phone around a rotation)
        due = {id(rssi): (rssi, seen) for rssi, seen in devices if self._current(rssi, horizon) is None}
        if due:
            self._update(list(due.values()), horizon)
        return set(due)

    def _current(self, rssi: list[float], horizon: float) -> _Posterior | None:
        """The posterior kept with `rssi` if it is less than a step old at `horizon`; None when it is due an
        update (none yet, one kept with another list, or one older than a step)."""
        post = self._posteriors.get(id(rssi))
        if post is None or post.rssi is not rssi or not 0.0 <= horizon - post.horizon < self._step:
            return None
        return post

    def forget(self, rssi: list[float]) -> None:
        """Drop the state kept with `rssi` (its device's visit has ended)."""
        post = self._posteriors.get(id(rssi))
        if post is not None and post.rssi is rssi:
            del self._posteriors[id(rssi)]
            self._free.append(post.row)

    def _update(self, devices: Sequence[tuple[list[float], list[float]]], horizon: float) -> None:
        posteriors = self._posteriors
        if len(posteriors) + len(devices) > 10_000:  # devices come and go: drop those not updated for a minute
            for key in [key for key, post in posteriors.items() if horizon - post.horizon > 60.0]:
                self._free.append(posteriors.pop(key).row)
        for rows in chunks(len(devices)):  # small arrays: they stay in the processor's cache
            self._update_chunk(devices[rows], horizon)

    def _update_chunk(self, devices: Sequence[tuple[list[float], list[float]]], horizon: float) -> None:
        hmm, posteriors = self._hmm, self._posteriors
        posts = []
        dts = []
        for r, _ in devices:
            post = posteriors.get(id(r))
            if post is None or post.rssi is not r:
                if post is not None:  # a list that is not the one the state was kept with
                    self._free.append(post.row)
                post = posteriors[id(r)] = _Posterior(r, self._row())
                dts.append(-1.0)
            else:
                dts.append(max(0.0, horizon - post.horizon))
            posts.append(post)
        rows = np.array([post.row for post in posts], dtype=np.intp)
        p = self._rows[rows]
        dt = np.array(dts)
        new = dt < 0.0
        dt[new] = self._step
        if not new.any():  # the usual case: every device known, no masks
            p = hmm.predict_many(p, dt)
        else:
            p[new] = hmm.prior()
            known = ~new
            if known.any():
                p[known] = hmm.predict_many(p[known], dt[known])
        heard = np.array([s for _, s in devices]) >= horizon
        rssi = np.array([r for r, _ in devices])
        any_heard = heard.any(axis=1)
        if any_heard.all():
            p = hmm.update_many(p, hmm.log_likelihoods_many(heard, rssi), dt)
        elif any_heard.any():
            h = any_heard
            p[h] = hmm.update_many(p[h], hmm.log_likelihoods_many(heard[h], rssi[h]), dt[h])
        if self._observe is not None:
            self._observe(p, heard, rssi)
        self._rows[rows] = p
        zones = hmm.zones_many(p)
        best = np.where(any_heard, zones.argmax(axis=1), -1)  # nothing fresh: no decision, as with the other rules
        for post, z, b in zip(posts, zones.tolist(), best.tolist(), strict=True):
            post.horizon = horizon
            post.zones = z
            post.best = b

    def _row(self) -> int:
        """A free row of the state matrix (a quarter more rows when none is left)."""
        if not self._free:
            old = self._rows
            self._rows = np.zeros((len(old) + len(old) // 4 + 64, old.shape[1]), dtype=old.dtype)
            self._rows[: len(old)] = old
            self._free = list(range(len(self._rows) - 1, len(old) - 1, -1))
        return self._free.pop()


def make_hmm_rule(hmm: ZoneHmm, observe: Observer | None = None) -> HmmRule:
    """The ``hmm`` rules' function over `hmm` (see `HmmRule`)."""
    return HmmRule(hmm, observe)
