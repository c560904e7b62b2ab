"""Shoppers walking the store: where they go, how long they stay, and the path between.

A visit: walk up the street to the door, enter, go to the pickup desk first when collecting an order, then the
wishlist aisles and a few others (nearest first), pay at the checkout when buying, leave through the door and
walk off along the street. Between stops shoppers follow `WalkGraph` routes at their own walking speed; at a
stop they stand in front of a shelf bay facing it, shuffling a little, for a lognormal dwell time (long where
the saved product is, a glance elsewhere). `Stop` records every stop, for tests and for the evaluation.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Final, Literal

from edge.store import Zone, ZoneKind
from firmware_sim.world.floorplan import STREET_OFFSET_M, Point, WalkGraph
from firmware_sim.world.trajectory import Trajectory, TrajectoryBuilder

Purpose = Literal["wishlist", "glance", "checkout", "pickup"]
LATERAL_MAX_M: Final = 0.8
ZONE_MARGIN_M: Final = 0.4
FIDGET_SPEED_MPS: Final = 0.3  # shuffling in front of a shelf


@dataclass(frozen=True, slots=True)
class ShopperParams:
    """How shoppers behave; docs/simulator.md gives each default's reasoning."""

    speed_mps: tuple[float, float] = (1.0, 1.4)
    wishlist_size: tuple[int, int] = (1, 2)
    extra_stops: tuple[int, int] = (2, 5)
    wishlist_dwell_median_s: float = 45.0
    wishlist_dwell_sigma: float = 0.5
    glance_dwell_median_s: float = 15.0
    glance_dwell_sigma: float = 0.7
    checkout_dwell_s: tuple[float, float] = (60.0, 180.0)
    pickup_dwell_median_s: float = 90.0
    pickup_dwell_sigma: float = 0.4
    buy_share: float = 0.8
    street_m: tuple[float, float] = (4.0, 12.0)
    fidget_every_s: float = 6.0
    fidget_m: float = 0.4


@dataclass(frozen=True, slots=True)
class Stop:
    """One stop of a visit: where, why, and from when to when (seconds since the scenario's start)."""

    zone_id: str
    purpose: Purpose
    x: float
    y: float
    arrive_s: float
    leave_s: float


@dataclass(frozen=True, slots=True, eq=False)
class Shopper:
    """One visit: the plan, the path walked and the stops made."""

    id: str
    enter_s: float
    exit_s: float
    wishlist: tuple[str, ...]
    buys: bool
    pickup: bool
    trajectory: Trajectory
    stops: tuple[Stop, ...]


def lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(sigma * rng.gauss(0.0, 1.0))


def _inside(zone: Zone, x: float, y: float, margin: float = ZONE_MARGIN_M) -> Point:
    r = zone.rect
    mx, my = min(margin, r.width / 2), min(margin, r.height / 2)
    return (min(max(x, r.x0 + mx), r.x1 - mx), min(max(y, r.y0 + my), r.y1 - my))


class _Walker:
    """Builds one shopper's trajectory over the walk graph."""

    def __init__(
        self, graph: WalkGraph, rng: random.Random, params: ShopperParams, b: TrajectoryBuilder, speed: float
    ) -> None:
        self.graph = graph
        self.rng = rng
        self.params = params
        self.b = b
        self.speed = speed
        self.stops: list[Stop] = []

    @property
    def here(self) -> Point:
        return (self.b.x, self.b.y)

    def go(self, target: Point) -> None:
        self.b.walk_path(self.graph.route(self.here, target), self.speed)

    def spot(self, zone: Zone, purpose: Purpose) -> tuple[Point, float]:
        """Where to stand in `zone` and which way to face."""
        rng = self.rng
        aisle = self.graph.aisles.get(zone.id)
        if aisle is not None:
            _label, (bx, by) = rng.choice(aisle.bays)
            half = (zone.rect.width if aisle.vertical else zone.rect.height) / 2
            side = rng.choice((-1.0, 1.0))
            lateral = side * rng.uniform(0.3, max(0.3, min(LATERAL_MAX_M, half - ZONE_MARGIN_M)))
            if aisle.vertical:
                return (bx + lateral, by), (0.0 if side > 0 else math.pi)
            return (bx, by + lateral), (math.pi / 2 if side > 0 else -math.pi / 2)
        r = zone.rect
        cx, cy = r.center
        if purpose in ("checkout", "pickup"):
            x, y = cx + rng.uniform(-r.width / 3, r.width / 3), cy + rng.uniform(-r.height / 4, r.height / 4)
        else:
            x, y = rng.uniform(r.x0, r.x1), rng.uniform(r.y0, r.y1)
        return _inside(zone, x, y), rng.uniform(-math.pi, math.pi)

    def stop(self, zone: Zone, purpose: Purpose, dwell_s: float) -> None:
        (x, y), facing = self.spot(zone, purpose)
        self.go((x, y))
        arrive = self.b.t
        p = self.params
        left = dwell_s
        while left > 1e-6:
            chunk = min(left, self.rng.uniform(0.5, 1.5) * p.fidget_every_s)
            fx, fy = _inside(
                zone, x + self.rng.uniform(-p.fidget_m, p.fidget_m), y + self.rng.uniform(-p.fidget_m, p.fidget_m)
            )
            step = math.dist(self.here, (fx, fy))
            if step > FIDGET_SPEED_MPS * chunk:  # a short last chunk: shuffle only part of the way
                f = FIDGET_SPEED_MPS * chunk / step
                fx, fy = self.b.x + (fx - self.b.x) * f, self.b.y + (fy - self.b.y) * f
            self.b.move_for(fx, fy, chunk, facing)
            left -= chunk
        self.stops.append(Stop(zone.id, purpose, x, y, arrive, self.b.t))


def visit(
    graph: WalkGraph,
    shopper_id: str,
    enter_s: float,
    rng: random.Random,
    params: ShopperParams | None = None,
    *,
    wishlist: tuple[str, ...] | None = None,
    pickup: bool = False,
    buys: bool | None = None,
) -> Shopper:
    """Plan and walk one visit entering through the door at `enter_s`; random choices come from `rng`."""
    p = params or ShopperParams()
    layout = graph.layout
    door = graph.door
    aisles = [z.id for z in layout.zones_of_kind(ZoneKind.AISLE)]
    others = [z.id for z in layout.zones_of_kind(ZoneKind.OTHER)]
    if wishlist is None:
        size = min(rng.randint(*p.wishlist_size), len(aisles))
        wishlist = tuple(rng.sample(aisles, size))
    if buys is None:
        buys = rng.random() < p.buy_share
    pool = [z for z in aisles + others if z not in wishlist]
    extras = rng.sample(pool, min(rng.randint(*p.extra_stops), len(pool)))

    # The street: from one side, to the door.
    speed = rng.uniform(*p.speed_mps)
    start = door.outside(STREET_OFFSET_M, rng.choice((-1.0, 1.0)) * rng.uniform(*p.street_m))
    step_out = door.outside(1.0)
    approach_s = (math.dist(start, step_out) + 1.0) / speed
    b = TrajectoryBuilder(enter_s - approach_s, *start)
    walker = _Walker(graph, rng, p, b, speed)
    b.walk_to(*step_out, speed).walk_to(door.x, door.y, speed)

    if pickup:
        desks = layout.zones_of_kind(ZoneKind.PICKUP)
        if desks:
            walker.stop(desks[0], "pickup", lognormal(rng, p.pickup_dwell_median_s, p.pickup_dwell_sigma))
    todo = [(z, "wishlist") for z in wishlist] + [(z, "glance") for z in extras]
    while todo:
        here = walker.here
        todo.sort(key=lambda item: math.dist(here, layout.zone(item[0]).rect.center))
        zone_id, purpose = todo.pop(0)
        if purpose == "wishlist":
            dwell = lognormal(rng, p.wishlist_dwell_median_s, p.wishlist_dwell_sigma)
            walker.stop(layout.zone(zone_id), "wishlist", dwell)
        else:
            walker.stop(layout.zone(zone_id), "glance", lognormal(rng, p.glance_dwell_median_s, p.glance_dwell_sigma))
    if buys:
        tills = layout.zones_of_kind(ZoneKind.CHECKOUT)
        if tills:
            walker.stop(tills[0], "checkout", rng.uniform(*p.checkout_dwell_s))
    walker.go((door.x, door.y))
    exit_s = b.t
    end = door.outside(STREET_OFFSET_M, rng.choice((-1.0, 1.0)) * rng.uniform(*p.street_m))
    b.walk_to(*step_out, speed).walk_to(*end, speed)
    return Shopper(shopper_id, enter_s, exit_s, tuple(wishlist), buys, pickup, b.build(), tuple(walker.stops))


def pass_by(graph: WalkGraph, start_s: float, rng: random.Random, params: ShopperParams | None = None) -> Trajectory:
    """Someone walking past the shop front on the street, without coming in."""
    p = params or ShopperParams()
    door = graph.door
    half = max(graph.layout.width, graph.layout.depth) / 2 + 10.0
    side = rng.choice((-1.0, 1.0))
    offset = STREET_OFFSET_M + rng.uniform(-1.0, 1.5)
    b = TrajectoryBuilder(start_s, *door.outside(offset, side * half))
    return b.walk_to(*door.outside(offset, -side * half), rng.uniform(*p.speed_mps)).build()
