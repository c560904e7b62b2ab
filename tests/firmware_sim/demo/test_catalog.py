"""The demo store's catalog: it passes the hub's own import, fills the layout's zones on their own shelves, and
what a shopper saves online and takes to the till is the same for a seed and comes from where they went."""

from __future__ import annotations

import json

import pytest

from edge.hub.db import Catalog, CatalogImportError, open_database
from edge.store import ZoneKind, load_layout
from firmware_sim.demo.catalog import CATALOG_PATH, CHECKOUT_ZONE, DemoCatalog, basket, wishlist, wishlist_sku
from firmware_sim.world.scenarios import DEMO_LAYOUT

CATALOG = DemoCatalog.load()


def test_the_example_catalog_is_what_the_hub_imports() -> None:
    db = open_database(":memory:")
    result = Catalog(db).import_json(json.loads(CATALOG_PATH.read_text(encoding="utf-8")))
    assert result.products == len(CATALOG.items) >= 60
    assert result.locations == len(CATALOG.items)
    stored = Catalog(db).location("demo", "RUN-001")
    assert stored is not None
    assert stored.zone == "aisle-4"


def test_every_aisle_has_products_on_its_own_shelves_and_some_are_sold_out() -> None:
    layout = load_layout(DEMO_LAYOUT)
    for zone in layout.zones_of_kind(ZoneKind.AISLE):
        items = CATALOG.in_zone(zone.id)
        assert len(items) >= 6, zone.id
        assert {i.shelf for i in items} <= set(zone.shelves), zone.id
    assert set(CATALOG.zones) <= {z.id for z in layout.zones}
    assert CATALOG.in_zone(CHECKOUT_ZONE)
    assert CHECKOUT_ZONE not in CATALOG.shelf_zones
    assert any(i.stock == 0 for i in CATALOG.items.values())
    assert all(i.price > 0 for i in CATALOG.items.values())


def test_a_bad_row_fails_at_load_naming_it() -> None:
    body = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    body["locations"][3]["stock"] = -1
    with pytest.raises(CatalogImportError, match=r"locations\.stock"):
        DemoCatalog(body)


def test_the_wishlist_has_one_product_of_each_wishlist_zone_and_is_the_same_for_a_seed() -> None:
    saved = wishlist(CATALOG, 1, "s0001", ["aisle-4", "aisle-7"])
    assert [CATALOG.items[s].zone for s in saved] == ["aisle-4", "aisle-7"]
    assert saved == wishlist(CATALOG, 1, "s0001", ["aisle-4", "aisle-7"])
    picks = {wishlist_sku(CATALOG, seed, "s0001", "aisle-4") for seed in range(30)}
    assert len(picks) > 3  # not always the same product
    assert wishlist_sku(CATALOG, 1, "s0001", "pickup") is None


def test_a_basket_holds_the_saved_products_in_stock_and_only_what_was_on_the_way() -> None:
    stops = [("aisle-4", "wishlist"), ("aisle-2", "glance"), ("walkway", "glance"), ("checkout", "checkout")]
    saved = wishlist_sku(CATALOG, 3, "s0042", "aisle-4")
    assert saved is not None
    items = basket(CATALOG, 3, "s0042", stops)
    skus = [i.sku for i in items]
    if CATALOG.items[saved].stock > 0:
        assert saved in skus
    assert {i.zone for i in items} <= {"aisle-4", "aisle-2", "walkway", CHECKOUT_ZONE}
    assert all(i.stock > 0 for i in items)
    assert len(skus) == len(set(skus))
    assert basket(CATALOG, 3, "s0042", stops) == items
    # Only glances: still something, from a zone visited.
    glances = basket(CATALOG, 5, "s0007", [("aisle-8", "glance")])
    assert glances
    assert {i.zone for i in glances} <= {"aisle-8", CHECKOUT_ZONE}
