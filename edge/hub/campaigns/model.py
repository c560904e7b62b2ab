"""A campaign as the store defines it: what triggers it, when it may run, and what it says in each language.

Plain frozen data shared by the database (``edge.hub.db.campaigns`` stores it), the API (reads and writes it as
JSON) and the rules (``edge.hub.campaigns.rules`` decide with it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Final, Literal, get_args

Trigger = Literal["store_enter", "zone_dwell", "pickup_arrival", "purchase"]
TRIGGERS: Final[tuple[Trigger, ...]] = get_args(Trigger)
ENTRY_TRIGGERS: Final[tuple[Trigger, ...]] = ("store_enter", "pickup_arrival")
"""The triggers a store entry fires: at the visit's start, or `Campaign.dwell_s` into it."""

Kind = Literal["marketing", "service"]
"""Marketing pushes need marketing consent and count against the caps; service messages (a pickup order is
ready) need neither, only the proximity consent when presence triggered them."""
KINDS: Final[tuple[Kind, ...]] = get_args(Kind)

Language = Literal["it", "en"]
LANGUAGES: Final[tuple[Language, ...]] = get_args(Language)


@dataclass(frozen=True, slots=True)
class Message:
    """A push's title and body in one language. Placeholders in braces (``{first_name}``, ``{product}``,
    ``{zone}``, ``{shelf}``, ...) are filled at decision time; the rules module lists the ones it knows."""

    title: str
    body: str


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a campaign may run, in the store's local time. Every part is optional: an empty schedule is always."""

    starts: datetime | None = None
    """First moment (aware datetime) the campaign may run."""
    ends: datetime | None = None
    """The campaign stops at this moment (aware datetime)."""
    weekdays: frozenset[int] = frozenset()
    """ISO weekdays (1 = Monday ... 7 = Sunday) it runs on; empty means every day."""
    daily_from: time | None = None
    """Local time of day it starts running (with `daily_until`; a window may wrap midnight)."""
    daily_until: time | None = None


@dataclass(frozen=True, slots=True)
class Campaign:
    """One campaign of one store."""

    id: str
    name: str
    trigger: Trigger
    texts: dict[Language, Message]
    """Both languages are required: the member's language picks one."""
    kind: Kind = "marketing"
    enabled: bool = True
    """The store's kill switch: off means no new decision, whatever the schedule says."""
    schedule: Schedule = field(default_factory=Schedule)
    zone: str | None = None
    """For ``zone_dwell``: the zone whose dwell triggers it."""
    dwell_s: float = 0.0
    """For ``zone_dwell``: seconds in `zone` before it fires. For ``store_enter`` and ``pickup_arrival``: seconds
    into the visit before it fires, 0 for at once. A visit that ends sooner gets nothing: members walking past the
    shop window are heard through it for seconds, and some are taken for visits (docs/campaigns.md)."""
    sku: str | None = None
    """The promoted product, if any: not promoted to a member who just bought it, nor when out of stock here."""
    url: str | None = None
    """Where the push opens (the app or the product page); the hub wraps it in its open-tracking link."""
    priority: int = 0
    """When several campaigns fire on one event and the caps allow fewer, higher priority goes first."""
