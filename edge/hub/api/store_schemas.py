"""What the store's admin tools send and get back: catalog imports, products here, pickup orders, campaigns,
occupancy and visits. Strict msgspec Structs, like `edge.hub.api.schemas`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from edge.hub.api.schemas import Strict

# The catalog's own rules (edge.hub.db.catalog_import), repeated here so the OpenAPI document states them.
SkuRef = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
Slug = Annotated[str, Meta(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")]
OrderId = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
ClockTime = Annotated[str, Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", description="HH:MM local")]
Weekday = Annotated[int, Meta(ge=1, le=7)]
Trigger = Literal["store_enter", "zone_dwell", "pickup_arrival", "purchase"]
Kind = Literal["marketing", "service"]
Status = Literal["placed", "ready", "collected", "cancelled"]

# --- catalog -----------------------------------------------------------------------------------------------------


class ProductRow(Strict):
    """A product of the catalog."""

    sku: SkuRef
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    category: Annotated[str, Meta(min_length=1, max_length=64)]
    price: Annotated[float, Meta(ge=0, le=1_000_000)]
    """Euro."""


class LocationRow(Strict):
    """Where a product is in one store, and how many are in stock."""

    store: Slug
    sku: SkuRef
    zone: Slug
    stock: Annotated[int, Meta(ge=0, le=1_000_000)]
    shelf: Annotated[str, Meta(max_length=32)] = ""


class CatalogImport(Strict):
    """Products and where they are, for one store or several; either list may be left out."""

    products: Annotated[list[ProductRow], Meta(max_length=20_000)] = msgspec.field(default_factory=list)
    locations: Annotated[list[LocationRow], Meta(max_length=20_000)] = msgspec.field(default_factory=list)


class CatalogQuery(Strict):
    """The catalog import's query string."""

    kind: Literal["products", "locations"] | None = None
    """What a CSV body holds (required with ``text/csv``)."""


class Imported(msgspec.Struct):
    """How many rows of each kind an import stored."""

    products: int
    locations: int


class Label(msgspec.Struct):
    """A name in both languages."""

    it: str
    en: str


class ProductLocation(msgspec.Struct):
    """Where a product is in this store."""

    zone: str
    zone_label: Label | None
    """The zone's name in both languages, None when the zone is not in the store layout."""
    shelf: str
    stock: int
    in_stock: bool


class ProductHere(msgspec.Struct):
    """A product as this store has it."""

    sku: str
    name: str
    category: str
    price: float
    location: ProductLocation | None
    """Where it is in this store; None when this store does not carry it."""


# --- pickup orders ---------------------------------------------------------------------------------------------


class OrderLine(Strict):
    """One line of an order."""

    sku: SkuRef
    qty: Annotated[int, Meta(ge=1, le=1000)] = 1


class NewOrder(Strict):
    """A click & collect order from the e-commerce system, for this store."""

    order_id: OrderId
    member_id: Annotated[str, Meta(min_length=1, max_length=64)]
    items: Annotated[list[OrderLine], Meta(max_length=200)] = msgspec.field(default_factory=list)
    status: Literal["placed", "ready"] = "placed"


class OrderStatus(Strict):
    """The status to move an order to."""

    status: Status


class OrderView(msgspec.Struct):
    """A pickup order as the hub knows it."""

    order_id: str
    member_id: str
    store: str
    status: Status
    items: list[OrderLine]
    created: float
    updated: float


# --- campaigns -------------------------------------------------------------------------------------------------


class MessageBody(Strict):
    """A push's title and body; placeholders in braces (``{first_name}``, ``{product}``, ...)."""

    title: Annotated[str, Meta(max_length=100)]
    body: Annotated[str, Meta(max_length=500)]


class ScheduleBody(Strict):
    """When the campaign may run (store local time); every part optional."""

    starts: Annotated[datetime, Meta(tz=True)] | None = None
    """An RFC 3339 date-time with its offset."""
    ends: Annotated[datetime, Meta(tz=True)] | None = None
    weekdays: Annotated[list[Annotated[int, Meta(ge=1, le=7)]], Meta(max_length=7)] = msgspec.field(
        default_factory=list
    )
    """ISO weekdays, 1 = Monday; empty: every day."""
    daily_from: ClockTime | None = None
    daily_until: ClockTime | None = None


class CampaignBody(Strict):
    """A campaign as the store writes it. Both ``it`` and ``en`` texts are required."""

    name: Annotated[str, Meta(min_length=1, max_length=100)]
    trigger: Trigger
    texts: dict[Literal["it", "en"], MessageBody]
    id: Slug | None = None
    """Only in a POST: the new campaign's id (made up when left out)."""
    kind: Kind = "marketing"
    enabled: bool = True
    schedule: ScheduleBody = msgspec.field(default_factory=ScheduleBody)
    zone: Slug | None = None
    dwell_s: Annotated[float, Meta(ge=0, le=3600)] = 0.0
    sku: SkuRef | None = None
    url: Annotated[str, Meta(max_length=2048)] | None = None
    priority: Annotated[int, Meta(ge=-1000, le=1000)] = 0


class ScheduleView(msgspec.Struct):
    """A campaign's schedule; times of day as ``HH:MM``."""

    starts: datetime | None
    ends: datetime | None
    weekdays: list[int]
    daily_from: str | None
    daily_until: str | None


class MessageView(msgspec.Struct):
    """A push's title and body in one language."""

    title: str
    body: str


class CampaignView(msgspec.Struct):
    """A stored campaign."""

    id: str
    name: str
    trigger: Trigger
    texts: dict[str, MessageView]
    kind: Kind
    enabled: bool
    schedule: ScheduleView
    zone: str | None
    dwell_s: float
    sku: str | None
    url: str | None
    priority: int


class CampaignList(msgspec.Struct):
    """A store's campaigns."""

    campaigns: list[CampaignView]


# --- the floor -------------------------------------------------------------------------------------------------


class Occupancy(msgspec.Struct):
    """Anonymous counts of members' devices per zone, now."""

    zones: dict[str, int]
    """Every zone of the layout, with the members' devices in it now (anonymous counts)."""
    total: int


class GatewayOffset(msgspec.Struct):
    """One gateway's `rssi_offset` and what the hub learned of it."""

    gateway: str
    offset_db: float
    """The offset in the layout now."""
    correction_db: float | None
    """dB to add to it, learned from the shoppers' readings; None until `samples` reach `min_samples`."""
    suggested_db: float | None
    """`offset_db` + `correction_db`, rounded to 0.1 dB: what to write into the layout."""
    samples: int
    """Readings the correction was learned from."""
    rms_db: float | None
    """The spread of those readings about the model's prediction (noise and model error together)."""
    since: float
    """Unix seconds: the oldest of those readings. Learning goes on across hub restarts while the gateway's
    offset stays the same, and starts afresh when it changes."""
    recent_db: float | None = None
    """The same correction from the recent readings (the last few thousand weigh most): what the
    ``offset_drift`` alert reads. None when `correction_db` is."""


class GatewayOffsets(msgspec.Struct):
    """The gateways' offsets as learned from the shoppers (docs/store-layout.md)."""

    since: float
    """Unix seconds: the oldest readings of any gateway."""
    min_samples: int
    """Readings a gateway needs before its correction is given."""
    gateways: list[GatewayOffset]
    """Every gateway of the layout, in its order."""


class VisitsQuery(Strict):
    """The visits query string."""

    since: Annotated[float, Meta(ge=0)]
    """Unix seconds."""
    until: Annotated[float, Meta(ge=0)] | None = None
    """Unix seconds; now when left out."""
    member_id: Annotated[str, Meta(min_length=1, max_length=64)] | None = None


class VisitView(msgspec.Struct):
    """One visit, without who made it."""

    visit_id: str
    started: float
    ended: float | None
    """None while the visit goes on."""
    last_zone: str | None
    zones: list[str]
    """The zones visited, in order."""


class VisitsAnswer(msgspec.Struct):
    """Visits in a range, and the dwell per zone."""

    since: float
    until: float
    visits: list[VisitView]
    dwell_by_zone: dict[str, float]
    """Seconds spent in each zone by all members in the range."""


class TrackQuery(Strict):
    """The tracking link's query string."""

    u: Annotated[str, Meta(min_length=1, max_length=2048)]
    """Where the notification leads: under the hub's public URL or an allowed origin."""
