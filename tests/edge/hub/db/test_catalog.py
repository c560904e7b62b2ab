"""The catalog: JSON and CSV imports (all or nothing, bad rows named by row and field), look-ups and stock."""

from __future__ import annotations

import pytest

from edge.hub.db import Catalog, CatalogImportError, HubDatabase, ImportResult, InvalidRecord, Location, Product
from tests.edge.hub.db.conftest import FakeClock

BODY = {
    "products": [
        {"sku": "RUN-001", "name": "Scarpa da corsa Vento", "category": "running-shoes", "price": 89.9},
        {"sku": "RUN-002", "name": "Calze tecniche", "category": "running-socks", "price": 9},
    ],
    "locations": [
        {"store": "demo", "sku": "RUN-001", "zone": "aisle-4", "shelf": "B", "stock": 12},
        {"store": "demo", "sku": "RUN-002", "zone": "aisle-4", "shelf": "C", "stock": 0},
        {"store": "roma", "sku": "RUN-001", "zone": "aisle-1", "shelf": "A", "stock": 3},
    ],
}


@pytest.fixture
def catalog(db: HubDatabase, clock: FakeClock) -> Catalog:
    return Catalog(db, clock)


def test_import_json(catalog: Catalog) -> None:
    assert catalog.import_json(BODY) == ImportResult(products=2, locations=3)
    assert catalog.product("RUN-001") == Product("RUN-001", "Scarpa da corsa Vento", "running-shoes", 89.9)
    assert catalog.location("demo", "RUN-001") == Location("demo", "RUN-001", "aisle-4", "B", 12)
    assert catalog.location("roma", "RUN-002") is None
    assert catalog.categories() == {"RUN-001": "running-shoes", "RUN-002": "running-socks"}
    assert set(catalog.products(["RUN-002", "NOPE", "RUN-001"])) == {"RUN-001", "RUN-002"}
    assert [loc.sku for loc in catalog.locations("demo")] == ["RUN-001", "RUN-002"]


def test_an_import_replaces_what_it_names(catalog: Catalog) -> None:
    catalog.import_json(BODY)
    catalog.import_json(
        {"products": [{"sku": "RUN-001", "name": "Vento 2", "category": "running-shoes", "price": 79.0}]}
    )
    product = catalog.product("RUN-001")
    assert product is not None
    assert (product.name, product.price) == ("Vento 2", 79.0)
    assert catalog.location("demo", "RUN-001") is not None  # locations were not part of it: kept


@pytest.mark.parametrize(
    ("mutate", "row", "field"),
    [
        (lambda b: b["products"][1].update(price=-1), 2, "products.price"),
        (lambda b: b["products"][1].update(price="9"), 2, "products.price"),
        (lambda b: b["products"][0].update(price=True), 1, "products.price"),
        (lambda b: b["products"][0].update(sku="has space"), 1, "products.sku"),
        (lambda b: b["products"][0].pop("name"), 1, "products.name"),
        (lambda b: b["products"][0].update(colour="red"), 1, "products.colour"),
        (lambda b: b["products"].append(dict(b["products"][0])), 3, "products.sku"),
        (lambda b: b["locations"][2].update(stock=1.5), 3, "locations.stock"),
        (lambda b: b["locations"][0].update(store="Demo Store"), 1, "locations.store"),
        (lambda b: b["locations"][1].update(sku="GHOST-9"), 2, "locations.sku"),
    ],
)
def test_a_bad_row_imports_nothing(catalog: Catalog, mutate: object, row: int, field: str) -> None:
    body = {"products": [dict(p) for p in BODY["products"]], "locations": [dict(x) for x in BODY["locations"]]}
    mutate(body)  # type: ignore[operator]
    with pytest.raises(CatalogImportError) as caught:
        catalog.import_json(body)
    assert (caught.value.row, caught.value.field) == (row, field)
    assert catalog.categories() == {}


def test_the_json_shape_is_checked(catalog: Catalog) -> None:
    for body, field in (([], ""), ({"items": []}, "items"), ({"products": {}}, "products")):
        with pytest.raises(CatalogImportError) as caught:
            catalog.import_json(body)
        assert caught.value.field == field


PRODUCTS_CSV = """sku,name,category,price
RUN-001,Scarpa da corsa Vento,running-shoes,89.90
RUN-002,"Calze tecniche, 3 paia",running-socks,9

RUN-003,Maglia,running-shirts,25
"""


def test_import_csv(catalog: Catalog) -> None:
    assert catalog.import_csv(PRODUCTS_CSV, "products") == ImportResult(products=3)
    assert catalog.product("RUN-002") == Product("RUN-002", "Calze tecniche, 3 paia", "running-socks", 9.0)
    locations = "store,sku,zone,shelf,stock\ndemo,RUN-001,aisle-4,B,12\ndemo,RUN-003,aisle-5,,4\n"
    assert catalog.import_csv(locations, "locations") == ImportResult(locations=2)
    assert catalog.location("demo", "RUN-003") == Location("demo", "RUN-003", "aisle-5", "", 4)


def test_a_spreadsheet_csv_in_italian_settings(catalog: Catalog) -> None:
    text = "\ufeffSKU;Name;Category;Price\r\nRUN-001;Scarpa;running-shoes;89,90\r\n"
    catalog.import_csv(text, "products")
    product = catalog.product("RUN-001")
    assert product is not None
    assert product.price == 89.9


@pytest.mark.parametrize(
    ("text", "row", "field"),
    [
        (PRODUCTS_CSV.replace("25\n", "venticinque\n"), 5, "price"),  # the blank line 4 still counts
        (PRODUCTS_CSV.replace("running-shoes", ""), 2, "category"),
        (PRODUCTS_CSV.replace("price", "prezzo"), 1, "prezzo"),
        (PRODUCTS_CSV.replace(",price", ""), 1, "price"),
        (PRODUCTS_CSV.replace("RUN-003", "RUN-001"), 5, "sku"),
        (PRODUCTS_CSV.replace("Maglia,", "Maglia,extra,"), 5, ""),
        ("", 1, ""),
    ],
)
def test_a_bad_csv_row_names_its_line_and_imports_nothing(catalog: Catalog, text: str, row: int, field: str) -> None:
    with pytest.raises(CatalogImportError) as caught:
        catalog.import_csv(text, "products")
    assert (caught.value.row, caught.value.field) == (row, field)
    assert f"row {row}" in str(caught.value)
    assert catalog.categories() == {}


def test_csv_locations_must_name_known_products(catalog: Catalog) -> None:
    catalog.import_json(BODY)
    text = "store,sku,zone,shelf,stock\ndemo,RUN-001,aisle-4,B,1\ndemo,GHOST-9,aisle-4,B,1\n"
    with pytest.raises(CatalogImportError) as caught:
        catalog.import_csv(text, "locations")
    assert (caught.value.row, caught.value.field, caught.value.reason) == (3, "sku", "unknown product")
    location = catalog.location("demo", "RUN-001")
    assert location is not None
    assert location.stock == 12
    with pytest.raises(CatalogImportError, match="kind"):
        catalog.import_csv(text, "prices")


def test_upserts_and_stock(catalog: Catalog) -> None:
    assert catalog.upsert_products([Product("A-1", "Borraccia", "bottles", 12.5)]) == 1
    assert catalog.upsert_locations([Location("demo", "A-1", "aisle-2", "D", 7)]) == 1
    with pytest.raises(CatalogImportError) as caught:
        catalog.upsert_locations(
            [Location("demo", "A-1", "aisle-2", "D", 7), Location("demo", "B-2", "aisle-2", "D", 7)]
        )
    assert (caught.value.row, caught.value.field) == (2, "locations.sku")
    assert catalog.set_stock("demo", "A-1", 0)
    location = catalog.location("demo", "A-1")
    assert location is not None
    assert location.stock == 0
    assert not catalog.set_stock("roma", "A-1", 3)
    with pytest.raises(InvalidRecord):
        catalog.set_stock("demo", "A-1", -1)
