"""The harness notes the offset corrections the hub has learned every minute of a run."""

from __future__ import annotations

from itertools import pairwise

from firmware_sim.eval.harness import OFFSET_HISTORY_S, run
from firmware_sim.world import build_scenario


def test_the_offsets_learned_so_far_are_noted_every_minute_and_only_grow() -> None:
    scenario = build_scenario("store-small", 1)
    result = run(scenario, name="store-small", seed=1)
    times = [t for t, _ in result.offset_history]
    assert times[0] == scenario.start_t + OFFSET_HISTORY_S
    assert all(b - a == OFFSET_HISTORY_S for a, b in pairwise(times))
    assert times[-1] > scenario.start_t + scenario.duration_s - OFFSET_HISTORY_S  # the whole run
    gateways = [g.id for g in scenario.layout.gateways]
    samples = [{e.gateway: e.samples for e in estimates} for _, estimates in result.offset_history]
    assert all(list(s) == gateways for s in samples)
    for gw in gateways:
        series = [s[gw] for s in samples] + [next(e.samples for e in result.offset_corrections if e.gateway == gw)]
        assert all(a <= b for a, b in pairwise(series)), gw
    assert samples[0]["gw-09"] > 0  # the doors' gateway hears the first shoppers in the first minute
    assert samples[-1]["gw-09"] > samples[0]["gw-09"]
