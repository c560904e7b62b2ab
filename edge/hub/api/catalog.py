"""The catalog: importing products and their places in the stores (JSON or CSV), and a product as it is here.

An import is all or nothing: the first bad row answers 422 naming its row and field, and nothing is stored.
Rows are numbered as a store manager sees them: from 1 in a JSON list, by line in a CSV file (the header is
line 1).
"""

from __future__ import annotations

import re
from typing import Final

import msgspec
from flask import Response

from edge.hub.api import repos
from edge.hub.api.database import hub_context
from edge.hub.api.errors import ApiError, Invalid, NotFound, validation_fields
from edge.hub.api.routing import ADMIN, APP, CSV, JSON, KIOSK, MIB, Answer, ApiBlueprint, reply
from edge.hub.api.store_schemas import (
    CatalogImport,
    CatalogQuery,
    Imported,
    Label,
    ProductHere,
    ProductLocation,
)

api = ApiBlueprint("catalog", __name__)

MAX_IMPORT: Final = 2 * MIB
# "$.products[2].price", or the list itself ("$.products") for an unknown or missing field inside a row.
_ROW: Final = re.compile(r"^(?P<kind>products|locations)\[(?P<index>\d+)\](?:\.(?P<field>.+))?$")


def invalid_row(error: msgspec.ValidationError) -> ApiError:
    """A JSON import's validation error named like the catalog's own: row (from 1) and ``products.price``."""
    ((path, reason),) = validation_fields(error).items()
    match = _ROW.match(path)
    if match is None:
        return Invalid("the catalog is not valid", {path: reason})
    row = int(match["index"]) + 1
    field = f"{match['kind']}.{match['field']}" if match["field"] else match["kind"]
    return Invalid(
        f"row {row}, field {field}: {reason}; nothing was imported", {field: f"row {row}: {reason}"}, code="invalid_row"
    )


@api.route(
    "POST", "/catalog",
    scopes=(ADMIN,), body=CatalogImport, media=(JSON, CSV), query=CatalogQuery, max_body=MAX_IMPORT,
    invalid=invalid_row, answers={200: Answer("Imported: how many rows of each kind", Imported)},
)  # fmt: skip
def import_catalog(body: CatalogImport | str, query: CatalogQuery) -> Response:
    """Import products and locations: JSON, or CSV with ?kind=products|locations."""
    catalog = repos.catalog()
    if isinstance(body, str):
        if query.kind is None:
            raise Invalid("a CSV import needs ?kind=products or ?kind=locations", {"kind": "required"})
        result = catalog.import_csv(body, query.kind)
    else:
        result = catalog.import_json(msgspec.to_builtins(body))
    return reply(Imported(products=result.products, locations=result.locations))


@api.route(
    "GET", "/stores/<store>/products/<sku>",
    scopes=(ADMIN, KIOSK, APP), answers={200: Answer("The product here", ProductHere)},
)  # fmt: skip
def product_here(store: str, sku: str) -> Response:
    """A product, and where it is in this store with its stock."""
    catalog = repos.catalog()
    product = catalog.product(sku)
    if product is None:
        raise NotFound("no such product", {"sku": "unknown"})
    location = catalog.location(store, sku)
    here = None
    if location is not None:
        zone = next((z for z in hub_context().layout.zones if z.id == location.zone), None)
        label = None if zone is None else Label(it=zone.label_for("it"), en=zone.label_for("en"))
        here = ProductLocation(location.zone, label, location.shelf, location.stock, location.stock > 0)
    return reply(ProductHere(product.sku, product.name, product.category, product.price, here))
