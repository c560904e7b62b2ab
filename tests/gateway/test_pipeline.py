"""The gateway pipeline: frames in, one batch of sightings per interval out; strangers leave no trace."""

from __future__ import annotations

import struct

from edge.protocol import Sightings, decode, encode, is_beacon_id
from gateway import beacons
from gateway.allowlist import AllowList
from gateway.filters import FilterSettings
from gateway.pipeline import Pipeline

EDDYSTONE = "0000feaa-0000-1000-8000-00805f9b34fb"
TAG = "f7826da6-4fa2-4e98-8024-bc5b71e0893e"
TAG_UUID = bytes.fromhex(TAG.replace("-", ""))


def eid_frame(eid: bytes, tx0: int = -18) -> dict[str, bytes]:
    return {EDDYSTONE: bytes([0x30]) + struct.pack("b", tx0) + eid}


def ibeacon_frame(uuid: bytes, major: int, minor: int, tx: int = -59) -> dict[int, bytes]:
    return {0x004C: b"\x02\x15" + uuid + struct.pack(">HHb", major, minor, tx)}


def make(allow: AllowList | None = None, **kw: object) -> Pipeline:
    return Pipeline(allow or AllowList.build(eid=True, ibeacon_uuids=[TAG]), **kw)  # type: ignore[arg-type]


def test_allowed_frames_become_sightings_with_counts() -> None:
    p = make()
    phone = bytes.fromhex("1a2b3c4d5e6f7a8b")
    for i in range(9):
        assert p.feed({}, eid_frame(phone), -70 + (i % 3), t=i * 0.1)
    for i in range(3):
        assert p.feed(ibeacon_frame(TAG_UUID, 100, 7), {}, -80, t=i * 0.3)
    items = {s.id: s for s in p.collect(t=1.0)}
    assert set(items) == {"eid:1a2b3c4d5e6f7a8b", "ib:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:7"}
    phone_item = items["eid:1a2b3c4d5e6f7a8b"]
    assert phone_item.n == 9
    assert phone_item.raw == -70 + (8 % 3)
    assert phone_item.tx == -18 - 41
    assert -71 <= phone_item.rssi <= -68
    assert phone_item.dist > 0
    assert items["ib:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:7"].n == 3
    assert all(is_beacon_id(i) for i in items)
    batch = Sightings(gw="gw-01", seq=1, t=1.0, interval=1.0, items=list(items.values()))
    assert decode(Sightings, encode(batch)) == batch  # every item fits the contract


def test_frames_not_allowed_never_appear_and_are_only_counted() -> None:
    p = make(AllowList.build(eid=False, ibeacon_uuids=[TAG]))
    stranger_tag = bytes(16)
    assert not p.feed(ibeacon_frame(stranger_tag, 1, 1), {}, -60, t=0.0)
    assert not p.feed({}, eid_frame(bytes(8)), -60, t=0.0)
    assert not p.feed({0x0006: b"\x01\x09\x20\x02"}, {}, -60, t=0.0)  # a laptop's manufacturer data
    assert p.feed(ibeacon_frame(TAG_UUID, 1, 2), {}, -60, t=0.0)
    assert [s.id for s in p.collect(1.0)] == ["ib:f7826da6-4fa2-4e98-8024-bc5b71e0893e:1:2"]
    assert (p.stats.refused, p.stats.ignored, p.stats.accepted, p.stats.adverts) == (2, 1, 1, 4)
    assert p.tracked == 1


def test_each_interval_reports_only_what_it_heard_and_the_memo_is_emptied() -> None:
    p = make()
    p.feed({}, eid_frame(b"\x01" * 8), -60, t=0.0)
    p.feed({}, eid_frame(b"\x02" * 8), -60, t=0.0)  # a stranger's phone (EIDs all pass at the gateway)
    assert len(p.collect(1.0)) == 2
    assert beacons._eddystone_memo == {}  # nothing heard outlives the interval
    p.feed({}, eid_frame(b"\x01" * 8), -61, t=1.5)
    assert [s.id for s in p.collect(2.0)] == ["eid:0101010101010101"]
    assert p.collect(3.0) == []


def test_silent_beacons_are_forgotten() -> None:
    p = make(settings=FilterSettings(forget_after_s=5.0))
    p.feed({}, eid_frame(b"\x01" * 8), -60, t=0.0)
    p.collect(1.0)
    assert p.tracked == 1
    p.collect(7.0)
    assert p.tracked == 0


def test_rssi_offset_applies_to_the_filtered_value_not_raw() -> None:
    p = make(rssi_offset=-4.0)
    for i in range(5):
        p.feed({}, eid_frame(b"\x05" * 8), -60, t=i * 0.2)
    (item,) = p.collect(1.0)
    assert item.raw == -60
    assert item.rssi == -64.0


def test_narrowing_the_allow_list_drops_tracked_beacons_at_once() -> None:
    p = make()
    p.feed(ibeacon_frame(TAG_UUID, 1, 2), {}, -60, t=0.0)
    p.feed({}, eid_frame(b"\x07" * 8), -60, t=0.0)
    p.configure(allow=AllowList.build(eid=True))
    assert [s.id for s in p.collect(1.0)] == ["eid:0707070707070707"]
    assert p.tracked == 1


def test_out_of_contract_tx_power_is_clamped() -> None:
    p = make()
    p.feed(ibeacon_frame(TAG_UUID, 1, 2, tx=100), {}, -60, t=0.0)
    (item,) = p.collect(1.0)
    assert item.tx == 20
