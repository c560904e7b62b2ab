"""The calibration walk (docs/store-layout.md, "Drawing a real store"): one person holds a loyalty tag about
1 m below each gateway in turn, so that `corsia calibrate` can measure each gateway's `rssi_offset`.

The walk starts at the doors, visits the gateways in layout order, holds the tag under each for `hold_s` (at
arm's length: no body between it and the gateway), walks on at `speed_mps`, and leaves through the doors. The
radio is the store scenarios' channel with the tag `below_m` under the gateways' mount, and the gateways'
receivers miscalibrated by `receiver_offsets_db` (by default minus the layout's own offsets, as in every
scenario: the layout's offsets then are the truth to find).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Final

from edge.store import StoreLayout
from firmware_sim.world.devices import IBeaconTag
from firmware_sim.world.floorplan import find_door
from firmware_sim.world.population import TAG_UUID
from firmware_sim.world.radio import RadioParams
from firmware_sim.world.scenario import DEFAULT_START_T, Scenario
from firmware_sim.world.trajectory import NO_BODY, TrajectoryBuilder

TAG_ID: Final = "calibration-tag"
TAG_MINOR: Final = 65535
"""The calibration tag's iBeacon minor: one the shoppers' tags (minor = their number) do not use."""
WALK_SPEED_MPS: Final = 1.0
CIRCLE_SPEED_MPS: Final = 0.3
CIRCLE_SEGMENTS: Final = 12


def calibration_walk(
    layout: StoreLayout,
    *,
    seed: int = 1,
    hold_s: float = 60.0,
    below_m: float = 1.0,
    receiver_offsets_db: Mapping[str, float] | None = None,
    radio: RadioParams | None = None,
    speed_mps: float = WALK_SPEED_MPS,
    circle_m: float = 0.0,
) -> Scenario:
    """The walk under every gateway of `layout`, deterministic for `seed` (the channel's draws)."""
    if hold_s <= 0 or below_m <= 0 or speed_mps <= 0:
        raise ValueError("hold_s, below_m and speed_mps must be positive")
    base = radio or RadioParams()
    params = replace(
        base,
        device_height_m=max(0.1, base.gateway_height_m - below_m),
        receiver_offsets_db=receiver_offsets_db if receiver_offsets_db is not None else base.receiver_offsets_db,
    )
    tag = IBeaconTag(TAG_ID, TAG_UUID, 1, TAG_MINOR, seed=seed)
    door = find_door(layout)
    walk = TrajectoryBuilder(0.0, door.x, door.y)  # scenario time: seconds from `start_t`
    for g in layout.gateways:
        if circle_m > 0:  # round a circle under the gateway, starting on it
            r = circle_m / 2.0
            walk.walk_to(g.x + r, g.y, speed_mps)
            step = 2.0 * math.pi * r / CIRCLE_SEGMENTS / CIRCLE_SPEED_MPS
            for k in range(1, max(1, round(hold_s / step)) + 1):
                a = 2.0 * math.pi * k / CIRCLE_SEGMENTS
                walk.move_for(g.x + r * math.cos(a), g.y + r * math.sin(a), step, heading=NO_BODY)
        else:
            walk.walk_to(g.x, g.y, speed_mps)
            walk.dwell(hold_s, heading=NO_BODY)
    walk.walk_to(door.x, door.y, speed_mps)
    trajectory = walk.build()
    return Scenario(
        name="calibration-walk",
        seed=seed,
        layout=layout,
        duration_s=trajectory.end,
        start_t=DEFAULT_START_T,
        devices=(tag,),
        trajectories={TAG_ID: trajectory},
        radio=params,
        tags=[(TAG_ID, tag.wire_id)],
        info={"hold_s": hold_s, "below_m": below_m},
    )
