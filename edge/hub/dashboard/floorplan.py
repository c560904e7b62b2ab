"""The store map's geometry: the layout's metres turned into the SVG's drawing units.

The layout's ``y`` runs from the shop front (0) to the back wall; the map draws the front at the bottom, as a
manager standing at the doors sees the floor, so ``y`` is flipped. Each zone gets a spot for its label and one
for its live count: tall, narrow zones (aisles) carry the label along their length and the count near the front,
wide ones (the front strip) side by side.

    >>> from edge.store import Rect, StoreLayout, Zone, ZoneKind
    >>> aisle = Zone("aisle-1", ZoneKind.AISLE, Rect(0.0, 4.0, 3.0, 20.0), "Corsia 1")
    >>> plan = floor_plan(StoreLayout("demo", "Negozio", 30.0, 20.0, (aisle,)))
    >>> plan.width, plan.height
    (1200.0, 800.0)
    >>> shape = plan.zones[0]
    >>> (shape.x, shape.y, shape.w, shape.h, shape.vertical)
    (0.0, 0.0, 120.0, 640.0, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from edge.store import StoreLayout, ZoneKind

SCALE: Final = 40.0
"""Drawing units per metre: the demo store's 30 x 20 m floor is 1200 x 800 units."""
BADGE_R: Final = 30.0
"""The count badge's radius; also the margin kept around it."""
LABEL_PAD: Final = 16.0
DOT_R: Final = 9.0
"""A gateway dot's radius."""
LABEL_BAND: Final = 24.0
"""Half the height of a label's line, with a margin: a dot closer than this to the label's line would cover it."""


@dataclass(frozen=True, slots=True)
class ZoneShape:
    """A zone as drawn: its rectangle, where its label goes (and how much room it has), where its count goes."""

    id: str
    kind: str
    label_it: str
    label_en: str
    x: float
    y: float
    w: float
    h: float
    vertical: bool
    """The label runs bottom to top along the zone (a tall, narrow zone such as an aisle)."""
    label_x: float
    label_y: float
    label_room: float
    """The label's longest extent: the page shrinks a label that would not fit."""
    badge_x: float
    badge_y: float
    doors: bool
    """An entrance: the map marks its front edge as the doors."""


@dataclass(frozen=True, slots=True)
class GatewayDot:
    """A gateway as drawn."""

    id: str
    zone: str
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class FloorPlan:
    """The whole map, in drawing units."""

    name: str
    width: float
    height: float
    zones: tuple[ZoneShape, ...]
    gateways: tuple[GatewayDot, ...]


def floor_plan(layout: StoreLayout) -> FloorPlan:
    """The map of `layout`."""
    height = layout.depth * SCALE
    zones: list[ZoneShape] = []
    for zone in layout.zones:
        r = zone.rect
        x, w, h = r.x0 * SCALE, r.width * SCALE, r.height * SCALE
        y = height - r.y1 * SCALE  # the back of the zone is its top on the map
        vertical = h > 1.5 * w
        if vertical:
            # Count near the front end (where shoppers come from), label centred on the rest of the length.
            badge_x, badge_y = x + w / 2, y + h - BADGE_R - LABEL_PAD
            room = h - 2 * BADGE_R - 3 * LABEL_PAD
            label_x, label_y = x + w / 2, y + LABEL_PAD + room / 2
        else:
            badge_x, badge_y = x + w - BADGE_R - LABEL_PAD, y + h / 2
            room = w - 2 * BADGE_R - 3 * LABEL_PAD
            label_x, label_y = x + LABEL_PAD + room / 2, y + h / 2
        # A gateway hanging on the label's line would cover it: move the label to the space between the dot and
        # the zone's left (or back) edge.
        for g in layout.gateways_in_zone(zone.id):
            gx, gy = g.x * SCALE, height - g.y * SCALE
            if vertical and abs(gx - label_x) < LABEL_BAND and gx - x > 2 * LABEL_BAND:
                label_x = x + (gx - DOT_R - x) / 2
            elif not vertical and abs(gy - label_y) < LABEL_BAND and gy - y > 2 * LABEL_BAND:
                label_y = y + (gy - DOT_R - y) / 2
        zones.append(
            ZoneShape(
                id=zone.id, kind=str(zone.kind), label_it=zone.label_it, label_en=zone.label_en or zone.label_it,
                x=x, y=y, w=w, h=h, vertical=vertical, label_x=label_x, label_y=label_y, label_room=max(room, 0.0),
                badge_x=badge_x, badge_y=badge_y, doors=zone.kind is ZoneKind.ENTRANCE,
            )
        )  # fmt: skip
    gateways = tuple(GatewayDot(g.id, g.zone_id, g.x * SCALE, height - g.y * SCALE) for g in layout.gateways)
    return FloorPlan(layout.name, layout.width * SCALE, height, tuple(zones), gateways)
