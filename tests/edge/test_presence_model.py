"""The ``model`` zone rule: noiseless readings predicted by its own model are placed in the right zone; too few
readings fall back to the loudest gateway; the floor setting ignores weak readings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from edge.presence import PresenceEngine, PresenceSettings
from edge.presence.model import RadioModel, ZoneModel, predicted_rssi, shelf_segments
from edge.store import StoreLayout, load_layout

DEMO = Path(__file__).resolve().parents[2] / "examples" / "stores" / "demo.toml"


@pytest.fixture(scope="module")
def layout() -> StoreLayout:
    return load_layout(DEMO)


def test_shelf_lines_are_the_inner_long_sides_of_the_aisles(layout: StoreLayout) -> None:
    lines = shelf_segments(layout)
    assert lines
    assert all(x0 == x1 for x0, _y0, x1, _y1 in lines)  # the demo's aisles run front to back
    assert all(0.0 < x0 < layout.width for x0, *_ in lines)  # the outer walls are not shelving
    assert len(lines) == len(set(lines))


def test_noiseless_readings_are_placed_in_their_zone(layout: StoreLayout) -> None:
    zone_ids = [z.id for z in layout.zones]
    model = ZoneModel(layout, RadioModel(headings=1), zone_ids)
    index = {z: i for i, z in enumerate(zone_ids)}
    for zone in layout.zones:
        for fx, fy in [(0.5, 0.3), (0.5, 0.5), (0.5, 0.7)]:
            x = zone.rect.x0 + fx * zone.rect.width
            y = zone.rect.y0 + fy * zone.rect.height
            point = int(np.argmin((model._points_x - x) ** 2 + (model._points_y - y) ** 2))
            readings = list(model.expected[0, point, :] - 59.0)  # a -59 dBm-at-1-m phone, every gateway hears it
            scores = model.scores(list(range(len(layout.gateways))), readings)
            assert int(np.argmax(scores)) == index[zone.id], (zone.id, x, y)


def test_too_few_readings_fall_back_to_the_loudest_gateway(layout: StoreLayout) -> None:
    zone_ids = [z.id for z in layout.zones]
    model = ZoneModel(layout, RadioModel(headings=1), zone_ids)
    g_checkout = next(i for i, g in enumerate(layout.gateways) if g.zone_id == "checkout")
    g_aisle = next(i for i, g in enumerate(layout.gateways) if g.zone_id == "aisle-1")
    scores = model.scores([g_checkout, g_aisle], [-80.0, -65.0])
    assert zone_ids[int(np.argmax(scores))] == "aisle-1"


def test_weak_readings_below_the_floor_are_ignored(layout: StoreLayout) -> None:
    engine = PresenceEngine(layout, PresenceSettings(min_rssi_dbm=-80.0, apply_layout_offsets=False))
    assert engine.ingest("gw-09", 1, 100.0, [("passer-by", -86.0)], now=100.0) == []
    events = engine.ingest("gw-09", 2, 101.0, [("shopper", -70.0)], now=101.0)
    assert [(e.device, e.event) for e in events] == [("shopper", "enter")]
    assert engine.stats.weak == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"path_loss_exponent": 0.0}, "path_loss_exponent"),
        ({"shelf_loss_db": -1.0}, "shelf_loss_db"),
        ({"gateway_height_m": float("nan")}, "gateway_height_m"),
        ({"body_loss_db": "6"}, "body_loss_db"),
        ({"sigma_db": 0.0}, "sigma_db"),  # the likelihoods divide by it
        ({"use_above_dbm": 10.0}, "use_above_dbm"),
        ({"grid_m": 0.0}, "grid_m"),  # a grid of infinitely many points
        ({"recompute_s": True}, "recompute_s"),
        ({"headings": 0}, "headings"),
        ({"headings": 2.5}, "headings"),
        ({"headings": True}, "headings"),
    ],
)
def test_a_bad_propagation_model_names_its_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}: "):
        RadioModel(**kwargs)  # type: ignore[arg-type]


def test_the_propagation_model_keeps_its_numbers_as_floats() -> None:
    radio = RadioModel(path_loss_exponent=3, gateway_height_m=0)
    assert isinstance(radio.path_loss_exponent, float)
    assert isinstance(radio.gateway_height_m, float)
    assert radio == RadioModel(path_loss_exponent=3.0, gateway_height_m=0.0)


def test_predicted_rssi_falls_with_distance_and_shelving_and_reaches_the_pavement(layout: StoreLayout) -> None:
    radio = RadioModel(path_loss_exponent=2.0, shelf_loss_db=3.0, gateway_height_m=1.5)
    gw = next(g for g in layout.gateways if g.zone_id == "aisle-2")
    # Under the gateway: the mount height alone. 4 m along the aisle, in the open: 20·log10(√(4² + 1.5²)).
    # The same 4 m across, into aisle 1: one shelf line more (aisles are 3 m wide: shelving at x 3 between).
    px = np.array([gw.x, gw.x, gw.x - 4.0])
    py = np.array([gw.y, gw.y + 4.0, gw.y])
    under, along, across = predicted_rssi(layout, radio, px, py)[:, layout.gateways.index(gw)]
    assert under == pytest.approx(-20.0 * np.log10(1.5))
    assert along == pytest.approx(-20.0 * np.log10(np.hypot(4.0, 1.5)))
    assert across == pytest.approx(along - 3.0)
    # A point on the pavement is predicted like any other (the model knows no walls), and matches the grid's own.
    zone_ids = [z.id for z in layout.zones]
    model = ZoneModel(layout, replace(radio, headings=1), zone_ids)
    ours = predicted_rssi(layout, radio, model.points_x, model.points_y)
    assert np.allclose(ours, model.expected[0])
    outside = predicted_rssi(layout, radio, np.array([15.0]), np.array([-3.0]))
    assert outside.shape == (1, len(layout.gateways))
    assert np.isfinite(outside).all()
