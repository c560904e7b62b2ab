"""The monitor's MQTT side: subscribe to one store's status, health and alert topics and feed a `Fleet`.

The monitor only listens. Its client publishes nothing at all: no status of its own (no birth, no last will:
an IT laptop coming and going is not part of the fleet) and no error events (a payload that does not fit is
counted in the fleet and left to the hub to report; a read-only account could not publish it anyway). Its
session is clean and its client id unique, so several people can watch the same store and the broker keeps
nothing for a monitor that has quit.

Concurrency: paho's network thread runs `_on_message`, which updates the fleet under a lock; the caller's
thread takes snapshots under the same lock.
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading
import time
from collections.abc import Callable
from typing import Final

from edge.errors import CorsiaError
from edge.monitor.model import Fleet, FleetSnapshot
from edge.mqtt import MqttClient, MqttError, MqttSettings
from edge.protocol import ProtocolError, Topic, decode_for, parse_topic

log = logging.getLogger("corsia.monitor")

WATCHED: Final = (
    Topic.GATEWAY_STATUS,
    Topic.GATEWAY_HEALTH,
    Topic.KIOSK_STATUS,
    Topic.KIOSK_HEALTH,
    Topic.HUB_STATUS,
    Topic.ALERT,
)
"""The topics the monitor reads; docs/monitor.md lists them for the broker's ACL."""
PROBE_AFTER_S: Final = 1.0


class MonitorError(CorsiaError):
    """The monitor cannot do its job."""


class BrokerUnreachable(MonitorError):
    """No connection to the broker within the time allowed; `reason` is the broker's answer or ``"no answer"``."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        self.host = host
        self.port = port
        self.reason = reason
        super().__init__(f"cannot connect to the MQTT broker at {host}:{port}: {reason}")


def new_client_id() -> str:
    """A fresh client id: 23 characters, the length every MQTT 3.1.1 broker must accept."""
    return f"corsia-monitor-{secrets.token_hex(4)}"


class FleetFeed:
    """Keeps `fleet` up to date from the broker described by `settings`, between `start` and `stop`."""

    def __init__(
        self,
        settings: MqttSettings,
        fleet: Fleet,
        *,
        clock: Callable[[], float] = time.time,
        client_id: str | None = None,
    ) -> None:
        self.fleet = fleet
        self.settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._client = MqttClient(
            settings,
            store=fleet.store,
            client_id=client_id or new_client_id(),
            source="monitor",
            status=None,  # no birth, no last will
            persistent=False,
        )
        for topic in WATCHED:
            self._client.subscribe_raw(topic.filter(fleet.store), self._on_message, qos=topic.spec.qos)

    @property
    def client_id(self) -> str:
        return self._client.client_id

    @property
    def connected(self) -> bool:
        return self._client.connected

    def start(self, timeout: float) -> None:
        """Connect and subscribe; `BrokerUnreachable` when that has not happened within `timeout` seconds."""
        start_listening(self._client, self.settings, timeout)

    def stop(self) -> None:
        self._client.stop(timeout=1.0)

    def snapshot(self) -> FleetSnapshot:
        """The fleet now."""
        with self._lock:
            return self.fleet.snapshot(self._clock())

    def _on_message(self, raw_topic: str, payload: bytes, retained: bool) -> None:
        now = self._clock()
        try:
            parsed = parse_topic(raw_topic)
            message = decode_for(parsed.topic, payload)
        except ProtocolError as exc:
            # Never the payload itself in the log: it may carry what a misbehaving publisher should not send.
            log.debug("dropped a payload on %s: %s", raw_topic, exc)
            with self._lock:
                self.fleet.rejected()
            return
        with self._lock:
            self.fleet.receive(parsed.topic, parsed.device, message, now=now, retained=retained)


def start_listening(client: MqttClient, settings: MqttSettings, timeout: float) -> None:
    """Connect `client` and wait for its subscriptions; `BrokerUnreachable` when that has not happened within
    `timeout` seconds.

    A refusal (bad credentials) fails at once, and so does a port nobody listens on, found by a plain TCP probe
    once the first second passed without a session: neither gets better by waiting.
    """
    s = settings
    try:
        client.start()
    except MqttError as exc:
        raise BrokerUnreachable(s.host, s.port, str(exc.__cause__ or exc)) from exc
    started = time.monotonic()
    probed = False
    while not client.wait_subscribed(0.1):
        waited = time.monotonic() - started
        reason = ""
        if client.last_error:
            reason = f"the broker refused the connection: {client.last_error}"
        elif waited >= timeout:
            reason = _probe(s.host, s.port, timeout) or f"no MQTT session within {timeout:g} s (TLS settings?)"
        elif waited >= PROBE_AFTER_S and not probed:
            probed = True
            reason = _probe(s.host, s.port, timeout - waited)
        if reason:
            client.stop(timeout=0.5)
            raise BrokerUnreachable(s.host, s.port, reason)


def _probe(host: str, port: int, timeout: float) -> str:
    """Why a TCP connection to the broker fails (``"Connection refused"``), or ``""`` when it does not."""
    try:
        with socket.create_connection((host, port), timeout=max(0.5, min(timeout, 3.0))):
            return ""
    except OSError as exc:
        return exc.strerror or str(exc) or type(exc).__name__
