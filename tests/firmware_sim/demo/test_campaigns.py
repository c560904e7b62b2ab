"""The demo store's campaigns pass the hub's own validation, and the promotions are about products shelved and in
stock in their zone."""

from __future__ import annotations

from edge.hub.campaigns import validate_campaign
from firmware_sim.demo.campaigns import demo_campaigns, zone_promotions
from firmware_sim.demo.catalog import DemoCatalog


def test_every_campaign_is_valid_and_the_defaults_are_there() -> None:
    campaigns = demo_campaigns()
    assert {c.id for c in campaigns} >= {"store-enter-wishlist", "pickup-arrival", "purchase-thank-you"}
    for campaign in campaigns:
        assert validate_campaign(campaign) == {}, campaign.id


def test_the_two_zone_promotions_are_about_products_of_their_zone() -> None:
    catalog = DemoCatalog.load()
    promotions = zone_promotions()
    assert len(promotions) == 2
    for campaign in promotions:
        assert campaign.trigger == "zone_dwell"
        assert campaign.sku is not None
        item = catalog.items[campaign.sku]
        assert item.zone == campaign.zone
        assert item.stock > 0
        assert campaign.texts["it"].title != campaign.texts["en"].title
