"""Filling the demo hub's database before the hub starts: catalog, campaigns, members with their phones,
wishlists, pickup orders, push subscriptions and the store's past receipts.

Everything goes through the hub's own storage library (`edge.hub.db`), with its checks, in one transaction: a
problem leaves an empty database and an error, never half a store. The hub reads it all when it starts (its EID
table, its co-purchase statistics), which is why this runs first.

One member per enrolled phone of the world (and per key-fob tag whose shopper has no enrolled phone, the tag registered
to that member like every other tag of the world): each phone is provisioned with the identity key the world gave it
(`Devices.provision`, as for a phone whose key was set elsewhere), so the hub resolves the EIDs the simulated
phone sends. Each member subscribes to Web Push on the demo's `PushService`, the phones' push service, pinned to
the hub's VAPID key as a browser would be, and labelled with the member's short name and language, so the demo's
dashboard can show what each phone got (``GET /phones`` of the push service, docs/dashboard.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Protocol

from edge.hub.db import (
    BeaconTags,
    CampaignStore,
    Catalog,
    Devices,
    Members,
    NewMember,
    OrderLine,
    PickupOrders,
    PushSubscriptions,
    Receipts,
    SecretBox,
    Wishlists,
    load_or_create_key,
    open_database,
    transaction,
)
from edge.hub.notify.vapid import load_or_create_vapid
from edge.hub.notify.webpush import Subscription
from firmware_sim.demo import catalog as shelves
from firmware_sim.demo.campaigns import demo_campaigns
from firmware_sim.demo.catalog import DemoCatalog
from firmware_sim.demo.history import past_receipts
from firmware_sim.demo.people import POLICY_VERSION, Profile, profiles
from firmware_sim.demo.world import shopper_of
from firmware_sim.world import Scenario, seeds

PLATFORM: Final = "android"  # the world's enrolled phones are the Android app's (iOS members carry tags)
ORDER_LINES: Final = (1, 2)


SHOWCASE_TTL_S: Final = 24 * 3600.0
"""The showcase wallet's link lasts the demo's day, not the kiosk's 15 minutes: it is printed, not scanned."""


class PhoneSubscriber(Protocol):
    """The push service's `subscribe`: one phone's browser subscription, labelled with its owner."""

    def __call__(
        self, application_server_key: str, /, *, label: str | None = None, language: str | None = None
    ) -> Subscription: ...


def display_name(person: Profile) -> str:
    """``"Giulia R."``: the first name and the last name's initial, as the demo's phones view shows a shopper."""
    initial = next((ch for ch in person.last_name if ch.isalpha()), "")
    return f"{person.first_name} {initial}." if initial else person.first_name


@dataclass(frozen=True, slots=True)
class HubFiles:
    """Where the hub keeps what the seeding writes or must agree with."""

    db: Path
    secret_key_file: Path
    vapid_private_key_file: Path


@dataclass(frozen=True, slots=True)
class SeededMember:
    """A member the seeding made, and the phone of the world that is theirs."""

    device_id: str
    shopper_id: str
    member_id: str
    member_number: str
    profile: Profile
    wishlist: tuple[str, ...]
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class Seeded:
    """What is in the database now."""

    members: tuple[SeededMember, ...]
    products: int
    campaigns: int
    past_receipts: int
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    """Each member's push subscription, by member id."""
    showcase: SeededMember | None = None
    """The first member who comes in and buys: the demo offers their wallet app to look at."""
    showcase_token: str | None = None
    """A one-time enrollment token for `showcase`'s wallet app (valid for `SHOWCASE_TTL_S`)."""

    def member_of_shopper(self) -> dict[str, SeededMember]:
        """Seeded members by the world's shopper id (``s0007``), for the POS."""
        return {m.shopper_id: m for m in self.members}

    @property
    def orders(self) -> int:
        return sum(1 for m in self.members if m.order_id is not None)


def seed_hub(
    files: HubFiles,
    scenario: Scenario,
    catalog: DemoCatalog,
    subscribe: PhoneSubscriber,
    *,
    store: str = "demo",
    now: float | None = None,
) -> Seeded:
    """Write the demo store into the database at `files.db` (made if missing). `subscribe(application_server_key,
    label=, language=)` is the push service's: it makes one phone's browser subscription, labelled with the
    member's `display_name` and language when it takes them."""
    now = time.time() if now is None else now
    seed = scenario.seed
    box = SecretBox(load_or_create_key(files.secret_key_file))
    vapid_key = load_or_create_vapid(files.vapid_private_key_file).application_server_key
    visits = {s.id: s for s in scenario.shoppers}
    tag_only = _tag_only_shoppers(scenario)
    people = profiles(seed, len(scenario.members) + len(tag_only))
    db = open_database(files.db)
    try:
        with transaction(db):  # one transaction: one disk sync, and all or nothing
            products = Catalog(db).import_json(catalog.body).products
            campaign_store = CampaignStore(db)
            campaigns = demo_campaigns()
            for campaign in campaigns:
                campaign_store.put(store, campaign)
            members, devices, wishlists = Members(db), Devices(db, box, clock=lambda: now), Wishlists(db)
            orders, pushes = PickupOrders(db), PushSubscriptions(db)
            seeded: list[SeededMember] = []
            subscriptions: dict[str, Subscription] = {}
            phones: list[tuple[str, bytes | None, int]] = [(d, key, k) for d, key, k in scenario.members]
            phones += [(device_id, None, 0) for device_id in tag_only]  # members who carry only a key-fob tag
            for n, ((device_id, identity_key, k), person) in enumerate(zip(phones, people, strict=True)):
                who = shopper_of(device_id)
                member = members.create(
                    NewMember(
                        first_name=person.first_name, last_name=person.last_name, email=person.email,
                        phone=person.phone, language=person.language, card=person.card, source="app",
                        consents=person.consents, policy_version=POLICY_VERSION,
                    )
                )  # fmt: skip
                if identity_key is not None:
                    devices.provision(member.member_id, identity_key, PLATFORM, k)
                visit = visits.get(who)
                zones = visit.wishlist if visit is not None else _passer_zones(catalog, seed, who)
                saved = tuple(wishlists.replace(member.member_id, shelves.wishlist(catalog, seed, who, zones)))
                order_id = None
                if visit is not None and visit.pickup:
                    order_id = f"WEB-{seed % 100:02d}{n + 1:05d}"
                    orders.create(order_id, member.member_id, store, _order_lines(catalog, seed, who), "ready")
                subscription = subscribe(vapid_key, label=display_name(person), language=person.language)
                pushes.add(member.member_id, subscription.endpoint, subscription.p256dh, subscription.auth)
                subscriptions[member.member_id] = subscription
                seeded.append(
                    SeededMember(device_id, who, member.member_id, member.member_number, person, saved, order_id)
                )
            # Key-fob tags advertise a fixed iBeacon id: registered to their shopper's member, so the hub
            # recognises them like phones.
            by_shopper = {m.shopper_id: m.member_id for m in seeded}
            tag_store = BeaconTags(db)
            for device_id, wire_id in scenario.tags:
                owner = by_shopper.get(shopper_of(device_id))
                if owner is not None:
                    tag_store.register(owner, wire_id)
            archive = Receipts(db)
            history = past_receipts(catalog, seed, now)
            for past in history:
                archive.add(past, None)
            buyers = [m for m in seeded if m.shopper_id in visits and visits[m.shopper_id].buys]
            showcase = min(buyers, key=lambda m: visits[m.shopper_id].enter_s, default=None)
            token = devices.issue_token(showcase.member_id, SHOWCASE_TTL_S) if showcase is not None else None
    finally:
        db.close()
    return Seeded(tuple(seeded), products, len(campaigns), len(history), subscriptions, showcase, token)


def _tag_only_shoppers(scenario: Scenario) -> list[str]:
    """The tags whose shopper has no enrolled phone (iPhone members): each becomes a member of its own."""
    with_phone = {shopper_of(device_id) for device_id, _key, _k in scenario.members}
    return [device_id for device_id, _wire in scenario.tags if shopper_of(device_id) not in with_phone]


def _passer_zones(catalog: DemoCatalog, seed: int, who: str) -> tuple[str, ...]:
    """A passer-by member saved something online too: one zone, drawn from the seed."""
    return (seeds.stream(seed, "demo", "passer-wishlist", who).choice(catalog.shelf_zones),)


def _order_lines(catalog: DemoCatalog, seed: int, who: str) -> list[OrderLine]:
    rng = seeds.stream(seed, "demo", "order", who)
    in_stock = sorted(sku for sku, item in catalog.items.items() if item.stock > 0)
    return [OrderLine(sku) for sku in rng.sample(in_stock, rng.randint(*ORDER_LINES))]
