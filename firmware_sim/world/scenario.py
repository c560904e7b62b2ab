"""A `Scenario`: a store, the devices in and around it, their paths, the radio, and how long it runs."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from edge.store import StoreLayout
from firmware_sim.world import jsonl, stream
from firmware_sim.world.devices import Device
from firmware_sim.world.model import Advert, TruthSample
from firmware_sim.world.radio import RadioParams
from firmware_sim.world.shoppers import Shopper
from firmware_sim.world.trajectory import Trajectory

DEFAULT_START_T = 1_795_392_000.0
"""2026-11-24 00:00 UTC as Unix time: every built-in scenario starts there (times are then exact floats)."""


@dataclass(frozen=True, eq=False)
class Scenario:
    """Everything needed to run one simulated world, deterministic for its `seed`.

    `members` are the enrolled phones ``(device_id, identity_key, k)`` and `tags` the enrolled tags
    ``(device_id, wire_id)``: what the hub would have in its database. Other devices are strangers.
    """

    name: str
    seed: int
    layout: StoreLayout
    duration_s: float
    start_t: float
    devices: tuple[Device, ...]
    trajectories: Mapping[str, Trajectory]
    radio: RadioParams
    members: list[tuple[str, bytes, int]] = field(default_factory=list)
    tags: list[tuple[str, str]] = field(default_factory=list)
    shoppers: tuple[Shopper, ...] = ()
    info: Mapping[str, Any] = field(default_factory=dict)
    """Facts about the scenario for reports: parameters, sources, published baselines."""
    slice_s: float = 2.0
    """Seconds of adverts computed at once (a memory/speed trade-off; it does not change the output's law)."""

    def __post_init__(self) -> None:
        ids = [d.id for d in self.devices]
        if len(set(ids)) != len(ids):
            raise ValueError("device ids must be unique")
        missing = [d for d in ids if d not in self.trajectories]
        if missing:
            raise ValueError(f"devices without a trajectory: {', '.join(missing[:5])}")
        known = set(ids)
        for device_id in self.enrolled:
            if device_id not in known:
                raise ValueError(f"enrolled device {device_id!r} is not in the scenario")

    @property
    def tag_uuids(self) -> list[str]:
        """The enrolled tags' iBeacon proximity UUIDs, sorted: what a gateway's allow-list must name."""
        return sorted({wire.split(":")[1] for _device, wire in self.tags})

    @property
    def end_t(self) -> float:
        return self.start_t + self.duration_s

    @property
    def enrolled(self) -> list[str]:
        """The ids of the enrolled devices (member phones, then tags)."""
        return [m[0] for m in self.members] + [t[0] for t in self.tags]

    def device(self, device_id: str) -> Device:
        for d in self.devices:
            if d.id == device_id:
                return d
        raise KeyError(f"no device {device_id!r} in scenario {self.name!r}")

    def adverts(self) -> Iterator[tuple[float, str, Advert]]:
        """Every advert heard by every gateway, as ``(unix time, gateway id, advert)`` in time order.

        A generator: a new call starts the same world again from the beginning (same seed, same output).
        """
        return stream.adverts(self)

    def truth(
        self, step_s: float = 0.1, *, devices: Iterable[str] | None = None, include_all: bool = False
    ) -> Iterator[TruthSample]:
        """Where each device is, every `step_s` from the start, while it is in the world, in time order.

        By default the enrolled devices (the ones the hub can know); `devices` picks others, `include_all`
        gives every device (chatter included).
        """
        if devices is None:
            devices = [d.id for d in self.devices] if include_all else self.enrolled
        return stream.truth(self, step_s, devices)

    def record(self, path: str | os.PathLike[str]) -> int:
        """Write `adverts()` to a JSON Lines file (see `replay`); the number of lines written."""
        return jsonl.record(self.adverts(), path)
