"""Errors of the MQTT contract."""

from __future__ import annotations

from edge.errors import CorsiaError


class ProtocolError(CorsiaError):
    """A payload or topic that does not fit the MQTT contract.

    `field` is the path of the offending field (``"items[0].rssi"``; ``""`` for the payload as a whole),
    `reason` says what is wrong, `topic` is the topic it arrived on when known.
    """

    def __init__(self, reason: str, *, field: str = "", topic: str = "") -> None:
        self.reason = reason
        self.field = field
        self.topic = topic
        where = f"field {field!r}: " if field else ""
        super().__init__(f"{where}{reason}")


class TopicError(ProtocolError):
    """A topic string that is not part of the contract, or a bad topic part (store or device id)."""
