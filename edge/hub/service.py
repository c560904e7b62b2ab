"""``corsia hub`` as a process: the MQTT service around `HubCore`, the HTTP API, and the outbox dispatcher.

Threads, each with one job:

- paho's network thread runs the MQTT handlers, which call `HubCore` under its lock. A QoS 1 message is
  acknowledged to the broker only after its handler returned, so a sightings batch or a receipt is acknowledged
  only once its decisions are committed: a hub killed mid-batch gets it again from its persistent session, and
  the outbox's idempotency keys make the replay harmless.
- the ticker thread calls `HubCore.tick` every second (exits, dwell thresholds, alerts), publishes occupancy every
  5 s, and sends systemd's watchdog ping.
- the dispatcher thread sends the outbox (slow HTTP to push services never holds up presence).
- werkzeug's threads serve the API; they touch only the database and tell the core about changes through a queue.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path

from edge.config import ConfigError, HubConfig
from edge.hub.campaigns import default_campaigns
from edge.hub.context import HubContext
from edge.hub.core import HubCore, Output
from edge.hub.db import CampaignStore, load_or_create_key, open_database
from edge.hub.feed import LiveFeed
from edge.hub.http import HttpServer
from edge.hub.metrics import HubMetrics
from edge.hub.notify.dispatcher import Dispatcher
from edge.hub.notify.vapid import load_or_create_vapid
from edge.hub.notify.webpush import WebPushSender
from edge.mqtt import MqttClient, Received
from edge.protocol import GatewayHealth, Message, Occupancy, Receipt, Sightings, StaffAlert, Status, Topic
from edge.store import load_layout
from edge.systemd import notify, watchdog_interval_s

log = logging.getLogger("corsia.hub")

TICK_S = 1.0
OCCUPANCY_EVERY_S = 5.0


class HubService:
    """The whole hub. `start` returns once it is serving; `stop` stops it cleanly (offline status first)."""

    def __init__(self, config: HubConfig, *, client_id: str | None = None) -> None:
        self.config = config
        layout = load_layout(config.store.layout)
        if layout.id != config.store.id:
            # Campaigns, locations and MQTT topics are keyed by the store id: a mismatch would silently match nothing.
            reason = f"is {config.store.id!r} but the layout {config.store.layout} is store {layout.id!r}"
            raise ConfigError("hub config", "store.id", reason)
        db_path = config.hub.db
        if db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        secret_key = load_or_create_key(config.hub.secret_key_file)
        self.vapid = load_or_create_vapid(config.hub.vapid_private_key_file)
        self.metrics = HubMetrics()
        self.feed = LiveFeed()
        self.core = HubCore(
            config, layout, lambda: open_database(db_path), secret_key, metrics=self.metrics, feed=self.feed,
        )  # fmt: skip
        self.context = HubContext(
            config=config, layout=layout, connect=lambda: open_database(db_path), secret_key=secret_key,
            vapid_public_key=self.vapid.application_server_key, listener=self.core.listener,
            occupancy=self.core.occupancy_snapshot, fleet=self.core.fleet_states, offsets=self.core.offset_corrections,
            metrics=self.metrics, feed=self.feed,
        )  # fmt: skip
        self.client = MqttClient(
            config.mqtt, store=config.store.id, client_id=client_id or f"corsia-hub-{config.store.id}",
            source="hub", status=Topic.HUB_STATUS,
        )  # fmt: skip
        self.sender = WebPushSender(self.vapid, config.hub.vapid_subject)
        self.dispatcher = Dispatcher(
            open_database(db_path), self.sender, self._publish_staff, public_url=config.hub.public_url,
            metrics=self.metrics, feed=self.feed,
        )  # fmt: skip
        self.core.on_outbox = self.dispatcher.wake.set
        from edge.hub.api import create_app  # Flask only when serving

        self.http = HttpServer(create_app(self.context), config.hub.http)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._outgoing: queue.SimpleQueue[tuple[Topic, Message] | None] = queue.SimpleQueue()

    # --- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> None:
        self._seed_campaigns()
        self.core.start(time.time())
        c = self.client
        c.subscribe(Topic.SIGHTINGS, Sightings, self._on_sightings)
        c.subscribe(Topic.RECEIPT, Receipt, self._on_receipt)
        c.subscribe(Topic.GATEWAY_STATUS, Status, self._on_gateway_status)
        c.subscribe(Topic.GATEWAY_HEALTH, GatewayHealth, self._on_gateway_health)
        c.subscribe(Topic.KIOSK_STATUS, Status, self._on_kiosk_status)
        c.start()
        self.http.start()
        threads = (("hub-ticker", self._tick_loop), ("hub-dispatch", self._dispatch_loop),
                   ("hub-publish", self._publish_loop))  # fmt: skip
        for name, target in threads:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        notify("READY=1")
        log.info("hub for store %s started: API %s", self.config.store.id, self.http.url)

    def _seed_campaigns(self) -> None:
        """A store with no campaign at all starts with the defaults (wishlist on entry, pickup arrival,
        thank-you after a purchase): the journey works on day one, and each can be switched off."""
        db = open_database(self.config.hub.db)
        try:
            store = CampaignStore(db)
            if not store.list(self.config.store.id):
                for campaign in default_campaigns():
                    store.put(self.config.store.id, campaign)
        finally:
            db.close()

    def stop(self) -> None:
        notify("STOPPING=1")
        self._stop.set()
        self.dispatcher.wake.set()
        self._outgoing.put(None)
        for thread in self._threads:
            thread.join(timeout=10.0)
        self.http.stop()
        self.client.stop()
        self.sender.close()
        self.core.close()

    def wait(self) -> None:
        """Block until `stop` is called from another thread (or a signal handler)."""
        self._stop.wait()

    # --- MQTT handlers (paho's thread) ---------------------------------------------------------------------

    def _on_sightings(self, message: Received[Sightings]) -> None:
        out = self.core.on_sightings(message.message, time.time())
        self._publish(out)

    def _on_receipt(self, message: Received[Receipt]) -> None:
        out = self.core.on_receipt(message.message, time.time())
        self._publish(out)

    def _on_gateway_status(self, message: Received[Status]) -> None:
        gw = message.topic.device or ""
        self.core.on_gateway_status(gw, message.message.state == "online", time.time())

    def _on_gateway_health(self, message: Received[GatewayHealth]) -> None:
        self.core.on_gateway_health(message.topic.device or "", message.message, time.time())

    def _on_kiosk_status(self, message: Received[Status]) -> None:
        self.core.on_kiosk_status(message.topic.device or "", message.message.state == "online", time.time())

    # --- threads ---------------------------------------------------------------------------------------------

    def _tick_loop(self) -> None:
        watchdog = watchdog_interval_s()
        next_occupancy = 0.0
        next_watchdog = 0.0
        while not self._stop.wait(TICK_S):
            now = time.time()
            try:
                self._publish(self.core.tick(now))
                if now >= next_occupancy:
                    zones = self.core.occupancy_snapshot()
                    self._outgoing.put((Topic.OCCUPANCY, Occupancy(t=now, zones=zones, total=sum(zones.values()))))
                    next_occupancy = now + OCCUPANCY_EVERY_S
            except Exception:
                log.exception("hub tick failed")
            if watchdog is not None and now >= next_watchdog:
                notify("WATCHDOG=1")
                next_watchdog = now + watchdog

    def _dispatch_loop(self) -> None:
        self.dispatcher.run(self._stop)

    # --- publishing ------------------------------------------------------------------------------------------

    def _publish(self, out: Output) -> None:
        # Handed to the publisher thread: the MQTT handlers run on paho's network thread, which must stay free to
        # read the broker's acknowledgements, or the in-flight cap would fill while it waits on itself.
        for journey in out.journeys:
            self._outgoing.put((Topic.JOURNEY, journey))
        for alert in out.alerts:
            self._outgoing.put((Topic.ALERT, alert))

    def _publish_loop(self) -> None:
        while True:
            item = self._outgoing.get()
            if item is None:
                return
            topic, message = item
            try:
                self.client.publish(topic, message, block=not self._stop.is_set(), timeout=5.0)
            except Exception as exc:  # the broker gone for long: the journey is in the database anyway
                log.warning("could not publish %s: %s", topic.name, exc)

    def _publish_staff(self, alert: StaffAlert) -> None:
        self.client.publish(Topic.STAFF_ALERT, alert, block=False)
