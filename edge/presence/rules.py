"""Zone rules: from one device's calibrated readings to the best zone and the score of its current zone.

A rule is a function ``rule(rssi, seen, horizon, current) -> (best_zone, best_score, current_score)``:

- `rssi[g]`, `seen[g]`: gateway g's latest calibrated RSSI (dBm) for the device and its corrected time;
  a reading with ``seen[g] < horizon`` is stale and does not count;
- `current`: the device's zone index (``-1`` for none);
- the result: the index of the best zone (``-1`` when no reading is fresh), its score, and the current zone's
  score (``-inf`` when none of its gateways has a fresh reading). Ties go to the earlier gateway or zone in
  the layout, so decisions are deterministic.

The rules:

``best-gateway``
    The zone of the gateway with the strongest fresh reading; a zone's score is its best gateway's reading.
``zone-max``
    Per zone, the maximum fresh reading over its gateways; the zone with the highest wins. This picks the same
    zone as ``best-gateway`` (the maximum of maxima is the overall maximum) and differs only in how a tie
    between two zones is broken; it is kept as the per-zone form of that rule, and a test checks the two agree.
``zone-mean-top2``
    Per zone, the mean of its two strongest fresh readings (the one reading when only one is fresh). With
    several gateways per zone it rewards zones heard well by two of them, which damps a single gateway's
    multipath spike; with one gateway per zone (the demo store) it equals the others.

They run once per sighting item, so they loop over plain lists with no allocation beyond the result tuple.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, Protocol

from edge.presence.settings import ZoneRule

NEG_INF: Final = float("-inf")

RuleFn = Callable[[list[float], list[float], float, int], tuple[int, float, float]]


class BatchRule(Protocol):
    """A rule that keeps state per device and updates many devices at once for less than one at a time (the
    ``hmm`` rules). Called as a `RuleFn`; `prepare` updates the devices ahead of those calls, `forget` drops a
    device's state."""

    def __call__(
        self, rssi: list[float], seen: list[float], horizon: float, current: int
    ) -> tuple[int, float, float]: ...

    def prepare(self, devices: Sequence[tuple[list[float], list[float]]], horizon: float) -> set[int]:
        """Update the devices due an update; returns the `id` of each updated device's readings list (the
        others' scores are what they were at their last call)."""
        ...

    def forget(self, rssi: list[float]) -> None: ...


def make_rule(rule: ZoneRule, gateway_zones: Sequence[int], zone_count: int) -> RuleFn:
    """The rule function for a layout whose gateway g covers zone ``gateway_zones[g]`` (of `zone_count`)."""
    zones_of = list(gateway_zones)
    if rule == "best-gateway":
        return _best_gateway(zones_of)
    if rule == "zone-max":
        return _zone_max(zones_of, zone_count)
    if rule == "zone-mean-top2":
        return _zone_mean_top2(zones_of, zone_count)
    raise ValueError(f"rule: unknown zone rule {rule!r}")


def _best_gateway(zones_of: list[int]) -> RuleFn:
    def best_gateway(rssi: list[float], seen: list[float], horizon: float, current: int) -> tuple[int, float, float]:
        best = cur = NEG_INF
        best_zone = -1
        for r, s, z in zip(rssi, seen, zones_of, strict=True):
            if s >= horizon:
                if r > best:
                    best = r
                    best_zone = z
                if z == current and r > cur:
                    cur = r
        return best_zone, best, cur

    return best_gateway


def _zone_max(zones_of: list[int], zone_count: int) -> RuleFn:
    blank = [NEG_INF] * zone_count
    scores = blank[:]

    def zone_max(rssi: list[float], seen: list[float], horizon: float, current: int) -> tuple[int, float, float]:
        scores[:] = blank
        for r, s, z in zip(rssi, seen, zones_of, strict=True):
            if s >= horizon and r > scores[z]:
                scores[z] = r
        return _argmax(scores, current)

    return zone_max


def _zone_mean_top2(zones_of: list[int], zone_count: int) -> RuleFn:
    blank = [NEG_INF] * zone_count
    top1 = blank[:]
    top2 = blank[:]

    def zone_mean_top2(rssi: list[float], seen: list[float], horizon: float, current: int) -> tuple[int, float, float]:
        top1[:] = blank
        top2[:] = blank
        for r, s, z in zip(rssi, seen, zones_of, strict=True):
            if s >= horizon:
                if r > top1[z]:
                    top2[z] = top1[z]
                    top1[z] = r
                elif r > top2[z]:
                    top2[z] = r
        for z, (a, b) in enumerate(zip(top1, top2, strict=True)):
            if b != NEG_INF:
                top1[z] = (a + b) / 2.0
        return _argmax(top1, current)

    return zone_mean_top2


def _argmax(scores: list[float], current: int) -> tuple[int, float, float]:
    best = NEG_INF
    best_zone = -1
    for z, v in enumerate(scores):
        if v > best:
            best = v
            best_zone = z
    return best_zone, best, scores[current] if current >= 0 else NEG_INF
