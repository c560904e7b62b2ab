"""Corsia's own MQTT types, so paho's never leak into callers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from edge.errors import CorsiaError
from edge.protocol import Message, ParsedTopic

M_co = TypeVar("M_co", bound=Message, covariant=True)


class MqttError(CorsiaError):
    """Root of the MQTT wrapper's errors; paho's are wrapped with ``raise ... from``."""


class PublishError(MqttError):
    """The client refused a publish (bad topic, stopped client, paho error)."""

    def __init__(self, topic: str, reason: str) -> None:
        self.topic = topic
        self.reason = reason
        super().__init__(f"cannot publish to {topic}: {reason}")


class Backpressure(PublishError):
    """The cap on unacknowledged QoS 1 messages is reached and the caller chose not to wait."""


class MqttSettings(Protocol):
    """What the client needs to connect: the ``[mqtt]`` config section satisfies it."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def username(self) -> str: ...
    @property
    def password(self) -> str: ...
    @property
    def tls(self) -> bool: ...
    @property
    def ca_file(self) -> str: ...
    @property
    def cert_file(self) -> str: ...
    @property
    def key_file(self) -> str: ...
    @property
    def keepalive_s(self) -> int: ...
    @property
    def max_inflight(self) -> int: ...
    @property
    def reconnect_min_s(self) -> float: ...
    @property
    def reconnect_max_s(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Received(Generic[M_co]):
    """A message that arrived and fitted the contract."""

    topic: ParsedTopic
    raw_topic: str
    message: M_co
    retained: bool
    duplicate: bool  # the broker's DUP flag: QoS 1 may deliver twice, so consumers dedupe (e.g. by `seq`)


class Delivery:
    """The fate of one publish: done when the broker acknowledged it (QoS 1) or it was written (QoS 0).

    Callbacks added with `add_done_callback` run once, on the MQTT network thread, or at once when the
    delivery is already done; keep them short.
    """

    __slots__ = ("_callbacks", "_done", "_lock", "mid", "topic")

    def __init__(self, topic: str, mid: int) -> None:
        self.topic = topic
        self.mid = mid
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[Delivery], None]] = []

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until acknowledged; False when `timeout` passed first."""
        return self._done.wait(timeout)

    def add_done_callback(self, callback: Callable[[Delivery], None]) -> None:
        with self._lock:
            if not self._done.is_set():
                self._callbacks.append(callback)
                return
        callback(self)

    def _complete(self) -> None:
        with self._lock:
            if self._done.is_set():
                return
            self._done.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)


@dataclass(slots=True)
class ClientStats:
    """Counters for health reports and tests (read them; the client writes them)."""

    published: int = 0
    acknowledged: int = 0
    peak_inflight: int = 0  # the most messages ever awaiting acknowledgement at once
    received: int = 0
    rejected: int = 0  # payloads that did not fit the contract (reported on the errors topic)
    handler_errors: int = 0  # handlers that raised
    connects: int = 0
    disconnects: int = 0
