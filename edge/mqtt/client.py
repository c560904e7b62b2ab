"""The one paho-mqtt wrapper every Corsia process uses.

Concurrency model: paho's network thread (``loop_start``) does all socket work and runs every callback —
acknowledgements, subscription handlers, connect hooks. Callers may publish from any thread. Handlers should
hand heavy work to their own worker; a publish from the network thread never blocks (it raises `Backpressure`
instead, since only that thread could free the capacity it would wait for).

What it guarantees:
* a retained birth (``online``) on the process's status topic at every connect, the same topic as LWT with
  ``offline``, and a clean ``offline`` on `stop`;
* a persistent session (MQTT 3.1.1, clean session off, a stable client id), so the broker keeps
  subscriptions and queued QoS 1 messages across reconnects; reconnects back off from
  ``reconnect_min_s`` to ``reconnect_max_s``;
* a cap on unacknowledged messages (``max_inflight``): paho numbers messages with 16-bit ids and silently
  refuses new ones once 65,535 are outstanding, so publishers wait here instead;
* typed subscriptions: payloads are decoded against the contract, and one that does not fit is counted,
  reported on the store's ``errors`` topic and dropped — a handler never sees it and nothing raises.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any, Final, TypeVar

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode

from edge import __version__
from edge.mqtt.types import Backpressure, ClientStats, Delivery, MqttError, MqttSettings, PublishError, Received
from edge.protocol import ErrorEvent, Message, ProtocolError, Status, Topic, decode, encode, parse_topic
from edge.protocol.topics import topic_matches

M = TypeVar("M", bound=Message)
log = logging.getLogger("corsia.mqtt")

PAHO_MID_LIMIT: Final = 65_535
ERROR_EVENTS_PER_S: Final = 20.0  # a flood of bad payloads must not become a flood of error events


class _Subscription:
    __slots__ = ("callback", "filter", "qos")

    def __init__(self, filter_: str, qos: int, callback: Callable[[str, bytes, bool, bool], None]) -> None:
        self.filter = filter_
        self.qos = qos
        self.callback = callback


class MqttClient:
    """A connection to the store's broker for one Corsia process.

    `store` is the MQTT ``{store}``; `client_id` must be stable per process instance (it names the persistent
    session); `source` names this process in error events (``"gw-03"``, ``"hub"``); `status` and `device`
    choose the status topic for birth and LWT (``Topic.GATEWAY_STATUS`` and ``"gw-03"``), or none.
    """

    def __init__(
        self,
        settings: MqttSettings,
        *,
        store: str,
        client_id: str,
        source: str,
        status: Topic | None = None,
        device: str | None = None,
        version: str = __version__,
        persistent: bool = True,
    ) -> None:
        if not 1 <= settings.max_inflight <= PAHO_MID_LIMIT - 1000:
            raise MqttError(f"max_inflight must be 1..{PAHO_MID_LIMIT - 1000}, got {settings.max_inflight}")
        self.store = store
        self.client_id = client_id
        self.source = source
        self.version = version
        self.started = time.time()
        self.stats = ClientStats()
        self.last_error = ""
        self._settings = settings
        self._status_topic = status.build(store, device) if status is not None else None
        self._capacity = threading.BoundedSemaphore(settings.max_inflight)
        self._lock = threading.Lock()
        self._pending: dict[int, Delivery] = {}
        self._early_acks: set[int] = set()  # acks that overtook their publish() call's bookkeeping
        self._subscriptions: list[_Subscription] = []
        self._connect_hooks: list[Callable[[], None]] = []
        self._disconnect_hooks: list[Callable[[], None]] = []
        self._connected = threading.Event()
        self._unacked_subscribes: set[int] = set()
        self._subscribed = threading.Condition(self._lock)
        self._network_thread: int | None = None
        self._running = False
        self._error_tokens = ERROR_EVENTS_PER_S
        self._error_tokens_at = time.monotonic()
        self._paho = self._make_paho(persistent)

    # --- lifecycle -------------------------------------------------------------------------------------------

    def _make_paho(self, persistent: bool) -> paho.Client:
        s = self._settings
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            clean_session=not persistent,
            protocol=paho.MQTTv311,
        )
        if s.username:
            client.username_pw_set(s.username, s.password or None)
        if s.tls:
            try:
                client.tls_set(
                    ca_certs=s.ca_file or None,
                    certfile=s.cert_file or None,
                    keyfile=s.key_file or None,
                    tls_version=ssl.PROTOCOL_TLS_CLIENT,
                )
            except (OSError, ssl.SSLError, ValueError) as exc:
                raise MqttError(f"cannot set up TLS: {exc}") from exc
        client.max_inflight_messages_set(min(s.max_inflight, 1000))
        client.reconnect_delay_set(max(1, round(s.reconnect_min_s)), max(1, round(s.reconnect_max_s)))
        if self._status_topic is not None:
            client.will_set(self._status_topic, self._status_payload("offline"), qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    def start(self) -> None:
        """Connect in the background; reconnects forever until `stop`. The broker may be down at start."""
        if self._running:
            return
        self._running = True
        try:
            self._paho.connect_async(self._settings.host, self._settings.port, keepalive=self._settings.keepalive_s)
        except (OSError, ValueError) as exc:
            self._running = False
            raise MqttError(f"cannot connect to {self._settings.host}:{self._settings.port}: {exc}") from exc
        self._paho.loop_start()

    def stop(self, timeout: float = 5.0) -> None:
        """Publish ``offline`` (retained) if connected, then disconnect cleanly, so no LWT fires."""
        if not self._running:
            return
        if self._status_topic is not None and self._connected.is_set():
            info = self._paho.publish(self._status_topic, self._status_payload("offline"), qos=1, retain=True)
            deadline = time.monotonic() + timeout
            while not info.is_published() and time.monotonic() < deadline and self._connected.is_set():
                time.sleep(0.01)
        self._running = False
        self._paho.disconnect()
        self._paho.loop_stop()
        self._connected.clear()

    def __enter__(self) -> MqttClient:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float | None = None) -> bool:
        return self._connected.wait(timeout)

    @property
    def inflight(self) -> int:
        """Messages handed to the broker connection and not yet acknowledged."""
        with self._lock:
            return len(self._pending)

    def on_connect(self, hook: Callable[[], None]) -> Callable[[], None]:
        """Run `hook` (on the network thread) after every connect; returns the function that removes it."""
        self._connect_hooks.append(hook)
        return lambda: self._connect_hooks.remove(hook)

    def on_disconnect(self, hook: Callable[[], None]) -> Callable[[], None]:
        self._disconnect_hooks.append(hook)
        return lambda: self._disconnect_hooks.remove(hook)

    # --- publishing ------------------------------------------------------------------------------------------

    def publish(
        self,
        topic: Topic,
        message: Message,
        *,
        store: str | None = None,
        device: str | None = None,
        block: bool = True,
        timeout: float | None = None,
    ) -> Delivery:
        """Publish `message` on `topic` with the contract's QoS and retain flag.

        Waits while ``max_inflight`` messages are unacknowledged (unless `block` is false, or on the network
        thread), then raises `Backpressure` if there is still no room.
        """
        spec = topic.spec
        if not isinstance(message, spec.message):
            raise PublishError(topic.name, f"expects {spec.message.__name__}, got {type(message).__name__}")
        name = topic.build(store or self.store, device)
        return self.publish_raw(name, encode(message), qos=spec.qos, retain=spec.retain, block=block, timeout=timeout)

    def publish_raw(
        self,
        topic: str,
        payload: bytes,
        *,
        qos: int = 1,
        retain: bool = False,
        block: bool = True,
        timeout: float | None = None,
    ) -> Delivery:
        """Publish bytes as they are: for tools and tests. Processes use `publish`."""
        if not self._running:
            raise PublishError(topic, "the client is not started")
        on_network_thread = threading.get_ident() == self._network_thread
        if not self._capacity.acquire(blocking=block and not on_network_thread, timeout=timeout):
            raise Backpressure(topic, f"{self._settings.max_inflight} messages await acknowledgement")
        try:
            info = self._paho.publish(topic, payload, qos=qos, retain=retain)
        except (ValueError, TypeError) as exc:
            self._capacity.release()
            raise PublishError(topic, str(exc)) from exc
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            # NO_CONN is fine: paho keeps the message and sends it after the reconnect.
            self._capacity.release()
            raise PublishError(topic, paho.error_string(info.rc))
        delivery = Delivery(topic, info.mid)
        with self._lock:
            self.stats.published += 1
            early = info.mid in self._early_acks
            if early:
                self._early_acks.discard(info.mid)
            else:
                self._pending[info.mid] = delivery
                self.stats.peak_inflight = max(self.stats.peak_inflight, len(self._pending))
        if early:
            self._acknowledged(delivery)
        return delivery

    def _on_publish(self, _c: Any, _u: Any, mid: int, _rc: Any, _p: Any) -> None:
        with self._lock:
            delivery = self._pending.pop(mid, None)
            if delivery is None:
                self._early_acks.add(mid)
                return
        self._acknowledged(delivery)

    def _acknowledged(self, delivery: Delivery) -> None:
        self._capacity.release()
        self.stats.acknowledged += 1
        delivery._complete()

    # --- subscribing -----------------------------------------------------------------------------------------

    def subscribe(
        self,
        topic: Topic,
        message: type[M],
        handler: Callable[[Received[M]], object],
        *,
        store: str | None = None,
        device: str = "+",
    ) -> Callable[[], None]:
        """Deliver every valid `message` on `topic` to `handler`; bad payloads go to the errors topic.

        Returns the function that unsubscribes.
        """
        if not issubclass(message, topic.spec.message):
            raise MqttError(f"{topic.name} carries {topic.spec.message.__name__}, not {message.__name__}")
        max_bytes = topic.spec.max_bytes

        def deliver(raw_topic: str, payload: bytes, retained: bool, dup: bool) -> None:
            try:
                parsed = parse_topic(raw_topic)
                if parsed.topic is not topic:
                    raise ProtocolError(f"expected a {topic.name} topic", topic=raw_topic)
                decoded = decode(message, payload, max_bytes=max_bytes)
            except ProtocolError as exc:
                self._reject(raw_topic, exc)
                return
            self.stats.received += 1
            try:
                handler(Received(parsed, raw_topic, decoded, retained, dup))
            except Exception:
                self.stats.handler_errors += 1
                log.exception("handler for %s failed", raw_topic)

        return self._add_subscription(topic.filter(store or self.store, device), topic.spec.qos, deliver)

    def subscribe_raw(
        self, filter_: str, handler: Callable[[str, bytes, bool], None], *, qos: int = 1
    ) -> Callable[[], None]:
        """Deliver raw payloads (topic, payload, retained): for monitoring tools that show what is on the wire."""

        def deliver(raw_topic: str, payload: bytes, retained: bool, _dup: bool) -> None:
            try:
                handler(raw_topic, payload, retained)
            except Exception:
                self.stats.handler_errors += 1
                log.exception("raw handler for %s failed", raw_topic)

        return self._add_subscription(filter_, qos, deliver)

    def _add_subscription(
        self, filter_: str, qos: int, callback: Callable[[str, bytes, bool, bool], None]
    ) -> Callable[[], None]:
        sub = _Subscription(filter_, qos, callback)
        with self._lock:
            self._subscriptions.append(sub)
        if self._connected.is_set():
            self._send_subscribe(filter_, qos)

        def unsubscribe() -> None:
            with self._lock:
                self._subscriptions.remove(sub)
                still_wanted = any(s.filter == filter_ for s in self._subscriptions)
            if not still_wanted and self._running:
                self._paho.unsubscribe(filter_)

        return unsubscribe

    def _send_subscribe(self, filter_: str, qos: int) -> None:
        # Hold the lock across the call so the SUBACK cannot be handled before its id is recorded.
        with self._lock:
            rc, mid = self._paho.subscribe(filter_, qos)
            if rc == MQTTErrorCode.MQTT_ERR_SUCCESS and mid is not None:
                self._unacked_subscribes.add(mid)

    def _on_subscribe(self, _c: Any, _u: Any, mid: int, _codes: Any, _p: Any) -> None:
        with self._lock:
            self._unacked_subscribes.discard(mid)
            self._subscribed.notify_all()

    def wait_subscribed(self, timeout: float | None = None) -> bool:
        """Block until connected and every subscription is acknowledged by the broker (SUBACK).

        A process that must not miss a message published right after it starts waits here.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self._connected.wait(timeout):
            return False
        with self._lock:
            while self._unacked_subscribes or not self._connected.is_set():
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._subscribed.wait(remaining if remaining is None else min(remaining, 0.1))
            return True

    def _on_message(self, _c: Any, _u: Any, msg: paho.MQTTMessage) -> None:
        try:
            raw_topic = msg.topic
        except UnicodeDecodeError:
            return  # the broker enforces UTF-8 topics; nothing sensible to report
        with self._lock:
            targets = [s.callback for s in self._subscriptions if topic_matches(s.filter, raw_topic)]
        for callback in targets:
            callback(raw_topic, bytes(msg.payload), bool(msg.retain), bool(msg.dup))

    def _reject(self, raw_topic: str, exc: ProtocolError) -> None:
        """Count a payload that does not fit, and report it (rate-limited) on the store's errors topic."""
        self.stats.rejected += 1
        reason = f"{exc.field}: {exc.reason}" if exc.field else exc.reason
        log.warning("dropped a payload on %s: %s", raw_topic, reason)  # never the payload itself: it may be personal
        try:
            store = parse_topic(raw_topic).store
        except ProtocolError:
            store = self.store
        if raw_topic.endswith("/errors") or not self._take_error_token():
            return
        event = ErrorEvent(source=self.source, topic=raw_topic[:512], reason=reason[:2000], t=time.time())
        with contextlib.suppress(PublishError):  # reporting is best effort; the count above stands
            self.publish(Topic.ERRORS, event, store=store, block=False)

    def _take_error_token(self) -> bool:
        now = time.monotonic()
        self._error_tokens = min(
            ERROR_EVENTS_PER_S, self._error_tokens + (now - self._error_tokens_at) * ERROR_EVENTS_PER_S
        )
        self._error_tokens_at = now
        if self._error_tokens < 1.0:
            return False
        self._error_tokens -= 1.0
        return True

    # --- connection events -----------------------------------------------------------------------------------

    def _status_payload(self, state: str) -> bytes:
        return encode(Status(state=state, t=time.time(), version=self.version, started=self.started))  # type: ignore[arg-type]

    def _on_connect(self, _c: Any, _u: Any, _flags: Any, reason: Any, _p: Any) -> None:
        self._network_thread = threading.get_ident()
        if reason.is_failure:
            self.last_error = str(reason)
            log.error("broker %s:%s refused the connection: %s", self._settings.host, self._settings.port, reason)
            return
        self.stats.connects += 1
        self._connected.set()
        log.info("connected to %s:%s as %s", self._settings.host, self._settings.port, self.client_id)
        with self._lock:
            filters = {(s.filter, s.qos) for s in self._subscriptions}
            self._unacked_subscribes.clear()  # requests of a lost connection are never answered
        for filter_, qos in sorted(filters):
            self._send_subscribe(filter_, qos)
        if self._status_topic is not None:
            # The birth bypasses the cap: it must go out even when a backlog fills it.
            self._paho.publish(self._status_topic, self._status_payload("online"), qos=1, retain=True)
        for hook in list(self._connect_hooks):
            try:
                hook()
            except Exception:
                log.exception("connect hook failed")

    def _on_disconnect(self, _c: Any, _u: Any, _flags: Any, reason: Any, _p: Any) -> None:
        was_connected = self._connected.is_set()
        self._connected.clear()
        if not was_connected:
            return
        self.stats.disconnects += 1
        if self._running:
            self.last_error = str(reason)
            log.warning("lost the broker connection (%s); reconnecting", reason)
        for hook in list(self._disconnect_hooks):
            try:
                hook()
            except Exception:
                log.exception("disconnect hook failed")
