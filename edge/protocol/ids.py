"""Beacon identifiers as they appear on the wire (`Sighting.id`).

Four forms, all lower-case hex:

* ``eid:<16 hex>`` — an Eddystone-EID (rotating, resolved by the hub);
* ``ib:<uuid>:<major>:<minor>`` — an iBeacon, major and minor in decimal (0–65535);
* ``uid:<namespace 20 hex>:<instance 12 hex>`` — an Eddystone-UID;
* ``alt:<manufacturer id 4 hex>:<beacon id 40 hex>`` — an AltBeacon.

A MAC address is never an identifier: it is not in any of these forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

BeaconKind = Literal["eid", "ib", "uid", "alt"]

# One regular expression for the wire format, used by the message schema; the builders below are the only
# producers of these strings so the two cannot drift apart.
_U16: Final = r"(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}|0)"
ID_PATTERN: Final = (
    r"^(?:eid:[0-9a-f]{16}"
    rf"|ib:[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}:{_U16}:{_U16}"
    r"|uid:[0-9a-f]{20}:[0-9a-f]{12}"
    r"|alt:[0-9a-f]{4}:[0-9a-f]{40})\Z"
)
_ID_RE: Final = re.compile(ID_PATTERN)


@dataclass(frozen=True, slots=True)
class BeaconId:
    """A parsed wire identifier: its `kind` and its parts (hex strings or decimal numbers as text)."""

    kind: BeaconKind
    parts: tuple[str, ...]

    def __str__(self) -> str:
        return ":".join((self.kind, *self.parts))


def eid_id(eid: bytes) -> str:
    """The wire id of an 8-byte Eddystone ephemeral identifier."""
    if len(eid) != 8:
        raise ValueError(f"an EID is 8 bytes, got {len(eid)}")
    return "eid:" + eid.hex()


def ibeacon_id(uuid: bytes, major: int, minor: int) -> str:
    """The wire id of an iBeacon from its 16-byte proximity UUID, major and minor."""
    if len(uuid) != 16:
        raise ValueError(f"an iBeacon UUID is 16 bytes, got {len(uuid)}")
    if not (0 <= major <= 0xFFFF and 0 <= minor <= 0xFFFF):
        raise ValueError("iBeacon major and minor are 0..65535")
    h = uuid.hex()
    return f"ib:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}:{major}:{minor}"


def eddystone_uid_id(namespace: bytes, instance: bytes) -> str:
    """The wire id of an Eddystone-UID from its 10-byte namespace and 6-byte instance."""
    if len(namespace) != 10 or len(instance) != 6:
        raise ValueError("an Eddystone-UID is a 10-byte namespace and a 6-byte instance")
    return f"uid:{namespace.hex()}:{instance.hex()}"


def altbeacon_id(manufacturer_id: int, beacon_id: bytes) -> str:
    """The wire id of an AltBeacon from its manufacturer id and 20-byte beacon id."""
    if not 0 <= manufacturer_id <= 0xFFFF or len(beacon_id) != 20:
        raise ValueError("an AltBeacon is a 16-bit manufacturer id and a 20-byte beacon id")
    return f"alt:{manufacturer_id:04x}:{beacon_id.hex()}"


def is_beacon_id(text: str) -> bool:
    """Whether `text` is a well-formed wire identifier (major and minor within 0..65535)."""
    return _ID_RE.fullmatch(text) is not None


def parse_beacon_id(text: str) -> BeaconId:
    """Split a wire identifier into its kind and parts; `ValueError` when it is not one."""
    if not is_beacon_id(text):
        raise ValueError(f"not a Corsia beacon id: {text!r}")
    kind, *parts = text.split(":")
    return BeaconId(kind=kind, parts=tuple(parts))  # type: ignore[arg-type]  # kind checked by the pattern
