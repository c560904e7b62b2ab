"""What the demo shows, read from MQTT as any store tool would: the hub's retained occupancy, the journey
events, and the retained status of the hub, the gateways and the kiosk.

One `MqttClient` (clean session: the demo's screen needs no backlog), whose handlers run on paho's network
thread and only update counters under a lock; `snapshot` is safe from any thread.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from edge.config import MqttSection
from edge.mqtt import MqttClient, Received
from edge.protocol import Journey, Occupancy, StaffAlert, Status, Topic


@dataclass(frozen=True, slots=True)
class StoreView:
    """The store as MQTT shows it at one moment."""

    in_store: int = 0
    zones: dict[str, int] = field(default_factory=dict)
    journeys: dict[str, int] = field(default_factory=dict)
    """Journey events by kind: ``enter`` (a visit), ``zone``, ``dwell``, ``exit``, ``purchase``."""
    gateways_online: tuple[str, ...] = ()
    kiosks_online: tuple[str, ...] = ()
    hub_online: bool = False
    staff_alerts: int = 0

    @property
    def visits(self) -> int:
        return self.journeys.get("enter", 0)


class StoreWatch:
    """Subscribes to the store's topics on `settings`' broker."""

    def __init__(self, settings: MqttSection, store: str, client_id: str = "corsia-demo-watch") -> None:
        self.client = MqttClient(settings, store=store, client_id=client_id, source="demo", persistent=False)
        self._lock = threading.Lock()
        self._occupancy: Occupancy | None = None
        self._journeys: Counter[str] = Counter()
        self._gateways: dict[str, bool] = {}
        self._kiosks: dict[str, bool] = {}
        self._hub = False
        self._alerts = 0
        c = self.client
        c.subscribe(Topic.OCCUPANCY, Occupancy, self._on_occupancy)
        c.subscribe(Topic.JOURNEY, Journey, self._on_journey)
        c.subscribe(Topic.GATEWAY_STATUS, Status, self._on_gateway)
        c.subscribe(Topic.KIOSK_STATUS, Status, self._on_kiosk)
        c.subscribe(Topic.HUB_STATUS, Status, self._on_hub)
        c.subscribe(Topic.STAFF_ALERT, StaffAlert, self._on_alert)

    def start(self, timeout_s: float = 10.0) -> bool:
        """Connect and subscribe; whether the broker took the subscriptions within `timeout_s`."""
        self.client.start()
        return self.client.wait_connected(timeout_s) and self.client.wait_subscribed(timeout_s)

    def stop(self) -> None:
        self.client.stop(timeout=2.0)

    def snapshot(self) -> StoreView:
        with self._lock:
            occupancy = self._occupancy
            return StoreView(
                in_store=occupancy.total if occupancy is not None else 0,
                zones=dict(occupancy.zones) if occupancy is not None else {},
                journeys=dict(self._journeys),
                gateways_online=tuple(sorted(gw for gw, up in self._gateways.items() if up)),
                kiosks_online=tuple(sorted(k for k, up in self._kiosks.items() if up)),
                hub_online=self._hub,
                staff_alerts=self._alerts,
            )

    # --- paho's thread -----------------------------------------------------------------------------------

    def _on_occupancy(self, message: Received[Occupancy]) -> None:
        with self._lock:
            self._occupancy = message.message

    def _on_journey(self, message: Received[Journey]) -> None:
        with self._lock:
            self._journeys[message.message.event] += 1

    def _on_gateway(self, message: Received[Status]) -> None:
        with self._lock:
            self._gateways[message.topic.device or ""] = message.message.state == "online"

    def _on_kiosk(self, message: Received[Status]) -> None:
        with self._lock:
            self._kiosks[message.topic.device or ""] = message.message.state == "online"

    def _on_hub(self, message: Received[Status]) -> None:
        with self._lock:
            self._hub = message.message.state == "online"

    def _on_alert(self, message: Received[StaffAlert]) -> None:
        del message
        with self._lock:
            self._alerts += 1
