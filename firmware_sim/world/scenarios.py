"""The built-in scenarios, by name: `build_scenario("store-busy", seed=7)`.

* ``espresense-walk``, ``espresense-boundary`` — the ESPresense-companion accuracy harness's diagonal walk and
  room-boundary transit (`firmware_sim.world.espresense`), to compare with its published wrong-room rates.
* ``store-busy`` — the demo store's busy hour: about 300 shoppers arriving as a Poisson process, 40 % of them
  members, phones, tags, earbuds and watches, people walking past on the street, the neighbours' beacons.
* ``store-small`` — six shoppers with fixed roles in seven minutes: for tests and quick runs.

Each builder is a pure function of the seed (and of ``noise_db``, which replaces the shadowing σ). The store
scenarios take another store's layout in place of the demo store's (``layout``): shoppers walk its own aisles,
tills and desks, and its gateways hear them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Final

from edge.store import StoreLayout, load_layout
from firmware_sim.world import espresense, seeds
from firmware_sim.world.floorplan import WalkGraph
from firmware_sim.world.model import WorldError
from firmware_sim.world.population import PopulationParams, populate
from firmware_sim.world.radio import RadioParams
from firmware_sim.world.scenario import DEFAULT_START_T, Scenario
from firmware_sim.world.shoppers import ShopperParams

DEMO_LAYOUT: Final = Path(__file__).resolve().parents[2] / "examples" / "stores" / "demo.toml"

BUSY_HOUR_S: Final = 3600.0
SMALL_DURATION_S: Final = 420.0
SMALL_VISITORS: Final = (  # roles of store-small's six shoppers, in arrival order
    "member-android",
    "nonmember-ios",
    "member-android-tag",
    "member-ios-tag",
    "nonmember-android-eid",
    "member-android",
)


def _store(name: str, seed: int, noise_db: float | None, duration_s: float, params: PopulationParams,
           visitors: list[tuple[float, str]] | None = None, layout: StoreLayout | None = None) -> Scenario:  # fmt: skip
    layout = layout if layout is not None else load_layout(DEMO_LAYOUT)
    graph = WalkGraph(layout)
    pop = populate(graph, seed, DEFAULT_START_T, duration_s, params, visitors)
    radio = RadioParams().with_sigma(noise_db)
    return Scenario(
        name=name,
        seed=seed,
        layout=layout,
        duration_s=duration_s,
        start_t=DEFAULT_START_T,
        devices=tuple(pop.devices),
        trajectories=pop.trajectories,
        radio=radio,
        members=pop.members,
        tags=pop.tags,
        shoppers=tuple(pop.shoppers),
        info={"population": params, "shoppers": len(pop.shoppers), "devices": len(pop.devices)},
    )


def store_busy(seed: int = 1, noise_db: float | None = None, layout: StoreLayout | None = None) -> Scenario:
    """The demo store's busy hour (or `layout`'s)."""
    params = PopulationParams(arrivals_until_s=BUSY_HOUR_S)
    return _store("store-busy", seed, noise_db, BUSY_HOUR_S, params, layout=layout)


def store_small(seed: int = 1, noise_db: float | None = None, layout: StoreLayout | None = None) -> Scenario:
    """Six shoppers with fixed roles arriving in the first 90 s, shorter dwells, seven minutes."""
    rng = seeds.stream(seed, "store-small")
    times = sorted(rng.uniform(5.0, 90.0) for _ in SMALL_VISITORS)
    shopper = replace(
        ShopperParams(),
        wishlist_size=(1, 1),
        extra_stops=(1, 2),
        wishlist_dwell_median_s=30.0,
        glance_dwell_median_s=6.0,
        checkout_dwell_s=(60.0, 90.0),
        buy_share=1.0,
    )
    params = PopulationParams(
        passers_per_hour=30.0, shopper=shopper, member_pickup_share=0.0, arrivals_until_s=SMALL_DURATION_S
    )
    visitors = list(zip(times, SMALL_VISITORS, strict=True))
    return _store("store-small", seed, noise_db, SMALL_DURATION_S, params, visitors, layout)


def _harness_floor(name: str, layout: StoreLayout | None) -> None:
    if layout is not None:
        raise WorldError(
            f"{name} runs on the harness's own floor; a store layout applies to store-busy and store-small"
        )


def espresense_walk(seed: int = 1, noise_db: float | None = None, layout: StoreLayout | None = None) -> Scenario:
    """The harness's ``diagonal_walk`` on its 6 × 4 m two-room floor."""
    _harness_floor("espresense-walk", layout)
    return espresense.build("espresense-walk", seed, noise_db)


def espresense_boundary(seed: int = 1, noise_db: float | None = None, layout: StoreLayout | None = None) -> Scenario:
    """The harness's ``living_to_bedroom`` transit across the room boundary."""
    _harness_floor("espresense-boundary", layout)
    return espresense.build("espresense-boundary", seed, noise_db)


SCENARIOS: Final[dict[str, Callable[[int, float | None, StoreLayout | None], Scenario]]] = {
    "espresense-walk": espresense_walk,
    "espresense-boundary": espresense_boundary,
    "store-busy": store_busy,
    "store-small": store_small,
}


def build_scenario(
    name: str, seed: int = 1, noise_db: float | None = None, layout: StoreLayout | None = None
) -> Scenario:
    """The scenario `name` for `seed`; `noise_db` overrides the shadowing σ (dB), `layout` the demo store (store
    scenarios only). `WorldError` for an unknown name or a layout given to a harness scenario."""
    try:
        builder = SCENARIOS[name]
    except KeyError:
        raise WorldError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}") from None
    if noise_db is not None and not noise_db >= 0:
        raise WorldError(f"noise_db must be a non-negative number of dB, got {noise_db!r}")
    return builder(seed, noise_db, layout)
