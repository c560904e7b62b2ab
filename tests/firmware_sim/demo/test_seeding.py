"""Seeding the hub's database: one member per enrolled phone whose EIDs the hub resolves, wishlists from the
shoppers' wishlist zones, ready orders for pickup shoppers, push subscriptions pinned to the hub's VAPID key, the
campaigns and the past receipts; all in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.hub.db import (
    BeaconTags,
    CampaignStore,
    Consents,
    Devices,
    Members,
    PickupOrders,
    PushSubscriptions,
    Receipts,
    SecretBox,
    Wishlists,
    load_or_create_key,
    open_database,
)
from edge.hub.notify.vapid import load_or_create_vapid
from edge.identity import EidResolver, eid
from firmware_sim.demo.catalog import DemoCatalog
from firmware_sim.demo.seeding import HubFiles, Seeded, seed_hub
from firmware_sim.demo.world import build_world, shopper_of
from firmware_sim.devices.push_service import BrowserSubscription, PushService
from firmware_sim.world import Scenario

NOW = 1_800_000_000.0
CATALOG = DemoCatalog.load()


@pytest.fixture(scope="module")
def world() -> Scenario:
    return build_world(3, 40, 120.0, NOW)


@pytest.fixture
def push() -> Iterator[PushService]:
    with PushService() as service:
        yield service


def files(tmp_path: Path) -> HubFiles:
    return HubFiles(tmp_path / "hub.db", tmp_path / "secret.key", tmp_path / "vapid.pem")


@pytest.fixture
def seeded(tmp_path: Path, world: Scenario, push: PushService) -> Seeded:
    return seed_hub(files(tmp_path), world, CATALOG, push.subscribe, now=NOW)


def test_one_member_per_enrolled_phone_whose_eids_resolve_to_it(
    tmp_path: Path, world: Scenario, seeded: Seeded
) -> None:
    phones = [d for d, _key, _k in world.members]
    assert [m.device_id for m in seeded.members][: len(phones)] == phones
    tag_only = [m for m in seeded.members if m.device_id not in phones]
    assert all(m.device_id.endswith("-tag") for m in tag_only)  # members who carry only a key-fob tag
    db = open_database(tmp_path / "hub.db")
    assert Members(db).count() == len(world.members) + len(tag_only)
    # What the hub loads at start: the keyring of members who consent to proximity, into the EID resolver.
    resolver = EidResolver()
    member_of: dict[str, str] = {}
    for device_id, member_id, key, k in Devices(db, SecretBox(load_or_create_key(tmp_path / "secret.key"))).keyring(
        consenting_only=True
    ):
        resolver.enroll(device_id, key, k)
        member_of[device_id] = member_id
    resolver.rebuild(NOW)
    keys = {d: (key, k) for d, key, k in world.members}
    consenting = [m for m in seeded.members if m.profile.consents["proximity"]]
    assert 0 < len(consenting) < len(seeded.members)  # both kinds, so both branches below are checked
    for member in seeded.members:
        if member.device_id not in keys:
            continue  # a tag-only member: no phone to resolve
        key, k = keys[member.device_id]
        found = resolver.resolve(eid(key, k, int(NOW) + 5), NOW + 5)
        if member.profile.consents["proximity"]:
            assert found is not None
            assert member_of[found] == member.member_id
        else:
            assert found is None  # no proximity consent: the hub does not even know the phone
        assert Consents(db).current(member.member_id).marketing == member.profile.consents["marketing"]
    db.close()


def test_wishlists_orders_and_subscriptions_follow_the_world(
    tmp_path: Path, world: Scenario, seeded: Seeded, push: PushService
) -> None:
    db = open_database(tmp_path / "hub.db")
    visits = {s.id: s for s in world.shoppers}
    vapid = load_or_create_vapid(tmp_path / "vapid.pem").application_server_key
    for member in seeded.members:
        saved = Wishlists(db).get(member.member_id)
        assert saved == list(member.wishlist)
        assert saved
        visit = visits.get(member.shopper_id)
        if visit is not None:  # a shopper: one product of each wishlist zone
            assert [CATALOG.items[s].zone for s in saved] == list(dict.fromkeys(visit.wishlist))
            ready = PickupOrders(db).ready_for(member.member_id, "demo")
            assert [o.order_id for o in ready] == ([member.order_id] if visit.pickup else [])
        [subscription] = PushSubscriptions(db).for_member(member.member_id)
        given = seeded.subscriptions[member.member_id]
        assert subscription.endpoint == given.endpoint
        assert subscription.endpoint.startswith(push.url)
        assert isinstance(given, BrowserSubscription)
        assert given.application_server_key == vapid
        assert shopper_of(member.device_id) == member.shopper_id
    pickups = [s for s in world.shoppers if s.pickup and s.id in {m.shopper_id for m in seeded.members}]
    assert seeded.orders == len(pickups)
    db.close()


def test_every_key_fob_tag_of_the_world_belongs_to_its_shoppers_member(
    tmp_path: Path, world: Scenario, seeded: Seeded
) -> None:
    db = open_database(tmp_path / "hub.db")
    members = {m.shopper_id: m.member_id for m in seeded.members}
    registered = {t.wire_id: t.member_id for t in BeaconTags(db).all()}
    assert world.tags, "the demo world has tags to check"
    assert registered == {wire: members[shopper_of(device)] for device, wire in world.tags}
    db.close()


def test_the_store_has_its_catalog_campaigns_and_past_receipts(tmp_path: Path, seeded: Seeded) -> None:
    db = open_database(tmp_path / "hub.db")
    assert seeded.products == len(CATALOG.items)
    campaigns = CampaignStore(db).list("demo")
    assert len(campaigns) == seeded.campaigns == 5
    assert {c.trigger for c in campaigns} == {"store_enter", "pickup_arrival", "purchase", "zone_dwell"}
    assert len(list(Receipts(db).baskets())) == seeded.past_receipts == 400
    db.close()


def test_the_showcase_wallet_is_the_first_buyers_and_its_link_enrolls_once(
    tmp_path: Path, world: Scenario, seeded: Seeded
) -> None:
    shoppers = {s.id: s for s in world.shoppers}
    buyers = [m for m in seeded.members if m.shopper_id in shoppers and shoppers[m.shopper_id].buys]
    assert seeded.showcase is not None
    assert seeded.showcase_token is not None
    assert seeded.showcase == min(buyers, key=lambda m: shoppers[m.shopper_id].enter_s)
    db = open_database(tmp_path / "hub.db")
    devices = Devices(db, SecretBox(load_or_create_key(tmp_path / "secret.key")), clock=lambda: NOW + 3600)
    enrolled = devices.redeem(seeded.showcase_token, "web")  # still valid an hour into the demo
    assert enrolled.member_id == seeded.showcase.member_id
    # The wallet is a browser: it never joins the phones whose EIDs the hub resolves.
    assert enrolled.device_id not in {device_id for device_id, *_ in devices.keyring()}
    db.close()


def test_a_failure_half_way_leaves_an_empty_database(tmp_path: Path, world: Scenario, push: PushService) -> None:
    calls: list[str] = []

    def flaky(key: str, /, *, label: str | None = None, language: str | None = None) -> BrowserSubscription:
        calls.append(key)
        if len(calls) == 3:
            raise RuntimeError("the push service went away")
        return push.subscribe(key, label=label, language=language)

    with pytest.raises(RuntimeError, match="went away"):
        seed_hub(files(tmp_path), world, CATALOG, flaky, now=NOW)
    db = open_database(tmp_path / "hub.db")
    assert Members(db).count() == 0
    assert CampaignStore(db).list("demo") == []
    db.close()
