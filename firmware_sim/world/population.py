"""Who is in and around the store: shoppers with their devices, passers-by, the neighbours' beacons.

Every shopper carries a phone. Members (the loyalty programme) on Android run the app, which advertises
Eddystone-EID in the background; members on iPhone cannot (iOS apps send no service data in the background,
DESIGN.md) and carry the key-fob tag instead, when they have one; some Android members carry a tag too.
Non-members' phones are chatter (iPhone or Android), and some of them send Eddystone-EID for another app, from
keys nobody enrolled. Earbuds, watches and AirTags add their own chatter. People walk past on the street, a
few of them members. The two shops next door have beacons of their own.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from firmware_sim.world import seeds
from firmware_sim.world.chatter import ChatterDevice
from firmware_sim.world.devices import ANDROID_INTERVALS_S, DEFAULT_K, Device, EidPhone, IBeaconTag
from firmware_sim.world.floorplan import WalkGraph
from firmware_sim.world.shoppers import Shopper, ShopperParams, pass_by, visit
from firmware_sim.world.trajectory import Trajectory, stationary

TAG_UUID: Final = uuid.uuid5(uuid.NAMESPACE_DNS, "tags.corsia.example").bytes
"""The proximity UUID of the retailer's loyalty tags (one for the chain; major = 1, minor = the tag)."""

ROLES: Final = (
    "member-android",  # the app advertises Eddystone-EID
    "member-android-tag",  # the app, and the key-fob tag too
    "member-ios-tag",  # iOS cannot advertise in the background: the tag is how the store sees them
    "member-ios",  # invisible to the store (an iPhone's chatter only)
    "nonmember-ios",
    "nonmember-android",
    "nonmember-android-eid",  # another app's Eddystone-EID, from a key nobody enrolled
)

Member = tuple[str, bytes, int]
Tag = tuple[str, str]


@dataclass(frozen=True, slots=True)
class PopulationParams:
    """Who comes, what they carry; docs/simulator.md gives each default's reasoning."""

    shoppers_per_hour: float = 300.0
    arrivals_until_s: float = 3600.0
    member_share: float = 0.4
    member_android_share: float = 0.75
    android_member_tag_share: float = 0.1
    ios_member_tag_share: float = 0.6
    member_pickup_share: float = 0.15
    stranger_eid_share: float = 0.2
    nonmember_iphone_share: float = 0.55
    earbuds_share: float = 0.3
    watch_share: float = 0.15
    airtag_share: float = 0.1
    passers_per_hour: float = 400.0
    passer_member_share: float = 0.03
    neighbours: bool = True
    k: int = DEFAULT_K
    phone_tx_1m_dbm: tuple[float, float] = (-59.0, 3.0)  # mean, standard deviation across phone models
    tag_tx_1m_dbm: tuple[float, float] = (-59.0, 1.0)
    drift_ppm_max: float = 150.0
    clock_offset_s_max: float = 2.0
    switch_fraction: float = 0.02
    phone_interval_weights: tuple[float, float, float] = (0.2, 0.5, 0.3)  # LOW_LATENCY, BALANCED, LOW_POWER
    tag_interval_s: float = 0.5
    shopper: ShopperParams = field(default_factory=ShopperParams)


@dataclass(slots=True)
class Population:
    devices: list[Device] = field(default_factory=list)
    trajectories: dict[str, Trajectory] = field(default_factory=dict)
    members: list[Member] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    shoppers: list[Shopper] = field(default_factory=list)

    def add(self, device: Device, trajectory: Trajectory) -> None:
        self.devices.append(device)
        self.trajectories[device.id] = trajectory


class _Factory:
    """Makes devices with the population's parameters; each device's own draws come from its own stream."""

    def __init__(self, seed: int, start_t: float, p: PopulationParams, pop: Population) -> None:
        self.seed = seed
        self.start_t = start_t
        self.p = p
        self.pop = pop
        self.tag_count = 0

    def eid_phone(self, device_id: str, traj: Trajectory, *, enrolled: bool) -> None:
        p = self.p
        rng = seeds.stream(self.seed, "device", device_id)
        key = rng.randbytes(16)
        phone = EidPhone(
            device_id,
            key,
            start_t=self.start_t,
            k=p.k,
            drift_ppm=rng.uniform(-p.drift_ppm_max, p.drift_ppm_max),
            clock_offset_s=rng.uniform(-p.clock_offset_s_max, p.clock_offset_s_max),
            switch_fraction=p.switch_fraction,
            tx_1m_dbm=rng.gauss(*p.phone_tx_1m_dbm),
            interval_s=rng.choices(ANDROID_INTERVALS_S, weights=p.phone_interval_weights)[0],
            seed=self.seed,
            kind="member-phone" if enrolled else "stranger-phone",
        )
        self.pop.add(phone, traj)
        if enrolled:
            self.pop.members.append((device_id, key, p.k))

    def tag(self, device_id: str, traj: Trajectory) -> None:
        self.tag_count += 1
        rng = seeds.stream(self.seed, "device", device_id)
        tag = IBeaconTag(
            device_id,
            TAG_UUID,
            1,
            self.tag_count,
            tx_1m_dbm=rng.gauss(*self.p.tag_tx_1m_dbm),
            interval_s=self.p.tag_interval_s,
            seed=self.seed,
        )
        self.pop.add(tag, traj)
        self.pop.tags.append((device_id, tag.wire_id))

    def chatter(self, device_id: str, profile: str, traj: Trajectory) -> None:
        self.pop.add(ChatterDevice(device_id, profile, seed=self.seed), traj)

    def role(self, rng: random.Random, *, member: bool, passer: bool) -> str:
        """A random `ROLES` entry for a member or a non-member."""
        p = self.p
        if member and rng.random() < p.member_android_share:
            tag = not passer and rng.random() < p.android_member_tag_share
            return "member-android-tag" if tag else "member-android"
        if member:
            return "member-ios-tag" if rng.random() < p.ios_member_tag_share else "member-ios"
        if rng.random() < p.nonmember_iphone_share:
            return "nonmember-ios"
        return "nonmember-android-eid" if rng.random() < p.stranger_eid_share else "nonmember-android"

    def carried(self, who: str, traj: Trajectory, rng: random.Random, role: str) -> None:
        """The devices one person in `role` carries along `traj`."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
        p = self.p
        if role.startswith("member-android"):
            self.eid_phone(f"{who}-phone", traj, enrolled=True)
        elif role in ("member-ios", "member-ios-tag", "nonmember-ios"):
            self.chatter(f"{who}-phone", "iphone", traj)
        else:
            self.chatter(f"{who}-phone", rng.choice(("samsung", "fast-pair")), traj)
        if role.endswith("-tag"):
            self.tag(f"{who}-tag", traj)
        if role == "nonmember-android-eid":
            self.eid_phone(f"{who}-app", traj, enrolled=False)
        if rng.random() < p.earbuds_share:
            self.chatter(f"{who}-earbuds", rng.choice(("airpods", "airpods", "fast-pair")), traj)
        if rng.random() < p.watch_share:
            self.chatter(f"{who}-watch", "watch", traj)
        if rng.random() < p.airtag_share:
            self.chatter(f"{who}-airtag", rng.choice(("findmy", "tile")), traj)


def poisson_times(rng: random.Random, per_hour: float, until_s: float, first: float = 0.0) -> list[float]:
    """Arrival times of a Poisson process of `per_hour` events per hour, from `first` to `until_s`."""
    times = []
    t = first
    rate = per_hour / 3600.0
    while rate > 0:
        t += rng.expovariate(rate)
        if t >= until_s:
            break
        times.append(t)
    return times


def populate(
    graph: WalkGraph,
    seed: int,
    start_t: float,
    duration_s: float,
    p: PopulationParams,
    visitors: Sequence[tuple[float, str]] | None = None,
) -> Population:
    """Shoppers, passers-by and the neighbours' beacons, all deterministic for `seed`.

    Shoppers arrive as a Poisson process with random roles, or at the listed ``(enter_s, role)`` `visitors`.
    """
    pop = Population()
    make = _Factory(seed, start_t, p, pop)
    if visitors is None:
        arrivals = poisson_times(seeds.stream(seed, "arrivals"), p.shoppers_per_hour, p.arrivals_until_s)
        listed: list[tuple[float, str | None]] = [(t, None) for t in arrivals]
    else:
        listed = list(visitors)
    for i, (enter, wanted) in enumerate(listed, start=1):
        who = f"s{i:04d}"
        rng = seeds.stream(seed, "shopper", who)
        role = wanted or make.role(rng, member=rng.random() < p.member_share, passer=False)
        pickup = role.startswith("member") and rng.random() < p.member_pickup_share
        shopper = visit(graph, who, enter, rng, p.shopper, pickup=pickup)
        pop.shoppers.append(shopper)
        make.carried(who, shopper.trajectory, rng, role)
    passers = poisson_times(seeds.stream(seed, "passers"), p.passers_per_hour, duration_s, first=-60.0)
    for i, start in enumerate(passers, start=1):
        who = f"p{i:04d}"
        rng = seeds.stream(seed, "passer", who)
        traj = pass_by(graph, start, rng, p.shopper)
        make.carried(who, traj, rng, make.role(rng, member=rng.random() < p.passer_member_share, passer=True))
    if p.neighbours:
        layout = graph.layout
        door = graph.door
        half = (layout.width if door.along[0] else layout.depth) / 2
        for name, side in (("neighbour-uid", -1.0), ("neighbour-altbeacon", 1.0)):
            x, y = door.outside(-1.5, side * (half + 4.0))  # inside the shop next door, 1.5 m behind its front
            make.chatter(f"{name}-beacon", name, stationary(x, y, 0.0, duration_s))
    return pop
