"""Wall-clock jumps of hours, backwards and forwards, under the hub's pure presence path.

The EID resolver and the presence engine are fed as `HubCore.on_sightings` feeds them: each item resolved at the
batch's time `t` (the gateway's clock), the resolved items ingested with the hub's `now`, and a `tick` every
second. Phones keep true time (their clock comes from the mobile network). Three faults, each a run of five
four-minute phases with the clock right, 3 h behind, right, 5 h ahead, right:

- ``store``: the store's NTP server steps, so the hub and every gateway jump together;
- ``hub``: the hub's clock alone jumps (a Pi without a real-time clock, stepped at boot);
- ``gateway``: one gateway's clock alone jumps.

Expected: no exception; an EID never resolves to the wrong device; whenever the clock is right again every
phone resolves and every shopper in the store is in a visit within 40 s; shoppers who leave get their exit; every
visit is well formed (each of its stays an enter first and an exit last, zone changes chained, no stay or dwell
longer than the run); the occupancy always adds up.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

import pytest

from edge.identity import EidResolver, eid
from edge.presence import JourneyEvent, PresenceEngine
from edge.store import load_layout
from tests.edge.hub.conftest import LAYOUT

T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC
PHASE_S = 240
OFFSETS = (0.0, -3 * 3600.0, 0.0, 5 * 3600.0, 0.0)
PHONES = 6
STAYING = range(4)  # in the store the whole run; the others leave half-way through each phase
GATEWAYS = ("gw-01", "gw-04")
RECOVER_S = 40  # the presence engine's clock estimate restarts after 30 stale batches at the live pace
EXIT_S = 20  # exit timeout (8 s) plus the stale horizon, with room


@dataclass
class Run:
    resolved_right: int = 0
    resolved_wrong: int = 0
    unresolved_with_right_clock: int = 0
    unresolved_with_wrong_clock: int = 0
    events: list[JourneyEvent] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def clocks(fault: str, offset: float) -> tuple[dict[str, float], float]:
    """Each gateway's and the hub's clock offsets from true time for `fault`."""
    if fault == "store":
        return {gw: offset for gw in GATEWAYS}, offset
    if fault == "hub":
        return dict.fromkeys(GATEWAYS, 0.0), offset
    return {GATEWAYS[0]: offset, GATEWAYS[1]: 0.0}, 0.0


def simulate(fault: str) -> tuple[Run, EidResolver, PresenceEngine]:
    rng = random.Random(4)
    keys = [rng.randbytes(16) for _ in range(PHONES)]
    resolver = EidResolver()
    for n, key in enumerate(keys):
        resolver.enroll(f"dev-{n}", key)
    engine = PresenceEngine(load_layout(LAYOUT), visit_prefix="v")
    run = Run()
    seqs = dict.fromkeys(GATEWAYS, 0)
    for phase, offset in enumerate(OFFSETS):
        gw_offsets, hub_offset = clocks(fault, offset)
        for second in range(PHASE_S):
            true_t = T0 + phase * PHASE_S + second
            now = true_t + hub_offset + 0.05
            present = [n for n in range(PHONES) if n in STAYING or second < PHASE_S // 2]
            for g, gw in enumerate(GATEWAYS):
                seqs[gw] += 1
                t = true_t + gw_offsets[gw]
                items: list[tuple[str, float]] = []
                for n in present:
                    wire = "eid:" + eid(keys[n], 10, int(true_t)).hex()
                    device = resolver.resolve(wire, t)
                    if device is None:
                        if gw_offsets[gw] == 0.0:
                            run.unresolved_with_right_clock += 1
                        else:
                            run.unresolved_with_wrong_clock += 1
                    elif device == f"dev-{n}":
                        run.resolved_right += 1
                        items.append((device, -58.0 if n % 2 == g else -70.0))
                    else:
                        run.resolved_wrong += 1
                run.events += engine.ingest(gw, seqs[gw], t, items, now)
            run.events += engine.tick(now)
            check_occupancy(engine, run, phase, second)
            if offset == 0.0:
                check_presence(engine, run, phase, second)
    return run, resolver, engine


def check_occupancy(engine: PresenceEngine, run: Run, phase: int, second: int) -> None:
    counts = engine.occupancy().values()
    if min(counts) < 0 or sum(counts) != engine.devices:
        run.problems.append(f"phase {phase} s {second}: occupancy {dict(engine.occupancy())} vs {engine.devices}")


def check_presence(engine: PresenceEngine, run: Run, phase: int, second: int) -> None:
    """With the clock right: in a visit once recovered, and out once gone."""
    for n in range(PHONES):
        inside = engine.zone_of(f"dev-{n}") is not None
        here = n in STAYING or second < PHASE_S // 2
        if here and second >= RECOVER_S and not inside:
            run.problems.append(f"phase {phase} s {second}: dev-{n} is in the store but in no visit")
        if not here and second >= PHASE_S // 2 + EXIT_S and inside:
            run.problems.append(f"phase {phase} s {second}: dev-{n} left {second - PHASE_S // 2} s ago, visit open")


def malformed_visits(events: list[JourneyEvent]) -> list[str]:
    longest = len(OFFSETS) * PHASE_S
    problems: list[str] = []
    visits: dict[str, list[JourneyEvent]] = defaultdict(list)
    for event in events:
        visits[event.visit].append(event)
    for visit, steps in visits.items():
        # A visit is one or more stays, enter ... exit: a device back soon after its exit continues its visit.
        kinds = [e.event for e in steps]
        starts = [i for i, k in enumerate(kinds) if k == "enter"]
        if starts[:1] != [0] or any(kinds[i - 1] != "exit" for i in starts[1:]):
            problems.append(f"{visit}: {kinds}")
        if any(k == "exit" and i + 1 < len(kinds) and kinds[i + 1] != "enter" for i, k in enumerate(kinds)):
            problems.append(f"{visit}: events after its exit: {kinds}")
        if len({e.device for e in steps}) != 1:
            problems.append(f"{visit}: more than one device")
        zone = steps[0].zone
        for e in steps[1:]:
            if e.event == "enter":
                zone = e.zone
            elif e.event == "zone":
                if e.prev != zone:
                    problems.append(f"{visit}: zone change from {e.prev} while in {zone}")
                zone = e.zone
            if e.dwell_s is not None and not (math.isfinite(e.dwell_s) and 0.0 <= e.dwell_s <= longest):
                problems.append(f"{visit}: {e.event} with a stay of {e.dwell_s} s")
    return problems


@pytest.mark.parametrize("fault", ["store", "hub", "gateway"])
def test_clock_jumps_of_hours_neither_crash_nor_corrupt_and_resolution_recovers(fault: str) -> None:
    run, resolver, engine = simulate(fault)

    assert run.resolved_wrong == 0, "an EID resolved to another device"
    assert run.unresolved_with_right_clock == 0, "a phone heard by a gateway with a right clock did not resolve"
    assert run.resolved_right > 0
    assert not run.problems, run.problems[:10]
    assert not malformed_visits(run.events), malformed_visits(run.events)[:10]
    enters = sum(e.event == "enter" for e in run.events)
    exits = sum(e.event == "exit" for e in run.events)
    assert enters - exits == engine.devices  # every visit that ended said so, once
    # The phones that leave come back in every phase in which a gateway with a right clock hears them: an enter
    # each time, and none while every clock that hears them is wrong.
    right_phases = len(OFFSETS) if fault == "gateway" else OFFSETS.count(0.0)
    returning = [e for e in run.events if e.event == "enter" and e.device not in {f"dev-{n}" for n in STAYING}]
    assert len(returning) == (PHONES - len(STAYING)) * right_phases
    if fault in ("store", "gateway"):
        assert resolver.stats.rebuilds >= 2, "the jump back did not rebuild the EID table"
    print(f"clock jump ({fault}): {run.resolved_right} EIDs resolved, {run.unresolved_with_wrong_clock} unresolved "
          f"at a wrong clock, 0 misresolved; {enters} visits, {resolver.stats.rebuilds} rebuilds, "
          f"presence stats {engine.stats}")  # fmt: skip
