"""The demo store's catalog and planogram (`examples/catalog/demo.json`) and what shoppers take off its shelves.

The file is the body of ``POST /api/v1/catalog``, so the same file seeds the demo's hub and can be sent to any
hub. It is checked here with the hub's own import rules (`edge.hub.db.catalog_import.parse_json`), so a typo
in it fails at load, naming the row and the field, not half-way through seeding.

What a shopper wants and buys is a pure function of the seed and the shopper: the seeding (the member's
wishlist) and the POS (the receipt) ask the same questions and get the same answers.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from edge.hub.db.catalog_import import parse_json
from firmware_sim.world import seeds

CATALOG_PATH: Final = Path(__file__).resolve().parents[2] / "examples" / "catalog" / "demo.json"
GLANCE_BUY_SHARE: Final = 0.3
"""A zone glanced at ends up in the basket this often (a wishlist zone always does)."""
IMPULSE_SHARE: Final = 0.3
"""A basket gets one of the products displayed at the tills this often."""
CHECKOUT_ZONE: Final = "checkout"
"""The demo store's tills: the impulse buys are shelved there."""


@dataclass(frozen=True, slots=True)
class Item:
    """A product and where it is in the demo store."""

    sku: str
    name: str
    category: str
    price: float
    zone: str
    shelf: str
    stock: int


class DemoCatalog:
    """The checked catalog: `body` for the hub's import, `items` by sku, and the products of each zone."""

    def __init__(self, body: Mapping[str, Any], store: str = "demo") -> None:
        products, locations = parse_json(body)
        by_sku = {p.sku: p for _, p in products}
        self.body = body
        self.store = store
        self.items: dict[str, Item] = {}
        for _, loc in locations:
            if loc.store != store:
                continue
            p = by_sku[loc.sku]
            self.items[p.sku] = Item(p.sku, p.name, p.category, p.price, loc.zone, loc.shelf, loc.stock)
        self._zones: dict[str, list[Item]] = {}
        for item in sorted(self.items.values(), key=lambda i: i.sku):
            self._zones.setdefault(item.zone, []).append(item)

    @classmethod
    def load(cls, path: str | Path = CATALOG_PATH, store: str = "demo") -> DemoCatalog:
        with open(path, encoding="utf-8") as file:
            return cls(json.load(file), store)

    def in_zone(self, zone: str) -> list[Item]:
        """The products shelved in `zone`, by sku (empty for a zone without products)."""
        return list(self._zones.get(zone, ()))

    @property
    def zones(self) -> list[str]:
        """The zones that have products, sorted."""
        return sorted(self._zones)

    @property
    def shelf_zones(self) -> list[str]:
        """The zones with products, but the tills: where a shopper comes for something."""
        return [z for z in self.zones if z != CHECKOUT_ZONE]


def wishlist_sku(catalog: DemoCatalog, seed: int, shopper_id: str, zone: str) -> str | None:
    """The product a shopper saved online from `zone` (the world says which zones; this says which product)."""
    items = catalog.in_zone(zone)
    if not items:
        return None
    return seeds.stream(seed, "demo", "wishlist", shopper_id, zone).choice(items).sku


def wishlist(catalog: DemoCatalog, seed: int, shopper_id: str, zones: Sequence[str]) -> list[str]:
    """The shopper's wishlist: one product of each wishlist zone, in the zones' order, without repeats."""
    skus = [wishlist_sku(catalog, seed, shopper_id, zone) for zone in zones]
    return list(dict.fromkeys(s for s in skus if s is not None))


def basket(
    catalog: DemoCatalog,
    seed: int,
    shopper_id: str,
    stops: Sequence[tuple[str, str]],
    checkout_zone: str = CHECKOUT_ZONE,
) -> list[Item]:
    """What a buying shopper takes to the till: the saved product of each wishlist stop, sometimes a product of
    a zone glanced at, sometimes an impulse buy at the tills. `stops` are ``(zone, purpose)`` in visit order.

    A shopper who found nothing to take buys one thing of the last zone visited, so a basket is empty only
    when nothing where they went is in stock.
    """
    rng = seeds.stream(seed, "demo", "basket", shopper_id)
    taken: dict[str, Item] = {}
    for zone, purpose in stops:
        if purpose == "wishlist":
            sku = wishlist_sku(catalog, seed, shopper_id, zone)
            if sku is not None and catalog.items[sku].stock > 0:  # saved online, but sold out here: not taken
                taken.setdefault(sku, catalog.items[sku])
        elif purpose == "glance" and rng.random() < GLANCE_BUY_SHARE:
            _take(rng, catalog.in_zone(zone), taken)
    if rng.random() < IMPULSE_SHARE:
        _take(rng, catalog.in_zone(checkout_zone), taken)
    if not taken:
        visited = [zone for zone, _ in stops if catalog.in_zone(zone)]
        _take(rng, catalog.in_zone(visited[-1] if visited else checkout_zone), taken)
    return list(taken.values())


def _take(rng: random.Random, items: Sequence[Item], taken: dict[str, Item]) -> None:
    in_stock = [i for i in items if i.stock > 0 and i.sku not in taken]
    if in_stock:
        item = rng.choice(in_stock)
        taken[item.sku] = item
