"""Beacon frame decoding: known answers built by hand from the published layouts, rejections, priority, and
properties (any input gives a Beacon or None; random valid frames round-trip)."""

from __future__ import annotations

import dataclasses
import doctest
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.protocol import is_beacon_id, parse_beacon_id
from gateway import beacons
from gateway.beacons import (
    APPLE_COMPANY_ID,
    EDDYSTONE_UUID,
    KINDS,
    MEMO_SIZE,
    AltBeacon,
    Beacon,
    EddystoneEid,
    EddystoneEtlm,
    EddystoneTlm,
    EddystoneUid,
    EddystoneUrl,
    IBeacon,
    clear_memo,
    parse,
)
from tests.conftest import REPO

# --- frames built by hand from the specs (see docs/beacons.md) ---------------------------------------------

ESTIMOTE_UUID = bytes.fromhex("B9407F30F5F8466EAFF925556B57FE6D")  # Estimote's factory default proximity UUID
RADIUS_NETWORKS = 0x0118  # the AltBeacon reference implementation's company id


def ibeacon_frame(uuid: bytes, major: int, minor: int, power: int) -> bytes:
    """Apple manufacturer data after the company id: 02 15, uuid, major, minor (big-endian), power (signed)."""
    return (
        b"\x02\x15" + uuid + major.to_bytes(2, "big") + minor.to_bytes(2, "big") + power.to_bytes(1, "big", signed=True)
    )


def altbeacon_frame(beacon_id: bytes, ref_rssi: int, reserved: int) -> bytes:
    return b"\xbe\xac" + beacon_id + ref_rssi.to_bytes(1, "big", signed=True) + bytes([reserved])


def uid_frame(ranging: int, namespace: bytes, instance: bytes, rfu: bytes = b"\x00\x00") -> bytes:
    return b"\x00" + ranging.to_bytes(1, "big", signed=True) + namespace + instance + rfu


def eid_frame(ranging: int, eid: bytes) -> bytes:
    return b"\x30" + ranging.to_bytes(1, "big", signed=True) + eid


def url_frame(ranging: int, scheme: int, encoded: bytes) -> bytes:
    return b"\x10" + ranging.to_bytes(1, "big", signed=True) + bytes([scheme]) + encoded


def tlm_frame(battery_mv: int, temp_raw: int, adv_count: int, sec_count: int) -> bytes:
    return (
        b"\x20\x00"
        + battery_mv.to_bytes(2, "big")
        + temp_raw.to_bytes(2, "big")
        + adv_count.to_bytes(4, "big")
        + sec_count.to_bytes(4, "big")
    )


def etlm_frame(encrypted: bytes, salt: bytes, mic: bytes) -> bytes:
    return b"\x20\x01" + encrypted + salt + mic


def eddystone(frame: bytes) -> Beacon | None:
    return parse({}, {EDDYSTONE_UUID: frame})


def apple(data: bytes) -> Beacon | None:
    return parse({APPLE_COMPANY_ID: data}, {})


IBEACON = ibeacon_frame(ESTIMOTE_UUID, 12345, 54321, -74)
ALTBEACON = altbeacon_frame(bytes.fromhex("2f234454cf6d4a0fadf2f4911ba9ffa600010002"), -59, 0x00)
UID = uid_frame(-18, bytes.fromhex("8b0ca750095477cb3e77"), bytes.fromhex("000000000001"))
EID = eid_frame(-25, bytes.fromhex("1a2b3c4d5e6f7a8b"))
URL = url_frame(-18, 0x01, b"example\x00")
TLM = tlm_frame(3000, 0x8000, 256, 36000)
ETLM = etlm_frame(bytes(range(0xA0, 0xAC)), b"\x12\x34", b"\xab\xcd")


@pytest.fixture(autouse=True)
def _fresh_memo() -> None:
    clear_memo()  # results never depend on it; a clean start keeps each test's calls its own


# --- known answers -----------------------------------------------------------------------------------------


def test_ibeacon_estimote() -> None:
    # 4C 00 | 02 15 | B9407F30-F5F8-466E-AFF9-25556B57FE6D | 30 39 | D4 31 | B6
    assert IBEACON.hex() == "0215b9407f30f5f8466eaff925556b57fe6d3039d431b6"
    b = apple(IBEACON)
    assert b == IBeacon(
        id="ib:b9407f30-f5f8-466e-aff9-25556b57fe6d:12345:54321",
        tx_power=-74,  # measured power is at 1 m already: no conversion
        uuid=ESTIMOTE_UUID,
        major=12345,
        minor=54321,
    )
    assert b.kind == "ibeacon"
    assert b.uuid_text == "b9407f30-f5f8-466e-aff9-25556b57fe6d"


def test_altbeacon_reference() -> None:
    b = parse({RADIUS_NETWORKS: ALTBEACON}, {})
    assert b == AltBeacon(
        id="alt:0118:2f234454cf6d4a0fadf2f4911ba9ffa600010002",
        tx_power=-59,  # reference RSSI is at 1 m already
        company_id=RADIUS_NETWORKS,
        beacon_id=bytes.fromhex("2f234454cf6d4a0fadf2f4911ba9ffa600010002"),
        reserved=0,
    )
    assert b.kind == "altbeacon"


@pytest.mark.parametrize("frame", [UID, UID[:18]], ids=["20 bytes with RFU", "18 bytes without RFU"])
def test_eddystone_uid_with_and_without_rfu(frame: bytes) -> None:
    b = eddystone(frame)
    assert b == EddystoneUid(
        id="uid:8b0ca750095477cb3e77:000000000001",
        tx_power=-59,  # 0xEE = -18 dBm at 0 m, minus 41 dB
        namespace=bytes.fromhex("8b0ca750095477cb3e77"),
        instance=bytes.fromhex("000000000001"),
    )
    assert b.kind == "eddystone-uid"


def test_eddystone_uid_ignores_rfu_value() -> None:
    assert eddystone(UID[:18] + b"\x12\x34") == eddystone(UID)


def test_eddystone_eid() -> None:
    b = eddystone(EID)
    assert b == EddystoneEid(id="eid:1a2b3c4d5e6f7a8b", tx_power=-66, eid=bytes.fromhex("1a2b3c4d5e6f7a8b"))
    assert b.kind == "eddystone-eid"


def test_eddystone_url_with_expansion() -> None:
    assert URL.hex() == "10ee016578616d706c6500"
    b = eddystone(URL)
    assert b == EddystoneUrl(id=None, tx_power=-59, url="https://www.example.com/")
    assert b.kind == "eddystone-url"


@pytest.mark.parametrize(
    ("scheme", "encoded", "url"),
    [
        (0x00, b"abc\x07", "http://www.abc.com"),
        (0x01, b"example\x00", "https://www.example.com/"),
        (0x02, b"goo.gl/S6zT6P", "http://goo.gl/S6zT6P"),
        (0x03, b"a\x01b\x08", "https://a.org/b.org"),
        (0x03, b"", "https://"),  # the spec allows 0 encoded bytes
        (0x02, b"x" * 17, "http://" + "x" * 17),  # and at most 17
        (0x03, bytes(range(14)), "https://.com/.org/.edu/.net/.info/.biz/.gov/.com.org.edu.net.info.biz.gov"),
        (0x02, b"!~", "http://!~"),  # the ends of the graphic US-ASCII range
    ],
)
def test_eddystone_url_schemes_and_codes(scheme: int, encoded: bytes, url: str) -> None:
    b = eddystone(url_frame(0, scheme, encoded))
    assert isinstance(b, EddystoneUrl)
    assert b.url == url


def test_eddystone_tlm_temperature_not_supported() -> None:
    b = eddystone(TLM)
    assert b == EddystoneTlm(
        id=None, tx_power=None, version=0, battery_mv=3000, temperature_c=None, adv_count=256, uptime_s=3600.0
    )
    assert b.kind == "eddystone-tlm"


@pytest.mark.parametrize(
    ("raw", "celsius"),
    [
        (0x1780, 23.5),
        (0x0000, 0.0),
        (0xFF80, -0.5),
        (0xE700, -25.0),
        (0x7FFF, 127 + 255 / 256),
        (0x8001, -127.99609375),
    ],
)
def test_eddystone_tlm_temperature_fixed_point(raw: int, celsius: float) -> None:
    b = eddystone(tlm_frame(2950, raw, 1, 1))
    assert isinstance(b, EddystoneTlm)
    assert b.temperature_c == celsius


def test_eddystone_tlm_battery_zero_is_not_supported_and_uptime_in_tenths() -> None:
    b = eddystone(tlm_frame(0, 0x1780, 0xFFFFFFFF, 12345))
    assert isinstance(b, EddystoneTlm)
    assert b.battery_mv is None
    assert b.adv_count == 0xFFFFFFFF
    assert b.uptime_s == 1234.5


def test_eddystone_etlm() -> None:
    b = eddystone(ETLM)
    assert b == EddystoneEtlm(
        id=None, tx_power=None, version=1, encrypted=bytes(range(0xA0, 0xAC)), salt=b"\x12\x34", mic=b"\xab\xcd"
    )
    assert b.kind == "eddystone-tlm"


def test_every_kind_has_a_class() -> None:
    classes: list[type[Beacon]] = [
        IBeacon,
        AltBeacon,
        EddystoneUid,
        EddystoneUrl,
        EddystoneTlm,
        EddystoneEtlm,
        EddystoneEid,
    ]
    assert {c.kind for c in classes} == set(KINDS)


def test_beacons_are_frozen_and_slotted() -> None:
    b = eddystone(EID)
    assert b is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.tx_power = 0  # type: ignore[misc]
    assert not hasattr(b, "__dict__")
    assert hash(b) == hash(eddystone(EID))


def test_module_doctest() -> None:
    assert doctest.testmod(beacons).failed == 0


# --- tx power ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("byte", "at_1m"), [(0x00, -41), (0x12, -23), (0xEE, -59), (0x7F, 86), (0x80, -169)])
def test_eddystone_ranging_data_is_converted_to_1m(byte: int, at_1m: int) -> None:
    for frame in (EID, UID, URL):
        b = eddystone(frame[:1] + bytes([byte]) + frame[2:])
        assert b is not None
        assert b.tx_power == at_1m


@pytest.mark.parametrize(("byte", "dbm"), [(0x00, 0), (0xC5, -59), (0x7F, 127), (0x80, -128), (0xFF, -1)])
def test_ibeacon_and_altbeacon_power_is_taken_as_is(byte: int, dbm: int) -> None:
    ib = apple(IBEACON[:22] + bytes([byte]))
    alt = parse({RADIUS_NETWORKS: ALTBEACON[:22] + bytes([byte]) + ALTBEACON[23:]}, {})
    assert ib is not None
    assert alt is not None
    assert ib.tx_power == dbm
    assert alt.tx_power == dbm


# --- rejections --------------------------------------------------------------------------------------------

SERVICE_FRAMES = {"uid": UID, "uid-18": UID[:18], "eid": EID, "tlm": TLM, "etlm": ETLM, "url": URL}


@pytest.mark.parametrize("name", SERVICE_FRAMES)
def test_eddystone_truncated_by_one_byte(name: str) -> None:
    frame = SERVICE_FRAMES[name]
    if name == "url":
        frame = url_frame(0, 0x03, b"")  # the shortest URL frame; a longer one minus a byte is still valid
    assert eddystone(frame) is not None
    assert eddystone(frame[:-1]) is None


@pytest.mark.parametrize("name", SERVICE_FRAMES)
def test_eddystone_one_byte_too_many(name: str) -> None:
    frame = SERVICE_FRAMES[name]
    if name == "url":
        frame = url_frame(0, 0x03, b"x" * 17)  # the longest URL frame
    assert eddystone(frame) is not None
    assert eddystone(frame + b"\x00") is None


def test_ibeacon_and_altbeacon_truncated_or_extended() -> None:
    assert apple(IBEACON[:-1]) is None
    assert apple(IBEACON + b"\x00") is None
    assert parse({RADIUS_NETWORKS: ALTBEACON[:-1]}, {}) is None
    assert parse({RADIUS_NETWORKS: ALTBEACON + b"\x00"}, {}) is None


@pytest.mark.parametrize(
    ("manufacturer_data", "service_data"),
    [
        ({APPLE_COMPANY_ID: b"\x02\x16" + IBEACON[2:]}, {}),  # wrong iBeacon type/length bytes
        ({APPLE_COMPANY_ID: b"\x12\x15" + IBEACON[2:]}, {}),
        ({0x0059: IBEACON}, {}),  # an iBeacon layout under another company is not an iBeacon
        ({RADIUS_NETWORKS: b"\xbe\xad" + ALTBEACON[2:]}, {}),  # wrong AltBeacon code
        ({RADIUS_NETWORKS: b"\xac\xbe" + ALTBEACON[2:]}, {}),  # beacon code in little-endian order
        ({APPLE_COMPANY_ID: bytes.fromhex("1005031c0a1b2c")}, {}),  # Apple "nearby" data of every iPhone
        ({}, {EDDYSTONE_UUID: b"\x40" + EID[1:]}),  # unknown frame types
        ({}, {EDDYSTONE_UUID: b"\x31" + EID[1:]}),  # low nibble is reserved and must be 0
        ({}, {EDDYSTONE_UUID: b"\x01" + UID[1:]}),
        ({}, {EDDYSTONE_UUID: b"\xf0" + EID[1:]}),
        ({}, {EDDYSTONE_UUID: b"\x20\x02" + TLM[2:]}),  # TLM version 2 does not exist
        ({}, {EDDYSTONE_UUID: b"\x20\x01" + TLM[2:]}),  # ETLM version with the plain TLM length
        ({}, {EDDYSTONE_UUID: b"\x20\x00" + ETLM[2:]}),  # plain TLM version with the ETLM length
        ({}, {EDDYSTONE_UUID: url_frame(0, 0x04, b"example")}),  # URL scheme codes are 0..3
        ({}, {EDDYSTONE_UUID: url_frame(0, 0xFF, b"example")}),
        ({}, {EDDYSTONE_UUID: b"\x10\x00"}),  # URL frame without a scheme byte
        ({}, {EDDYSTONE_UUID: b""}),
        ({}, {EDDYSTONE_UUID: b"\x30"}),
        ({}, {EDDYSTONE_UUID.upper(): EID}),  # bleak's keys are lower case; nothing else is Eddystone
        ({}, {"0000feab-0000-1000-8000-00805f9b34fb": EID}),
        ({}, {"feaa": EID}),
        ({}, {}),
    ],
)
def test_rejected(manufacturer_data: dict[int, bytes], service_data: dict[str, bytes]) -> None:
    assert parse(manufacturer_data, service_data) is None


@pytest.mark.parametrize("byte", [*range(0x0E, 0x21), 0x7F, 0x80, 0xC3, 0xFF])
def test_eddystone_url_reserved_codes_are_rejected(byte: int) -> None:
    assert eddystone(url_frame(0, 0x03, b"a" + bytes([byte]) + b"b")) is None


def test_bytes_like_values_are_accepted_and_other_values_ignored() -> None:
    assert eddystone(bytearray(EID)) == eddystone(EID)  # type: ignore[arg-type]
    assert eddystone(memoryview(EID)) == eddystone(EID)  # type: ignore[arg-type]
    assert parse({RADIUS_NETWORKS: bytearray(ALTBEACON)}, {}) == parse({RADIUS_NETWORKS: ALTBEACON}, {})  # type: ignore[dict-item]
    released = memoryview(IBEACON)
    released.release()
    odd: list[Any] = [None, "30e71a2b3c4d5e6f7a8b", 0x30, [0x30] * 10, released, 1.5]
    for value in odd:
        assert parse({APPLE_COMPANY_ID: value, 7: value}, {EDDYSTONE_UUID: value}) is None


def test_company_ids_outside_16_bits_are_not_altbeacons() -> None:
    odd: list[Any] = [-1, 0x10000, 2**70, True, 280.0, "0118", None]
    for company in odd:
        assert parse({company: ALTBEACON}, {}) is None
        parse({280: ALTBEACON, 1: ALTBEACON}, {})  # with the frame in the memo under a real company id
        assert parse({company: ALTBEACON}, {}) is None
    assert parse({0xFFFF: ALTBEACON}, {}) is not None
    assert parse({0: ALTBEACON}, {}) is not None


# --- priority ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("manufacturer_data", "service_data", "kind"),
    [
        ({APPLE_COMPANY_ID: IBEACON, RADIUS_NETWORKS: ALTBEACON}, {EDDYSTONE_UUID: EID}, "eddystone-eid"),
        ({APPLE_COMPANY_ID: IBEACON}, {EDDYSTONE_UUID: UID}, "eddystone-uid"),
        ({RADIUS_NETWORKS: ALTBEACON, APPLE_COMPANY_ID: IBEACON}, {}, "ibeacon"),  # whatever the dict order
        ({APPLE_COMPANY_ID: IBEACON, RADIUS_NETWORKS: ALTBEACON}, {}, "ibeacon"),
        ({APPLE_COMPANY_ID: IBEACON}, {EDDYSTONE_UUID: URL}, "ibeacon"),  # frames with identity before URL/TLM
        ({RADIUS_NETWORKS: ALTBEACON}, {EDDYSTONE_UUID: TLM}, "altbeacon"),
        ({APPLE_COMPANY_ID: b"\x10\x05"}, {EDDYSTONE_UUID: TLM}, "eddystone-tlm"),
        ({0x0059: b"\x01\x02"}, {EDDYSTONE_UUID: URL}, "eddystone-url"),
        ({APPLE_COMPANY_ID: IBEACON}, {EDDYSTONE_UUID: b"\x30\x00"}, "ibeacon"),  # an invalid frame loses
        ({APPLE_COMPANY_ID: IBEACON[:-1], RADIUS_NETWORKS: ALTBEACON}, {}, "altbeacon"),
    ],
)
def test_priority(manufacturer_data: dict[int, bytes], service_data: dict[str, bytes], kind: str) -> None:
    b = parse(manufacturer_data, service_data)
    assert b is not None
    assert b.kind == kind


def test_first_altbeacon_in_dict_order_wins() -> None:
    b = parse({0x0001: ALTBEACON, 0x0002: ALTBEACON}, {})
    assert isinstance(b, AltBeacon)
    assert b.company_id == 0x0001


# --- the memo ----------------------------------------------------------------------------------------------


def test_memo_gives_equal_results_and_stays_bounded() -> None:
    first = eddystone(EID)
    again = eddystone(bytes(bytearray(EID)))  # equal bytes, another object
    assert again is first
    for i in range(MEMO_SIZE + 100):
        b = eddystone(b"\x30\x00" + i.to_bytes(8, "big"))
        assert isinstance(b, EddystoneEid)
        assert b.eid == i.to_bytes(8, "big")
        ib = apple(ibeacon_frame(ESTIMOTE_UUID, i & 0xFFFF, i >> 16, -59))
        assert isinstance(ib, IBeacon)
        assert (ib.major, ib.minor) == (i & 0xFFFF, i >> 16)
    assert len(beacons._eddystone_memo) <= MEMO_SIZE
    assert len(beacons._ibeacon_memo) <= MEMO_SIZE
    assert eddystone(EID) == first


def test_rejected_frames_are_not_memoised() -> None:
    for i in range(100):
        assert eddystone(b"\x40" + bytes([i])) is None
    assert not beacons._eddystone_memo


# --- properties --------------------------------------------------------------------------------------------

SERVICE_KEYS = st.sampled_from(
    [EDDYSTONE_UUID, EDDYSTONE_UUID.upper(), "0000fe9a-0000-1000-8000-00805f9b34fb"]
) | st.text(max_size=40)
COMPANY_IDS = st.sampled_from([APPLE_COMPANY_ID, RADIUS_NETWORKS, 0, 0xFFFF, 0x10000, -1]) | st.integers()
COMPANY_IDS_OR_ODD: st.SearchStrategy[Any] = COMPANY_IDS | st.sampled_from([True, False, 76.0, 280.0])
PREFIXES = st.sampled_from([b"", b"\x02\x15", b"\xbe\xac", b"\x00", b"\x10", b"\x20\x00", b"\x20\x01", b"\x30"])
PAYLOADS = st.builds(bytes.__add__, PREFIXES, st.binary(max_size=32)) | st.sampled_from(
    [IBEACON, ALTBEACON, UID, UID[:18], EID, URL, TLM, ETLM]
)


def _check(result: object) -> None:
    assert result is None or isinstance(result, Beacon)
    if result is not None:
        assert result.kind in KINDS
        assert result.id is None or is_beacon_id(result.id)


@settings(max_examples=1000)
@given(
    manufacturer_data=st.dictionaries(COMPANY_IDS, PAYLOADS, max_size=4),
    service_data=st.dictionaries(SERVICE_KEYS, PAYLOADS, max_size=4),
)
def test_any_dicts_give_a_beacon_or_none(manufacturer_data: dict[int, bytes], service_data: dict[str, bytes]) -> None:
    _check(parse(manufacturer_data, service_data))


@settings(max_examples=1000)
@given(frame=st.binary(max_size=40), company=COMPANY_IDS)
def test_any_bytes_give_a_beacon_or_none(frame: bytes, company: int) -> None:
    _check(parse({company: frame}, {EDDYSTONE_UUID: frame}))
    _check(parse({APPLE_COMPANY_ID: frame}, {}))
    _check(parse({}, {EDDYSTONE_UUID: frame}))


@given(
    frame=st.sampled_from([IBEACON, ALTBEACON, UID, EID, URL, TLM, ETLM]),
    position=st.integers(0, 23),
    value=st.integers(0, 255),
    cut=st.integers(0, 25),
)
def test_mutated_and_truncated_frames_give_a_beacon_or_none(frame: bytes, position: int, value: int, cut: int) -> None:
    mutated = bytearray(frame)
    mutated[position % len(frame)] = value
    for candidate in (bytes(mutated), frame[:cut], bytes(mutated[:cut])):
        _check(parse({APPLE_COMPANY_ID: candidate, RADIUS_NETWORKS: candidate}, {EDDYSTONE_UUID: candidate}))


@given(
    advertisements=st.lists(
        st.tuples(
            st.dictionaries(COMPANY_IDS_OR_ODD, PAYLOADS, max_size=3),
            st.dictionaries(st.sampled_from([EDDYSTONE_UUID, "x"]), PAYLOADS, max_size=2),
        ),
        max_size=8,
    )
)
def test_results_do_not_depend_on_the_memo(advertisements: list[tuple[dict[int, bytes], dict[str, bytes]]]) -> None:
    clear_memo()
    first = [parse(m, s) for m, s in advertisements]
    again = [parse(m, s) for m, s in advertisements]  # answered from the memo where it can
    alone = []
    for m, s in advertisements:
        clear_memo()
        alone.append(parse(m, s))
    assert [repr(b) for b in first] == [repr(b) for b in again] == [repr(b) for b in alone]


S8 = st.integers(-128, 127)


@given(uuid=st.binary(min_size=16, max_size=16), major=st.integers(0, 0xFFFF), minor=st.integers(0, 0xFFFF), power=S8)
def test_ibeacon_round_trip(uuid: bytes, major: int, minor: int, power: int) -> None:
    b = apple(ibeacon_frame(uuid, major, minor, power))
    assert isinstance(b, IBeacon)
    assert (b.uuid, b.major, b.minor, b.tx_power) == (uuid, major, minor, power)
    assert b.id is not None
    assert is_beacon_id(b.id)
    h = uuid.hex()
    assert parse_beacon_id(b.id).parts == (f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}", str(major), str(minor))
    assert b.uuid_text == parse_beacon_id(b.id).parts[0]


@given(
    company=st.integers(0, 0xFFFF), beacon_id=st.binary(min_size=20, max_size=20), rssi=S8, reserved=st.integers(0, 255)
)
def test_altbeacon_round_trip(company: int, beacon_id: bytes, rssi: int, reserved: int) -> None:
    b = parse({company: altbeacon_frame(beacon_id, rssi, reserved)}, {})
    assert isinstance(b, AltBeacon)
    assert (b.company_id, b.beacon_id, b.tx_power, b.reserved) == (company, beacon_id, rssi, reserved)
    assert b.id is not None
    assert is_beacon_id(b.id)
    assert parse_beacon_id(b.id).parts == (f"{company:04x}", beacon_id.hex())


@given(
    ranging=S8,
    namespace=st.binary(min_size=10, max_size=10),
    instance=st.binary(min_size=6, max_size=6),
    rfu=st.sampled_from([b"", b"\x00\x00"]),
)
def test_eddystone_uid_round_trip(ranging: int, namespace: bytes, instance: bytes, rfu: bytes) -> None:
    b = eddystone(uid_frame(ranging, namespace, instance, rfu))
    assert isinstance(b, EddystoneUid)
    assert (b.namespace, b.instance, b.tx_power) == (namespace, instance, ranging - 41)
    assert b.id is not None
    assert is_beacon_id(b.id)
    assert parse_beacon_id(b.id).parts == (namespace.hex(), instance.hex())


@given(ranging=S8, eid=st.binary(min_size=8, max_size=8))
def test_eddystone_eid_round_trip(ranging: int, eid: bytes) -> None:
    b = eddystone(eid_frame(ranging, eid))
    assert isinstance(b, EddystoneEid)
    assert (b.eid, b.tx_power) == (eid, ranging - 41)
    assert b.id is not None
    assert is_beacon_id(b.id)
    assert parse_beacon_id(b.id).parts == (eid.hex(),)


SCHEMES = ["http://www.", "https://www.", "http://", "https://"]
EXPANSIONS = [".com/", ".org/", ".edu/", ".net/", ".info/", ".biz/", ".gov/"]
EXPANSIONS += [e.rstrip("/") for e in EXPANSIONS]
URL_TOKENS = st.sampled_from([(bytes([i]), text) for i, text in enumerate(EXPANSIONS)]) | st.integers(0x21, 0x7E).map(
    lambda c: (bytes([c]), chr(c))
)


@given(ranging=S8, scheme=st.integers(0, 3), tokens=st.lists(URL_TOKENS, max_size=17))
def test_eddystone_url_round_trip(ranging: int, scheme: int, tokens: list[tuple[bytes, str]]) -> None:
    b = eddystone(url_frame(ranging, scheme, b"".join(code for code, _ in tokens)))
    assert isinstance(b, EddystoneUrl)
    assert b.url == SCHEMES[scheme] + "".join(text for _, text in tokens)
    assert (b.id, b.tx_power) == (None, ranging - 41)


@given(
    battery=st.integers(0, 0xFFFF),
    temp=st.integers(0, 0xFFFF),
    adv=st.integers(0, 0xFFFFFFFF),
    sec=st.integers(0, 0xFFFFFFFF),
)
def test_eddystone_tlm_round_trip(battery: int, temp: int, adv: int, sec: int) -> None:
    b = eddystone(tlm_frame(battery, temp, adv, sec))
    assert isinstance(b, EddystoneTlm)
    assert b.battery_mv == (battery or None)
    assert b.temperature_c == (
        None if temp == 0x8000 else int.from_bytes(temp.to_bytes(2, "big"), "big", signed=True) / 256
    )
    assert (b.adv_count, b.uptime_s) == (adv, sec / 10)
    assert (b.id, b.tx_power, b.version) == (None, None, 0)


@given(
    encrypted=st.binary(min_size=12, max_size=12),
    salt=st.binary(min_size=2, max_size=2),
    mic=st.binary(min_size=2, max_size=2),
)
def test_eddystone_etlm_round_trip(encrypted: bytes, salt: bytes, mic: bytes) -> None:
    b = eddystone(etlm_frame(encrypted, salt, mic))
    assert isinstance(b, EddystoneEtlm)
    assert (b.encrypted, b.salt, b.mic, b.version, b.id, b.tx_power) == (encrypted, salt, mic, 1, None, None)


# --- the fuzz benchmark still runs -------------------------------------------------------------------------


def test_fuzz_script_runs_clean() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "beacon_fuzz.py"), "--count", "20000", "--seed", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "exceptions: 0" in done.stdout
