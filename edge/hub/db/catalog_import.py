"""Reading catalog imports (the JSON of ``POST /api/v1/catalog`` and CSV files) into checked rows.

Every value is checked before anything is written, and the first bad one is reported as a `CatalogImportError`
with its row and field, so a store manager can fix the file and send it again. CSV files may come from a
spreadsheet in Italian settings: ``;`` as the separator and a decimal comma (``89,90``) are understood.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from edge.hub.db.errors import CatalogImportError

Kind = Literal["products", "locations"]
SKU: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}\Z")  # the contract's Ref: a receipt's sku fits it
SLUG: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,31}\Z")  # store and zone ids, as in the store layout
PRICE_MAX: Final = 1_000_000.0
STOCK_MAX: Final = 1_000_000
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "products": ("sku", "name", "category", "price"),
    "locations": ("store", "sku", "zone", "shelf", "stock"),
}
_DECIMAL_COMMA: Final = re.compile(r"-?\d+,\d+\Z")


@dataclass(frozen=True, slots=True)
class Product:
    """A product of the catalog; `price` in euro."""

    sku: str
    name: str
    category: str
    price: float


@dataclass(frozen=True, slots=True)
class Location:
    """Where a product is in one store (zone of the store layout, shelf label) and how many are in stock."""

    store: str
    sku: str
    zone: str
    shelf: str
    stock: int


class _Bad(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _text(value: object, *, max_len: int, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise _Bad("must be text")
    text = value.strip()
    if not text and not allow_empty:
        raise _Bad("empty")
    if len(text) > max_len:
        raise _Bad(f"longer than {max_len} characters")
    if not text.isprintable():
        raise _Bad("control characters")
    return text


def _pattern(value: object, pattern: re.Pattern[str], what: str) -> str:
    text = _text(value, max_len=64)
    if not pattern.match(text):
        raise _Bad(f"not a valid {what}")
    return text


def _price(value: object, from_text: bool) -> float:
    if from_text and isinstance(value, str):
        text = value.strip()
        if _DECIMAL_COMMA.match(text):
            text = text.replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            raise _Bad("not a number") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad("not a number")
    price = float(value)
    if not math.isfinite(price) or not 0.0 <= price <= PRICE_MAX:
        raise _Bad(f"must be between 0 and {PRICE_MAX:.0f}")
    return price


def _stock(value: object, from_text: bool) -> int:
    if from_text and isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.isdigit():
            raise _Bad("not a whole number")
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad("not a whole number")
    if not 0 <= value <= STOCK_MAX:
        raise _Bad(f"must be between 0 and {STOCK_MAX}")
    return value


def product_from(values: Mapping[str, object], row: int, prefix: str = "", *, from_text: bool = False) -> Product:
    """A checked `Product` from one row's values; `CatalogImportError` at `row` for the first bad field."""
    name = "sku"
    try:
        sku = _pattern(values.get("sku"), SKU, "sku")
        name = "name"
        title = _text(values.get("name"), max_len=200)
        name = "category"
        category = _text(values.get("category"), max_len=64)
        name = "price"
        price = _price(values.get("price"), from_text)
    except _Bad as bad:
        raise CatalogImportError(row, prefix + name, bad.reason) from None
    return Product(sku, title, category, price)


def location_from(values: Mapping[str, object], row: int, prefix: str = "", *, from_text: bool = False) -> Location:
    """A checked `Location` from one row's values; `CatalogImportError` at `row` for the first bad field."""
    name = "store"
    try:
        store = _pattern(values.get("store"), SLUG, "store id")
        name = "sku"
        sku = _pattern(values.get("sku"), SKU, "sku")
        name = "zone"
        zone = _pattern(values.get("zone"), SLUG, "zone id")
        name = "shelf"
        shelf = _text(values.get("shelf", ""), max_len=32, allow_empty=True)
        name = "stock"
        stock = _stock(values.get("stock"), from_text)
    except _Bad as bad:
        raise CatalogImportError(row, prefix + name, bad.reason) from None
    return Location(store, sku, zone, shelf, stock)


def _unique(keys: Iterable[tuple[int, object]], field: str) -> None:
    seen: set[object] = set()
    for row, key in keys:
        if key in seen:
            raise CatalogImportError(row, field, "appears twice in this import")
        seen.add(key)


def parse_json(obj: object) -> tuple[list[tuple[int, Product]], list[tuple[int, Location]]]:
    """``{"products": [...], "locations": [...]}`` (either list may be left out) as numbered, checked rows."""
    if not isinstance(obj, Mapping):
        raise CatalogImportError(0, "", "the body must be an object with products and/or locations")
    unknown = sorted(set(obj) - set(COLUMNS))
    if unknown:
        raise CatalogImportError(0, str(unknown[0]), "unknown key")
    lists: dict[str, list[Mapping[str, object]]] = {}
    for kind in COLUMNS:
        items = obj.get(kind, [])
        if not isinstance(items, list):
            raise CatalogImportError(0, kind, "must be a list")
        for n, item in enumerate(items, start=1):
            if not isinstance(item, Mapping):
                raise CatalogImportError(n, kind, "each row must be an object")
            extra = sorted(set(item) - set(COLUMNS[kind]))
            if extra:
                raise CatalogImportError(n, f"{kind}.{extra[0]}", "unknown field")
        lists[kind] = items
    products = [(n, product_from(v, n, "products.")) for n, v in enumerate(lists["products"], start=1)]
    locations = [(n, location_from(v, n, "locations.")) for n, v in enumerate(lists["locations"], start=1)]
    _unique(((n, p.sku) for n, p in products), "products.sku")
    _unique(((n, (loc.store, loc.sku)) for n, loc in locations), "locations.sku")
    return products, locations


def parse_csv(text: str, kind: str) -> list[tuple[int, Product | Location]]:
    """A CSV file of `kind` (``products`` or ``locations``) as rows numbered by their line in the file."""
    if kind not in COLUMNS:
        raise CatalogImportError(0, "kind", "must be products or locations")
    text = text.removeprefix("\ufeff")  # spreadsheets often start an exported CSV with a byte order mark
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise CatalogImportError(1, "", "the file is empty")
    columns = [h.strip().lower() for h in header]
    for column in columns:
        if column not in COLUMNS[kind]:
            raise CatalogImportError(1, column, "unknown column")
    for column in COLUMNS[kind]:
        if column not in columns and column != "shelf":
            raise CatalogImportError(1, column, "missing column")
    _unique(((1, c) for c in columns), "header")
    rows: list[tuple[int, Product | Location]] = []
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            raise CatalogImportError(line, "", f"{len(cells)} cells where the header has {len(columns)}")
        values = dict(zip(columns, cells, strict=True))
        make = product_from if kind == "products" else location_from
        rows.append((line, make(values, line, from_text=True)))
    if kind == "products":
        _unique(((n, r.sku) for n, r in rows), "sku")
    else:
        _unique(((n, (r.store, r.sku)) for n, r in rows if isinstance(r, Location)), "sku")
    return rows
