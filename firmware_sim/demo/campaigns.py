"""The demo store's campaigns: the hub's defaults and two zone promotions.

The defaults (`edge.hub.campaigns.default_campaigns`) push the wishlist on entry, call pickup customers to the
desk and thank buyers with a coupon. A zone promotion needs a product and a zone, so a store writes its own: the
demo has one in the running aisle and one in the cycling aisle, each firing after a 20 s dwell there.
"""

from __future__ import annotations

from typing import Final

from edge.hub.campaigns import Campaign, Message, default_campaigns

PROMO_DWELL_S: Final = 20.0
"""Seconds in the aisle before the promotion fires: the presence engine's own dwell threshold."""


def zone_promotions() -> list[Campaign]:
    """The two zone promotions, in Italian and English."""
    return [
        Campaign(
            "promo-trail-running",
            "Promozione scarpe da trail in corsia 4",
            "zone_dwell",
            {
                "it": Message(
                    "Solo in negozio: {product}",
                    "Ciao {first_name}, oggi {product} con il 15% di sconto alla cassa. Dove: {where}.",
                ),
                "en": Message(
                    "In store only: {product}",
                    "Hi {first_name}, {product}: 15% off at the till today. Where: {where}.",
                ),
            },
            zone="aisle-4",
            dwell_s=PROMO_DWELL_S,
            sku="RUN-003",
            priority=5,
        ),
        Campaign(
            "promo-casco-ciclismo",
            "Promozione caschi in corsia 6",
            "zone_dwell",
            {
                "it": Message(
                    "In offerta qui: {product}",
                    "Ciao {first_name}, {product} allo stesso prezzo del sito, e la regolazione è gratis. "
                    "Dove: {where}.",
                ),
                "en": Message(
                    "On offer here: {product}",
                    "Hi {first_name}, {product} at the online price, fitted for free. Where: {where}.",
                ),
            },
            zone="aisle-6",
            dwell_s=PROMO_DWELL_S,
            sku="BIC-001",
            priority=5,
        ),
    ]


def demo_campaigns() -> list[Campaign]:
    """Every campaign the demo store starts with."""
    return [*default_campaigns(), *zone_promotions()]
