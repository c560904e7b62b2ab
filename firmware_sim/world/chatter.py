"""Everything else in the air of a shop: advertisers that are not loyalty beacons.

The gateway must decode these and drop them (not a beacon frame, or a beacon frame not on the allow-list), and
the hub must never see them. Byte layouts follow the public reverse-engineering of Apple Continuity messages
(furiousMAC/continuity: Nearby Info 0x10, Proximity Pairing 0x07, Find My 0x12), Google Fast Pair (service
0xFE2C), Tile (0xFEED), Microsoft CDP (company 0x0006), Samsung (0x0075) and Garmin (0x0087) manufacturer data,
and the beacon specs for the neighbours' Eddystone-UID and AltBeacon. Contents that vary on the air (status
flags, authentication tags, rolling keys) are random, re-drawn every `ROTATION_S` with the address.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Final

from firmware_sim.world import seeds
from firmware_sim.world.devices import ADDRESS_ROTATION_S, Device, Frame, random_address, signed_byte
from gateway.beacons import APPLE_COMPANY_ID, EDDYSTONE_UUID

ROTATION_S: Final = ADDRESS_ROTATION_S
FAST_PAIR_UUID: Final = "0000fe2c-0000-1000-8000-00805f9b34fb"
TILE_UUID: Final = "0000feed-0000-1000-8000-00805f9b34fb"
MICROSOFT: Final = 0x0006
SAMSUNG: Final = 0x0075
GARMIN: Final = 0x0087
RADIUS_NETWORKS: Final = 0x0118  # an AltBeacon's usual company id

Builder = Callable[[random.Random], tuple[dict[int, bytes], dict[str, bytes]]]


def _iphone(rng: random.Random) -> tuple[dict[int, bytes], dict[str, bytes]]:
    # Nearby Info (type 0x10, 5 bytes: status, flags/action, 3-byte auth tag), often with Handoff (0x0c).
    nearby = bytes((0x10, 0x05, rng.choice((0x01, 0x03, 0x07, 0x0B)), rng.choice((0x18, 0x1C, 0x98))))
    nearby += rng.randbytes(3)
    if rng.random() < 0.4:
        nearby += bytes((0x0C, 0x0E, 0x00)) + rng.randbytes(13)
    return {APPLE_COMPANY_ID: nearby}, {}


def _airpods(rng: random.Random) -> tuple[dict[int, bytes], dict[str, bytes]]:
    # Proximity Pairing (type 0x07, 25 bytes): prefix 0x01, device model, status, battery, lid, encrypted tail.
    model = rng.choice((b"\x02\x20", b"\x0e\x20", b"\x13\x20", b"\x14\x20"))
    body = b"\x01" + model + bytes((rng.randrange(256), rng.randrange(256), rng.randrange(256))) + rng.randbytes(19)
    return {APPLE_COMPANY_ID: bytes((0x07, 0x19)) + body}, {}


def _findmy(rng: random.Random) -> tuple[dict[int, bytes], dict[str, bytes]]:
    # Find My offline finding (type 0x12, 25 bytes): status, 22 bytes of public key, key bits, hint.
    return {APPLE_COMPANY_ID: bytes((0x12, 0x19, 0x10)) + rng.randbytes(22) + bytes((rng.randrange(4), 0x00))}, {}


def _fast_pair(rng: random.Random) -> tuple[dict[int, bytes], dict[str, bytes]]:
    # Not discoverable: a flags byte, then an account-key filter with its salt.
    return {}, {FAST_PAIR_UUID: b"\x00\x60" + rng.randbytes(6) + b"\x11" + rng.randbytes(1)}


def _samsung(rng: random.Random) -> tuple[dict[int, bytes], dict[str, bytes]]:
    return {SAMSUNG: b"\x42\x09\x81\x02\x14\x15\x03\x21\x01\x09" + rng.randbytes(10)}, {}


def _windows(rng: random.Random) -> tuple[dict[int, bytes], dict[str, bytes]]:
    # Connected Devices Platform beacon: scenario 0x01, version/device type, flags, salt and hash.
    return {MICROSOFT: b"\x01\x09\x20\x02" + rng.randbytes(23)}, {}


def _watch(rng: random.Random) -> tuple[dict[int, bytes], dict[str, bytes]]:
    return {GARMIN: rng.randbytes(12)}, {}


def _tile(rng: random.Random) -> tuple[dict[int, bytes], dict[str, bytes]]:
    return {}, {TILE_UUID: b"\x02\x00" + rng.randbytes(8)}


def _neighbour_uid(rng: random.Random) -> tuple[dict[int, bytes], dict[str, bytes]]:
    # The shop next door's Eddystone-UID (a valid beacon frame, not on our allow-list). Fixed ids.
    frame = bytes((0x00, signed_byte(-20))) + bytes.fromhex("edd1ebeac04e5defa017") + bytes.fromhex("0badc0ffee01")
    return {}, {EDDYSTONE_UUID: frame + b"\x00\x00"}


def _neighbour_altbeacon(rng: random.Random) -> tuple[dict[int, bytes], dict[str, bytes]]:
    beacon_id = bytes.fromhex("5a4bcfce174e4bacb2e8be1ff1a4ce5a0000000f")
    return {RADIUS_NETWORKS: b"\xbe\xac" + beacon_id + bytes((signed_byte(-60), 0x00))}, {}


# name -> (builder, shortest and longest nominal interval in seconds, radiated power at 1 m)
PROFILES: Final[dict[str, tuple[Builder, float, float, float]]] = {
    "iphone": (_iphone, 0.2, 1.0, -60.0),
    "airpods": (_airpods, 0.3, 1.0, -66.0),
    "findmy": (_findmy, 2.0, 2.0, -62.0),
    "fast-pair": (_fast_pair, 0.25, 1.0, -64.0),
    "samsung": (_samsung, 0.5, 1.5, -60.0),
    "windows": (_windows, 1.0, 1.0, -58.0),
    "watch": (_watch, 1.0, 2.0, -68.0),
    "tile": (_tile, 2.0, 3.0, -62.0),
    "neighbour-uid": (_neighbour_uid, 1.0, 1.0, -61.0),
    "neighbour-altbeacon": (_neighbour_altbeacon, 1.0, 1.0, -60.0),
}


class ChatterDevice(Device):
    """A non-loyalty advertiser of one `PROFILES` kind; its payload and address change every `ROTATION_S`."""

    __slots__ = ("_builder", "_cached", "static")

    def __init__(
        self,
        device_id: str,
        profile: str,
        *,
        interval_s: float | None = None,
        tx_1m_dbm: float | None = None,
        jitter: float = 0.1,
        seed: int = 0,
    ) -> None:
        try:
            builder, low, high, tx = PROFILES[profile]
        except KeyError:
            raise ValueError(f"unknown chatter profile {profile!r}; known: {', '.join(PROFILES)}") from None
        if interval_s is None:
            interval_s = low + (high - low) * seeds.unit(seed, "chatter-interval", device_id)
        super().__init__(
            device_id,
            profile,
            tx_1m_dbm=tx if tx_1m_dbm is None else tx_1m_dbm,
            interval_s=interval_s,
            jitter=jitter,
            seed=seed,
        )
        self._builder = builder
        self.static = profile.startswith("neighbour-")
        self._cached: tuple[int, Frame] | None = None

    def frame(self, t: float) -> Frame:
        period = 0 if self.static else int(t // ROTATION_S)
        cached = self._cached
        if cached is not None and cached[0] == period:
            return cached[1]
        mfg, svc = self._builder(seeds.stream(self.seed, "chatter", self.id, period))
        frame: Frame = (mfg, svc, random_address(self.seed, self.id, period, static=self.static))
        self._cached = (period, frame)
        return frame
