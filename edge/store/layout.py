"""The store layout: the floor, its zones and where the gateways hang.

Plain frozen data and pure queries, no I/O: the hub, the gateways' tools and the simulator all ask the same
questions of the same object (which zone is this point in, which gateways cover that zone). Build one with
`edge.store.load_layout`, which validates everything; constructing these classes directly checks only what the
indexes need.

Coordinates are metres on the floor plan. ``x`` runs along the shop front from the left wall (0) to the right
wall (`StoreLayout.width`); ``y`` runs from the front, where the doors are (0), to the back wall
(`StoreLayout.depth`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Final

# Store, zone and gateway ids end up in MQTT topics and URLs: the same slug as the protocol's topic parts.
ID_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")


class ZoneKind(StrEnum):
    """What a zone is for; the hub's rules key on it (visits start at an entrance, pickups at the desk)."""

    ENTRANCE = "entrance"
    AISLE = "aisle"
    CHECKOUT = "checkout"
    PICKUP = "pickup"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Rect:
    """An axis-aligned rectangle ``[x0, x1] × [y0, y1]`` in metres, with ``x0 < x1`` and ``y0 < y1``."""

    x0: float
    y0: float
    x1: float
    y1: float

    def __post_init__(self) -> None:
        if not all(math.isfinite(v) for v in (self.x0, self.y0, self.x1, self.y1)):
            raise ValueError(f"rect corners must be finite numbers: {self}")
        if not (self.x0 < self.x1 and self.y0 < self.y1):
            raise ValueError(f"a rect needs x0 < x1 and y0 < y1: {self}")

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def area(self) -> float:
        """Square metres."""
        return (self.x1 - self.x0) * (self.y1 - self.y0)

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)

    def contains(self, x: float, y: float) -> bool:
        """Whether the point is inside or on the edge (the rectangle is closed)."""
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    def intersection_area(self, other: Rect) -> float:
        """The area both rectangles cover; 0.0 when they are apart or only share an edge or a corner."""
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return w * h if w > 0 and h > 0 else 0.0

    def overlaps(self, other: Rect) -> bool:
        """Whether the rectangles share floor area (a shared edge is not an overlap)."""
        return self.intersection_area(other) > 0.0

    def distance_to(self, x: float, y: float) -> float:
        """Metres from the point to the nearest point of the rectangle; 0.0 inside or on the edge."""
        dx = max(self.x0 - x, 0.0, x - self.x1)
        dy = max(self.y0 - y, 0.0, y - self.y1)
        return math.hypot(dx, dy)

    def as_list(self) -> list[float]:
        """``[x0, y0, x1, y1]``, the layout file's form."""
        return [self.x0, self.y0, self.x1, self.y1]


@dataclass(frozen=True, slots=True)
class Zone:
    """A named rectangle of the floor: an aisle, the entrance, the checkout, the pickup desk..."""

    id: str
    kind: ZoneKind
    rect: Rect
    label_it: str
    label_en: str | None = None
    # Shelf labels ("A", "B", ...) so the hub can say "aisle 4, shelf B"; empty when the zone has none.
    shelves: tuple[str, ...] = ()

    def label_for(self, lang: str) -> str:
        """The label in `lang` (``"it"``, ``"en"``, ``"en-GB"``...): English when asked for and present,
        Italian otherwise (the store's own language is the fallback for any other language too)."""
        primary = lang.strip().lower().replace("_", "-").split("-", 1)[0]
        if primary == "en" and self.label_en is not None:
            return self.label_en
        return self.label_it

    def contains(self, x: float, y: float) -> bool:
        return self.rect.contains(x, y)


@dataclass(frozen=True, slots=True)
class GatewayPlacement:
    """Where a gateway is mounted and the zone it covers."""

    id: str
    zone_id: str
    x: float
    y: float
    # dB added to this gateway's RSSI readings so that all gateways of the store agree (enclosure, antenna,
    # mounting height differ); measured on site, see docs/store-layout.md.
    rssi_offset: float = 0.0

    @property
    def pos(self) -> tuple[float, float]:
        return (self.x, self.y)


@dataclass(frozen=True, slots=True)
class StoreLayout:
    """A store's floor: `width` × `depth` metres, its zones (in file order) and its gateways."""

    id: str
    name: str
    width: float
    depth: float
    zones: tuple[Zone, ...]
    gateways: tuple[GatewayPlacement, ...] = ()
    # Lookup tables built once, so the queries the hub runs per sighting are dictionary hits.
    _zones_by_id: Mapping[str, Zone] = field(init=False, repr=False, compare=False)
    _gateways_by_id: Mapping[str, GatewayPlacement] = field(init=False, repr=False, compare=False)
    _gateways_by_zone: Mapping[str, tuple[GatewayPlacement, ...]] = field(init=False, repr=False, compare=False)
    _zones_by_kind: Mapping[ZoneKind, tuple[Zone, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        zones = {z.id: z for z in self.zones}
        if len(zones) != len(self.zones):
            raise ValueError("zone ids must be unique")
        gateways = {g.id: g for g in self.gateways}
        if len(gateways) != len(self.gateways):
            raise ValueError("gateway ids must be unique")
        by_zone: dict[str, list[GatewayPlacement]] = {z.id: [] for z in self.zones}
        for g in self.gateways:
            if g.zone_id not in by_zone:
                raise ValueError(f"gateway {g.id!r} is in unknown zone {g.zone_id!r}")
            by_zone[g.zone_id].append(g)
        by_kind = {k: tuple(z for z in self.zones if z.kind is k) for k in ZoneKind}
        # Frozen dataclass: the derived tables are set once here and never change.
        object.__setattr__(self, "_zones_by_id", MappingProxyType(zones))
        object.__setattr__(self, "_gateways_by_id", MappingProxyType(gateways))
        object.__setattr__(self, "_gateways_by_zone", MappingProxyType({k: tuple(v) for k, v in by_zone.items()}))
        object.__setattr__(self, "_zones_by_kind", MappingProxyType(by_kind))

    @property
    def size(self) -> tuple[float, float]:
        """``(width, depth)`` in metres."""
        return (self.width, self.depth)

    @property
    def area(self) -> float:
        """The floor area in square metres."""
        return self.width * self.depth

    @property
    def bounds(self) -> Rect:
        """The whole floor as a rectangle from (0, 0) to (width, depth)."""
        return Rect(0.0, 0.0, self.width, self.depth)

    @property
    def entrances(self) -> tuple[Zone, ...]:
        """The zones of kind entrance (a loaded layout has at least one)."""
        return self._zones_by_kind[ZoneKind.ENTRANCE]

    def on_front(self, zone_id: str) -> bool:
        """Whether the zone reaches the shop front (y = 0, the street side with the doors): its gateways hear
        people on the pavement through the front."""
        return self.zone(zone_id).rect.y0 <= 0.0

    def contains(self, x: float, y: float) -> bool:
        """Whether the point is on the floor (walls included)."""
        return 0.0 <= x <= self.width and 0.0 <= y <= self.depth

    def zone(self, zone_id: str) -> Zone:
        """The zone with this id; `KeyError` when there is none."""
        try:
            return self._zones_by_id[zone_id]
        except KeyError:
            raise KeyError(f"no zone {zone_id!r} in store {self.id!r}") from None

    def gateway(self, gateway_id: str) -> GatewayPlacement:
        """The gateway with this id; `KeyError` when there is none."""
        try:
            return self._gateways_by_id[gateway_id]
        except KeyError:
            raise KeyError(f"no gateway {gateway_id!r} in store {self.id!r}") from None

    def gateway_zone(self, gateway_id: str) -> Zone:
        """The zone a gateway covers; `KeyError` for an unknown gateway."""
        return self._zones_by_id[self.gateway(gateway_id).zone_id]

    def zones_of_kind(self, kind: ZoneKind | str) -> tuple[Zone, ...]:
        """The zones of one kind, in file order; `ValueError` for a kind that does not exist."""
        return self._zones_by_kind[ZoneKind(kind)]

    def gateways_in_zone(self, zone_id: str) -> tuple[GatewayPlacement, ...]:
        """The gateways that cover a zone, in file order; `KeyError` for an unknown zone."""
        try:
            return self._gateways_by_zone[zone_id]
        except KeyError:
            raise KeyError(f"no zone {zone_id!r} in store {self.id!r}") from None

    def zone_at(self, x: float, y: float) -> Zone | None:
        """The zone the point is in, or None (off the floor, or in a gap between zones).

        Zones may share edges, so a point on a shared edge needs a rule: for this lookup each zone owns its
        left and front edges but not its right and back ones (``x0 <= x < x1``, ``y0 <= y < y1``), so the point
        goes to the zone on its right (greater x) or further back (greater y). Zones never overlap, so at most
        one zone owns a point that way. A point on a right or back edge that no other zone claims, such as the
        store's back wall, still belongs to its zone (the first in file order, should there be two).
        """
        for z in self.zones:
            r = z.rect
            if r.x0 <= x < r.x1 and r.y0 <= y < r.y1:
                return z
        for z in self.zones:
            if z.rect.contains(x, y):
                return z
        return None

    def covered_fraction(self) -> float:
        """The share of the floor covered by zones, 0.0 to 1.0 (zones of a loaded layout never overlap)."""
        return sum(z.rect.area for z in self.zones) / self.area
