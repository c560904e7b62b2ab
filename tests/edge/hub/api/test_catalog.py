"""Catalog imports (JSON and CSV, all or nothing, errors naming row and field) and a product as it is here."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from edge.hub.context import HubContext
from edge.hub.db import Catalog
from tests.edge.hub.api.conftest import Headers

PRODUCTS_CSV = "sku;name;category;price\nRUN-42;Scarpa da corsa;running;89,90\nSOCK-1;Calze;running;9,5\n"
LOCATIONS_CSV = "store,sku,zone,shelf,stock\ndemo,RUN-42,aisle-4,B,3\n"


def post_csv(client: FlaskClient, headers: Headers, text: str, kind: str | None) -> Any:
    query = "" if kind is None else f"?kind={kind}"
    return client.post(f"/api/v1/catalog{query}", data=text.encode(), headers=headers, content_type="text/csv")


def test_json_import(client: FlaskClient, admin: Headers, stocked: dict[str, Any], ctx: HubContext) -> None:
    catalog = Catalog(ctx.connect())
    product = catalog.product("RUN-42")
    assert product is not None
    assert (product.name, product.price) == ("Scarpa da corsa", 89.9)
    location = catalog.location("demo", "RUN-42")
    assert location is not None
    assert (location.zone, location.shelf, location.stock) == ("aisle-4", "B", 3)


def test_csv_import_of_products_then_locations(client: FlaskClient, admin: Headers, ctx: HubContext) -> None:
    assert post_csv(client, admin, PRODUCTS_CSV, "products").json == {"products": 2, "locations": 0}
    assert post_csv(client, admin, LOCATIONS_CSV, "locations").json == {"products": 0, "locations": 1}
    product = Catalog(ctx.connect()).product("RUN-42")
    assert product is not None
    assert product.price == 89.9  # the decimal comma of an Italian spreadsheet


def test_a_bad_csv_row_names_its_line_and_column_and_nothing_is_stored(
    client: FlaskClient, admin: Headers, ctx: HubContext
) -> None:
    bad = PRODUCTS_CSV + "TENT-2;Tenda;camping;cheap\n"
    response = post_csv(client, admin, bad, "products")
    assert response.status_code == 422
    assert response.json["error"] == "invalid_row"
    assert response.json["fields"] == {"price": "row 4: not a number"}
    assert "row 4" in response.json["message"]
    assert Catalog(ctx.connect()).product("RUN-42") is None
    response = post_csv(client, admin, "store,sku,zone,stock\ndemo,NOPE,aisle-4,1\n", "locations")
    assert (response.status_code, response.json["fields"]) == (422, {"sku": "row 2: unknown product"})


def test_csv_needs_its_kind(client: FlaskClient, admin: Headers) -> None:
    response = post_csv(client, admin, PRODUCTS_CSV, None)
    assert (response.status_code, response.json["fields"]) == (422, {"kind": "required"})
    response = post_csv(client, admin, PRODUCTS_CSV, "prices")
    assert (response.status_code, list(response.json["fields"])) == (422, ["kind"])
    response = client.post("/api/v1/catalog?kind=products", data=b"\xff\xfe", headers=admin, content_type="text/csv")
    assert response.status_code == 400


def test_a_bad_json_row_names_its_row_and_field(client: FlaskClient, admin: Headers) -> None:
    rows = [{"sku": "A-1", "name": "A", "category": "c", "price": 1.0}, {"sku": "B-2", "name": "B", "category": "c"}]
    response = client.post("/api/v1/catalog", json={"products": rows}, headers=admin)
    assert response.status_code == 422
    assert response.json["error"] == "invalid_row"
    assert response.json["fields"] == {"products.price": "row 2: required"}
    rows[1]["price"] = -3
    response = client.post("/api/v1/catalog", json={"products": rows}, headers=admin)
    assert list(response.json["fields"]) == ["products.price"]
    rows[1] = {**rows[0], "sku": "B-2", "colour": "red"}
    response = client.post("/api/v1/catalog", json={"products": rows}, headers=admin)
    assert response.json["fields"] == {"products.colour": "row 2: unknown field"}
    # Rules only the catalog knows answer the same way.
    response = client.post("/api/v1/catalog", json={"products": [rows[0], rows[0]]}, headers=admin)
    assert response.json["fields"] == {"products.sku": "row 2: appears twice in this import"}


def test_a_product_here(client: FlaskClient, kiosk: Headers, app_headers: Headers, stocked: dict[str, Any]) -> None:
    response = client.get("/api/v1/stores/demo/products/RUN-42", headers=app_headers)
    assert response.status_code == 200
    assert response.json == {
        "sku": "RUN-42", "name": "Scarpa da corsa", "category": "running", "price": 89.9,
        "location": {"zone": "aisle-4", "zone_label": {"it": "Corsia 4 — Running", "en": "Aisle 4 — Running"},
                     "shelf": "B", "stock": 3, "in_stock": True},
    }  # fmt: skip
    assert client.get("/api/v1/stores/demo/products/SOCK-1", headers=kiosk).json["location"]["in_stock"] is False
    # Carried by another store only: the product, without a place here.
    assert client.get("/api/v1/stores/demo/products/TENT-2", headers=kiosk).json["location"] is None
    assert client.get("/api/v1/stores/demo/products/NOPE", headers=kiosk).status_code == 404


def test_another_stores_path_is_404(client: FlaskClient, admin: Headers, stocked: dict[str, Any]) -> None:
    response = client.get("/api/v1/stores/other-store/products/TENT-2", headers=admin)
    assert (response.status_code, response.json["fields"]) == (404, {"store": "unknown store"})


def test_only_admins_import(client: FlaskClient, kiosk: Headers) -> None:
    assert client.post("/api/v1/catalog", json={"products": []}, headers=kiosk).status_code == 403
