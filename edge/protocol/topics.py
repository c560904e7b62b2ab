"""The topics of the MQTT contract: one table, with a builder, a subscription filter and a parser.

Every topic lives under ``corsia/v1/{store}/``. Some carry a device part (a gateway, a kiosk, a till):
``gw/{device}/sightings``. The table below is the single source of truth for each topic's template, payload
type, QoS, retain flag and size limit; ``docs/mqtt.md`` documents the same table and a test keeps the two in
step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Final

from edge.protocol import messages as m
from edge.protocol.errors import TopicError

ROOT: Final = "corsia/v1"
_PART_RE: Final = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
KIB: Final = 1024


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """How one topic is used: its template below the store, payload type, QoS, retain and size limit."""

    template: str  # e.g. "gw/{device}/sightings"
    message: type[m.Message]
    qos: int
    retain: bool
    max_bytes: int = 64 * KIB

    @property
    def has_device(self) -> bool:
        return "{device}" in self.template


class Topic(Enum):
    """Every topic of contract version 1."""

    SIGHTINGS = TopicSpec("gw/{device}/sightings", m.Sightings, 1, False, max_bytes=1024 * KIB)
    GATEWAY_STATUS = TopicSpec("gw/{device}/status", m.Status, 1, True)
    GATEWAY_HEALTH = TopicSpec("gw/{device}/health", m.GatewayHealth, 0, False)
    GATEWAY_CONFIG = TopicSpec("gw/{device}/config", m.GatewayConfig, 1, True, max_bytes=256 * KIB)
    GATEWAY_CONFIG_APPLIED = TopicSpec("gw/{device}/config/applied", m.ConfigApplied, 1, False)
    GATEWAY_CMD = TopicSpec("gw/{device}/cmd", m.Command, 1, False)
    GATEWAY_CMD_RESULT = TopicSpec("gw/{device}/cmd/result", m.CommandResult, 1, False)
    HUB_STATUS = TopicSpec("hub/status", m.Status, 1, True)
    JOURNEY = TopicSpec("journey", m.Journey, 1, False)
    OCCUPANCY = TopicSpec("occupancy", m.Occupancy, 0, True)
    RECEIPT = TopicSpec("pos/{device}/receipt", m.Receipt, 1, False, max_bytes=256 * KIB)
    STAFF_ALERT = TopicSpec("staff/alerts", m.StaffAlert, 1, False)
    ALERT = TopicSpec("alerts", m.Alert, 1, False)
    ERRORS = TopicSpec("errors", m.ErrorEvent, 1, False)
    KIOSK_STATUS = TopicSpec("kiosk/{device}/status", m.Status, 1, True)
    KIOSK_HEALTH = TopicSpec("kiosk/{device}/health", m.KioskHealth, 0, False)

    @property
    def spec(self) -> TopicSpec:
        spec: TopicSpec = self.value
        return spec

    def build(self, store: str, device: str | None = None) -> str:
        """The concrete topic for `store` (and `device`, for per-device topics)."""
        _check_part("store", store)
        if self.spec.has_device:
            if device is None:
                raise TopicError(f"topic {self.name} needs a device id", field="device")
            _check_part("device", device)
            return f"{ROOT}/{store}/" + self.spec.template.format(device=device)
        if device is not None:
            raise TopicError(f"topic {self.name} has no device part", field="device")
        return f"{ROOT}/{store}/{self.spec.template}"

    def filter(self, store: str = "+", device: str = "+") -> str:
        """A subscription filter: every device of this topic in `store` unless narrowed."""
        if store != "+":
            _check_part("store", store)
        if device != "+":
            _check_part("device", device)
        return f"{ROOT}/{store}/" + self.spec.template.format(device=device)


@dataclass(frozen=True, slots=True)
class ParsedTopic:
    """A topic string understood: which contract topic, for which store and device."""

    topic: Topic
    store: str
    device: str | None


def _check_part(name: str, value: str) -> None:
    if not _PART_RE.fullmatch(value):
        raise TopicError(
            f"{name} id {value!r} must be 1-32 of a-z, 0-9 and '-', starting with a letter or digit", field=name
        )


# Parsing indexes templates by their shape: "gw/+/sightings" -> SIGHTINGS. Split once, look up once.
_FIXED: Final[dict[tuple[str, ...], Topic]] = {
    tuple(t.spec.template.split("/")): t for t in Topic if not t.spec.has_device
}
_PER_DEVICE: Final[dict[tuple[str, ...], Topic]] = {
    tuple("+" if p == "{device}" else p for p in t.spec.template.split("/")): t for t in Topic if t.spec.has_device
}


def parse_topic(topic: str) -> ParsedTopic:
    """Which contract topic `topic` is; `TopicError` when it is none."""
    parts = topic.split("/")
    if len(parts) < 4 or f"{parts[0]}/{parts[1]}" != ROOT:
        raise TopicError(f"not a Corsia v1 topic: {topic!r}", topic=topic)
    store, rest = parts[2], parts[3:]
    if not _PART_RE.fullmatch(store):
        raise TopicError(f"bad store id in topic {topic!r}", field="store", topic=topic)
    kind = _FIXED.get(tuple(rest))
    if kind is not None:
        return ParsedTopic(topic=kind, store=store, device=None)
    if len(rest) >= 3:
        kind = _PER_DEVICE.get((rest[0], "+", *rest[2:]))
        if kind is not None:
            if not _PART_RE.fullmatch(rest[1]):
                raise TopicError(f"bad device id in topic {topic!r}", field="device", topic=topic)
            return ParsedTopic(topic=kind, store=store, device=rest[1])
    raise TopicError(f"unknown Corsia v1 topic: {topic!r}", topic=topic)


def topic_matches(pattern: str, topic: str) -> bool:
    """MQTT filter matching (``+`` one level, ``#`` the rest), for routing received messages."""
    pat, top = pattern.split("/"), topic.split("/")
    for i, p in enumerate(pat):
        if p == "#":
            return True
        if i >= len(top) or (p != "+" and p != top[i]):
            return False
    return len(pat) == len(top)
