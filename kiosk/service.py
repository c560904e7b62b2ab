"""``corsia kiosk`` as a process: the touch screen's web app, the card reader, the camera, the outbox sync, and
status and health for IT over MQTT.

Threads, each with one job (the kiosk's concurrency model):

- werkzeug's threads serve the screen (kiosk.app); each open event stream holds one while its page is shown;
- the card reader's thread and the camera's thread only publish what they read to the app's scan bus, which
  routes it to the session on screen;
- the worker thread syncs the outbox with the hub every `sync_every_s` while it holds anything, checks the hub
  and publishes ``kiosk/{k}/health`` every `health_every_s`, expires idle sessions, and pings systemd's watchdog;
- paho's network thread keeps the MQTT session (the retained ``kiosk/{k}/status`` birth and its LWT).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from edge.config import KioskConfig
from edge.host import cpu_temp_c, rss_mb
from edge.mqtt import MqttClient
from edge.protocol import KioskHealth, Topic
from edge.systemd import notify, watchdog_interval_s
from kiosk.app import create_app, runtime_of
from kiosk.app.scans import Scan
from kiosk.app.serving import KioskServer
from kiosk.outbox import SyncReport, sync
from kiosk.reader import CardRead, CardReader, ReaderState

if TYPE_CHECKING:
    from kiosk.scanner import Camera, Code, FrameSource

log = logging.getLogger("corsia.kiosk")

SYNC_EVERY_S: Final = 10.0
HEALTH_EVERY_S: Final = 15.0
TICK_S: Final = 0.5


class KioskService:
    """The whole kiosk. `start` returns once it is serving; `stop` stops it cleanly (offline status first).

    `app_config` overrides the web app's settings (kiosk.app.DEFAULTS: the outbox's path, ...); `camera`
    replaces the ``[kiosk] camera`` source (a simulated camera in tests and the demo).
    """

    def __init__(
        self,
        config: KioskConfig,
        *,
        app_config: Mapping[str, Any] | None = None,
        camera: FrameSource | None = None,
        client_id: str | None = None,
        sync_every_s: float = SYNC_EVERY_S,
        health_every_s: float = HEALTH_EVERY_S,
    ) -> None:
        self.config = config
        self.sync_every_s = sync_every_s
        self.health_every_s = health_every_s
        self.app = create_app(config, app_config)
        self.runtime = runtime_of(self.app)
        self.http = KioskServer(self.app, config.kiosk.http)
        self.reader = CardReader.from_config(config.kiosk, on_card=self._on_card, on_state=self._on_reader_state)
        self.camera: Camera | None = None
        if camera is not None or config.kiosk.camera:
            from kiosk.scanner import Camera  # OpenCV only on a kiosk that has a camera

            self.camera = Camera(camera if camera is not None else config.kiosk.camera, self._on_code)
            self.runtime.on_reset(self.camera.forget)
        kiosk_id = config.kiosk.id
        self.mqtt = MqttClient(
            config.mqtt, store=config.store.id, client_id=client_id or f"corsia-kiosk-{config.store.id}-{kiosk_id}",
            source=kiosk_id, status=Topic.KIOSK_STATUS, device=kiosk_id,
        )  # fmt: skip
        self.started = time.time()
        self.last_sync = SyncReport()
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where the screen's browser opens the kiosk."""
        return self.http.url

    # --- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> None:
        self.started = time.time()
        self.mqtt.start()
        self.http.start()
        self.reader.start()
        if self.camera is not None:
            self.camera.start()
        self._worker = threading.Thread(target=self._work, name="kiosk-worker", daemon=True)
        self._worker.start()
        notify("READY=1")
        log.info("kiosk %s started: screen on %s", self.config.kiosk.id, self.http.url)

    def stop(self) -> None:
        """Stop everything, the MQTT status last (offline). Idempotent."""
        if self._stop.is_set():
            return
        notify("STOPPING=1")
        self._stop.set()
        if self._worker is not None:
            self._worker.join(timeout=10.0)
        if self.camera is not None:
            self.camera.stop()
        self.reader.stop()
        self.runtime.bus.close()  # ends the open event streams, so the server's threads can finish
        self.http.stop()
        self.mqtt.stop()
        self.runtime.close()

    # --- what the devices read (their own threads) -----------------------------------------------------------

    def _on_card(self, card: CardRead) -> None:
        if self.runtime.bus.publish(Scan("card", card.printed, card.protocol)) is None:
            log.info("a card was read with no screen open; ignored")

    def _on_code(self, code: Code) -> None:
        if self.runtime.bus.publish(Scan("code", code.text, code.format)) is None:
            log.info("a code was read with no screen open; ignored")

    def _on_reader_state(self, state: ReaderState) -> None:
        log.info("card reader: %s", state)

    # --- the worker thread -----------------------------------------------------------------------------------

    def sync_now(self) -> SyncReport:
        """Send the outbox to the hub now (the worker does it every `sync_every_s`)."""
        report = sync(self.runtime.outbox, self.runtime.hub)
        if report != SyncReport():
            log.info(
                "outbox sync: %d created, %d merged, %d held, %d waiting",
                report.created, report.merged, report.held, report.waiting,
            )  # fmt: skip
        self.last_sync = report
        return report

    def health(self) -> KioskHealth:
        """The health report IT gets on ``kiosk/{k}/health``."""
        now = time.time()
        reachable = self.runtime.hub.reachable
        return KioskHealth(
            t=now,
            uptime_s=round(now - self.started, 1),
            outbox=self.runtime.outbox.count(),
            hub="reachable" if reachable else "unreachable",
            card_reader=self.reader.state,
            camera=self.camera.state if self.camera is not None else "none",
            rss_mb=rss_mb(),
            cpu_temp_c=cpu_temp_c(),
        )

    def _work(self) -> None:
        watchdog = watchdog_interval_s()
        next_sync = next_health = next_watchdog = 0.0
        while not self._stop.wait(TICK_S):
            now = time.monotonic()
            try:
                if now >= next_sync:
                    next_sync = now + self.sync_every_s
                    if self.runtime.outbox.count():
                        self.sync_now()
                if now >= next_health:
                    next_health = now + self.health_every_s
                    self.runtime.hub.healthy()  # keeps `reachable` true to the hub even on a quiet day
                    self.runtime.sessions.sweep()
                    self.mqtt.publish(Topic.KIOSK_HEALTH, self.health(), device=self.config.kiosk.id, block=False)
            except Exception:
                log.exception("kiosk worker")
            if watchdog is not None and now >= next_watchdog:
                notify("WATCHDOG=1")
                next_watchdog = now + watchdog
