"""Running a scenario: the time-ordered stream of adverts every gateway hears, and the ground truth.

The adverts are made one time slice at a time (`Scenario.slice_s`, 2 s by default): a heap wakes devices as
their trajectories start; each awake device draws its advert times in the slice from its own stream (nominal
interval ± jitter, from a random phase) and its frames from its firmware; positions and the channel to every
gateway are then computed for the whole slice at once (numpy), and the heard (advert, gateway) pairs are yielded
in time order, gateways in layout order for the same advert. Memory stays bounded by one slice.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import numpy as np

from edge.store import StoreLayout
from firmware_sim.world import seeds
from firmware_sim.world.devices import Device, Frame
from firmware_sim.world.model import Advert, TruthSample
from firmware_sim.world.radio import Radio
from firmware_sim.world.trajectory import Trajectory

if TYPE_CHECKING:
    from firmware_sim.world.scenario import Scenario

TRUTH_CHUNK = 600  # truth steps computed at once per device


class _Transmitter:
    __slots__ = ("device", "index", "next_t", "rng", "trajectory")

    def __init__(self, index: int, device: Device, trajectory: Trajectory, seed: int) -> None:
        self.index = index
        self.device = device
        self.trajectory = trajectory
        self.rng = seeds.stream(seed, "advertising", device.id)
        t = trajectory.start + self.rng.uniform(0.0, device.interval_s)
        if t < 0.0:  # already in the world before the scenario starts: skip to its first advert after 0
            t += math.ceil(-t / device.interval_s) * device.interval_s
        self.next_t = t


def adverts(scenario: Scenario) -> Iterator[tuple[float, str, Advert]]:
    """(Unix time, gateway id, advert) for every advert heard by every gateway, in time order."""
    devices = scenario.devices
    radio = Radio(scenario.radio, scenario.layout, seeds.np_stream(scenario.seed, "radio"), len(devices))
    gateway_ids = radio.gateway_ids
    pending = [(scenario.trajectories[d.id].start, i) for i, d in enumerate(devices)]
    heapq.heapify(pending)
    active: list[_Transmitter] = []
    duration = scenario.duration_s
    start_t = scenario.start_t
    t0 = 0.0
    while t0 < duration:
        t1 = min(t0 + scenario.slice_s, duration)
        while pending and pending[0][0] < t1:
            _start, i = heapq.heappop(pending)
            active.append(_Transmitter(i, devices[i], scenario.trajectories[devices[i].id], scenario.seed))
        dev: list[int] = []
        times: list[float] = []
        frames: list[Frame] = []
        xs: list[np.ndarray] = []
        ys: list[np.ndarray] = []
        headings: list[np.ndarray] = []
        txs: list[float] = []
        still: list[_Transmitter] = []
        for tr in active:
            end = tr.trajectory.end
            mine: list[float] = []
            device = tr.device
            while tr.next_t < t1 and tr.next_t <= end:
                mine.append(tr.next_t)
                tr.next_t += device.next_interval(tr.rng)
            if tr.next_t <= end:
                still.append(tr)
            if not mine:
                continue
            ts = np.array(mine)
            x, y = tr.trajectory.position(ts)
            xs.append(x)
            ys.append(y)
            headings.append(tr.trajectory.facing(ts))
            dev.extend([tr.index] * len(mine))
            times.extend(mine)
            frames.extend(device.frame(t) for t in mine)
            txs.extend([device.tx_1m_dbm] * len(mine))
        active = still
        t0 = t1
        if not times:
            continue
        t_arr = np.array(times)
        rssi, heard = radio.receive(
            np.array(dev, dtype=np.int64),
            t_arr,
            np.concatenate(xs),
            np.concatenate(ys),
            np.concatenate(headings),
            np.array(txs),
        )
        order = np.argsort(t_arr, kind="stable")
        rows, cols = np.nonzero(heard[order])
        values = rssi[order][rows, cols].tolist()
        when = (start_t + t_arr[order]).tolist()
        order_list = order.tolist()
        for r, c, v in zip(rows.tolist(), cols.tolist(), values, strict=True):
            mfg, svc, address = frames[order_list[r]]
            yield when[r], gateway_ids[c], Advert(mfg, svc, v, address)


def zone_ids(layout: StoreLayout, x: np.ndarray, y: np.ndarray) -> list[str | None]:
    """`layout.zone_at` for many points: the half-open rule vectorised, the rare edge cases asked one by one."""
    found = np.full(len(x), -1, dtype=np.int64)
    for i, z in enumerate(layout.zones):
        r = z.rect
        hit = (found < 0) & (x >= r.x0) & (x < r.x1) & (y >= r.y0) & (y < r.y1)
        found[hit] = i
    ids = [z.id for z in layout.zones]
    out: list[str | None] = [ids[i] if i >= 0 else None for i in found.tolist()]
    for j in np.flatnonzero(found < 0).tolist():
        zone = layout.zone_at(float(x[j]), float(y[j]))
        out[j] = zone.id if zone is not None else None
    return out


def truth(scenario: Scenario, step_s: float, device_ids: Iterable[str]) -> Iterator[TruthSample]:
    """A `TruthSample` every `step_s` for each device while it is in the world, in time order."""
    if step_s <= 0:
        raise ValueError("step_s must be positive")
    ids = list(device_ids)
    trajectories = [scenario.trajectories[d] for d in ids]
    layout = scenario.layout
    steps = math.floor(scenario.duration_s / step_s + 1e-9) + 1
    for k0 in range(0, steps, TRUTH_CHUNK):
        ts = np.arange(k0, min(k0 + TRUTH_CHUNK, steps), dtype=np.float64) * step_s
        rows: list[tuple[str, np.ndarray, list[float], list[float], list[str | None], list[bool]]] = []
        for device_id, traj in zip(ids, trajectories, strict=True):
            present = (ts >= traj.start) & (ts <= traj.end)
            if not present.any():
                continue
            x, y = traj.position(ts)
            inside = (x >= 0) & (x <= layout.width) & (y >= 0) & (y <= layout.depth)
            zones = zone_ids(layout, x, y)
            zones = [z if ok else None for z, ok in zip(zones, inside.tolist(), strict=True)]
            rows.append((device_id, present, x.tolist(), y.tolist(), zones, inside.tolist()))
        presents = [row[1].tolist() for row in rows]
        for j in range(len(ts)):
            t = scenario.start_t + (k0 + j) * step_s
            for row, present in zip(rows, presents, strict=True):
                if present[j]:
                    yield TruthSample(t, row[0], row[2][j], row[3][j], row[4][j], row[5][j])
