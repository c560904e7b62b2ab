"""The simulated world: loyalty phones and tags, the chatter around them, a radio channel, shoppers walking a
store, and the ground truth to score the hub against.

    from firmware_sim.world import build_scenario

    scenario = build_scenario("store-small", seed=1)
    for t, gw_id, advert in scenario.adverts():          # every advert heard by every gateway, in time order
        pipeline[gw_id].feed(advert.manufacturer_data, advert.service_data, advert.rssi, t)
    for sample in scenario.truth(step_s=0.1):           # where each enrolled device really was
        ...

Deterministic for a seed: every component draws from its own stream (`firmware_sim.world.seeds`). The model,
its parameters and their sources are in docs/simulator.md.
"""

from firmware_sim.world.jsonl import record, replay
from firmware_sim.world.model import Advert, TruthSample, WorldError
from firmware_sim.world.radio import RadioParams
from firmware_sim.world.scenario import DEFAULT_START_T, Scenario
from firmware_sim.world.scenarios import SCENARIOS, build_scenario

__all__ = [
    "DEFAULT_START_T",
    "SCENARIOS",
    "Advert",
    "RadioParams",
    "Scenario",
    "TruthSample",
    "WorldError",
    "build_scenario",
    "record",
    "replay",
]
