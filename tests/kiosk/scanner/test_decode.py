"""`kiosk.scanner.decode` on generated codes: formats, turned, scaled, noisy, nothing to read, bad input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from firmware_sim.devices.camera import Look, background, compose, render_code
from kiosk.payloads import ean13_check_digit, format_member_qr
from kiosk.scanner import BadImage, Code, UnknownFormat, decode, scan
from kiosk.scanner.stages import STAGE_NAMES

MEMBER = "291234567890" + str(ean13_check_digit("291234567890"))
COUNTER = background((640, 480), seed=1)
EVERY_STAGE_BUT_UNWARP = tuple(name for name in STAGE_NAMES if name != "unwarp")  # it needs a light patch


def frame(text: str, format: str = "QRCode", **look: Any) -> np.ndarray:
    return compose(render_code(text, format), Look(**look), COUNTER)


def texts(image: np.ndarray, **kwargs: object) -> list[tuple[str, str]]:
    return [(c.format, c.text) for c in decode(image, **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("format", "text"),
    [
        ("QRCode", format_member_qr(MEMBER)),
        ("QRCode", "CORSIA:P:" + "Ab_-" * 10),
        ("EAN13", MEMBER),
        ("EAN8", "96385074"),
        ("Code128", "AB123456"),
        ("Code39", "CARD42X"),
    ],
)
def test_reads_each_kiosk_format(format: str, text: str) -> None:
    assert texts(frame(text, format, width=0.6)) == [(format, text)]


def test_reads_a_bare_symbol_in_gray_bgr_bgra_and_one_channel() -> None:
    gray = render_code("CORSIA:E:" + "t" * 43, scale=4)
    bgr = np.repeat(gray[:, :, None], 3, axis=2)
    bgra = np.concatenate([bgr, np.full_like(gray[:, :, None], 255)], axis=2)
    for image in (gray, bgr, bgra, gray[:, :, None], np.asfortranarray(gray)):
        assert texts(image) == [("QRCode", "CORSIA:E:" + "t" * 43)]


@pytest.mark.parametrize("tilt", [15, 45, 70, 135, 200])
def test_a_qr_code_is_read_at_any_angle(tilt: float) -> None:
    assert texts(frame(format_member_qr(MEMBER), tilt_deg=tilt)) == [("QRCode", format_member_qr(MEMBER))]


@pytest.mark.parametrize(("format", "text"), [("EAN13", MEMBER), ("Code128", "AB123456")])
def test_a_tilted_barcode_is_read_by_the_rotate_retry(format: str, text: str) -> None:
    image = frame(text, format, width=0.6, tilt_deg=40)
    assert scan(image, retries=False).codes == ()  # zxing-cpp alone misses a 1D code 40° off its scan lines
    result = scan(image)
    assert [(c.format, c.text) for c in result.codes] == [(format, text)]
    assert result.stage == "rotate45"
    # The corners are mapped back from the turned picture: they surround the card's centre in the input.
    (position,) = [c.position for c in result.codes]
    assert position is not None
    xs, ys = [x for x, _ in position], [y for _, y in position]
    assert min(xs) < 320 < max(xs)
    assert min(ys) < 240 < max(ys)
    assert all(0 <= x <= 640 and 0 <= y <= 480 for x, y in position)


@pytest.mark.parametrize("width", [0.12, 0.25, 0.9])
def test_small_and_large_codes(width: float) -> None:
    assert texts(frame(format_member_qr(MEMBER), width=width)) == [("QRCode", format_member_qr(MEMBER))]


def test_a_code_in_a_large_frame_is_read_and_placed() -> None:
    counter = background((1920, 1080), seed=2)
    image = compose(render_code(MEMBER, "EAN13"), Look(width=0.2, offset=(1.5, -1.0)), counter)
    (code,) = decode(image)
    assert (code.format, code.text) == ("EAN13", MEMBER)
    assert code.position is not None
    assert all(1344 <= x <= 1728 for x, _ in code.position)  # the card spans x = 1536 ± 192, where it was put


def test_noisy_dim_blurred_and_leaning_codes() -> None:
    look = Look(light=0.45, blur_px=1.0, perspective=0.25, tilt_deg=8.0, width=0.5)
    rng = np.random.default_rng(5)
    image = compose(render_code(format_member_qr(MEMBER)), look, COUNTER)
    noisy = np.clip(image + rng.normal(0, 14, image.shape), 0, 255).astype(np.uint8)
    assert texts(noisy) == [("QRCode", format_member_qr(MEMBER))]


def test_several_codes_in_one_picture_each_once() -> None:
    image = compose(render_code("AB123456", "Code128"), Look(width=0.35, offset=(0, -0.9)), COUNTER)
    image = compose(render_code(format_member_qr(MEMBER)), Look(width=0.2, offset=(0, 1.3)), image)
    found = sorted(texts(image))
    assert found == [("Code128", "AB123456"), ("QRCode", format_member_qr(MEMBER))]


@pytest.mark.parametrize("value", [0, 255, 128])
def test_a_plain_picture_has_no_code(value: int) -> None:
    image = np.full((480, 640, 3), value, dtype=np.uint8)
    result = scan(image)
    assert result.codes == ()
    assert result.stage is None
    assert result.tried == EVERY_STAGE_BUT_UNWARP  # everything that applies was tried, nothing invented
    assert result.complete


def test_a_blank_card_has_no_code() -> None:
    image = np.full((480, 640), 40, dtype=np.uint8)
    image[120:360, 200:440] = 235  # a card with nothing on it: the unwarp retry has a patch to flatten
    result = scan(image, budget_s=10.0)  # every stage, however busy the machine
    assert (result.codes, result.stage, result.tried) == ((), None, STAGE_NAMES)


@pytest.mark.parametrize("seed", range(6))
def test_random_noise_has_no_code(seed: int) -> None:
    rng = np.random.default_rng(seed)
    assert decode(rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)) == []
    coarse = rng.integers(0, 2, (60, 80), dtype=np.uint8) * 255
    assert decode(np.kron(coarse, np.ones((8, 8), dtype=np.uint8))) == []  # blocky, like modules


def test_only_the_asked_formats_are_read() -> None:
    image = frame(MEMBER, "EAN13", width=0.6)
    assert decode(image, formats={"QRCode"}) == []
    assert texts(image, formats={"EAN13", "QRCode"}) == [("EAN13", MEMBER)]


@pytest.mark.parametrize("formats", [set(), {"Bogus"}, {"All"}, {"QRCode,EAN13"}])
def test_a_bad_format_name_is_an_error(formats: set[str]) -> None:
    with pytest.raises(UnknownFormat):
        decode(np.zeros((10, 10), dtype=np.uint8), formats=formats)


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((10, 10), dtype=np.float32),
        np.zeros((0, 0), dtype=np.uint8),
        np.zeros((10, 10, 5), dtype=np.uint8),
        np.zeros((2, 10, 10, 3), dtype=np.uint8),
        np.zeros(10, dtype=np.uint8),
        [[0, 255], [255, 0]],
    ],
)
def test_what_is_not_a_picture_is_refused(image: object) -> None:
    with pytest.raises(BadImage) as err:
        decode(image)  # type: ignore[arg-type]
    assert err.value.reason


def test_the_budget_stops_the_retries_but_not_the_plain_read() -> None:
    blank = np.full((480, 640), 200, dtype=np.uint8)
    result = scan(blank, budget_s=0.0)
    assert result.tried == ("plain",)
    assert not result.complete
    ticks = iter(range(1000))
    # A clock where every reading is 10 ms later: the plain read "costs" 10 ms; in a 65 ms budget the clahe
    # retry (3x) fits at 30 ms and the threshold retry (1x) at 50 ms, the upscale (2.3x) at 70 ms does not.
    result = scan(blank, budget_s=0.065, clock=lambda: next(ticks) * 0.01)
    assert result.tried == ("plain", "clahe", "threshold")
    assert not result.complete
    ticks = iter(range(1000))
    assert scan(blank, budget_s=1.0, clock=lambda: next(ticks) * 0.01).tried == EVERY_STAGE_BUT_UNWARP
    code = frame(format_member_qr(MEMBER))
    assert [c.text for c in scan(code, budget_s=0.0).codes] == [format_member_qr(MEMBER)]


def test_without_retries_only_the_plain_read_runs() -> None:
    assert scan(np.zeros((100, 100), dtype=np.uint8), retries=False).tried == ("plain",)


def test_text_comes_as_printed_control_characters_included() -> None:
    assert texts(render_code("A\x1dB\r\nC", scale=4)) == [("QRCode", "A\x1dB\r\nC")]


def test_codes_are_equal_by_content_not_position() -> None:
    assert Code("QRCode", "x", ((0, 0), (1, 0), (1, 1), (0, 1))) == Code("QRCode", "x")
    assert Code("QRCode", "x") != Code("EAN13", "x")
    with pytest.raises(AttributeError):
        Code("QRCode", "x").text = "y"  # type: ignore[misc]
