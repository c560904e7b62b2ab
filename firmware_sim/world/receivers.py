"""Receivers that read otherwise than the hub's offsets say: a gateway knocked, re-housed or swapped after the
calibration walk.

The world's receivers add `RadioParams.receiver_offsets_db`; by default minus the layout's `rssi_offset`, which
the hub adds back, so every offset is exact. A change makes one receiver read that many dB louder (positive) or
weaker than its offset cancels: what `corsia eval --receiver GW=DB` and `bench/offset_drift.py` run, to see what
a miscalibrated receiver costs and how soon the hub notices (docs/accuracy.md).

    scenario = with_receivers_changed(build_scenario("store-busy", 1), {"gw-04": 3.0})
    receiver_changes(scenario)  # {"gw-04": 3.0}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from edge.errors import ConfigError
from firmware_sim.world.scenario import Scenario

SOURCE = "--receiver"


def receiver_changes(scenario: Scenario) -> dict[str, float]:
    """How each of the scenario's receivers reads against what its layout offset cancels, in dB (louder
    positive), for the gateways where that is not 0, in layout order."""
    changes = ((g.id, scenario.radio.receiver_offset_db(g) + g.rssi_offset) for g in scenario.layout.gateways)
    return {gateway: change for gateway, change in changes if change != 0.0}


def with_receivers_changed(scenario: Scenario, changes: Mapping[str, float]) -> Scenario:
    """The same world with each gateway of `changes` reading that many dB louder than its offset cancels, and
    every other receiver exact. `ConfigError` for a gateway the layout does not have."""
    known = [g.id for g in scenario.layout.gateways]
    for gateway in changes:
        if gateway not in known:
            raise ConfigError(SOURCE, gateway, f"no such gateway in {scenario.layout.id}; it has {', '.join(known)}")
    receivers = {g.id: -g.rssi_offset + changes.get(g.id, 0.0) for g in scenario.layout.gateways}
    return replace(scenario, radio=replace(scenario.radio, receiver_offsets_db=receivers))
