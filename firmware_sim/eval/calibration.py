"""The simulated calibration walk through the gateways' own pipeline: the tag's readings as `corsia calibrate`
takes them (`edge.store.calibration.fit_offsets`)."""

from __future__ import annotations

from edge.store.calibration import Reading
from firmware_sim.eval.batches import gateway_batches
from firmware_sim.world import Scenario
from firmware_sim.world.calibration import TAG_ID
from gateway.filters import FilterSettings


def walk_readings(walk: Scenario, filter_settings: FilterSettings | None = None) -> list[Reading]:
    """Every gateway's reading of the walk's tag, one a second per gateway that heard it."""
    wire = dict(walk.tags)[TAG_ID]
    return [
        Reading(b.gateway, b.t, item.rssi)
        for b in gateway_batches(walk, filter_settings or FilterSettings(), 1.0, walk.end_t + 2.0)
        for item in b.items
        if item.id == wire
    ]
