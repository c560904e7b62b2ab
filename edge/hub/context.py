"""What the hub's parts share: the config, the store layout, a way to open the database, the secrets, and the
listener that tells the live service about changes made through the API.

The API (Flask request threads) and the MQTT service (its own thread) each open their own database connections
through `HubContext.connect`; SQLite's WAL lets them read while one writes. The presence engine and the EID
resolver belong to the service's thread alone: the API never touches them, it tells the service through
`ChangeListener`, whose calls only enqueue.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from edge.config import HubConfig
from edge.hub.feed import LiveFeed
from edge.hub.metrics import HubMetrics
from edge.store import StoreLayout

if TYPE_CHECKING:
    from sqlite_utils import Database

    from edge.presence.offset_learning import OffsetEstimate


class ChangeListener(Protocol):
    """Told by the API about what the live service must follow. Each call must return at once (it enqueues)."""

    def device_enrolled(self, device_id: str, identity_key: bytes, k: int) -> None:
        """A phone or tag was enrolled: its EIDs must resolve from now on (if its member consents to proximity)."""

    def member_changed(self, member_id: str) -> None:
        """A member's consents or devices changed, or the member was erased: the service re-reads them."""


class NoListener:
    """For an API without a live service (tests, tools): changes are only in the database."""

    def device_enrolled(self, device_id: str, identity_key: bytes, k: int) -> None:
        return None

    def member_changed(self, member_id: str) -> None:
        return None


@dataclass(frozen=True, slots=True)
class HubContext:
    """Everything the hub's API and service need, made once at start by ``corsia hub`` (or a test)."""

    config: HubConfig
    layout: StoreLayout
    connect: Callable[[], Database]
    """Opens a new connection to the hub's database (migrated). One per thread; never share one across threads."""
    secret_key: bytes
    """The 32-byte key that seals identity keys at rest (``[hub] secret_key_file``)."""
    vapid_public_key: str
    """The Web Push application server key (URL-safe base64), for the app's ``pushManager.subscribe``."""
    listener: ChangeListener = field(default_factory=NoListener)
    occupancy: Callable[[], dict[str, int]] | None = None
    """The live devices per zone from the service's presence engine (a thread-safe snapshot); None without a
    live service, when the API answers from the zones alone, every count 0."""
    fleet: Callable[[], dict[str, str]] | None = None
    """Each gateway ``online`` or ``offline`` from the live service; None without one."""
    offsets: Callable[[], tuple[dict[str, float], list[OffsetEstimate]]] | None = None
    """Since when the live service has learned each gateway's offset, and each gateway's learned `rssi_offset`
    correction (`HubCore.offset_corrections`); None without one."""
    metrics: HubMetrics = field(default_factory=HubMetrics)
    feed: LiveFeed = field(default_factory=LiveFeed)
    """What just happened (journeys, notifications, alerts, occupancy), pseudonymous, for the dashboard."""
    clock: Callable[[], float] = time.time

    @property
    def store(self) -> str:
        return self.config.store.id
