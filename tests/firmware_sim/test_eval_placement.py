"""The aisle gateways hung otherwise, as the placement benches run them."""

from __future__ import annotations

from edge.store import load_layout
from firmware_sim.eval.placement import PLACEMENTS, aisle_centres, aisle_gateways_at, at_y, placed
from tests.conftest import REPO

DEMO = load_layout(REPO / "examples" / "stores" / "demo.toml")


def test_aisle_centres_are_the_demo_stores_eight_aisles() -> None:
    assert aisle_centres(DEMO) == [(f"aisle-{i}", 1.5 + 3.0 * (i - 1) + (6.0 if i > 4 else 0.0)) for i in range(1, 9)]


def test_moving_the_aisle_gateways_leaves_the_front_and_the_walkway_where_they_hang() -> None:
    moved = {g.id: g for g in aisle_gateways_at(DEMO, 7.0)}
    built = {g.id: g for g in DEMO.gateways}
    assert moved.keys() == built.keys()
    for gid, g in moved.items():
        zone = DEMO.zone(g.zone_id)
        if zone.kind == "aisle":
            assert (g.x, g.y, g.rssi_offset) == (built[gid].x, 7.0, built[gid].rssi_offset)
        else:
            assert g == built[gid]


def test_each_placement_hangs_its_gateways_in_their_own_zones() -> None:
    counts = {name: len(placement(DEMO)) for name, placement in PLACEMENTS.items()}
    assert counts == {"as-built": 12, "forward": 12, "mouths": 20, "two-per-aisle": 20}
    for placement in PLACEMENTS.values():
        gateways = placement(DEMO)
        assert len({g.id for g in gateways}) == len(gateways)
        assert all(DEMO.zone_at(g.x, g.y).id == g.zone_id for g in gateways)
    two = placed(DEMO, PLACEMENTS["two-per-aisle"])
    for zone in DEMO.zones_of_kind("aisle"):
        assert sorted(g.y for g in two.gateways if g.zone_id == zone.id) == [7.0, 15.0]


def test_a_placement_named_for_its_y() -> None:
    name, placement = at_y(7.5)
    assert name == "y7.5"
    assert {g.y for g in placement(DEMO) if g.zone_id.startswith("aisle-")} == {7.5}
