"""Which beacons a gateway may forward.

Only frames that pass the allow-list leave the gateway; everything else — every other phone in the shop —
stays in memory for at most one report interval and is never written, logged with identifiers, or published.
The decision works on the wire id alone (see `edge.protocol.ids`), with one set lookup per frame.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from edge.protocol import AllowList as AllowListMessage

_UUID_RE: Final = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_NAMESPACE_RE: Final = re.compile(r"^[0-9a-f]{20}$")
_ALT_RE: Final = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{40}$")


def _normalise(values: Iterable[str], pattern: re.Pattern[str], what: str) -> frozenset[str]:
    out = set()
    for value in values:
        v = value.strip().lower()
        if v.startswith("{") and v.endswith("}"):
            v = v[1:-1]
        if not pattern.fullmatch(v):
            raise ValueError(f"{what}: {value!r} is not a valid {what.rstrip('s').replace('_', ' ')}")
        out.add(v)
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class AllowList:
    """The frames a gateway forwards.

    `eid`: Eddystone-EID frames (rotating ids: the gateway cannot tell members from strangers, so it forwards
    them all and the hub drops what resolves to no enrolled, consenting device). `ibeacon_uuids`: iBeacon
    proximity UUIDs (the retailer's key-fob tags). `eddystone_namespaces`: Eddystone-UID namespaces (20 hex).
    `altbeacon_ids`: AltBeacon ``<manufacturer id 4 hex>:<beacon id 40 hex>``.
    """

    eid: bool = True
    ibeacon_uuids: frozenset[str] = frozenset()
    eddystone_namespaces: frozenset[str] = frozenset()
    altbeacon_ids: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        *,
        eid: bool = True,
        ibeacon_uuids: Iterable[str] = (),
        eddystone_namespaces: Iterable[str] = (),
        altbeacon_ids: Iterable[str] = (),
    ) -> AllowList:
        """Validate and normalise (lower case, braces dropped); `ValueError` names the bad entry."""
        return cls(
            eid=eid,
            ibeacon_uuids=_normalise(ibeacon_uuids, _UUID_RE, "ibeacon_uuids"),
            eddystone_namespaces=_normalise(eddystone_namespaces, _NAMESPACE_RE, "eddystone_namespaces"),
            altbeacon_ids=_normalise(altbeacon_ids, _ALT_RE, "altbeacon_ids"),
        )

    @classmethod
    def from_message(cls, message: AllowListMessage) -> AllowList:
        return cls.build(
            eid=message.eid,
            ibeacon_uuids=message.ibeacon_uuids,
            eddystone_namespaces=message.eddystone_namespaces,
            altbeacon_ids=message.altbeacon_ids,
        )

    def allows(self, beacon_id: str) -> bool:
        """Whether a frame with this wire id may be forwarded. Slices, not parsing: this runs per advert."""
        kind = beacon_id[:3]
        if kind == "eid":
            return self.eid
        if kind == "ib:":
            return beacon_id[3:39] in self.ibeacon_uuids
        if kind == "uid":
            return beacon_id[4:24] in self.eddystone_namespaces
        if kind == "alt":
            return beacon_id[4:49] in self.altbeacon_ids
        return False

    @property
    def empty(self) -> bool:
        return not (self.eid or self.ibeacon_uuids or self.eddystone_namespaces or self.altbeacon_ids)
