"""The MQTT contract, version 1: topics, typed payloads and their strict codec.

    >>> from edge.protocol import Topic, Sightings, decode_for, encode, parse_topic
    >>> Topic.SIGHTINGS.build("demo", "gw-03")
    'corsia/v1/demo/gw/gw-03/sightings'

No paho, no Flask, no bleak here: every process imports this.
"""

from edge.protocol.codec import decode, decode_for, encode
from edge.protocol.errors import ProtocolError, TopicError
from edge.protocol.ids import (
    BeaconId,
    altbeacon_id,
    eddystone_uid_id,
    eid_id,
    ibeacon_id,
    is_beacon_id,
    parse_beacon_id,
)
from edge.protocol.messages import (
    PROTOCOL_VERSION,
    Alert,
    AllowList,
    Command,
    CommandResult,
    ConfigApplied,
    ErrorEvent,
    FilterParams,
    GatewayConfig,
    GatewayHealth,
    Journey,
    KioskHealth,
    Localized,
    Message,
    Occupancy,
    Receipt,
    ReceiptItem,
    Sighting,
    Sightings,
    StaffAlert,
    Status,
)
from edge.protocol.topics import ROOT, ParsedTopic, Topic, TopicSpec, parse_topic, topic_matches

__all__ = [
    "PROTOCOL_VERSION",
    "ROOT",
    "Alert",
    "AllowList",
    "BeaconId",
    "Command",
    "CommandResult",
    "ConfigApplied",
    "ErrorEvent",
    "FilterParams",
    "GatewayConfig",
    "GatewayHealth",
    "Journey",
    "KioskHealth",
    "Localized",
    "Message",
    "Occupancy",
    "ParsedTopic",
    "ProtocolError",
    "Receipt",
    "ReceiptItem",
    "Sighting",
    "Sightings",
    "StaffAlert",
    "Status",
    "Topic",
    "TopicError",
    "TopicSpec",
    "altbeacon_id",
    "decode",
    "decode_for",
    "eddystone_uid_id",
    "eid_id",
    "encode",
    "ibeacon_id",
    "is_beacon_id",
    "parse_beacon_id",
    "parse_topic",
    "topic_matches",
]
