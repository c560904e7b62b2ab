"""The store map's geometry: every zone where the layout puts it (front at the bottom), its label and count
inside it and clear of the gateway dots."""

from __future__ import annotations

import doctest
import math

import edge.hub.dashboard.floorplan
from edge.hub.dashboard.floorplan import BADGE_R, DOT_R, SCALE, floor_plan
from edge.store import Rect, StoreLayout, Zone, ZoneKind
from edge.store.layout import GatewayPlacement


def test_zones_are_drawn_with_the_shop_front_at_the_bottom(layout: StoreLayout) -> None:
    plan = floor_plan(layout)
    assert (plan.width, plan.height) == (layout.width * SCALE, layout.depth * SCALE)
    shapes = {z.id: z for z in plan.zones}
    assert list(shapes) == [z.id for z in layout.zones]
    entrance, aisle = shapes["entrance"], shapes["aisle-1"]
    assert entrance.y + entrance.h == plan.height  # on the front wall
    assert aisle.y == 0.0  # reaches the back wall
    assert entrance.doors
    assert not aisle.doors
    assert aisle.vertical
    assert not entrance.vertical
    gw = {g.id: g for g in plan.gateways}["gw-09"]
    assert (gw.x, gw.y) == (15.0 * SCALE, plan.height - 2.0 * SCALE)


def test_labels_and_counts_stay_inside_their_zone_and_clear_of_gateways(layout: StoreLayout) -> None:
    plan = floor_plan(layout)
    for z in plan.zones:
        assert z.x + BADGE_R <= z.badge_x <= z.x + z.w - BADGE_R, z.id
        assert z.y + BADGE_R <= z.badge_y <= z.y + z.h - BADGE_R, z.id
        assert z.x < z.label_x < z.x + z.w, z.id
        assert z.y < z.label_y < z.y + z.h, z.id
        assert z.label_room > 100.0, z.id
        for g in plan.gateways:
            # The label runs along one line through (label_x, label_y); a dot on that line would cover it.
            across = abs(g.x - z.label_x) if z.vertical else abs(g.y - z.label_y)
            inside = z.x <= g.x <= z.x + z.w and z.y <= g.y <= z.y + z.h
            assert not inside or across >= 10.0 + DOT_R, (z.id, g.id)
            assert math.dist((g.x, g.y), (z.badge_x, z.badge_y)) > BADGE_R + DOT_R, (z.id, g.id)


def test_a_gateway_on_the_labels_line_pushes_the_label_aside() -> None:
    zone = Zone("aisle", ZoneKind.AISLE, Rect(0.0, 0.0, 3.0, 16.0), "Corsia")
    centred = floor_plan(StoreLayout("s", "Negozio", 3.0, 16.0, (zone,))).zones[0]
    assert centred.label_x == 1.5 * SCALE
    hung = StoreLayout("s", "Negozio", 3.0, 16.0, (zone,), (GatewayPlacement("gw", "aisle", 1.5, 8.0),))
    moved = floor_plan(hung).zones[0]
    assert moved.label_x < 1.5 * SCALE - 10.0 - DOT_R


def test_the_module_examples_hold() -> None:
    assert doctest.testmod(edge.hub.dashboard.floorplan).failed == 0
