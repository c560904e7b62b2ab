"""One tag's readings by every gateway, for `corsia calibrate`: live from the broker, or from a recording.

A recording is what ``mosquitto_sub -t 'corsia/v1/<store>/gw/+/sightings'`` prints: one sightings payload per
line, with or without the topic in front (``-v``). A line that is not a sightings payload is counted and left
out, with the first few reasons kept for the report; it never stops the reading.

The live feed listens as `corsia monitor` does: clean session, unique client id, nothing published.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from edge.monitor.feed import new_client_id, start_listening
from edge.mqtt import MqttClient, MqttSettings
from edge.protocol import ProtocolError, Sightings, Topic, decode, decode_for, parse_topic
from edge.store.calibration import Reading

log = logging.getLogger("corsia.calibrate")

MAX_REASONS: Final = 5


@dataclass(slots=True)
class TagReadings:
    """The readings of `tag` so far, and what was left out."""

    tag: str
    readings: list[Reading] = field(default_factory=list)
    batches: int = 0
    """Sightings batches read (with or without the tag)."""
    rejected: int = 0
    """Payloads or lines that were not sightings."""
    reasons: list[str] = field(default_factory=list)
    """The first `MAX_REASONS` rejections, for the report."""
    seen: set[tuple[str, int]] = field(default_factory=set)
    """(gateway, seq) of the batches taken: QoS 1 may deliver one twice, and a recording may hold it twice."""

    def take(self, batch: Sightings) -> None:
        if (batch.gw, batch.seq) in self.seen:
            return
        self.seen.add((batch.gw, batch.seq))
        self.batches += 1
        for item in batch.items:
            if item.id == self.tag:
                self.readings.append(Reading(batch.gw, batch.t, item.rssi))

    def reject(self, reason: str) -> None:
        self.rejected += 1
        if len(self.reasons) < MAX_REASONS:
            self.reasons.append(reason)


def read_recording(lines: Iterable[str], tag: str) -> TagReadings:
    """`tag`'s readings from a recording's `lines` (see the module docstring)."""
    out = TagReadings(tag)
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        topic = None
        if not text.startswith("{"):  # mosquitto_sub -v: the topic, a space, the payload
            topic, _, text = text.partition(" ")
        try:
            if topic is not None:
                parsed = parse_topic(topic)
                if parsed.topic is not Topic.SIGHTINGS:
                    out.reject(f"line {number}: {topic} is not a sightings topic")
                    continue
            batch = decode(Sightings, text.encode())
        except ProtocolError as exc:
            out.reject(f"line {number}: {exc}")
            continue
        out.take(batch)
    return out


class TagFeed:
    """`tag`'s readings from every gateway of `store`, live, between `start` and `stop`."""

    def __init__(self, settings: MqttSettings, store: str, tag: str) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._readings = TagReadings(tag)
        self._client = MqttClient(
            settings, store=store, client_id=new_client_id(), source="monitor", status=None, persistent=False
        )
        self._client.subscribe_raw(Topic.SIGHTINGS.filter(store), self._on_message, qos=Topic.SIGHTINGS.spec.qos)

    def start(self, timeout: float) -> None:
        """Connect and subscribe; `BrokerUnreachable` when that has not happened within `timeout` seconds."""
        start_listening(self._client, self.settings, timeout)

    def stop(self) -> None:
        self._client.stop(timeout=1.0)

    def snapshot(self) -> TagReadings:
        """A copy of what was heard so far."""
        with self._lock:
            r = self._readings
            return TagReadings(r.tag, list(r.readings), r.batches, r.rejected, list(r.reasons), set(r.seen))

    def _on_message(self, raw_topic: str, payload: bytes, _retained: bool) -> None:
        try:
            message = decode_for(parse_topic(raw_topic).topic, payload)
        except ProtocolError as exc:
            with self._lock:
                self._readings.reject(f"{raw_topic}: {exc}")
            return
        if isinstance(message, Sightings):
            with self._lock:
                self._readings.take(message)
