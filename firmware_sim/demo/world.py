"""The demo's world: the demo store with shoppers arriving around now, built with `firmware_sim.world`.

Unlike the built-in scenarios, which start on a fixed date, this world starts at the `start_t` it is given: the
demo passes the present moment, because the phones' Eddystone-EIDs follow their clocks and the hub resolves them
on the wall clock. The store is already open when the demo starts: shoppers arrive at the same rate during the
`LEAD_S` before, longer than almost any visit, so from the first second the store is as busy as the rate makes
it, with people at the shelves and at the tills, not an empty shop filling up.

Deterministic for a seed (and the start time, which only shifts the calendar): arrival times, roles and every
shopper's visit come from the world's named random streams.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Final

from edge.store import load_layout
from firmware_sim.world import RadioParams, Scenario, seeds
from firmware_sim.world.floorplan import WalkGraph
from firmware_sim.world.population import PopulationParams, populate
from firmware_sim.world.scenarios import DEMO_LAYOUT
from firmware_sim.world.shoppers import ShopperParams

NAME: Final = "demo"
LEAD_S: Final = 900.0
"""Shoppers arrive from this many seconds before the start: more than almost every visit (median 5.5 min)."""
PERIOD_S: Final = 600.0
"""Without a duration, `shoppers` is the number arriving in each such period."""
OPEN_DAY_S: Final = 8 * 3600.0
"""Without a duration, the world is a shop day this long (built at once: about 5 s and 60 MB for 60 per 10 min)."""
STARTUP_SLACK_S: Final = 120.0
"""The world lasts this much longer than the run: the processes take some seconds to start, and the run's
clock starts when they are all up."""
PARAMS: Final = PopulationParams(
    member_share=0.5,  # more members than a real Milan store (0.4), so a short demo shows the journey
    shopper=replace(ShopperParams(), checkout_dwell_s=(30.0, 90.0)),  # a short queue: receipts in the first minute
)


def arrivals(seed: int, shoppers: int, duration_s: float | None) -> list[float]:
    """When each shopper walks in, in seconds from the start (negative: before it), sorted: `shoppers` per
    `duration_s` (per `PERIOD_S` without one) from `LEAD_S` before the start to the end."""
    if shoppers < 0:
        raise ValueError(f"shoppers must be 0 or more, got {shoppers}")
    span = duration_s if duration_s is not None else OPEN_DAY_S
    rate = shoppers / (duration_s if duration_s is not None else PERIOD_S)
    count = round(rate * (LEAD_S + span))
    rng = seeds.stream(seed, "demo", "arrivals")
    return sorted(rng.uniform(-LEAD_S, span) for _ in range(count))


def role(rng: random.Random, p: PopulationParams = PARAMS) -> str:
    """A shopper's role (`firmware_sim.world.population.ROLES`), drawn with the population's shares as
    `populate` draws them; the demo lists its visitors itself, to place their arrivals around the start."""
    if rng.random() < p.member_share:
        if rng.random() < p.member_android_share:
            return "member-android-tag" if rng.random() < p.android_member_tag_share else "member-android"
        return "member-ios-tag" if rng.random() < p.ios_member_tag_share else "member-ios"
    if rng.random() < p.nonmember_iphone_share:
        return "nonmember-ios"
    return "nonmember-android-eid" if rng.random() < p.stranger_eid_share else "nonmember-android"


def build_world(seed: int, shoppers: int, duration_s: float | None, start_t: float) -> Scenario:
    """The demo store from `start_t` on: `shoppers` arriving per `duration_s` (or per `PERIOD_S` over a shop
    day), and as many per second in the `LEAD_S` before the start."""
    if duration_s is not None and not duration_s > 0:
        raise ValueError(f"duration_s must be positive, got {duration_s}")
    layout = load_layout(DEMO_LAYOUT)
    graph = WalkGraph(layout)
    times = arrivals(seed, shoppers, duration_s)
    visitors = [(t, role(seeds.stream(seed, "demo", "role", n))) for n, t in enumerate(times)]
    world_s = (duration_s if duration_s is not None else OPEN_DAY_S) + STARTUP_SLACK_S
    params = replace(PARAMS, arrivals_until_s=world_s)
    pop = populate(graph, seed, start_t, world_s, params, visitors)
    return Scenario(
        name=NAME,
        seed=seed,
        layout=layout,
        duration_s=world_s,
        start_t=start_t,
        devices=tuple(pop.devices),
        trajectories=pop.trajectories,
        radio=RadioParams(),
        members=pop.members,
        tags=pop.tags,
        shoppers=tuple(pop.shoppers),
        info={"population": params, "shoppers": len(pop.shoppers), "devices": len(pop.devices)},
    )


def shopper_of(device_id: str) -> str:
    """The person carrying a device: ``"s0007-phone"`` → ``"s0007"`` (shoppers ``s…``, passers-by ``p…``)."""
    return device_id.rsplit("-", 1)[0]
