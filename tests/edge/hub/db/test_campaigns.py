"""The campaign store: a Campaign comes back equal to what was put, per store, listed and switched."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

import pytest

from edge.hub.campaigns.model import Campaign, Message, Schedule
from edge.hub.db import CampaignStore, HubDatabase, InvalidRecord
from tests.edge.hub.db.conftest import FakeClock

TEXTS = {
    "it": Message("Le tue scarpe sono qui", "Corsia {zone}, scaffale {shelf} — città"),
    "en": Message("Your shoes are here", "Aisle {zone}, shelf {shelf}"),
}


@pytest.fixture
def store(db: HubDatabase, clock: FakeClock) -> CampaignStore:
    return CampaignStore(db, clock)


def campaign(campaign_id: str = "wishlist-entry", **overrides: object) -> Campaign:
    fields: dict[str, object] = {"id": campaign_id, "name": "Wishlist", "trigger": "store_enter", "texts": TEXTS}
    fields.update(overrides)
    return Campaign(**fields)  # type: ignore[arg-type]


def test_a_full_campaign_round_trips(store: CampaignStore) -> None:
    rome = timezone(timedelta(hours=2))
    full = campaign(
        "running-dwell", trigger="zone_dwell", kind="marketing", enabled=False, zone="aisle-4", dwell_s=45.5,
        sku="RUN-001", url="https://shop.example.it/p/RUN-001", priority=7,
        schedule=Schedule(
            starts=datetime(2025, 3, 1, 9, 0, tzinfo=rome), ends=datetime(2025, 4, 1, tzinfo=UTC),
            weekdays=frozenset({6, 7}), daily_from=time(18, 0), daily_until=time(2, 30),
        ),
    )  # fmt: skip
    store.put("demo", full)
    assert store.get("demo", "running-dwell") == full
    store.put("demo", campaign())
    assert store.get("demo", "wishlist-entry") == campaign()


def test_put_replaces_and_stores_are_separate(store: CampaignStore) -> None:
    store.put("demo", campaign(priority=1))
    store.put("demo", campaign(priority=5, name="Wishlist v2"))
    store.put("roma", campaign(priority=9))
    demo = store.get("demo", "wishlist-entry")
    assert demo is not None
    assert (demo.priority, demo.name) == (5, "Wishlist v2")
    assert len(store.list("demo")) == 1
    assert store.get("milano", "wishlist-entry") is None


def test_list_filters_and_orders_by_priority(store: CampaignStore) -> None:
    store.put("demo", campaign("a", priority=1))
    store.put("demo", campaign("b", priority=5, trigger="purchase"))
    store.put("demo", campaign("c", priority=5))
    store.put("demo", campaign("d", priority=3, enabled=False))
    assert [c.id for c in store.list("demo")] == ["b", "c", "d", "a"]
    assert [c.id for c in store.list("demo", trigger="store_enter")] == ["c", "d", "a"]
    assert [c.id for c in store.list("demo", trigger="store_enter", enabled_only=True)] == ["c", "a"]


def test_enable_disable_and_delete(store: CampaignStore) -> None:
    store.put("demo", campaign())
    assert store.set_enabled("demo", "wishlist-entry", False)
    assert [c.id for c in store.list("demo", enabled_only=True)] == []
    assert store.set_enabled("demo", "wishlist-entry", True)
    assert not store.set_enabled("demo", "nope", True)
    assert store.delete("demo", "wishlist-entry")
    assert not store.delete("demo", "wishlist-entry")
    assert store.list("demo") == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"texts": {"it": TEXTS["it"]}}, "texts.en"),
        ({"trigger": "birthday"}, "trigger"),
        ({"kind": "spam"}, "kind"),
        ({"schedule": Schedule(weekdays=frozenset({0}))}, "schedule.weekdays"),
        ({"id": " "}, "id"),
    ],
)
def test_bad_campaigns_are_refused(store: CampaignStore, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        store.put("demo", campaign(**overrides))
    assert caught.value.field == field
