"""The storage repositories for this request: each made on this request's connection with the hub's clock (and,
for devices, its secret box), so views never wire them by hand."""

from __future__ import annotations

from edge.hub.api.database import get_db, hub_context
from edge.hub.api.errors import NotFound as ApiNotFound
from edge.hub.db import (
    BeaconTags,
    CampaignStore,
    Catalog,
    Consents,
    Devices,
    Feedback,
    Journeys,
    Ledger,
    Member,
    Members,
    Outbox,
    PickupOrders,
    Preregistrations,
    PushSubscriptions,
    SecretBox,
    Wishlists,
)


def members() -> Members:
    """The member register on this request's connection."""
    return Members(get_db(), hub_context().clock)


def member(member_id: str) -> Member:
    """The member `member_id` names; the API's 404 when there is none."""
    found = members().get(member_id)
    if found is None:
        raise ApiNotFound("no such member", {"member": "unknown"})
    return found


def consents() -> Consents:
    """The consent history on this request's connection."""
    return Consents(get_db(), hub_context().clock)


def devices() -> Devices:
    """Enrolled devices and their tokens on this request's connection."""
    ctx = hub_context()
    return Devices(get_db(), SecretBox(ctx.secret_key), ctx.clock)


def push_subscriptions() -> PushSubscriptions:
    """Web Push subscriptions on this request's connection."""
    return PushSubscriptions(get_db(), hub_context().clock)


def wishlists() -> Wishlists:
    """Wishlists on this request's connection."""
    return Wishlists(get_db(), hub_context().clock)


def catalog() -> Catalog:
    """The catalog on this request's connection."""
    return Catalog(get_db(), hub_context().clock)


def orders() -> PickupOrders:
    """Click & collect orders on this request's connection."""
    return PickupOrders(get_db(), hub_context().clock)


def campaigns() -> CampaignStore:
    """The campaigns on this request's connection."""
    return CampaignStore(get_db(), hub_context().clock)


def journeys() -> Journeys:
    """Visits and journey events on this request's connection."""
    return Journeys(get_db(), hub_context().clock)


def outbox() -> Outbox:
    """The notification outbox on this request's connection."""
    return Outbox(get_db(), hub_context().clock)


def app_member(token: str) -> str | None:
    """The member an app token speaks for, or None."""
    return devices().member_for_app_token(token)


def feedback() -> Feedback:
    """Answers to purchase pushes' feedback links on this request's connection."""
    return Feedback(get_db(), hub_context().clock)


def preregistrations() -> Preregistrations:
    """Website pre-registrations on this request's connection."""
    return Preregistrations(get_db(), hub_context().clock)


def tags() -> BeaconTags:
    """Key-fob tags with a fixed id on this request's connection."""
    return BeaconTags(get_db(), hub_context().clock)


def ledger() -> Ledger:
    """The points and coupons ledger on this request's connection."""
    return Ledger(get_db(), hub_context().clock)
