"""The store layout: the model's queries, the loader's validation and the demo store."""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from edge.errors import ConfigError
from edge.store import (
    GatewayPlacement,
    LayoutError,
    Rect,
    StoreLayout,
    Zone,
    ZoneKind,
    load_layout,
    parse_layout,
)
from edge.store.loader import GATEWAY_KEYS, LABEL_KEYS, STORE_KEYS, ZONE_KEYS

ROOT = Path(__file__).resolve().parents[2]
DEMO_PATH = ROOT / "examples" / "stores" / "demo.toml"
DOC_PATH = ROOT / "docs" / "store-layout.md"


@functools.cache
def demo() -> StoreLayout:
    return load_layout(DEMO_PATH)


# --- the demo store ---------------------------------------------------------------------------------------


def test_demo_loads() -> None:
    layout = demo()
    assert layout.id == "demo"
    assert layout.name == "Corsia Sport Milano Centro"
    assert layout.size == (30.0, 20.0)


def test_demo_zones_tile_the_floor() -> None:
    layout = demo()
    assert layout.covered_fraction() == pytest.approx(1.0, abs=1e-9)
    for i, a in enumerate(layout.zones):
        for b in layout.zones[i + 1 :]:
            assert a.rect.intersection_area(b.rect) == 0.0, (a.id, b.id)


def test_the_zones_on_the_shop_front_are_the_front_strips() -> None:
    layout = demo()
    assert [z.id for z in layout.zones if layout.on_front(z.id)] == ["entrance", "checkout", "pickup"]
    with pytest.raises(KeyError):
        layout.on_front("nowhere")


def test_demo_has_the_expected_zones() -> None:
    layout = demo()
    assert len(layout.zones_of_kind(ZoneKind.AISLE)) == 8
    assert [z.id for z in layout.entrances] == ["entrance"]
    assert len(layout.zones_of_kind("checkout")) == 1
    assert len(layout.zones_of_kind(ZoneKind.PICKUP)) == 1
    for n, aisle in enumerate(layout.zones_of_kind(ZoneKind.AISLE), start=1):
        assert aisle.id == f"aisle-{n}"
        assert aisle.label_for("it").startswith(f"Corsia {n} — ")
        assert aisle.label_for("en").startswith(f"Aisle {n} — ")
        assert 2.0 <= aisle.rect.width <= 3.0
        assert aisle.rect.height > aisle.rect.width  # aisles run front to back
    assert layout.zone("aisle-4").label_for("en") == "Aisle 4 — Running"
    assert "B" in layout.zone("aisle-4").shelves


def test_demo_gateways() -> None:
    layout = demo()
    assert 9 <= len(layout.gateways) <= 12
    assert [g.id for g in layout.gateways] == [f"gw-{n:02d}" for n in range(1, len(layout.gateways) + 1)]
    for g in layout.gateways:
        assert layout.zone(g.zone_id).contains(g.x, g.y), g.id
        assert -2.0 <= g.rssi_offset <= 2.0
    # Every zone is covered, so the hub can report any zone the simulator's ground truth can produce.
    for z in layout.zones:
        assert layout.gateways_in_zone(z.id), z.id
    assert layout.gateway_zone("gw-04").id == "aisle-4"


def test_demo_front_strip_is_at_the_front() -> None:
    layout = demo()
    for zone_id in ("entrance", "checkout", "pickup"):
        assert layout.zone(zone_id).rect.y0 == 0.0


@pytest.mark.parametrize(
    ("x", "y", "zone_id"),
    [
        (10.5, 12.0, "aisle-4"),
        (15.0, 1.0, "entrance"),
        (1.0, 1.0, "checkout"),
        (29.0, 3.0, "pickup"),
        (15.0, 10.0, "walkway"),
        (0.0, 0.0, "checkout"),  # the front-left corner of the store
        (30.0, 20.0, "aisle-8"),  # the back-right corner: a far edge no other zone claims
        (15.0, 20.0, "walkway"),  # the back wall
        (12.0, 10.0, "walkway"),  # aisle-4 | walkway: the edge goes to the zone on the right
        (9.0, 10.0, "aisle-4"),  # aisle-3 | aisle-4
        (11.0, 2.0, "entrance"),  # checkout | entrance
        (15.0, 4.0, "walkway"),  # entrance / walkway: the edge goes to the zone behind it
        (12.0, 4.0, "walkway"),  # a corner shared by entrance, aisle-4 and walkway
        (19.0, 4.0, "aisle-5"),
    ],
)
def test_zone_at(x: float, y: float, zone_id: str) -> None:
    zone = demo().zone_at(x, y)
    assert zone is not None
    assert zone.id == zone_id


@pytest.mark.parametrize(("x", "y"), [(-0.1, 5.0), (30.1, 5.0), (5.0, -0.01), (5.0, 20.5)])
def test_zone_at_off_the_floor(x: float, y: float) -> None:
    assert demo().zone_at(x, y) is None
    assert not demo().contains(x, y)


@given(x=st.floats(0.0, 30.0), y=st.floats(0.0, 20.0))
def test_zone_at_every_point_of_the_demo_floor(x: float, y: float) -> None:
    layout = demo()
    zone = layout.zone_at(x, y)
    assert zone is not None
    assert zone.contains(x, y)
    containing = [z for z in layout.zones if z.contains(x, y)]
    assert zone in containing
    on_an_edge = any(x in (z.rect.x0, z.rect.x1) or y in (z.rect.y0, z.rect.y1) for z in containing)
    if not on_an_edge:
        assert containing == [zone]


def test_zone_at_a_gap() -> None:
    layout = parse_layout(tomllib.loads(VALID), "gap.toml")  # aisle-1 covers only the left half at the back
    assert layout.zone_at(7.0, 5.0) is None
    assert layout.covered_fraction() == pytest.approx((20.0 + 30.0) / 80.0)


# --- queries ----------------------------------------------------------------------------------------------


def test_lookups() -> None:
    layout = demo()
    assert layout.zone("pickup").kind is ZoneKind.PICKUP
    assert layout.gateway("gw-09").zone_id == "entrance"
    assert layout.gateway("gw-09").pos == (15.0, 2.0)
    assert [g.id for g in layout.gateways_in_zone("aisle-4")] == ["gw-04"]
    assert layout.zones_of_kind("aisle") == layout.zones_of_kind(ZoneKind.AISLE)
    assert layout.bounds == Rect(0.0, 0.0, 30.0, 20.0)
    assert layout.area == 600.0


def test_lookups_of_unknown_things() -> None:
    layout = demo()
    with pytest.raises(KeyError, match="aisle-9"):
        layout.zone("aisle-9")
    with pytest.raises(KeyError, match="gw-99"):
        layout.gateway("gw-99")
    with pytest.raises(KeyError, match="aisle-9"):
        layout.gateways_in_zone("aisle-9")
    with pytest.raises(ValueError, match="aile"):
        layout.zones_of_kind("aile")


def test_label_for() -> None:
    both = Zone("a", ZoneKind.AISLE, Rect(0, 0, 1, 1), label_it="Corsia 1", label_en="Aisle 1")
    italian_only = Zone("b", ZoneKind.AISLE, Rect(0, 0, 1, 1), label_it="Corsia 2")
    assert both.label_for("it") == "Corsia 1"
    assert both.label_for("en") == "Aisle 1"
    assert both.label_for("en-GB") == "Aisle 1"
    assert both.label_for("EN_us") == "Aisle 1"
    assert both.label_for("de") == "Corsia 1"  # the store's own language for anything else
    assert italian_only.label_for("en") == "Corsia 2"


def test_models_are_frozen_and_slotted() -> None:
    layout = demo()
    for obj in (layout, layout.zones[0], layout.zones[0].rect, layout.gateways[0]):
        assert not hasattr(obj, "__dict__")
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, dataclasses.fields(obj)[0].name, "x")
    assert hash(layout) == hash(load_layout(DEMO_PATH))
    assert layout == load_layout(DEMO_PATH)


def test_direct_construction_checks_the_indexes() -> None:
    zone = Zone("a", ZoneKind.ENTRANCE, Rect(0, 0, 1, 1), label_it="A")
    with pytest.raises(ValueError, match="zone ids"):
        StoreLayout("s", "S", 1.0, 1.0, zones=(zone, zone))
    gw = GatewayPlacement("gw-1", "a", 0.5, 0.5)
    with pytest.raises(ValueError, match="gateway ids"):
        StoreLayout("s", "S", 1.0, 1.0, zones=(zone,), gateways=(gw, gw))
    with pytest.raises(ValueError, match="unknown zone"):
        StoreLayout("s", "S", 1.0, 1.0, zones=(zone,), gateways=(GatewayPlacement("gw-1", "b", 0.5, 0.5),))


# --- Rect ---------------------------------------------------------------------------------------------------


def test_rect_basics() -> None:
    r = Rect(10.0, 4.0, 12.0, 16.0)
    assert r.area == 24.0
    assert r.center == (11.0, 10.0)
    assert (r.width, r.height) == (2.0, 12.0)
    assert r.contains(10.0, 4.0)
    assert r.contains(12.0, 16.0)
    assert not r.contains(12.01, 10.0)
    assert r.intersection_area(Rect(11.0, 0.0, 20.0, 5.0)) == 1.0
    assert r.intersection_area(Rect(12.0, 4.0, 14.0, 16.0)) == 0.0  # a shared edge is not an overlap
    assert not r.overlaps(Rect(12.0, 16.0, 13.0, 17.0))  # nor is a shared corner
    assert r.distance_to(11.0, 10.0) == 0.0
    assert r.distance_to(15.0, 20.0) == 5.0  # 3-4-5 from the corner (12, 16)
    assert r.distance_to(11.0, 1.0) == 3.0


@pytest.mark.parametrize(
    "corners",
    [(1.0, 0.0, 1.0, 2.0), (0.0, 2.0, 1.0, 1.0), (0.0, 0.0, float("inf"), 1.0), (float("nan"), 0.0, 1.0, 1.0)],
)
def test_rect_rejects_empty_or_infinite(corners: tuple[float, float, float, float]) -> None:
    with pytest.raises(ValueError, match="rect"):
        Rect(*corners)


coordinates = st.floats(-1000.0, 1000.0, allow_nan=False)


@st.composite
def rects(draw: st.DrawFn) -> Rect:
    xa, xb, ya, yb = draw(coordinates), draw(coordinates), draw(coordinates), draw(coordinates)
    assume(xa != xb and ya != yb)
    return Rect(min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb))


@given(a=rects(), b=rects())
def test_rect_intersection_properties(a: Rect, b: Rect) -> None:
    shared = a.intersection_area(b)
    assert shared == b.intersection_area(a)
    assert shared >= 0.0
    assert shared <= min(a.area, b.area)
    assert a.overlaps(b) == (shared > 0.0) == b.overlaps(a)


@given(r=rects(), x=coordinates, y=coordinates)
def test_rect_point_properties(r: Rect, x: float, y: float) -> None:
    assert r.area >= 0.0  # a tiny rect's area may underflow to zero, never below
    assert r.intersection_area(r) == r.area
    assert r.contains(*r.center)
    distance = r.distance_to(x, y)
    assert distance >= 0.0
    assert (distance == 0.0) == r.contains(x, y)


# --- validation ---------------------------------------------------------------------------------------------

STORE = '[store]\nid = "t"\nname = "Test"\nsize = [10.0, 8.0]\n\n'
ENTRANCE = '[[zone]]\nid = "entrance"\nkind = "entrance"\nlabel = { it = "Ingresso" }\nrect = [0.0, 0.0, 10.0, 2.0]\n\n'
AISLE = (
    '[[zone]]\nid = "aisle-1"\nkind = "aisle"\nlabel = { it = "Corsia 1", en = "Aisle 1" }\n'
    'rect = [0.0, 2.0, 5.0, 8.0]\nshelves = ["A", "B"]\n\n'
)
GATEWAY = '[[gateway]]\nid = "gw-01"\nzone = "aisle-1"\npos = [2.5, 5.0]\nrssi_offset = 1.0\n\n'
VALID = STORE + ENTRANCE + AISLE + GATEWAY


def aisle_2(rect: str) -> str:
    return f'[[zone]]\nid = "aisle-2"\nkind = "aisle"\nlabel = {{ it = "Corsia 2" }}\nrect = [{rect}]\n\n'


def _load(tmp_path: Path, text: str) -> StoreLayout:
    path = tmp_path / "store.toml"
    path.write_text(text, encoding="utf-8")
    return load_layout(path)


def _error(tmp_path: Path, text: str) -> LayoutError:
    with pytest.raises(LayoutError) as info:
        _load(tmp_path, text)
    error = info.value
    path = str(tmp_path / "store.toml")
    assert error.source == path
    assert str(error).startswith(path)
    return error


def test_small_layout_loads(tmp_path: Path) -> None:
    layout = _load(tmp_path, VALID)
    assert [z.id for z in layout.zones] == ["entrance", "aisle-1"]
    assert layout.zone("entrance").label_en is None
    assert layout.zone("aisle-1").shelves == ("A", "B")
    assert layout.gateway("gw-01") == GatewayPlacement("gw-01", "aisle-1", 2.5, 5.0, 1.0)


def test_defaults_and_integers(tmp_path: Path) -> None:
    text = VALID.replace("rssi_offset = 1.0\n", "").replace("[10.0, 8.0]", "[10, 8]")
    layout = _load(tmp_path, text)
    assert layout.gateway("gw-01").rssi_offset == 0.0
    assert isinstance(layout.width, float)
    assert layout.size == (10.0, 8.0)


def test_zones_may_share_an_edge(tmp_path: Path) -> None:
    layout = _load(tmp_path, VALID + aisle_2("5.0, 2.0, 10.0, 8.0"))
    assert layout.covered_fraction() == 1.0


def test_a_gateway_may_sit_on_its_zones_edge(tmp_path: Path) -> None:
    assert _load(tmp_path, VALID.replace("[2.5, 5.0]", "[5.0, 8.0]")).gateway("gw-01").pos == (5.0, 8.0)


CASES = [
    # (test id, layout text, expected key, fragments of the reason)
    ("overlap", VALID + aisle_2("4.0, 2.0, 10.0, 8.0"), "zone[aisle-2].rect",
     ["zone 'aisle-2' overlaps zone 'aisle-1'", "6 m²"]),
    ("gateway outside the store", VALID.replace("[2.5, 5.0]", "[12.0, 5.0]"), "gateway[gw-01].pos",
     ["(12, 5)", "outside the store"]),
    ("gateway outside its zone", VALID.replace("[2.5, 5.0]", "[7.0, 5.0]"), "gateway[gw-01].pos",
     ["outside its zone 'aisle-1'", "2 m"]),
    ("gateway in an unknown zone", VALID.replace('zone = "aisle-1"', 'zone = "aisle-11"'), "gateway[gw-01].zone",
     ["unknown zone 'aisle-11'", "known zones: entrance, aisle-1", "did you mean 'aisle-1'"]),
    ("duplicate zone id", VALID + aisle_2("5.0, 2.0, 10.0, 8.0").replace("aisle-2", "aisle-1"),
     "zone[3].id", ["duplicate zone id 'aisle-1'", "2nd and the 3rd"]),
    ("duplicate gateway id", VALID + GATEWAY, "gateway[2].id", ["duplicate gateway id 'gw-01'"]),
    ("unknown top-level key", "version = 1\n" + VALID, "version", ["unknown key 'version' in the top level"]),
    ("unknown store key", VALID.replace('name = "Test"', 'name = "Test"\nnmae = "x"'), "store.nmae",
     ["unknown key 'nmae' in store", "known keys: id, name, size", "did you mean 'name'"]),
    ("unknown zone key", VALID.replace("rect = [0.0, 2.0", "rectt = [0.0, 2.0"), "zone[aisle-1].rectt",
     ["unknown key 'rectt' in zone[aisle-1]", "known keys: id, kind, label, rect, shelves", "did you mean 'rect'"]),
    ("unknown key in a zone without an id", VALID.replace('id = "aisle-1"', 'idd = "aisle-1"'), "zone[2].idd",
     ["unknown key 'idd' in zone[2]"]),
    ("unknown gateway key", VALID.replace("rssi_offset", "rssi_ofset"), "gateway[gw-01].rssi_ofset",
     ["did you mean 'rssi_offset'"]),
    ("unknown label language", VALID.replace('{ it = "Ingresso" }', '{ it = "Ingresso", de = "Eingang" }'),
     "zone[entrance].label.de", ["unknown key 'de'", "known keys: it, en"]),
    ("zones as one table", STORE + ENTRANCE.replace("[[zone]]", "[zone]"), "zone", ["array of tables", "[[zone]]"]),
    ("string for a number", VALID.replace("[10.0, 8.0]", '["10", 8.0]'), "store.size",
     ["width must be a number", "a string ('10')"]),
    ("bool for a number", VALID.replace("rssi_offset = 1.0", "rssi_offset = true"), "gateway[gw-01].rssi_offset",
     ["expected a number", "a boolean (true)"]),
    ("bool in a rect", VALID.replace("[0.0, 2.0, 5.0, 8.0]", "[0.0, 2.0, true, 8.0]"), "zone[aisle-1].rect",
     ["x1 must be a number", "boolean"]),
    ("number for a string", VALID.replace('name = "Test"', "name = 7"), "store.name", ["expected a string"]),
    ("nan", VALID.replace("[10.0, 8.0]", "[nan, 8.0]"), "store.size", ["finite"]),
    ("size of one number", VALID.replace("[10.0, 8.0]", "[10.0]"), "store.size",
     ["expected an array [width, depth]", "an array of 1 item"]),
    ("negative size", VALID.replace("[10.0, 8.0]", "[10.0, -8.0]"), "store.size", ["positive"]),
    ("missing store", ENTRANCE + AISLE, "store", ["missing required key"]),
    ("missing store name", VALID.replace('name = "Test"\n', ""), "store.name", ["missing required key"]),
    ("missing zone kind", VALID.replace('kind = "aisle"\n', ""), "zone[aisle-1].kind", ["missing required key"]),
    ("missing zone rect", VALID.replace("rect = [0.0, 2.0, 5.0, 8.0]\n", ""), "zone[aisle-1].rect",
     ["missing required key"]),
    ("missing label it", VALID.replace('it = "Corsia 1", ', ""), "zone[aisle-1].label.it", ["missing required key"]),
    ("missing gateway pos", VALID.replace("pos = [2.5, 5.0]\n", ""), "gateway[gw-01].pos", ["missing required key"]),
    ("missing zone id", VALID.replace('id = "aisle-1"\n', ""), "zone[2].id", ["missing required key"]),
    ("no zones", STORE, "zone", ["at least one [[zone]]"]),
    ("no entrance", VALID.replace('kind = "entrance"', 'kind = "other"'), "zone", ["no zone of kind 'entrance'"]),
    ("entrance at the back", STORE + ENTRANCE.replace("kind = \"entrance\"", "kind = \"other\"") + AISLE
     + '[[zone]]\nid = "back-door"\nkind = "entrance"\nlabel = { it = "Retro" }\nrect = [5.0, 6.0, 10.0, 8.0]\n\n'
     + GATEWAY, "zone[back-door].rect", ["[5, 6, 10, 8] does not reach the shop front (y = 0)"]),
    ("unknown kind", VALID.replace('kind = "aisle"', 'kind = "aile"'), "zone[aisle-1].kind",
     ["unknown kind 'aile'", "entrance, aisle, checkout, pickup, other", "did you mean 'aisle'"]),
    ("bad zone id", VALID.replace('"aisle-1"\nkind', '"Aisle 1"\nkind'), "zone[2].id", ["'Aisle 1' is not a valid id"]),
    ("bad store id", VALID.replace('id = "t"', 'id = "t/1"'), "store.id", ["not a valid id"]),
    ("empty name", VALID.replace('name = "Test"', 'name = "  "'), "store.name", ["must not be empty"]),
    ("inverted rect", VALID.replace("[0.0, 2.0, 5.0, 8.0]", "[5.0, 2.0, 0.0, 8.0]"), "zone[aisle-1].rect",
     ["x0 (5) must be less than x1 (0)"]),
    ("flat rect", VALID.replace("[0.0, 2.0, 5.0, 8.0]", "[0.0, 2.0, 5.0, 2.0]"), "zone[aisle-1].rect",
     ["y0 (2) must be less than y1 (2)"]),
    ("rect outside the store", VALID.replace("[0.0, 2.0, 5.0, 8.0]", "[0.0, 2.0, 5.0, 8.5]"), "zone[aisle-1].rect",
     ["[0, 2, 5, 8.5] extends outside the store", "y 0..8"]),
    ("rssi offset out of range", VALID.replace("rssi_offset = 1.0", "rssi_offset = -45.0"),
     "gateway[gw-01].rssi_offset", ["between -30 and 30 dB", "-45"]),
    ("duplicate shelf", VALID.replace('["A", "B"]', '["A", "A"]'), "zone[aisle-1].shelves",
     ["duplicate shelf label 'A'"]),
    ("shelves as a string", VALID.replace('["A", "B"]', '"AB"'), "zone[aisle-1].shelves", ["array of shelf labels"]),
    ("label as a string", VALID.replace('{ it = "Ingresso" }', '"Ingresso"'), "zone[entrance].label",
     ["expected a table like"]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "key", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_validation_errors(tmp_path: Path, text: str, key: str, fragments: list[str]) -> None:
    error = _error(tmp_path, text)
    assert error.key == key
    assert f": {key}: " in str(error) or not key
    for fragment in fragments:
        assert fragment in error.reason


def test_layout_error_is_a_config_error(tmp_path: Path) -> None:
    assert isinstance(_error(tmp_path, STORE), ConfigError)


def test_invalid_toml(tmp_path: Path) -> None:
    error = _error(tmp_path, VALID.replace("[10.0, 8.0]", "[10.0, "))
    assert error.key == ""
    assert "not valid TOML" in error.reason
    assert isinstance(error.__cause__, tomllib.TOMLDecodeError)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "store.toml"
    path.write_bytes(VALID.replace("Test", "Caff\xe8").encode("latin-1"))
    with pytest.raises(LayoutError, match="not UTF-8") as info:
        load_layout(path)
    assert isinstance(info.value.__cause__, UnicodeDecodeError)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(LayoutError, match="cannot read") as info:
        load_layout(path)
    assert info.value.source == str(path)
    assert isinstance(info.value.__cause__, FileNotFoundError)


def test_parse_layout_takes_a_mapping() -> None:
    data = tomllib.loads(VALID)
    data["store"]["size"] = (10.0, 8.0)  # any sequence will do, not only a TOML array
    assert parse_layout(data, "memory").size == (10.0, 8.0)
    with pytest.raises(LayoutError, match=r"^<layout>: store: missing required key$"):
        parse_layout({})


# --- the documentation ----------------------------------------------------------------------------------------


def test_every_key_and_kind_is_documented() -> None:
    doc = DOC_PATH.read_text(encoding="utf-8")
    for key in (*STORE_KEYS, *ZONE_KEYS, *LABEL_KEYS, *GATEWAY_KEYS, *(k.value for k in ZoneKind)):
        assert f"`{key}`" in doc, key
