"""The MQTT contract: round trips, topic building and parsing, and strict rejection of bad payloads."""

from __future__ import annotations

import contextlib
import json
import string
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.protocol import (
    Journey,
    Message,
    ProtocolError,
    Receipt,
    ReceiptItem,
    Sighting,
    Sightings,
    Topic,
    TopicError,
    altbeacon_id,
    decode,
    decode_for,
    eddystone_uid_id,
    eid_id,
    encode,
    ibeacon_id,
    is_beacon_id,
    parse_beacon_id,
    parse_topic,
    topic_matches,
)
from edge.protocol.examples import EXAMPLES

# --- strategies ----------------------------------------------------------------------------------------------

slugs = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,31}\Z")
times = st.floats(min_value=0, max_value=2.0**33, allow_nan=False)
beacon_ids = st.one_of(
    st.binary(min_size=8, max_size=8).map(eid_id),
    st.builds(ibeacon_id, st.binary(min_size=16, max_size=16), st.integers(0, 0xFFFF), st.integers(0, 0xFFFF)),
    st.builds(eddystone_uid_id, st.binary(min_size=10, max_size=10), st.binary(min_size=6, max_size=6)),
    st.builds(altbeacon_id, st.integers(0, 0xFFFF), st.binary(min_size=20, max_size=20)),
)
sightings_items = st.builds(
    Sighting,
    id=beacon_ids,
    rssi=st.floats(-127, 20),
    raw=st.integers(-127, 20),
    n=st.integers(1, 100_000),
    tx=st.integers(-127, 20),
    dist=st.floats(0, 1000),
)
batches = st.builds(
    Sightings,
    gw=slugs,
    seq=st.integers(0, 2**53),
    t=times,
    interval=st.floats(0.001, 3600),
    items=st.lists(sightings_items, max_size=60),
)
refs = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}\Z")
receipts = st.builds(
    Receipt,
    t=times,
    receipt=refs,
    card=refs,
    items=st.lists(
        st.builds(ReceiptItem, sku=refs, qty=st.integers(1, 10_000), price=st.floats(0, 1_000_000)),
        min_size=1,
        max_size=20,
    ),
    total=st.floats(0, 10_000_000),
    coupons=st.lists(refs, max_size=20),
)
journeys = st.builds(
    Journey,
    t=times,
    visit=refs,
    member=refs,
    event=st.sampled_from(["enter", "zone", "dwell", "exit", "purchase"]),
    zone=st.none() | slugs,
    prev=st.none() | slugs,
    dwell_s=st.none() | st.floats(0, 1e9),
)


def as_dict(message: Message) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(encode(message))
    return result


# --- round trips ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("topic", list(Topic), ids=lambda t: t.name)
def test_every_topic_has_an_example_that_round_trips(topic: Topic) -> None:
    example = EXAMPLES[topic]
    payload = encode(example)
    assert payload.startswith(b'{"v":1,')
    assert decode_for(topic, payload) == example


@given(batches)
def test_sightings_round_trip(batch: Sightings) -> None:
    assert decode(Sightings, encode(batch), max_bytes=1 << 20) == batch


@given(st.one_of(receipts, journeys))
def test_receipts_and_journeys_round_trip(message: Message) -> None:
    assert decode(type(message), encode(message)) == message


# --- strict rejection ----------------------------------------------------------------------------------------

GOOD = as_dict(EXAMPLES[Topic.SIGHTINGS])
REQUIRED_TOP = ["v", "gw", "seq", "t", "interval", "items"]
REQUIRED_ITEM = ["id", "rssi", "raw", "n", "tx", "dist"]


def reject(payload: bytes, topic: Topic = Topic.SIGHTINGS) -> ProtocolError:
    with pytest.raises(ProtocolError) as info:
        decode_for(topic, payload)
    return info.value


@pytest.mark.parametrize("key", REQUIRED_TOP)
def test_missing_top_level_field_is_named(key: str) -> None:
    bad = {k: v for k, v in GOOD.items() if k != key}
    error = reject(json.dumps(bad).encode())
    assert error.field == key
    assert "missing" in error.reason


@pytest.mark.parametrize("key", REQUIRED_ITEM)
def test_missing_item_field_is_named_with_its_path(key: str) -> None:
    bad = json.loads(json.dumps(GOOD))
    del bad["items"][1][key]
    error = reject(json.dumps(bad).encode())
    assert error.field == f"items[1].{key}"


@given(
    key=st.sampled_from(REQUIRED_TOP[1:]),
    wrong=st.one_of(st.text(max_size=5), st.booleans(), st.lists(st.integers(), max_size=2), st.none()),
)
def test_mistyped_field_is_named(key: str, wrong: object) -> None:
    bad = dict(GOOD)
    if isinstance(wrong, type(GOOD[key])) and not isinstance(wrong, bool):
        return  # not actually of the wrong type
    bad[key] = wrong
    error = reject(json.dumps(bad).encode())
    assert error.field.startswith(key)


@pytest.mark.parametrize(
    ("field", "value"),
    [("rssi", 40.0), ("rssi", -200.0), ("n", 0), ("raw", -70.5), ("id", "aa:bb:cc:dd:ee:ff"), ("dist", -1.0)],
)
def test_out_of_range_or_malformed_item_values(field: str, value: object) -> None:
    bad = json.loads(json.dumps(GOOD))
    bad["items"][0][field] = value
    assert reject(json.dumps(bad).encode()).field == f"items[0].{field}"


def test_a_mac_address_is_never_an_id() -> None:
    assert not is_beacon_id("AA:BB:CC:DD:EE:FF")
    assert not is_beacon_id("aa:bb:cc:dd:ee:ff")


@pytest.mark.parametrize("version", [0, 2, 99, "1", 1.5, None, -1])
def test_unknown_protocol_version(version: object) -> None:
    bad = dict(GOOD, v=version)
    error = reject(json.dumps(bad).encode())
    assert error.field == "v"
    assert "version" in error.reason


def test_unknown_field_is_rejected_by_name() -> None:
    error = reject(json.dumps(dict(GOOD, mac="aa:bb:cc:dd:ee:ff")).encode())
    assert error.field == "mac"
    assert "unknown field" in error.reason


@given(
    st.one_of(
        st.lists(st.integers()),
        st.integers(),
        st.text(),
        st.none(),
        st.booleans(),
        st.floats(allow_nan=False, allow_infinity=False),
    )
)
def test_non_object_payload(value: object) -> None:
    error = reject(json.dumps(value).encode())
    assert "object" in error.reason


@pytest.mark.parametrize(
    "payload",
    [b"\xff\xfe{}", b'{"v":1,"gw":"\xc3\x28"}', b'{"v":1,"gw":"gw-1\xed\xa0\x80"}', b"\x80"],
)
def test_invalid_utf8(payload: bytes) -> None:
    assert "UTF-8" in reject(payload).reason


def test_not_json() -> None:
    assert "JSON" in reject(b'{"v":1,').reason


def test_oversized_payload_is_rejected_before_parsing() -> None:
    limit = Topic.JOURNEY.spec.max_bytes
    payload = b'{"v":1,"pad":"' + b"x" * limit + b'"}'
    error = reject(payload, Topic.JOURNEY)
    assert "exceeds" in error.reason
    assert str(limit) in error.reason


def test_too_many_items() -> None:
    item = GOOD["items"][0]
    bad = dict(GOOD, items=[item] * 10_001)
    assert reject(json.dumps(bad).encode()).field == "items"


@settings(max_examples=500)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_message_or_a_protocol_error(data: bytes) -> None:
    for topic in Topic:
        with contextlib.suppress(ProtocolError):
            decode_for(topic, data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.sampled_from([*REQUIRED_TOP, "x"]), json_values, max_size=7))
def test_any_json_object_gives_a_message_or_a_named_error(obj: dict[str, Any]) -> None:
    try:
        decode_for(Topic.SIGHTINGS, json.dumps(obj).encode())
    except ProtocolError as exc:
        error = exc
    else:
        return
    assert error.reason
    assert error.field in {"", "v", *REQUIRED_TOP, "x"} or error.field.startswith("items")


def test_error_event_round_trips_a_decode_failure_reason() -> None:
    error = reject(b'{"v":1,"gw":"gw-1","seq":1,"t":1,"interval":1,"items":[{"id":"eid:0011223344556677","rssi":"x"}]}')
    assert error.field == "items[0].rssi"
    assert "float" in error.reason


# --- topics --------------------------------------------------------------------------------------------------


@given(topic=st.sampled_from(list(Topic)), store=slugs, device=slugs)
def test_topics_build_and_parse(topic: Topic, store: str, device: str) -> None:
    name = topic.build(store, device if topic.spec.has_device else None)
    parsed = parse_topic(name)
    assert parsed.topic is topic
    assert parsed.store == store
    assert parsed.device == (device if topic.spec.has_device else None)
    assert topic_matches(topic.filter(), name)
    assert topic_matches(topic.filter(store), name)


def test_topic_names_follow_the_contract() -> None:
    assert Topic.SIGHTINGS.build("demo", "gw-03") == "corsia/v1/demo/gw/gw-03/sightings"
    assert Topic.HUB_STATUS.build("demo") == "corsia/v1/demo/hub/status"
    assert Topic.RECEIPT.build("demo", "till-2") == "corsia/v1/demo/pos/till-2/receipt"
    assert Topic.GATEWAY_CONFIG_APPLIED.filter("demo") == "corsia/v1/demo/gw/+/config/applied"
    assert Topic.KIOSK_HEALTH.build("demo", "kiosk-01") == "corsia/v1/demo/kiosk/kiosk-01/health"


@pytest.mark.parametrize(
    "bad",
    ["corsia/v1/demo/gw/GW-1/sightings", "corsia/v1/demo/gw/+/sightings", "corsia/v2/demo/journey",
     "corsia/v1/demo/journey/extra", "corsia/v1/Demo/journey", "corsia/v1/demo", "", "corsia/v1/demo/gw//status"],
)  # fmt: skip
def test_bad_topics_are_rejected(bad: str) -> None:
    with pytest.raises(TopicError):
        parse_topic(bad)


@pytest.mark.parametrize("part", ["", "GW", "gw/1", "+", "#", "a" * 33, "-gw"])
def test_builders_refuse_bad_parts(part: str) -> None:
    with pytest.raises(TopicError):
        Topic.SIGHTINGS.build("demo", part)
    with pytest.raises(TopicError):
        Topic.JOURNEY.build(part)


def test_device_part_required_exactly_where_the_contract_has_one() -> None:
    with pytest.raises(TopicError):
        Topic.SIGHTINGS.build("demo")
    with pytest.raises(TopicError):
        Topic.JOURNEY.build("demo", "gw-1")


@pytest.mark.parametrize(
    ("pattern", "topic", "expected"),
    [("a/+/c", "a/b/c", True), ("a/#", "a/b/c", True), ("a/+", "a/b/c", False), ("a/b", "a/b", True),
     ("a/b/c", "a/b", False), ("#", "x", True)],
)  # fmt: skip
def test_topic_matching(pattern: str, topic: str, expected: bool) -> None:
    assert topic_matches(pattern, topic) is expected


# --- beacon ids ----------------------------------------------------------------------------------------------


@given(beacon_ids)
def test_beacon_ids_are_valid_and_parse_back(text: str) -> None:
    assert is_beacon_id(text)
    assert str(parse_beacon_id(text)) == text


def test_ibeacon_id_format() -> None:
    uuid = bytes.fromhex("f7826da64fa24e988024bc5b71e0893e")
    assert ibeacon_id(uuid, 100, 7) == "ib:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:7"
    assert not is_beacon_id("ib:f7826da6-4fa2-4e98-8024-bc5b71e0893e:65536:7")
    assert not is_beacon_id("ib:f7826da6-4fa2-4e98-8024-bc5b71e0893e:007:7")
    with pytest.raises(ValueError, match=r"0\.\.65535"):
        ibeacon_id(uuid, 70000, 1)


@given(st.text(alphabet=string.printable, max_size=80))
def test_random_text_is_rarely_an_id_and_never_crashes(text: str) -> None:
    if is_beacon_id(text):
        parse_beacon_id(text)
    else:
        with pytest.raises(ValueError, match="not a Corsia beacon id"):
            parse_beacon_id(text)


def test_messages_are_immutable() -> None:
    batch = EXAMPLES[Topic.SIGHTINGS]
    with pytest.raises(AttributeError):
        batch.seq = 5  # type: ignore[misc]


def test_msgspec_error_is_never_leaked() -> None:
    for payload in [b"", b"null", b"{", b'{"v":1}', b"[" * 10_000]:
        with pytest.raises(ProtocolError) as info:
            decode_for(Topic.SIGHTINGS, payload)
        assert not isinstance(info.value, msgspec.MsgspecError)


@pytest.mark.parametrize("bad", ["65536", "99999", "70000"])
def test_the_decoder_rejects_ibeacon_numbers_above_16_bits(bad: str) -> None:
    payload = json.loads(encode(EXAMPLES[Topic.SIGHTINGS]))
    payload["items"][1]["id"] = f"ib:f7826da6-4fa2-4e98-8024-bc5b71e0893e:{bad}:7"
    assert reject(json.dumps(payload).encode()).field == "items[1].id"


@pytest.mark.parametrize(
    ("path", "value"),
    [(("gw",), "gw-03\n"), (("items", 0, "id"), "eid:1a2b3c4d5e6f7a8b\n"), (("items", 1, "id"), "x\nib:1")],
)
def test_patterns_do_not_accept_a_trailing_newline(path: tuple[str | int, ...], value: str) -> None:
    payload = json.loads(encode(EXAMPLES[Topic.SIGHTINGS]))
    target: Any = payload
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    assert reject(json.dumps(payload).encode()).field == ".".join(
        f"{p}" if isinstance(p, str) else f"[{p}]" for p in path
    ).replace(".[", "[")


def test_a_journey_ref_with_a_newline_is_rejected() -> None:
    payload = json.loads(encode(EXAMPLES[Topic.JOURNEY]))
    payload["member"] = "p-1\n"
    assert reject(json.dumps(payload).encode(), Topic.JOURNEY).field == "member"
