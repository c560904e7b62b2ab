"""From the database to the campaign planner's facts: the few queries each trigger needs, nothing more.

The planner (``edge.hub.campaigns``) is pure; this module is the read side of its I/O. It runs inside the
caller's transaction, so what the planner decides from is what the outbox row is written against.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from edge.hub.campaigns import (
    Consents as ConsentFacts,
)
from edge.hub.campaigns import (
    CoPurchase,
    Event,
    Facts,
    History,
    Label,
    MemberFacts,
    Policy,
    ProductHere,
    Purchase,
    StoreEnter,
    ZoneDwell,
    local_day,
)
from edge.hub.campaigns import (
    PickupOrder as ReadyOrder,
)
from edge.hub.db import CampaignStore, Catalog, Consents, Members, Outbox, PickupOrders, Receipts, Wishlists
from edge.store import StoreLayout, ZoneKind

if TYPE_CHECKING:
    from sqlite_utils import Database

RECENT_PURCHASE_S = 30 * 86400  # "never promote what was just bought": a month covers a sports store's cycle
SUGGESTIONS = 3


class FactsLoader:
    """Reads the planner's facts for one member and one event from `db`."""

    def __init__(
        self, db: Database, layout: StoreLayout, policy: Policy, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._db = db
        self._store = layout.id
        self._policy = policy
        self._members = Members(db, clock)
        self._consents = Consents(db, clock)
        self._outbox = Outbox(db, clock)
        self._campaigns = CampaignStore(db, clock)
        self._catalog = Catalog(db, clock)
        self._wishlists = Wishlists(db, clock)
        self._orders = PickupOrders(db, clock)
        self._receipts = Receipts(db, clock)
        self._zones = {z.id: Label(z.label_it, z.label_en) for z in layout.zones}
        desks = [z.id for z in layout.zones if z.kind is ZoneKind.PICKUP]
        self._desk = desks[0] if desks else None
        self._store_name = layout.name
        self.copurchase = CoPurchase.from_baskets([])
        """Rebuilt from past receipts by `refresh_copurchase` (the service does it at start and every hour)."""

    def refresh_copurchase(self) -> None:
        self.copurchase = CoPurchase.from_baskets(self._receipts.baskets(), categories=self._catalog.categories())

    def member(self, member_id: str) -> MemberFacts | None:
        member = self._members.get(member_id)
        if member is None:
            return None
        c = self._consents.current(member_id)
        return MemberFacts(
            member_id=member_id, ref=member.ref, first_name=member.first_name, language=member.language,
            consents=ConsentFacts(marketing=c.marketing, proximity=c.proximity, profiling=c.profiling),
        )  # fmt: skip

    def for_event(self, event: Event, member: MemberFacts) -> Facts:
        """The facts `event`'s triggers read (see `edge.hub.campaigns.Facts`)."""
        member_id = member.member_id
        campaigns = tuple(self._campaigns.list(self._store))
        recent = frozenset(self._receipts.bought_since(member_id, event.t - RECENT_PURCHASE_S))
        promoted = self._here(c.sku for c in campaigns if c.sku)
        wishlist: tuple[ProductHere, ...] = ()
        pickups: tuple[ReadyOrder, ...] = ()
        related: tuple[ProductHere, ...] = ()
        popular: tuple[ProductHere, ...] = ()
        if isinstance(event, StoreEnter | ZoneDwell):
            wishlist = tuple(self._here(self._wishlists.get(member_id)).values())
        if isinstance(event, StoreEnter):
            desk_label = self._zones.get(self._desk) if self._desk else None
            pickups = tuple(
                ReadyOrder(o.order_id, self._desk, desk_label) for o in self._orders.ready_for(member_id, self._store)
            )  # fmt: skip
        if isinstance(event, Purchase):
            bought = event.skus
            if member.consents.profiling:
                skus = self.copurchase.related(bought, exclude=recent, n=SUGGESTIONS)
                related = tuple(self._here(skus).values())
            popular = tuple(self._here(self.copurchase.bestsellers(SUGGESTIONS, exclude=bought | recent)).values())
        return Facts(
            member=member, history=self._history(member_id, event), campaigns=campaigns, wishlist=wishlist,
            pickups=pickups, promoted=promoted, recent=recent, related=related, popular=popular, zones=self._zones,
            store_name=self._store_name,
        )  # fmt: skip

    def _history(self, member_id: str, event: Event) -> History:
        day_start, _ = local_day(event.t, self._policy.tz)
        visit = event.visit
        return History(
            visit_marketing=self._outbox.count_in_visit(visit) if visit else 0,
            day_marketing=self._outbox.count_since(member_id, day_start),
            last_marketing_t=self._outbox.last_decided_at(member_id),
            visit_campaigns=frozenset(self._outbox.campaigns_in_visit(visit)) if visit else frozenset(),
        )  # fmt: skip

    def _here(self, skus: Iterable[str]) -> dict[str, ProductHere]:
        """Products with their place in this store, by sku, in the order given; unknown skus are left out."""
        wanted = list(dict.fromkeys(skus))
        products = self._catalog.products(wanted)
        here: dict[str, ProductHere] = {}
        for sku in wanted:
            product = products.get(sku)
            if product is None:
                continue
            where = self._catalog.location(self._store, sku)
            if where is None:
                here[sku] = ProductHere(sku, product.name)
            else:
                here[sku] = ProductHere(
                    sku, product.name, where.zone, self._zones.get(where.zone), where.shelf, where.stock
                )
        return here
