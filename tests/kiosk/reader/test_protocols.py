"""The card decoders, fed with bytes: split, merged and noisy input, checksums, prefixes, suffixes, terminators."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_sim.devices.card_reader import barcode_line, rdm6300_frame
from kiosk.reader import (
    CardRead,
    DecoderCounters,
    LineDecoder,
    Rdm6300Decoder,
    ReaderSettingError,
    make_decoder,
    rdm6300_checksum,
    rdm6300_printed,
)

# Worked by hand: 62 ^ E3 ^ 08 ^ 6C ^ ED = 08; 0xE3086CED = 3808980205.
FRAME = b"\x0262E3086CED08\x03"
CARD = CardRead(text="62E3086CED", raw=FRAME, protocol="rdm6300", printed="3808980205")
OTHER = b"\x02010203040501\x03"  # 01 ^ 02 ^ 03 ^ 04 ^ 05 = 01


def feed_in_pieces(decoder: LineDecoder | Rdm6300Decoder, data: bytes, cuts: list[int]) -> list[CardRead]:
    """Feed `data` cut at `cuts` (sorted positions), as successive serial reads would return it."""
    cards: list[CardRead] = []
    start = 0
    for cut in [*cuts, len(data)]:
        cards += decoder.feed(data[start:cut])
        start = cut
    return cards


# -- RDM6300 ---------------------------------------------------------------------------------------------------


def test_checksum_and_printed_number() -> None:
    assert rdm6300_checksum(bytes.fromhex("62E3086CED")) == 0x08
    assert rdm6300_printed("62E3086CED") == "3808980205"
    assert rdm6300_printed("0000000001") == "0000000001"  # ten digits, leading zeros kept


def test_rdm6300_frame_decodes() -> None:
    decoder = Rdm6300Decoder()
    assert decoder.feed(FRAME) == [CARD]
    assert decoder.counters() == DecoderCounters(frames=1)


def test_rdm6300_lower_case_hex_is_reported_upper_case() -> None:
    cards = Rdm6300Decoder().feed(b"\x0262e3086ced08\x03")
    assert [c.text for c in cards] == ["62E3086CED"]


@pytest.mark.parametrize("cut", range(1, len(FRAME)))
def test_rdm6300_frame_split_anywhere(cut: int) -> None:
    decoder = Rdm6300Decoder()
    assert decoder.feed(FRAME[:cut]) == []
    assert decoder.feed(FRAME[cut:]) == [CARD]


def test_rdm6300_byte_by_byte() -> None:
    decoder = Rdm6300Decoder()
    assert feed_in_pieces(decoder, FRAME + OTHER, list(range(1, 28))) == [CARD, Rdm6300Decoder().feed(OTHER)[0]]


def test_rdm6300_several_frames_in_one_read_with_noise_between() -> None:
    decoder = Rdm6300Decoder()
    cards = decoder.feed(b"\xff\x00" + FRAME + b"garbage\x03" + OTHER + FRAME)
    assert [c.text for c in cards] == ["62E3086CED", "0102030405", "62E3086CED"]
    assert decoder.counters() == DecoderCounters(frames=3, noise_bytes=10)


def test_rdm6300_bad_checksum_is_counted_and_dropped() -> None:
    decoder = Rdm6300Decoder()
    assert decoder.feed(b"\x0262E3086CED09\x03") == []
    assert decoder.feed(FRAME) == [CARD]
    assert decoder.counters() == DecoderCounters(frames=1, bad_checksums=1)


def test_rdm6300_new_stx_inside_a_frame_starts_over() -> None:
    decoder = Rdm6300Decoder()
    assert decoder.feed(b"\x0262E30" + FRAME) == [CARD]
    assert decoder.counters().noise_bytes == 6


@pytest.mark.parametrize(
    ("broken", "noise"),
    [
        (b"\x0262E3086CED08\x02", 14),  # no ETX: the STX at the end starts a frame that the next STX breaks
        (b"\x0262E3086CED08X", 14),  # a wrong byte where ETX belongs
        (b"\x0262E3\x03", 6),  # too short
        (b"\x0262E3Z86CED08\x03", 14),  # a non-hex byte breaks the frame; the rest is noise
    ],
)
def test_rdm6300_broken_frames_are_noise_and_the_next_frame_decodes(broken: bytes, noise: int) -> None:
    decoder = Rdm6300Decoder(stale_s=None)
    assert decoder.feed(broken) == []
    assert decoder.feed(FRAME) == [CARD]
    assert decoder.counters() == DecoderCounters(frames=1, noise_bytes=noise)


def test_stale_partial_frame_is_forgotten() -> None:
    decoder = Rdm6300Decoder(stale_s=0.5)
    assert decoder.feed(FRAME[:7], now=10.0) == []
    assert decoder.feed(FRAME[7:], now=10.6) == []  # the rest came too late: both halves are noise
    assert decoder.counters() == DecoderCounters(noise_bytes=len(FRAME))
    assert decoder.feed(FRAME[:7], now=20.0) == []
    assert decoder.feed(FRAME[7:], now=20.4) == [CARD]


def test_stale_rule_is_off_without_a_time_or_with_none() -> None:
    assert Rdm6300Decoder(stale_s=0.5).feed(FRAME[:7]) == []
    decoder = Rdm6300Decoder(stale_s=None)
    decoder.feed(FRAME[:7], now=0.0)
    assert decoder.feed(FRAME[7:], now=1000.0) == [CARD]


def test_reset_forgets_the_partial_frame_but_keeps_counters() -> None:
    decoder = Rdm6300Decoder()
    decoder.feed(FRAME)
    decoder.feed(FRAME[:5])
    decoder.reset()
    assert decoder.feed(FRAME[5:]) == []
    assert decoder.counters() == DecoderCounters(frames=1, noise_bytes=len(FRAME))  # both halves


@settings(max_examples=200, deadline=None)
@given(
    tags=st.lists(st.binary(min_size=5, max_size=5), min_size=1, max_size=5),
    noise=st.binary(max_size=20).filter(lambda b: 0x02 not in b),
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=12),
)
def test_rdm6300_any_split_gives_the_same_cards(tags: list[bytes], noise: bytes, cuts: list[int]) -> None:
    stream = b"".join(noise + rdm6300_frame(tag.hex()) for tag in tags)
    cards = feed_in_pieces(Rdm6300Decoder(), stream, sorted({c for c in cuts if c < len(stream)}))
    assert [c.text for c in cards] == [tag.hex().upper() for tag in tags]


# -- barcode lines ---------------------------------------------------------------------------------------------

LINE_CASES: list[tuple[str, dict[str, Any], bytes, list[str], DecoderCounters]] = [
    ("CR", {"terminator": "CR"}, b"2500001234567\r", ["2500001234567"], DecoderCounters(frames=1)),
    ("LF", {"terminator": "LF"}, b"2500001234567\n", ["2500001234567"], DecoderCounters(frames=1)),
    ("CRLF", {"terminator": "CRLF"}, b"123\r\n456\r\n", ["123", "456"], DecoderCounters(frames=2)),
    ("any", {"terminator": "any"}, b"123\r\n456\n789\r", ["123", "456", "789"], DecoderCounters(frames=3)),
    ("CR mode, CRLF sent", {"terminator": "CR"}, b"123\r\n456\r", ["123", "456"], DecoderCounters(2, 1)),
    ("LF mode, CR is noise", {"terminator": "LF"}, b"123\r\n", ["123"], DecoderCounters(1, 1)),
    ("CRLF mode, lone CR", {"terminator": "CRLF"}, b"12\r3\r\n", ["123"], DecoderCounters(1, 1)),
    ("CRLF mode, lone LF", {"terminator": "CRLF"}, b"12\n3\r\n", ["123"], DecoderCounters(1, 1)),
    ("AIM prefix", {"prefix": "]E0"}, b"]E04006381333931\r", ["4006381333931"], DecoderCounters(frames=1)),
    ("prefix missing", {"prefix": "]E0"}, b"4006381333931\r", [], DecoderCounters(rejected=1)),
    ("suffix", {"suffix": "#"}, b"123#\r", ["123"], DecoderCounters(frames=1)),
    ("suffix missing", {"suffix": "#"}, b"123\r", [], DecoderCounters(rejected=1)),
    ("both", {"prefix": "C", "suffix": "/"}, b"C123/\rC456\r", ["123"], DecoderCounters(frames=1, rejected=1)),
    ("nothing between", {"prefix": "]E0"}, b"]E0\r", [], DecoderCounters(rejected=1)),
    ("non-printable noise", {}, b"\x00\x1b12\xff3\x7f\r", ["123"], DecoderCounters(frames=1, noise_bytes=4)),
    ("spaces trimmed", {}, b"  123 \r", ["123"], DecoderCounters(frames=1)),
    ("blank lines", {}, b"\r\r\n\n\x00\r", [], DecoderCounters(noise_bytes=1)),
    ("over-long", {"max_len": 5}, b"123456\r789\r", ["789"], DecoderCounters(frames=1, noise_bytes=6)),
    ("exactly max_len", {"max_len": 5}, b"12345\r", ["12345"], DecoderCounters(frames=1)),
    ("prefix counts", {"max_len": 5, "prefix": "]E0"}, b"]E0123\r", [], DecoderCounters(noise_bytes=6)),
]


@pytest.mark.parametrize(
    ("options", "data", "texts", "counters"), [c[1:] for c in LINE_CASES], ids=[c[0] for c in LINE_CASES]
)
@pytest.mark.parametrize("pieces", ["whole", "bytewise", "halves"])
def test_line_decoder(
    options: dict[str, Any], data: bytes, texts: list[str], counters: DecoderCounters, pieces: str
) -> None:
    decoder = LineDecoder(**options)
    cuts = {"whole": [], "bytewise": list(range(1, len(data))), "halves": [len(data) // 2]}[pieces]
    cards = feed_in_pieces(decoder, data, cuts)
    assert [c.text for c in cards] == texts
    assert all(c.protocol == "barcode" and c.printed == c.text for c in cards)
    assert decoder.counters() == counters


def test_line_raw_keeps_prefix_and_suffix_but_not_the_terminator_or_noise() -> None:
    (card,) = LineDecoder(prefix="]E0", suffix="#").feed(b"\x00]E0123#\r\n")
    assert card == CardRead(text="123", raw=b"]E0123#", protocol="barcode", printed="123")


def test_stale_partial_line_is_not_glued_to_the_next_scan() -> None:
    decoder = LineDecoder(stale_s=0.5)
    assert decoder.feed(b"98765", now=1.0) == []
    assert [c.text for c in decoder.feed(b"123\r", now=2.0)] == ["123"]
    assert decoder.counters() == DecoderCounters(frames=1, noise_bytes=5)


@settings(max_examples=200, deadline=None)
@given(
    codes=st.lists(st.text(alphabet="0123456789ABCXYZ-", min_size=1, max_size=20), min_size=1, max_size=5),
    terminator=st.sampled_from(["CR", "LF", "CRLF"]),
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=12),
)
def test_lines_from_the_simulated_scanner_decode_under_any_split(
    codes: list[str], terminator: Any, cuts: list[int]
) -> None:
    stream = b"".join(barcode_line(code, terminator=terminator, prefix="]E0") for code in codes)
    decoder = LineDecoder(terminator, prefix="]E0")
    cards = feed_in_pieces(decoder, stream, sorted({c for c in cuts if c < len(stream)}))
    assert [c.text for c in cards] == codes
    assert decoder.counters() == DecoderCounters(frames=len(codes))


# -- settings --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: LineDecoder("CRCR"), "terminator"),  # type: ignore[arg-type]
        (lambda: LineDecoder(prefix="\x02"), "prefix"),
        (lambda: LineDecoder(suffix="é"), "suffix"),
        (lambda: LineDecoder(prefix="]E0", max_len=3), "max_len"),
        (lambda: Rdm6300Decoder(stale_s=0), "stale_s"),
        (lambda: make_decoder("nfc"), "protocol"),
    ],
)
def test_bad_settings_name_the_setting(make: Any, name: str) -> None:
    with pytest.raises(ReaderSettingError) as caught:
        make()
    assert caught.value.name == name


def test_make_decoder() -> None:
    assert make_decoder("rdm6300").feed(FRAME) == [CARD]
    barcode = make_decoder("barcode", prefix="]E0", terminator="LF")
    assert [c.text for c in barcode.feed(b"]E0123\n")] == ["123"]
