"""Beacon frames out of BLE advertisements: iBeacon, AltBeacon and the Eddystone family.

    >>> b = parse({}, {EDDYSTONE_UUID: bytes.fromhex("30e71a2b3c4d5e6f7a8b")})
    >>> b.kind, b.id, b.tx_power
    ('eddystone-eid', 'eid:1a2b3c4d5e6f7a8b', -66)

`parse` takes the two dicts of bleak's ``AdvertisementData`` — ``manufacturer_data`` keyed by the 16-bit company
id (the id stripped from the bytes) and ``service_data`` keyed by the full lower-case 128-bit UUID — and returns
the one frame the gateway reports, or ``None``. Any input at all gives a `Beacon` or ``None``, never an
exception: what does not follow a published layout exactly (length, prefix, frame type, version, URL codes) is
``None``. Byte layouts, sources and the choices made where a spec leaves room are in ``docs/beacons.md``.

Every `Beacon` has `kind`, `id` (the wire id of ``edge.protocol.ids``; ``None`` for URL and TLM frames, which
carry no identity) and `tx_power` (dBm at 1 m, ``None`` for TLM): callers use those three whatever the kind.

Pure: no bleak, no I/O. The only state is a bounded memo of recently seen frames (phones repeat identical
frames for minutes; a repeat costs one dict lookup instead of a parse).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final, Literal

from edge.protocol.ids import altbeacon_id, eddystone_uid_id, eid_id, ibeacon_id

FrameKind = Literal["ibeacon", "altbeacon", "eddystone-uid", "eddystone-url", "eddystone-tlm", "eddystone-eid"]

EDDYSTONE_UUID: Final = "0000feaa-0000-1000-8000-00805f9b34fb"
"""The ``service_data`` key of Eddystone frames (16-bit service UUID 0xFEAA in the Bluetooth base UUID)."""
APPLE_COMPANY_ID: Final = 0x004C
"""The ``manufacturer_data`` key of iBeacon frames."""
EDDYSTONE_LOSS_AT_1M_DB: Final = 41
"""Eddystone's ranging data is the power at 0 m; the spec puts the loss over the first metre at 41 dB."""
MEMO_SIZE: Final = 4096
"""How many distinct recognised frames the memo keeps before it starts again from empty."""


# --- the frames --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Beacon:
    """One recognised frame. Use the subclasses' fields for what only that kind carries."""

    kind: ClassVar[FrameKind]
    id: str | None
    """The wire id (``eid:…``, ``ib:…``, ``uid:…``, ``alt:…``); ``None`` for frames without identity."""
    tx_power: int | None
    """Calibrated power at 1 m in dBm (Eddystone's 0 m value minus 41 dB); ``None`` when the frame has none."""


@dataclass(frozen=True, slots=True)
class IBeacon(Beacon):
    """Apple iBeacon: manufacturer data of company 0x004C, ``02 15`` uuid major minor power."""

    kind: ClassVar[FrameKind] = "ibeacon"
    uuid: bytes
    """The 16-byte proximity UUID as sent (`uuid_text` is its canonical lower-case form)."""
    major: int
    minor: int

    @property
    def uuid_text(self) -> str:
        """The proximity UUID as ``xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx``, lower case (as in the wire id)."""
        return self.id[3:39] if self.id is not None else ""


@dataclass(frozen=True, slots=True)
class AltBeacon(Beacon):
    """AltBeacon: manufacturer data of any company, ``be ac`` + 20-byte beacon id + reference RSSI + reserved."""

    kind: ClassVar[FrameKind] = "altbeacon"
    company_id: int
    beacon_id: bytes
    reserved: int
    """The manufacturer-reserved byte, meaning defined by `company_id`."""


@dataclass(frozen=True, slots=True)
class EddystoneUid(Beacon):
    """Eddystone-UID (frame type 0x00): a fixed 10-byte namespace and 6-byte instance."""

    kind: ClassVar[FrameKind] = "eddystone-uid"
    namespace: bytes
    instance: bytes


@dataclass(frozen=True, slots=True)
class EddystoneUrl(Beacon):
    """Eddystone-URL (frame type 0x10): a compressed URL. `id` is always ``None``."""

    kind: ClassVar[FrameKind] = "eddystone-url"
    url: str


@dataclass(frozen=True, slots=True)
class EddystoneTlm(Beacon):
    """Eddystone-TLM version 0 (frame type 0x20): plain telemetry. `id` and `tx_power` are always ``None``."""

    kind: ClassVar[FrameKind] = "eddystone-tlm"
    version: int
    battery_mv: int | None
    """Battery voltage in mV; ``None`` when the beacon sends 0 (not supported, e.g. USB powered)."""
    temperature_c: float | None
    """Temperature in °C (signed 8.8 fixed point on the air); ``None`` for 0x8000 (not supported)."""
    adv_count: int
    """Advertising PDUs sent since power-up or reboot."""
    uptime_s: float
    """Time since power-up or reboot in seconds (sent in 0.1 s units)."""


@dataclass(frozen=True, slots=True)
class EddystoneEtlm(Beacon):
    """Eddystone-TLM version 1 (frame type 0x20): encrypted telemetry, kind ``eddystone-tlm`` like version 0.

    Only the EID's identity key opens it (AES-EAX), so the gateway forwards or drops it as it stands.
    """

    kind: ClassVar[FrameKind] = "eddystone-tlm"
    version: int
    encrypted: bytes
    """The 12 bytes of encrypted telemetry."""
    salt: bytes
    """The 2-byte random salt of the nonce."""
    mic: bytes
    """The 2-byte message integrity check (AES-EAX tag)."""


@dataclass(frozen=True, slots=True)
class EddystoneEid(Beacon):
    """Eddystone-EID (frame type 0x30): an 8-byte ephemeral identifier — what loyalty phones send."""

    kind: ClassVar[FrameKind] = "eddystone-eid"
    eid: bytes


KINDS: Final[tuple[FrameKind, ...]] = (
    "ibeacon",
    "altbeacon",
    "eddystone-uid",
    "eddystone-url",
    "eddystone-tlm",
    "eddystone-eid",
)

# --- constants for the decoders ----------------------------------------------------------------------------

# A byte as a signed 8-bit integer (two's complement), and the same minus Eddystone's 41 dB: a tuple index is
# cheaper than arithmetic on the hot path.
_S8: Final[tuple[int, ...]] = tuple(b - 256 if b > 127 else b for b in range(256))
_S8_AT_1M: Final[tuple[int, ...]] = tuple(v - EDDYSTONE_LOSS_AT_1M_DB for v in _S8)

_FRAME_UID: Final = 0x00
_FRAME_URL: Final = 0x10
_FRAME_TLM: Final = 0x20
_FRAME_EID: Final = 0x30

_URL_SCHEMES: Final = ("http://www.", "https://www.", "http://", "https://")
_URL_EXPANSIONS: Final = (
    ".com/",
    ".org/",
    ".edu/",
    ".net/",
    ".info/",
    ".biz/",
    ".gov/",
    ".com",
    ".org",
    ".edu",
    ".net",
    ".info",
    ".biz",
    ".gov",
)
# Each URL byte's text: the 14 expansion codes, then the graphic US-ASCII characters 0x21–0x7E; everything else
# (0x0E–0x20, 0x7F–0xFF) is reserved and makes the frame invalid.
_URL_TEXT: Final[tuple[str | None, ...]] = tuple(
    _URL_EXPANSIONS[b] if b < len(_URL_EXPANSIONS) else chr(b) if 0x21 <= b <= 0x7E else None for b in range(256)
)


# --- the decoders of one frame -----------------------------------------------------------------------------


def parse_eddystone(frame: bytes) -> Beacon | None:
    """One Eddystone service-data frame (the bytes under `EDDYSTONE_UUID`), or ``None`` when it is not valid."""
    n = len(frame)
    if n < 2:
        return None
    frame_type = frame[0]
    if frame_type == _FRAME_EID:
        if n != 10:
            return None
        eid = frame[2:10]
        return EddystoneEid(eid_id(eid), _S8_AT_1M[frame[1]], eid)
    if frame_type == _FRAME_UID:
        # 20 bytes by the spec; 18 from implementations that leave out the two RFU bytes, which the spec
        # mentions and which are common in the field. The RFU bytes' value is not checked.
        if n != 20 and n != 18:
            return None
        namespace = frame[2:12]
        instance = frame[12:18]
        return EddystoneUid(eddystone_uid_id(namespace, instance), _S8_AT_1M[frame[1]], namespace, instance)
    if frame_type == _FRAME_TLM:
        version = frame[1]
        if version == 0:
            if n != 14:
                return None
            battery = frame[2] << 8 | frame[3]
            temp = frame[4] << 8 | frame[5]
            return EddystoneTlm(
                None,
                None,
                0,
                battery or None,
                None if temp == 0x8000 else (temp - 0x10000 if temp & 0x8000 else temp) / 256,
                int.from_bytes(frame[6:10], "big"),
                int.from_bytes(frame[10:14], "big") / 10,
            )
        if version == 1 and n == 18:
            return EddystoneEtlm(None, None, 1, frame[2:14], frame[14:16], frame[16:18])
        return None
    if frame_type == _FRAME_URL:
        if n < 3 or n > 20 or frame[2] >= len(_URL_SCHEMES):
            return None
        parts = [_URL_SCHEMES[frame[2]]]
        for byte in frame[3:]:
            text = _URL_TEXT[byte]
            if text is None:
                return None
            parts.append(text)
        return EddystoneUrl(None, _S8_AT_1M[frame[1]], "".join(parts))
    return None


def parse_ibeacon(data: bytes) -> IBeacon | None:
    """Apple manufacturer data (company id stripped) as an iBeacon, or ``None`` when it is not one."""
    if len(data) != 23 or data[0] != 0x02 or data[1] != 0x15:
        return None
    uuid = data[2:18]
    major = data[18] << 8 | data[19]
    minor = data[20] << 8 | data[21]
    return IBeacon(ibeacon_id(uuid, major, minor), _S8[data[22]], uuid, major, minor)


def parse_altbeacon(company_id: int, data: bytes) -> AltBeacon | None:
    """Manufacturer data (company id stripped) as an AltBeacon, or ``None`` when it is not one."""
    if len(data) != 24 or data[0] != 0xBE or data[1] != 0xAC:
        return None
    if company_id.__class__ is not int or not 0 <= company_id <= 0xFFFF:
        return None  # bleak gives 16-bit ints; anything else (a bool, a float, a string) is not a company id
    beacon_id = data[2:22]
    return AltBeacon(altbeacon_id(company_id, beacon_id), _S8[data[22]], company_id, beacon_id, data[23])


# --- the advertisement -------------------------------------------------------------------------------------

_eddystone_memo: dict[bytes, Beacon] = {}
_ibeacon_memo: dict[bytes, IBeacon] = {}
_altbeacon_memo: dict[bytes, AltBeacon] = {}  # keyed by the bytes alone: a hit must match the company id too


def clear_memo() -> None:
    """Forget the frames seen so far (results never depend on the memo; benchmarks use this)."""
    _eddystone_memo.clear()
    _ibeacon_memo.clear()
    _altbeacon_memo.clear()


def _as_bytes(value: object) -> bytes | None:
    """A dict value as bytes: bytes as is, a bytearray or memoryview copied, anything else ``None``."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        try:
            return bytes(value)
        except (ValueError, TypeError):  # a released memoryview
            return None
    return None


def parse(manufacturer_data: dict[int, bytes], service_data: dict[str, bytes]) -> Beacon | None:
    """The beacon frame in one advertisement, or ``None``; never raises, whatever the bytes.

    When several frames are present, the first of these wins: Eddystone-EID (the loyalty phones), Eddystone-UID,
    iBeacon, AltBeacon (the first company in dict order), then the frames without identity, Eddystone-URL and
    Eddystone-TLM. (The service data holds at most one Eddystone frame: it is keyed by UUID.) Values may also be
    a bytearray or memoryview; a value of any other type is ignored.
    """
    fallback: Beacon | None = None
    if service_data:
        frame = service_data.get(EDDYSTONE_UUID)
        if frame is not None:
            if frame.__class__ is not bytes:
                frame = _as_bytes(frame)  # None when it is not bytes-like
            if frame is not None:
                beacon = _eddystone_memo.get(frame)
                if beacon is None:
                    beacon = parse_eddystone(frame)
                    if beacon is not None:
                        if len(_eddystone_memo) >= MEMO_SIZE:
                            _eddystone_memo.clear()
                        _eddystone_memo[frame] = beacon
                if beacon is not None:
                    if beacon.id is not None:
                        return beacon
                    fallback = beacon
    if manufacturer_data:
        data = manufacturer_data.get(APPLE_COMPANY_ID)
        if data is not None:
            if data.__class__ is not bytes:
                data = _as_bytes(data)  # None when it is not bytes-like
            # Every iPhone sends Apple manufacturer data that is not an iBeacon: reject it before hashing it.
            if data is not None and len(data) == 23 and data[0] == 0x02 and data[1] == 0x15:
                ibeacon = _ibeacon_memo.get(data)
                if ibeacon is None:
                    ibeacon = parse_ibeacon(data)
                    if ibeacon is not None:
                        if len(_ibeacon_memo) >= MEMO_SIZE:
                            _ibeacon_memo.clear()
                        _ibeacon_memo[data] = ibeacon
                if ibeacon is not None:
                    return ibeacon
        for company_id, value in manufacturer_data.items():
            raw = value if value.__class__ is bytes else _as_bytes(value)
            if raw is not None and len(raw) == 24 and raw[0] == 0xBE and raw[1] == 0xAC:
                alt = _altbeacon_memo.get(raw)
                if alt is not None and alt.company_id == company_id and company_id.__class__ is int:
                    return alt
                alt = parse_altbeacon(company_id, raw)
                if alt is not None:
                    if len(_altbeacon_memo) >= MEMO_SIZE:
                        _altbeacon_memo.clear()
                    _altbeacon_memo[raw] = alt
                    return alt
    return fallback
