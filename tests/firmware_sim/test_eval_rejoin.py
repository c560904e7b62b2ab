"""Visits split by a silence and continued within `rejoin_s`, through the whole pipeline: the harness counts them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from itertools import pairwise

from edge.presence import JourneyEvent, PresenceSettings
from firmware_sim.eval.harness import EvalSettings, run
from firmware_sim.world import Scenario, build_scenario
from firmware_sim.world.devices import EidPhone


def lossy_small_store() -> Scenario:
    """store-small with every phone advertising once a second and 80 % of the adverts lost: silences longer than
    the shop front's 2.5 s timeout end visits of shoppers still inside."""
    scenario = build_scenario("store-small", 1)
    for device in scenario.devices:
        if isinstance(device, EidPhone):
            device.interval_s = 1.0
    return replace(scenario, radio=replace(scenario.radio, loss_share=0.8))


def test_a_device_back_within_rejoin_s_continues_its_visit_and_the_harness_counts_it() -> None:
    split = run(lossy_small_store(), EvalSettings(presence=PresenceSettings(rejoin_s=0.0)), name="store-small", seed=1)
    # The gateways inside take back a visit that ended on the front at their usual floor, as with rejoin_s 0:
    # the same decisions (rejoin_s changes only the ids), so the same enters...
    again = PresenceSettings(rejoin_inside_min_dbm=-127.0)
    kept = run(lossy_small_store(), EvalSettings(presence=again), name="store-small", seed=1)
    assert [(e.t, e.device, e.event, e.zone) for e in kept.events] == [
        (e.t, e.device, e.event, e.zone) for e in split.events
    ]
    assert kept.scores.visits == split.scores.visits
    # ...but with rejoin_s 0 each is a new visit, and with the default the returns continue theirs.
    assert split.scores.resumed == 0
    assert len({e.visit for e in split.events}) == split.scores.visits
    assert kept.scores.resumed > 0
    assert len({e.visit for e in kept.events}) == kept.scores.visits - kept.scores.resumed
    # Each continued visit came back within rejoin_s of its exit.
    by_visit: dict[str, list[JourneyEvent]] = defaultdict(list)
    for event in kept.events:
        by_visit[event.visit].append(event)
    returns = [
        (before, later) for steps in by_visit.values() for before, later in pairwise(steps) if later.event == "enter"
    ]
    assert len(returns) == kept.scores.resumed
    assert all(before.event == "exit" for before, _ in returns)
    assert all(0.0 <= later.t - before.t <= PresenceSettings().rejoin_s for before, later in returns)
