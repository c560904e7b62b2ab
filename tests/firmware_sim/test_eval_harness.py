"""The eval harness's batch observer: what an analysis of the readings sees, batch by batch."""

from __future__ import annotations

from edge.presence import JourneyEvent
from firmware_sim.eval.harness import run
from firmware_sim.world import build_scenario


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
