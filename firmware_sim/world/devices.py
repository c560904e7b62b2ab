"""The firmware of the devices shoppers carry: what each one advertises, and when.

* `EidPhone` — an Android phone with the loyalty app: Eddystone-EID frames (`edge.identity.eid`) from a 16-byte
  identity key, rotating every 2^K s by the phone's own, drifting clock; the app's advertiser switches to the
  new EID a random moment after each window boundary (Android batches the work). The same class, with a key
  nobody enrolled, is a stranger's phone (another app using Eddystone-EID) that the hub must ignore.
* `IBeaconTag` — the loyalty key-fob tag: a fixed iBeacon (Apple company id 0x004C, ``02 15``, UUID, major,
  minor, measured power at 1 m).
* `firmware_sim.world.chatter` — everything else in the air (iPhones, earbuds, watches...).

A device's `frame(t)` is what it advertises at `t` seconds after the scenario's start: manufacturer data and
service data in the shapes of bleak's ``AdvertisementData`` and the advertiser address. Frames are built once
per change and shared between adverts: treat the dicts as read-only. When a device advertises is the stream's
business (`next_interval`), with the device's own random stream.
"""

from __future__ import annotations

import math
import random
from typing import Final

from edge.identity import eid
from edge.protocol.ids import ibeacon_id
from firmware_sim.world import seeds
from gateway.beacons import APPLE_COMPANY_ID, EDDYSTONE_LOSS_AT_1M_DB, EDDYSTONE_UUID

ManufacturerData = dict[int, bytes]
ServiceData = dict[str, bytes]
Frame = tuple[ManufacturerData, ServiceData, str]
"""(manufacturer_data, service_data, advertiser address) of one advert."""

EID_FRAME_TYPE: Final = 0x30
DEFAULT_K: Final = 10
MAX_DRIFT_PPM: Final = 150.0  # the Eddystone-EID spec's bound on a beacon's clock
ANDROID_INTERVALS_S: Final = (0.1, 0.25, 1.0)  # AdvertiseSettings LOW_LATENCY, BALANCED, LOW_POWER
ADDRESS_ROTATION_S: Final = 900.0  # BLE privacy: resolvable private addresses change about every 15 min


def signed_byte(value: int) -> int:
    """A signed dBm value (-128..127) as the byte sent on the air."""
    if not -128 <= value <= 127:
        raise ValueError(f"{value} does not fit in a signed byte")
    return value & 0xFF


def random_address(seed: int, *names: object, static: bool = False) -> str:
    """A random BLE address: resolvable private (top bits 01) or static random (top bits 11)."""
    rng = seeds.stream(seed, "address", *names)
    octets = bytearray(rng.randbytes(6))
    octets[0] = (octets[0] & 0x3F) | (0xC0 if static else 0x40)
    return ":".join(f"{b:02X}" for b in octets)


class Device:
    """One advertiser: its id, how loud it really is, and how often it advertises."""

    __slots__ = ("id", "interval_s", "jitter", "kind", "seed", "tx_1m_dbm")

    def __init__(
        self, device_id: str, kind: str, *, tx_1m_dbm: float, interval_s: float, jitter: float = 0.1, seed: int = 0
    ) -> None:
        if not 0.02 <= interval_s <= 10.24:  # the BLE advertising interval range
            raise ValueError(f"{device_id}: advertising interval {interval_s} s is outside 20 ms..10.24 s")
        if not 0 <= jitter < 0.5:
            raise ValueError(f"{device_id}: jitter must be in [0, 0.5)")
        self.id = device_id
        self.kind = kind
        # The real radiated power referred to 1 m (what the radio model uses); what the frame *claims* may differ.
        self.tx_1m_dbm = tx_1m_dbm
        self.interval_s = interval_s
        self.jitter = jitter
        self.seed = seed

    def next_interval(self, rng: random.Random) -> float:
        """Seconds to the next advert: the nominal interval ± `jitter` (uniform, per advert)."""
        return self.interval_s * (1.0 + rng.uniform(-self.jitter, self.jitter))

    def frame(self, t: float) -> Frame:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id!r}, kind={self.kind!r}, interval_s={self.interval_s:g})"


class EidPhone(Device):
    """A phone advertising Eddystone-EID frames from `identity_key` (a secret: never in the repr).

    The phone's clock reads ``start_t + clock_offset_s + t × (1 + drift_ppm·1e-6)`` at `t` seconds after the
    scenario started (so it was `clock_offset_s` off at the start and drifts from there). The EID follows that
    clock, except that the switch to a window's EID comes ``switch_delay_s(window)`` after the window's start, a
    stateless random share (up to `switch_fraction`) of the window: until then the previous EID stays on air.
    The advertiser address rotates with the EID, as the spec recommends.
    """

    __slots__ = (
        "_cached",
        "advertised_tx_1m",
        "clock_offset_s",
        "drift_ppm",
        "identity_key",
        "k",
        "start_t",
        "switch_fraction",
    )

    def __init__(
        self,
        device_id: str,
        identity_key: bytes,
        *,
        start_t: float,
        k: int = DEFAULT_K,
        drift_ppm: float = 0.0,
        clock_offset_s: float = 0.0,
        switch_fraction: float = 0.02,
        tx_1m_dbm: float = -59.0,
        advertised_tx_1m: int = -59,
        interval_s: float = 0.25,
        jitter: float = 0.1,
        seed: int = 0,
        kind: str = "eid-phone",
    ) -> None:
        super().__init__(device_id, kind, tx_1m_dbm=tx_1m_dbm, interval_s=interval_s, jitter=jitter, seed=seed)
        if len(identity_key) != 16:
            raise ValueError(f"{device_id}: the identity key must be 16 bytes")
        if abs(drift_ppm) > MAX_DRIFT_PPM:
            raise ValueError(f"{device_id}: clock drift {drift_ppm} ppm is beyond ±{MAX_DRIFT_PPM:g} ppm")
        if not 0 <= switch_fraction < 1:
            raise ValueError(f"{device_id}: switch_fraction must be in [0, 1)")
        signed_byte(advertised_tx_1m + EDDYSTONE_LOSS_AT_1M_DB)
        self.identity_key = identity_key
        self.k = k
        self.start_t = start_t
        self.drift_ppm = drift_ppm
        self.clock_offset_s = clock_offset_s
        self.switch_fraction = switch_fraction
        self.advertised_tx_1m = advertised_tx_1m
        self._cached: tuple[int, Frame] | None = None

    @property
    def period_s(self) -> int:
        return 1 << self.k

    def clock(self, t: float) -> float:
        """The phone's own Unix time at `t` seconds into the scenario."""
        return self.start_t + self.clock_offset_s + t * (1.0 + self.drift_ppm * 1e-6)

    def switch_delay_s(self, window: int) -> float:
        """How long after the start of `window` (by the phone's clock) its EID goes on air."""
        return seeds.unit(self.seed, "eid-switch", self.id, window) * self.switch_fraction * self.period_s

    def window_at(self, t: float) -> int:
        """The absolute EID window (``floor(clock) >> k``) whose EID the phone advertises at `t`."""
        own = self.clock(t)
        window = math.floor(own) >> self.k
        if own - (window << self.k) < self.switch_delay_s(window):
            window -= 1
        return window

    def eid_at(self, t: float) -> bytes:
        """The 8-byte EID on air at `t`."""
        return eid(self.identity_key, self.k, self.window_at(t) << self.k)

    def frame(self, t: float) -> Frame:
        window = self.window_at(t)
        cached = self._cached
        if cached is not None and cached[0] == window:
            return cached[1]
        value = eid(self.identity_key, self.k, window << self.k)
        tx0 = signed_byte(self.advertised_tx_1m + EDDYSTONE_LOSS_AT_1M_DB)
        frame: Frame = (
            {},
            {EDDYSTONE_UUID: bytes((EID_FRAME_TYPE, tx0)) + value},
            random_address(self.seed, self.id, window),
        )
        self._cached = (window, frame)
        return frame

    def __repr__(self) -> str:
        return f"EidPhone({self.id!r}, k={self.k}, drift_ppm={self.drift_ppm:.1f}, interval_s={self.interval_s:g})"


class IBeaconTag(Device):
    """A loyalty key-fob tag: one fixed iBeacon frame, a static random address."""

    __slots__ = ("_frame", "major", "measured_power", "minor", "uuid")

    def __init__(
        self,
        device_id: str,
        uuid: bytes,
        major: int,
        minor: int,
        *,
        measured_power: int = -59,
        tx_1m_dbm: float = -59.0,
        interval_s: float = 0.5,
        jitter: float = 0.1,
        seed: int = 0,
    ) -> None:
        super().__init__(device_id, "tag", tx_1m_dbm=tx_1m_dbm, interval_s=interval_s, jitter=jitter, seed=seed)
        if len(uuid) != 16 or not (0 <= major <= 0xFFFF and 0 <= minor <= 0xFFFF):
            raise ValueError(f"{device_id}: an iBeacon needs a 16-byte UUID and 16-bit major and minor")
        self.uuid = uuid
        self.major = major
        self.minor = minor
        self.measured_power = measured_power
        payload = b"\x02\x15" + uuid + major.to_bytes(2, "big") + minor.to_bytes(2, "big")
        payload += bytes((signed_byte(measured_power),))
        self._frame: Frame = ({APPLE_COMPANY_ID: payload}, {}, random_address(seed, device_id, static=True))

    @property
    def wire_id(self) -> str:
        """``ib:<uuid>:<major>:<minor>``, the id the gateway reports."""
        return ibeacon_id(self.uuid, self.major, self.minor)

    def frame(self, t: float) -> Frame:
        return self._frame
