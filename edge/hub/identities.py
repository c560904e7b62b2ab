"""Who is who in the store: an advertised id → the enrolled device → its member, for members who consent to
proximity only. A device whose member withdrew the proximity consent is taken out of the EID table, so its
EIDs resolve to nothing and are dropped like a stranger's: no presence is kept without the consent.

Not thread-safe: the hub's service thread owns it (the API tells the service, which calls here).
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass

from edge.identity import EidResolver
from edge.identity.eid import DEFAULT_K


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    """One enrolled device, as the hub's database gives it at start or after a change."""

    device_id: str
    member_id: str
    identity_key: bytes
    k: int = DEFAULT_K


@dataclass(frozen=True, slots=True)
class TagIdentity:
    """A key-fob tag advertising a fixed id (``ib:…``, ``uid:…``, ``alt:…``), registered to a member."""

    tag_id: str
    member_id: str
    wire_id: str


class Identities:
    """The EID resolver and the fixed tag ids, limited to consenting members, and the device → member map."""

    def __init__(self, resolver: EidResolver | None = None) -> None:
        self.resolver = resolver if resolver is not None else EidResolver()
        self._tags: dict[str, str] = {}  # fixed wire id → tag id
        self._member_of: dict[str, str] = {}
        # A tuple, not a set: almost every member has one phone, and 100,000 small sets would cost ~20 MB.
        self._devices_of: dict[str, tuple[str, ...]] = {}

    def load(
        self,
        devices: Iterable[DeviceIdentity],
        consenting: Container[str] | None = None,
        tags: Iterable[TagIdentity] = (),
    ) -> int:
        """Start from the database: enroll every device and tag whose member is in `consenting` (None: the rows
        are already limited to consenting members); how many were."""
        count = 0
        for device in devices:
            if consenting is None or device.member_id in consenting:
                self._add(device)
                count += 1
        for tag in tags:
            if consenting is None or tag.member_id in consenting:
                self._add_tag(tag)
                count += 1
        return count

    def set_member(
        self,
        member_id: str,
        devices: Iterable[DeviceIdentity],
        proximity: bool,
        tags: Iterable[TagIdentity] = (),
    ) -> None:
        """A member changed (consent, devices, tags, erasure): make the tables match what the database says now."""
        for device_id in self._devices_of.pop(member_id, ()):
            self.resolver.remove(device_id)
            self._member_of.pop(device_id, None)
        # Tags are few (a key fob per member who asked for one): a scan is cheaper than another index.
        for wire_id in [w for w, tag in self._tags.items() if self._member_of.get(tag) == member_id]:
            self._member_of.pop(self._tags.pop(wire_id), None)
        if proximity:
            for device in devices:
                self._add(device)
            for tag in tags:
                self._add_tag(tag)

    def resolve(self, wire_id: str, t: float) -> str | None:
        """The device behind a sighting's id at time `t`, or None (a stranger, or a member without consent)."""
        if wire_id.startswith("eid:"):
            return self.resolver.resolve(wire_id, t)
        return self._tags.get(wire_id)

    def member_of(self, device_id: str) -> str | None:
        return self._member_of.get(device_id)

    def __len__(self) -> int:
        return len(self._member_of)

    def _add_tag(self, tag: TagIdentity) -> None:
        self._tags[tag.wire_id] = tag.tag_id
        self._member_of[tag.tag_id] = tag.member_id

    def _add(self, device: DeviceIdentity) -> None:
        self.resolver.enroll(device.device_id, device.identity_key, device.k)
        self._member_of[device.device_id] = device.member_id
        known = self._devices_of.get(device.member_id, ())
        if device.device_id not in known:
            self._devices_of[device.member_id] = (*known, device.device_id)
