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


def test_the_batch_observer_sees_every_batch_after_the_engine_with_the_events_it_caused() -> None:
    seen: list[tuple[str, float, list[tuple[str, float]], list[JourneyEvent]]] = []
    result = run(
        build_scenario("store-small", 1), name="store-small", seed=1,
        on_batch=lambda gw, now, items, events: seen.append((gw, now, list(items), list(events))),
    )  # fmt: skip
    assert len(seen) == result.batches
    # Only the members' resolved ids reach it (the strangers' EIDs are dropped first), by their device names.
    members = set(result.truth)
    assert {device for _, _, items, _ in seen for device, _ in items} <= members
    assert sum(len(items) for _, _, items, _ in seen) == result.items - result.unresolved_items
    # Each enter comes with the batch that caused it, in which its device was heard.
    enters = [(e, items) for _, _, items, events in seen for e in events if e.event == "enter"]
    assert enters
    assert all(e.device in {d for d, _ in items} for e, items in enters)
    # The events it saw are the run's, but for those of the ticks between batches (exits, dwells, held switches).
    from_batches = [e for *_, events in seen for e in events]
    assert set(from_batches) <= set(result.events)
    assert {e for e in result.events if e.event == "enter"} <= set(from_batches)
