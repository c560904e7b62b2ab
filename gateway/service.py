"""The gateway process: scanner → pipeline → spool → MQTT, with health, remote config, commands and a watchdog.

Concurrency: one asyncio event loop (bleak is asyncio). The MQTT client's network thread only hands work to
the loop (`call_soon_threadsafe`); SQLite writes run in worker threads so the loop never waits for an fsync.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from edge import __version__
from edge.config import GatewayConfig, load_gateway_config
from edge.mqtt import MqttClient, PublishError, Received
from edge.protocol import (
    Command,
    CommandResult,
    ConfigApplied,
    ErrorEvent,
    GatewayHealth,
    Sightings,
    Topic,
    encode,
)
from edge.protocol import GatewayConfig as RemoteConfig
from edge.systemd import notify, watchdog_interval_s
from gateway.health import RateMeter, cpu_temp_c, rss_mb
from gateway.pipeline import Pipeline
from gateway.publisher import BatchPublisher
from gateway.scanners import AdvertCallback, ScannerBackend
from gateway.settings import LiveSettings, apply_remote, from_section
from gateway.spool import Spool, SpoolLimits
from gateway.tasks import cancel_and_wait
from gateway.watchdog import Action, Observation, Watchdog

log = logging.getLogger("corsia.gateway")
BackendFactory = Callable[[str, AdvertCallback], ScannerBackend]


def bluez_backend(adapter: str, on_advert: AdvertCallback) -> ScannerBackend:
    from gateway.scanners.bluez import BluezScanner  # bleak is imported only by the process that scans

    return BluezScanner(adapter, on_advert)


class GatewayService:
    """One gateway. `run(stop)` until `stop` is set; then it reports the last interval, drains and says offline."""

    def __init__(
        self,
        config: GatewayConfig,
        *,
        config_path: str | os.PathLike[str] | None = None,
        backend: BackendFactory = bluez_backend,
    ) -> None:
        self.config = config
        self.config_path = config_path
        self.gw = config.gateway.id
        self.store = config.store.id
        self.live: LiveSettings = from_section(config.gateway)
        self.pipeline = Pipeline(self.live.allow, self.live.filter, self.live.rssi_offset)
        self.watchdog = Watchdog(silence_s=config.gateway.scanner_silence_s)
        self.spool = Spool(
            config.gateway.spool,
            SpoolLimits(
                max_bytes=int(config.gateway.spool_max_mb * 1024 * 1024), max_age_s=config.gateway.spool_max_age_s
            ),
        )
        self.client = MqttClient(
            config.mqtt,
            store=self.store,
            client_id=f"corsia-{self.store}-{self.gw}",
            source=self.gw,
            status=Topic.GATEWAY_STATUS,
            device=self.gw,
        )
        self._backend_factory = backend
        self._backend: ScannerBackend | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last_advert: float | None = None
        self._started = time.monotonic()
        self._meter = RateMeter(0, self._started)
        self.batches = 0

    # --- the advertisement path (hot) ------------------------------------------------------------------------

    def _on_advert(self, manufacturer_data: dict[int, bytes], service_data: dict[str, bytes], rssi: int) -> None:
        now = time.monotonic()
        self._last_advert = now
        self.pipeline.feed(manufacturer_data, service_data, rssi, now)

    # --- lifecycle -------------------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        loop = self._loop = asyncio.get_running_loop()
        publisher = BatchPublisher(self.client, self.spool, Topic.SIGHTINGS.build(self.store, self.gw), loop)
        self.publisher = publisher
        self.client.on_connect(publisher.kick)
        self.client.subscribe(
            Topic.GATEWAY_CONFIG, RemoteConfig, lambda r: loop.call_soon_threadsafe(self._remote_config, r),
            device=self.gw,
        )  # fmt: skip
        self.client.subscribe(
            Topic.GATEWAY_CMD, Command, lambda r: loop.call_soon_threadsafe(self._command, r), device=self.gw
        )
        self.client.start()
        self._backend = self._backend_factory(self.config.gateway.adapter, self._on_advert)
        await self._start_scanning()
        tasks = [
            asyncio.create_task(publisher.run(), name="publisher"),
            asyncio.create_task(self._report_loop(), name="report"),
            asyncio.create_task(self._health_loop(), name="health"),
            asyncio.create_task(self._watchdog_loop(), name="watchdog"),
        ]
        if (interval := watchdog_interval_s()) is not None:
            tasks.append(asyncio.create_task(self._systemd_watchdog(interval), name="sd-watchdog"))
        notify("READY=1")
        log.info("gateway %s of store %s scanning on %s", self.gw, self.store, self.config.gateway.adapter)
        try:
            await stop.wait()
        finally:
            notify("STOPPING=1")
            log.info("gateway %s stopping: the last interval, then offline", self.gw)
            # The watchdog goes first: it would take the scanner we stop below for a fault and restart it.
            await cancel_and_wait(tasks[1:])
            await self._backend.stop()
            await self._report()  # the partial last interval is not lost
            if self.client.connected:
                await publisher.drain(timeout=3.0)
            await cancel_and_wait(tasks[:1])
            close = getattr(self._backend, "close", None)
            if close is not None:
                await close()
            await asyncio.to_thread(self.client.stop)
            self.spool.close()
            log.info("gateway %s stopped", self.gw)

    async def _start_scanning(self) -> None:
        assert self._backend is not None
        try:
            await self._backend.start()
        except Exception as exc:  # the watchdog recovers; a gateway must run without its radio for a while
            log.error("scanner did not start: %s", exc)

    # --- periodic work ---------------------------------------------------------------------------------------

    async def _report_loop(self) -> None:
        next_at = time.monotonic() + self.live.report_interval
        while True:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            next_at += self.live.report_interval
            if next_at < time.monotonic():  # fell behind (a suspended machine): do not burst
                next_at = time.monotonic() + self.live.report_interval
            await self._report()

    async def _report(self) -> None:
        items = self.pipeline.collect(time.monotonic())
        t = time.time()
        interval = self.live.report_interval

        def encode_batch(seq: int) -> bytes:
            return encode(Sightings(gw=self.gw, seq=seq, t=t, interval=interval, items=items))

        if await asyncio.to_thread(self.spool.append, t, encode_batch) is not None:
            self.batches += 1
            self.publisher.kick()

    async def _health_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.gateway.health_interval_s)
            self._publish_health()

    def _publish_health(self) -> None:
        now = time.monotonic()
        rate = self._meter.rate(self.pipeline.stats.adverts, now)
        health = GatewayHealth(
            t=time.time(),
            uptime_s=round(now - self._started, 1),
            adverts_per_s=rate,
            beacons=self.pipeline.tracked,
            spool=len(self.spool),
            dropped=self.spool.dropped,
            scanner=self.watchdog.state,
            scanner_restarts=self.watchdog.restarts,
            rss_mb=rss_mb(),
            cpu_temp_c=cpu_temp_c(),
        )
        try:
            self.client.publish(Topic.GATEWAY_HEALTH, health, device=self.gw, block=False)
        except PublishError as exc:
            log.debug("health not sent: %s", exc)

    async def _watchdog_loop(self) -> None:
        assert self._backend is not None
        while True:
            await asyncio.sleep(1.0)
            state = await self._backend.probe()
            now = time.monotonic()
            obs = Observation(now, self._last_advert, state.discovering, state.powered, state.service_present)
            action = self.watchdog.decide(obs)
            if action is Action.NONE:
                continue
            log.warning("scanner watchdog: %s (adapter %s)", action.value, state)
            self._publish_health()  # IT and the hub learn at once, not at the next health tick
            try:
                await self._backend.recover(action)
            except Exception as exc:
                log.error("scanner recovery %s failed: %s", action.value, exc)
            else:
                self.watchdog.recovered(time.monotonic())
                self._publish_health()

    async def _systemd_watchdog(self, interval: float) -> None:
        while True:  # pinged from the loop, so a hung loop stops the pings and systemd restarts us
            notify("WATCHDOG=1")
            await asyncio.sleep(interval)

    # --- remote configuration and commands (handed over from the MQTT thread) ---------------------------------

    def _remote_config(self, received: Received[RemoteConfig]) -> None:
        message = received.message
        if message.rev and message.rev == self.live.rev:
            return  # the retained revision, redelivered at a reconnect: already applied
        try:
            live = apply_remote(self.live, message)
        except ValueError as exc:
            log.error("remote configuration rev %d rejected: %s", message.rev, exc)
            self._error(received.raw_topic, f"rev {message.rev} rejected, previous configuration kept: {exc}")
            return
        self._apply(live)
        log.info("remote configuration rev %d applied", message.rev)
        try:
            self.client.publish(
                Topic.GATEWAY_CONFIG_APPLIED, ConfigApplied(t=time.time(), rev=message.rev), device=self.gw, block=False
            )
        except PublishError as exc:
            log.warning("could not acknowledge configuration: %s", exc)

    def _apply(self, live: LiveSettings) -> None:
        self.pipeline.configure(allow=live.allow, settings=live.filter, rssi_offset=live.rssi_offset)
        self.live = live

    def _command(self, received: Received[Command]) -> None:
        assert self._loop is not None
        self._loop.create_task(self._run_command(received.message))

    async def _run_command(self, command: Command) -> None:
        ok, detail = True, ""
        try:
            if command.cmd == "rescan":
                assert self._backend is not None
                await self._backend.recover(Action.RESTART_DISCOVERY)
                detail = "discovery restarted"
            elif command.cmd == "identify":
                log.warning("IDENTIFY: operator asked gateway %s to identify itself", self.gw)
                detail = f"gateway {self.gw}, adapter {self.config.gateway.adapter}, version {__version__}"
            elif command.cmd == "reload":
                detail = self._reload()
        except Exception as exc:
            ok, detail = False, str(exc)
        result = CommandResult(id=command.id, cmd=command.cmd, t=time.time(), ok=ok, detail=detail[:2000])
        try:
            self.client.publish(Topic.GATEWAY_CMD_RESULT, result, device=self.gw, block=False)
        except PublishError as exc:
            log.warning("could not answer command %s: %s", command.id, exc)

    def _reload(self) -> str:
        if self.config_path is None:
            return "no configuration file: nothing to reload"
        fresh = load_gateway_config(Path(self.config_path))
        self._apply(from_section(fresh.gateway))
        return "report interval, allow-list, filter and rssi_offset reloaded; other keys apply at restart"

    def _error(self, topic: str, reason: str) -> None:
        with contextlib.suppress(PublishError):
            self.client.publish(
                Topic.ERRORS, ErrorEvent(source=self.gw, topic=topic, reason=reason[:2000], t=time.time()), block=False
            )
