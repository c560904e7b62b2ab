"""Fuzzing of the two parsers that read bytes from the outside world, seeded by the corpus in tests/faults/corpus.

- `gateway.beacons.parse` (any advertisement a phone nearby can send): never raises, whatever the dict shapes
  and bytes; answers None or a `Beacon` of a known kind whose id is a well-formed wire id (None only for
  Eddystone-URL and TLM); parsing again from an empty memo gives the same answer.
- The kiosk's serial decoders (`kiosk.reader.protocols`, what a card reader or a replugged cable sends): `feed`
  never raises; any split of a stream gives the same cards as the whole; RDM6300 cards are ten upper-case hex
  characters with a matching checksum and a ten-digit printed number; barcode cards are trimmed printable ASCII
  within the line limit; counters never go down. The only documented exception, `ReaderSettingError`, is for
  bad settings at construction and is never raised by `feed`.

Every corpus file is an explicit `@example` (with its expected answer, a regression check), then hypothesis runs
a bounded, derandomized number of generated inputs: the same inputs on every run, so CI never flakes on a new one.
`bench/beacon_fuzz.py` runs a million random advertisements when more is wanted.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from edge.protocol import is_beacon_id
from gateway.beacons import APPLE_COMPANY_ID, EDDYSTONE_UUID, KINDS, Beacon, clear_memo, parse
from kiosk.reader.protocols import CardRead, LineDecoder, Rdm6300Decoder, make_decoder, rdm6300_checksum

CORPUS = Path(__file__).parent / "corpus"
BEACON_EXAMPLES = 3000
SERIAL_EXAMPLES = 1500
FUZZ = settings(derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])

F = TypeVar("F", bound=Callable[..., None])


def beacon_corpus() -> list[tuple[str, dict[Any, Any], dict[Any, Any], dict[str, Any] | None]]:
    entries = []
    for path in sorted((CORPUS / "beacons").glob("*.json")):
        entry = json.loads(path.read_text(encoding="utf-8"))
        mfg = {int(k): bytes.fromhex(v) for k, v in entry["manufacturer_data"].items()}
        svc = {k: bytes.fromhex(v) for k, v in entry["service_data"].items()}
        entries.append((path.stem, mfg, svc, entry["expect"]))
    return entries


def serial_corpus() -> list[tuple[str, bytes, list[str]]]:
    expected = json.loads((CORPUS / "serial" / "expected.json").read_text(encoding="utf-8"))
    return [(p.name, p.read_bytes(), expected[p.name]) for p in sorted((CORPUS / "serial").glob("*.bin"))]


def with_beacon_corpus(test: F) -> F:
    for name, mfg, svc, _ in beacon_corpus():
        test = example(manufacturer_data=mfg, service_data=svc).via(f"corpus/beacons/{name}.json")(test)
    return test


def with_serial_corpus(test: F) -> F:
    for name, stream, _ in serial_corpus():
        test = example(protocol=name.split("-")[0], stream=stream, cuts=[1, 5, 13]).via(f"corpus/serial/{name}")(test)
    return test


# --- beacons -----------------------------------------------------------------------------------------------------

RANGING = st.binary(min_size=1, max_size=1)
FRAMES = st.one_of(
    st.binary(max_size=40),
    st.tuples(
        st.sampled_from([b"\x00", b"\x10", b"\x20\x00", b"\x20\x01", b"\x30", b"\x40"]), st.binary(max_size=24)
    ).map(b"".join),
    st.tuples(st.just(b"\x30"), RANGING, st.binary(min_size=6, max_size=10)).map(b"".join),
    st.tuples(st.just(b"\x00"), RANGING, st.binary(min_size=15, max_size=19)).map(b"".join),
    st.tuples(st.just(b"\x10"), RANGING, st.binary(min_size=1, max_size=20)).map(b"".join),
)
MFG_FRAMES = st.one_of(
    st.binary(max_size=30),
    st.tuples(st.just(b"\x02\x15"), st.binary(min_size=19, max_size=23)).map(b"".join),
    st.tuples(st.just(b"\xbe\xac"), st.binary(min_size=20, max_size=24)).map(b"".join),
)
NOT_BYTES = st.one_of(st.none(), st.integers(), st.text(max_size=8), st.lists(st.integers(0, 255), max_size=4))
SERVICE_DATA = st.dictionaries(
    st.one_of(st.sampled_from([EDDYSTONE_UUID, EDDYSTONE_UUID.upper(), "feaa", ""]), st.text(max_size=36)),
    st.one_of(FRAMES, FRAMES.map(bytearray), FRAMES.map(lambda b: memoryview(b)), NOT_BYTES),
    max_size=4,
)
MANUFACTURER_DATA = st.dictionaries(
    st.one_of(st.sampled_from([APPLE_COMPANY_ID, 0x0118, 0xFFFF, 0x10000, -1]), st.integers(-(2**40), 2**40)),
    st.one_of(MFG_FRAMES, MFG_FRAMES.map(bytearray), NOT_BYTES),
    max_size=4,
)


def check_beacon(result: object) -> None:
    if result is None:
        return
    assert isinstance(result, Beacon)
    assert result.kind in KINDS
    if result.kind in ("eddystone-url", "eddystone-tlm"):
        assert result.id is None
    else:
        assert result.id is not None
        assert is_beacon_id(result.id), result.id
    assert result.tx_power is None or -128 - 41 <= result.tx_power <= 127, result.tx_power


@with_beacon_corpus
@settings(FUZZ, max_examples=BEACON_EXAMPLES)
@given(manufacturer_data=MANUFACTURER_DATA, service_data=SERVICE_DATA)
def test_beacon_parse_never_raises_and_gives_well_formed_ids(
    manufacturer_data: dict[Any, Any], service_data: dict[Any, Any]
) -> None:
    result = parse(manufacturer_data, service_data)
    check_beacon(result)
    clear_memo()
    again = parse(manufacturer_data, service_data)
    assert (again is None) == (result is None)
    if result is not None and again is not None:
        assert (again.kind, again.id, again.tx_power) == (result.kind, result.id, result.tx_power)


def test_the_beacon_corpus_gives_its_recorded_answers() -> None:
    entries = beacon_corpus()
    assert len(entries) >= 15
    for name, mfg, svc, expect in entries:
        clear_memo()
        result = parse(mfg, svc)
        got = None if result is None else {"kind": result.kind, "id": result.id}
        assert got == expect, name


# --- serial frames -----------------------------------------------------------------------------------------------

CHUNKS = st.lists(
    st.one_of(
        st.binary(max_size=16),
        st.sampled_from([b"\x02", b"\x03", b"\r", b"\n", b"\r\n"]),
        st.text("0123456789ABCDEFabcdef", min_size=10, max_size=12).map(str.encode),
        st.integers(0, 2**40 - 1).map(lambda n: _rdm6300_frame(n.to_bytes(5, "big"))),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20).map(lambda s: s.encode() + b"\r\n"),
    ),
    max_size=12,
).map(b"".join)


def _rdm6300_frame(data: bytes) -> bytes:
    return b"\x02" + (data.hex().upper() + f"{rdm6300_checksum(data):02X}").encode() + b"\x03"


def decode_in_pieces(
    protocol: str, stream: bytes, cuts: list[int]
) -> tuple[list[CardRead], LineDecoder | Rdm6300Decoder]:
    decoder = make_decoder(protocol, stale_s=None)
    points = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    cards: list[CardRead] = []
    last = decoder.counters()
    for start, end in itertools.pairwise(points):
        cards += decoder.feed(stream[start:end])
        now = decoder.counters()
        assert all(getattr(now, f) >= getattr(last, f) for f in ("frames", "noise_bytes", "bad_checksums", "rejected"))
        last = now
    return cards, decoder


def check_card(card: CardRead, decoder: LineDecoder | Rdm6300Decoder) -> None:
    assert card.protocol == decoder.protocol
    if card.protocol == "rdm6300":
        assert len(card.text) == 10
        assert all(c in "0123456789ABCDEF" for c in card.text), card.text
        assert card.raw.upper() == _rdm6300_frame(bytes.fromhex(card.text))
        assert len(card.printed) == 10
        assert card.printed.isdigit()
        assert int(card.printed) == int(card.text[2:], 16)
    else:
        assert isinstance(decoder, LineDecoder)
        assert card.text
        assert card.text == card.text.strip()
        assert card.text == card.printed
        assert all(" " <= c <= "~" for c in card.text)
        assert len(card.raw) <= decoder.max_len


@with_serial_corpus
@settings(FUZZ, max_examples=SERIAL_EXAMPLES)
@given(protocol=st.sampled_from(["barcode", "rdm6300"]), stream=CHUNKS, cuts=st.lists(st.integers(0, 400), max_size=8))
def test_serial_decoders_never_raise_and_any_split_gives_the_same_cards(
    protocol: str, stream: bytes, cuts: list[int]
) -> None:
    whole, reference = decode_in_pieces(protocol, stream, [])
    pieces, decoder = decode_in_pieces(protocol, stream, cuts)
    assert [(c.text, c.raw) for c in pieces] == [(c.text, c.raw) for c in whole]
    assert decoder.counters() == reference.counters()
    for card in pieces:
        check_card(card, decoder)
    byte_by_byte, _ = decode_in_pieces(protocol, stream, list(range(len(stream))))
    assert [c.text for c in byte_by_byte] == [c.text for c in whole]


def test_the_serial_corpus_gives_its_recorded_cards() -> None:
    entries = serial_corpus()
    assert len(entries) >= 10
    for name, stream, expected in entries:
        cards, decoder = decode_in_pieces(name.split("-")[0], stream, [])
        assert [c.text for c in cards] == expected, name
        for card in cards:
            check_card(card, decoder)


def test_an_rdm6300_frame_with_a_wrong_checksum_is_never_a_card() -> None:
    data = bytes.fromhex("0A00F1C2D3")
    good = _rdm6300_frame(data)
    for wrong in range(256):
        if wrong == rdm6300_checksum(data):
            continue
        frame = good[:11] + f"{wrong:02X}".encode() + good[13:]
        decoder = Rdm6300Decoder(stale_s=None)
        assert decoder.feed(frame) == []
        assert decoder.counters().bad_checksums == 1
