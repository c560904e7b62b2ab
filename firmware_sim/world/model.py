"""The world's output types: an advert as a gateway hears it, and a ground-truth sample."""

from __future__ import annotations

from typing import NamedTuple

from edge.errors import CorsiaError


class WorldError(CorsiaError):
    """The simulated world was asked for something it does not have (an unknown scenario, a bad recording)."""


class Advert(NamedTuple):
    """One advertisement as one gateway's scanner delivers it: the shapes of bleak's ``AdvertisementData``.

    The dicts are shared between the gateways that heard the same advert and between adverts of an unchanged
    frame: read them, do not modify them.
    """

    manufacturer_data: dict[int, bytes]
    """Company id → the bytes after it."""
    service_data: dict[str, bytes]
    """Full lower-case 128-bit service UUID → data."""
    rssi: int
    """dBm, an integer as controllers report it."""
    address: str = ""
    """The advertiser's (random, rotating) address, as BlueZ would show it; never an identity."""


class TruthSample(NamedTuple):
    """Where a device really is at Unix time `t`: position in metres, the zone (`StoreLayout.zone_at`, None
    outside the store or in a gap) and whether it is inside the store (on the street it is not)."""

    t: float
    device_id: str
    x: float
    y: float
    zone: str | None
    in_store: bool
