"""What the planner decides from: the event, the facts about the member and the store, and the store's policy.

All plain frozen data. The hub's service fetches the facts with a few queries (which ones each trigger reads is
in the `Facts` docstring and in ``docs/campaigns.md``), calls `edge.hub.campaigns.planner.plan`, and writes the
planned notifications to its outbox in the same transaction. Nothing here reads a clock: every event carries its
own time `t` (Unix seconds, UTC), and the store's local time comes from `Policy.tz`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Final
from zoneinfo import ZoneInfo

from edge.hub.campaigns.errors import SettingsError
from edge.hub.campaigns.model import Campaign, Language

DEFAULT_TZ: Final = "Europe/Rome"


# --- events --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoreEnter:
    """The member's visit started (the presence engine's ``enter``), or has gone on for `after_s`. Fires
    ``store_enter`` campaigns, and ``pickup_arrival`` ones when the member has a ready pickup order."""

    t: float
    visit: str
    zone: str | None = None
    """The zone the visit started in (usually the entrance), or is in when `after_s` is not 0."""
    after_s: float = 0.0
    """How far into the visit: 0 at its start, which fires the campaigns that do not wait (`Campaign.dwell_s`
    0); later, the campaigns waiting more than 0 and at most this long."""


@dataclass(frozen=True, slots=True)
class ZoneDwell:
    """The member has stayed `dwell_s` seconds in `zone` (the presence engine's ``dwell``). Fires the
    ``zone_dwell`` campaigns of that zone whose own `Campaign.dwell_s` is reached."""

    t: float
    visit: str
    zone: str
    dwell_s: float


@dataclass(frozen=True, slots=True)
class Purchase:
    """A receipt of the member's came from the POS. `visit` is the member's current visit, or ``None`` when the
    hub has none (no proximity consent, or the phone stayed at home). Fires ``purchase`` campaigns."""

    t: float
    receipt: str
    visit: str | None
    skus: frozenset[str]
    """The products on the receipt."""


Event = StoreEnter | ZoneDwell | Purchase


# --- the member ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Consents:
    """The member's consents as they are now, read at decision time: a withdrawal stops the next push."""

    marketing: bool
    proximity: bool
    profiling: bool = False
    """Choosing a coupon from what this member bought is profiling; without it the coupon uses the store's
    bestsellers (`Facts.popular`), which say nothing about the member."""


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """Who the notification is for."""

    member_id: str
    ref: str
    """The pseudonymous reference used on the ``journey`` topic (kept for the service's logs and metrics)."""
    first_name: str
    language: Language
    consents: Consents


@dataclass(frozen=True, slots=True)
class History:
    """What was already decided for the member. The service counts the outbox rows on the ``webpush`` channel
    of kind ``marketing`` (service messages and staff alerts never count against the caps)."""

    visit_marketing: int = 0
    """Marketing notifications decided in this visit."""
    day_marketing: int = 0
    """Marketing notifications decided today, in the store's local day (`local_day` gives its bounds)."""
    last_marketing_t: float | None = None
    """When the last marketing notification was decided (Unix seconds), ``None`` if never."""
    visit_campaigns: frozenset[str] = frozenset()
    """Ids of the campaigns (of any kind) already decided in this visit."""


# --- the store -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Label:
    """A label in Italian and, when the store gave one, English (as `edge.store.Zone` keeps them)."""

    it: str
    en: str | None = None

    def text(self, language: Language) -> str:
        """The label in `language`; Italian, the store's own language, when there is no English one."""
        return self.en if language == "en" and self.en is not None else self.it


@dataclass(frozen=True, slots=True)
class ProductHere:
    """A product and where it is in this store: a wishlist item, a promoted product or a coupon suggestion."""

    sku: str
    name: str
    zone: str | None = None
    """The zone id where it is shelved in this store; ``None`` when this store does not carry it."""
    zone_label: Label | None = None
    shelf: str | None = None
    stock: int | None = None
    """Units in stock here; ``None`` when unknown, which the rules treat as not promotable."""

    @property
    def located(self) -> bool:
        """Whether this store carries it (it has a zone here)."""
        return self.zone is not None

    @property
    def in_stock(self) -> bool:
        """Whether there is at least one unit here, as far as the stock count says."""
        return self.stock is not None and self.stock > 0


@dataclass(frozen=True, slots=True)
class PickupOrder:
    """A click-and-collect order of the member's, ready at this store's pickup desk."""

    order_id: str
    desk_zone: str | None = None
    """The pickup desk's zone id, if the layout has one."""
    desk_label: Label | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """Everything the planner reads besides the event. Each trigger reads only some of it, so the service
    fetches only those:

    - every trigger: `member`, `history`, `campaigns` (the store's campaigns; those of other triggers are
      ignored, so passing all of them is fine), `store_name`, `zones`;
    - ``store_enter``: `wishlist`, `pickups`, `promoted` (for campaigns with a `Campaign.sku`), `recent`;
    - ``zone_dwell``: `wishlist`, `promoted`, `recent`;
    - ``purchase``: `related` (with profiling consent) or `popular` (without), `promoted`, `recent`.
    """

    member: MemberFacts
    history: History = field(default_factory=History)
    campaigns: tuple[Campaign, ...] = ()
    wishlist: tuple[ProductHere, ...] = ()
    """The member's saved products, in the member's order, with their place in this store."""
    pickups: tuple[PickupOrder, ...] = ()
    """The member's orders ready for pickup here."""
    promoted: Mapping[str, ProductHere] = field(default_factory=dict)
    """The campaigns' promoted products (`Campaign.sku`), by sku; a missing sku counts as not carried here."""
    recent: frozenset[str] = frozenset()
    """Products the member bought recently (the service picks how recently): never promoted to them."""
    related: tuple[ProductHere, ...] = ()
    """Co-purchase suggestions for a purchase, best first (`CoPurchase.related` of the receipt's skus)."""
    popular: tuple[ProductHere, ...] = ()
    """The store's bestsellers, best first, for members without profiling consent."""
    zones: Mapping[str, Label] = field(default_factory=dict)
    """Zone labels by zone id, for ``{zone}`` in texts that name the event's own zone."""
    store_name: str = ""


# --- the store's policy --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """How often a member may be pushed marketing, and when not at all. The defaults are DESIGN.md's
    "Campaign defaults": 3 per visit, 5 per day, 10 minutes apart, no quiet hours."""

    max_per_visit: int = 3
    max_per_day: int = 5
    min_gap_s: float = 600.0
    quiet_hours: tuple[time, time] | None = None
    """``(from, until)`` local times with no marketing push; ``from > until`` wraps midnight."""
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TZ))
    """The store's time zone: local days, schedules and quiet hours are in it."""

    def __post_init__(self) -> None:
        for name in ("max_per_visit", "max_per_day"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000:
                raise SettingsError(name, f"must be a whole number from 0 to 1000, got {value!r}")
        gap = self.min_gap_s
        if isinstance(gap, bool) or not isinstance(gap, int | float) or not math.isfinite(gap):
            raise SettingsError("min_gap_s", f"must be a number of seconds, got {gap!r}")
        if not 0.0 <= gap <= 86_400.0:
            raise SettingsError("min_gap_s", f"must be from 0 to 86400 seconds, got {gap!r}")
        if self.quiet_hours is not None:
            q = self.quiet_hours
            if len(q) != 2 or not all(isinstance(v, time) and v.tzinfo is None for v in q):
                raise SettingsError("quiet_hours", f"must be two local times (from, until), got {q!r}")
            if q[0] == q[1]:
                raise SettingsError("quiet_hours", f"from and until are equal ({q[0]}): the window is empty")
        if not isinstance(self.tz, ZoneInfo):
            raise SettingsError("tz", f"must be a zoneinfo.ZoneInfo, got {self.tz!r}")
