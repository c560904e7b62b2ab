"""The catalog: products, and where each is in every store (zone, shelf) with its stock.

Imports are all or nothing: every row is checked (`edge.hub.db.catalog_import`), then everything is written in
one transaction, so a file with one bad row leaves the catalog as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from edge.hub.db.catalog_import import (
    Location,
    Product,
    location_from,
    parse_csv,
    parse_json,
    product_from,
)
from edge.hub.db.database import fetch_all, fetch_one, fetch_value, transaction
from edge.hub.db.errors import CatalogImportError, InvalidRecord


@dataclass(frozen=True, slots=True)
class ImportResult:
    """How many rows of each kind an import wrote (inserted or replaced)."""

    products: int = 0
    locations: int = 0


class Catalog:
    """Products and per-store locations."""

    def __init__(self, db: sqlite_utils.Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def upsert_products(self, products: Iterable[Product]) -> int:
        """Insert or replace products (checked like an import's rows, numbered from 1); returns how many."""
        checked = [(n, product_from(_fields(p), n, "products.")) for n, p in enumerate(products, start=1)]
        return self._write(checked, []).products

    def upsert_locations(self, locations: Iterable[Location]) -> int:
        """Insert or replace locations; each sku must be a known product. Returns how many."""
        checked = [(n, location_from(_fields(loc), n, "locations.")) for n, loc in enumerate(locations, start=1)]
        return self._write([], checked, field_prefix="locations.").locations

    def import_json(self, obj: object) -> ImportResult:
        """Import the body of ``POST /api/v1/catalog``: ``{"products": [...], "locations": [...]}``.

        Locations may name products of the same import. `CatalogImportError` (row = position in its list,
        field like ``locations.stock``) for the first bad row; then nothing is written.
        """
        products, locations = parse_json(obj)
        return self._write(products, locations, field_prefix="locations.")

    def import_csv(self, text: str, kind: str) -> ImportResult:
        """Import a CSV file of ``products`` (sku, name, category, price) or ``locations`` (store, sku, zone,
        shelf, stock) with a header line. `CatalogImportError` (row = line in the file) for the first bad row."""
        rows = parse_csv(text, kind)
        products = [(n, r) for n, r in rows if isinstance(r, Product)]
        locations = [(n, r) for n, r in rows if isinstance(r, Location)]
        return self._write(products, locations)

    def product(self, sku: str) -> Product | None:
        """The product with this sku, or None."""
        row = fetch_one(self.db, "SELECT sku, name, category, price FROM products WHERE sku = ?", [sku])
        return None if row is None else _product(row)

    def products(self, skus: Iterable[str]) -> dict[str, Product]:
        """The known products among `skus`, by sku (unknown ones are left out)."""
        wanted = sorted(set(skus))
        found: dict[str, Product] = {}
        for start in range(0, len(wanted), 500):  # SQLite limits the number of parameters of one statement
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for row in fetch_all(
                self.db, f"SELECT sku, name, category, price FROM products WHERE sku IN ({marks})", chunk
            ):
                found[row["sku"]] = _product(row)
        return found

    def categories(self) -> dict[str, str]:
        """Every product's category, by sku (for co-purchase statistics by category)."""
        return {r["sku"]: r["category"] for r in fetch_all(self.db, "SELECT sku, category FROM products")}

    def location(self, store: str, sku: str) -> Location | None:
        """Where the product is in this store, or None when the store does not carry it."""
        row = fetch_one(
            self.db, "SELECT store, sku, zone, shelf, stock FROM locations WHERE store = ? AND sku = ?", [store, sku]
        )
        return None if row is None else _location(row)

    def locations(self, store: str) -> list[Location]:
        """Every location of one store, by sku."""
        rows = fetch_all(
            self.db, "SELECT store, sku, zone, shelf, stock FROM locations WHERE store = ? ORDER BY sku", [store]
        )
        return [_location(r) for r in rows]

    def set_stock(self, store: str, sku: str, stock: int) -> bool:
        """Set a product's stock in a store; False when the store has no location for it."""
        if isinstance(stock, bool) or not isinstance(stock, int) or stock < 0:
            raise InvalidRecord("stock", "invalid", "a whole number, 0 or more")
        with transaction(self.db):
            cursor = self.db.execute(
                "UPDATE locations SET stock = ?, updated = ? WHERE store = ? AND sku = ?",
                (stock, self.clock(), store, sku),
            )
            return cursor.rowcount > 0

    def _write(
        self,
        products: list[tuple[int, Product]],
        locations: list[tuple[int, Location]],
        field_prefix: str = "",
    ) -> ImportResult:
        now = self.clock()
        new_skus = {p.sku for _, p in products}
        with transaction(self.db):
            for row, loc in locations:
                if (
                    loc.sku not in new_skus
                    and fetch_value(self.db, "SELECT 1 FROM products WHERE sku = ?", [loc.sku]) is None
                ):
                    raise CatalogImportError(row, field_prefix + "sku", "unknown product")
            # Plain SQL rather than sqlite-utils' upsert_all: its 3.x versions commit on their own, which would
            # break the all-or-nothing import inside this transaction.
            self.db.conn.executemany(
                "INSERT INTO products (sku, name, category, price, updated) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (sku) DO UPDATE SET name = excluded.name, category = excluded.category, "
                "price = excluded.price, updated = excluded.updated",
                [(p.sku, p.name, p.category, p.price, now) for _, p in products],
            )
            self.db.conn.executemany(
                "INSERT INTO locations (store, sku, zone, shelf, stock, updated) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (store, sku) DO UPDATE SET zone = excluded.zone, shelf = excluded.shelf, "
                "stock = excluded.stock, updated = excluded.updated",
                [(x.store, x.sku, x.zone, x.shelf, x.stock, now) for _, x in locations],
            )
        return ImportResult(len(products), len(locations))


def _fields(item: Product | Location) -> dict[str, object]:
    return {name: getattr(item, name) for name in item.__slots__}


def _product(row: dict[str, Any]) -> Product:
    return Product(row["sku"], row["name"], row["category"], float(row["price"]))


def _location(row: dict[str, Any]) -> Location:
    return Location(row["store"], row["sku"], row["zone"], row["shelf"], int(row["stock"]))


__all__ = ["Catalog", "ImportResult", "Location", "Product"]
