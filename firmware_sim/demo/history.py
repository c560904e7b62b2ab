"""The store's past: a few hundred receipts of the last weeks, so the co-purchase coupons have statistics.

A thank-you push suggests products bought together with the basket (`edge.hub.campaigns.copurchase`); a new
store has no such history, so the demo writes one. Each product has two partners in its own zone (shoes and
their socks, a racket and its balls), drawn once from the seed; a basket is a product, often one of its
partners, sometimes another product of the zone and sometimes an impulse buy at the tills. The hub's lift
ranking then finds the partners, as it would find a real store's habits.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Final

from edge.protocol import Receipt, ReceiptItem
from firmware_sim.demo.catalog import CHECKOUT_ZONE, DemoCatalog, Item
from firmware_sim.world import seeds

PAST_RECEIPTS: Final = 400
PAST_DAYS: Final = 60.0
PARTNERS: Final = 2
PARTNER_SHARE: Final = 0.7
SAME_ZONE_SHARE: Final = 0.25
IMPULSE_SHARE: Final = 0.2
NO_CARD: Final[str | None] = None
"""What a till sends as `card` for a customer without a loyalty card."""


def partners(catalog: DemoCatalog, seed: int) -> dict[str, list[str]]:
    """Each product's partners: the products of its zone most often bought with it."""
    out: dict[str, list[str]] = {}
    for zone in catalog.zones:
        items = [i.sku for i in catalog.in_zone(zone)]
        for sku in items:
            others = [s for s in items if s != sku]
            rng = seeds.stream(seed, "demo", "partners", sku)
            out[sku] = rng.sample(others, min(PARTNERS, len(others)))
    return out


def receipt_id(t: float, n: int, till: str | None = None) -> str:
    """``R-20261124-00042`` for the archive, ``R-20261124-till-2-0042`` for a till today: never the same."""
    day = time.strftime("%Y%m%d", time.gmtime(t))
    return f"R-{day}-{n:05d}" if till is None else f"R-{day}-{till}-{n:04d}"


def receipt(t: float, rid: str, card: str | None, items: Sequence[Item]) -> Receipt:
    """A receipt of one of each item, at catalogue prices."""
    lines = [ReceiptItem(sku=i.sku, qty=1, price=i.price) for i in items]
    return Receipt(t=t, receipt=rid, card=card, items=lines, total=round(sum(i.price for i in items), 2))


def past_receipts(catalog: DemoCatalog, seed: int, now: float, count: int = PAST_RECEIPTS) -> list[Receipt]:
    """`count` anonymous receipts of the `PAST_DAYS` before `now`, oldest first."""
    pairs = partners(catalog, seed)
    shelves = catalog.shelf_zones
    impulse = catalog.in_zone(CHECKOUT_ZONE)
    rng = seeds.stream(seed, "demo", "history")
    stamps = sorted(now - rng.uniform(1.0, PAST_DAYS) * 86400.0 for _ in range(count))
    out = []
    for n, t in enumerate(stamps, start=1):
        main = rng.choice(catalog.in_zone(rng.choice(shelves)))
        basket = {main.sku: main}
        if rng.random() < PARTNER_SHARE and pairs[main.sku]:
            partner = catalog.items[rng.choice(pairs[main.sku])]
            basket.setdefault(partner.sku, partner)
        if rng.random() < SAME_ZONE_SHARE:
            other = rng.choice(catalog.in_zone(main.zone))
            basket.setdefault(other.sku, other)
        if impulse and rng.random() < IMPULSE_SHARE:
            extra = rng.choice(impulse)
            basket.setdefault(extra.sku, extra)
        out.append(receipt(t, receipt_id(t, n), NO_CARD, list(basket.values())))
    return out
