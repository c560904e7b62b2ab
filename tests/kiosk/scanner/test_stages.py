"""`kiosk.scanner.stages`: the retries' pictures, and positions mapped back to the input."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from firmware_sim.devices.camera import Look, background, compose, render_code
from kiosk.scanner import scan
from kiosk.scanner.stages import PATCH_QUIET_PX, STAGES, UPSCALE_MAX_SIDE, rotate

UNWARP = next(s for s in STAGES if s.name == "unwarp")
Box = tuple[int, int, int, int]


def card_on_cloth(size: tuple[int, int] = (640, 480), box: Box = (200, 120, 440, 360)) -> NDArray[np.uint8]:
    """A light card (`box`: x0, y0, x1, y1) on a dark, slightly noisy surround of `size` (width, height)."""
    image = np.asarray(np.random.default_rng(0).normal(40, 6, size[::-1]).clip(0, 255), dtype=np.uint8)
    x0, y0, x1, y1 = box
    image[y0:y1, x0:x1] = 235
    return image


def wave(frame: NDArray[np.uint8], amplitude_px: float, wavelength_px: float) -> NDArray[np.uint8]:
    """`frame` bent into a wave: each column shifted up or down by a sine of its position."""
    h, w = frame.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    shift = amplitude_px * np.sin(2 * np.pi * (xs - w / 2) / wavelength_px)
    return np.asarray(cv2.remap(frame, xs, ys + shift, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT), np.uint8)


@pytest.mark.parametrize("degrees", [45.0, -30.0, 90.0])
def test_rotate_keeps_every_corner_and_maps_back(degrees: float) -> None:
    image = np.full((100, 200), 255, dtype=np.uint8)
    image[9:12, 189:192] = 0  # a dark dot near the top-right corner
    turned = rotate(image, degrees)
    assert turned.to_input is not None
    ys, xs = np.nonzero(turned.image < 128)
    assert len(xs) > 0  # the corner was not cut off
    x, y = turned.to_input @ np.array([xs.mean(), ys.mean(), 1.0])
    assert abs(x - 190) < 1.5
    assert abs(y - 10) < 1.5
    assert turned.image[0, 0] == 255  # the new canvas is white: a code near the edge keeps its quiet zone


def test_upscale_applies_only_to_pictures_that_need_it() -> None:
    upscale = next(s for s in STAGES if s.name == "upscale")
    small = upscale.prepare(np.zeros((480, 640), dtype=np.uint8))
    assert small is not None
    assert small.image.shape == (720, 960)
    assert upscale.prepare(np.zeros((720, UPSCALE_MAX_SIDE + 1), dtype=np.uint8)) is None


def test_every_stage_gives_a_grayscale_picture() -> None:
    gray = card_on_cloth((160, 120), (40, 30, 120, 90))  # a light patch, so that the unwarp applies too
    for stage in STAGES:
        prepared = stage.prepare(gray)
        assert prepared is not None
        assert prepared.image.dtype == np.uint8
        assert prepared.image.ndim == 2
    assert len({s.name for s in STAGES}) == len(STAGES)
    assert STAGES[0].name == "plain"
    assert STAGES[0].cost == 1.0


def test_the_45_degree_turn_is_skipped_for_a_strip() -> None:
    rotate45 = next(s for s in STAGES if s.name == "rotate45")
    assert rotate45.prepare(np.zeros((480, 640), dtype=np.uint8)) is not None
    assert rotate45.prepare(np.zeros((720, 1280), dtype=np.uint8)) is not None
    assert rotate45.prepare(np.zeros((60000, 2), dtype=np.uint8)) is None


def test_unwarp_reads_a_code_on_a_bent_card_and_places_it() -> None:
    text = "CORSIA:P:" + "q7Zr-0_xY3kL" * 3
    card_px = 0.45 * 640
    flat = compose(render_code(text), Look(width=0.45, tilt_deg=5.0), background((640, 480), seed=1))
    image = wave(flat, 0.04 * card_px, card_px)  # one wave across the card: its rows become S-curves
    # A generous time budget: on a busy machine the default one may drop the last stage, which is the point here.
    assert scan(image, budget_s=10.0, stages=tuple(s for s in STAGES if s is not UNWARP)).codes == ()
    result = scan(image, budget_s=10.0)
    assert result.stage == "unwarp"
    (code,) = result.codes
    assert code.text == text
    assert code.position is not None
    # The corners come back in the input's pixels: around the card's centre, inside the card.
    xs, ys = [x for x, _ in code.position], [y for _, y in code.position]
    assert min(xs) < 320 < max(xs)
    assert min(ys) < 240 < max(ys)
    assert all(320 - card_px / 2 < x < 320 + card_px / 2 for x in xs)


def test_unwarp_keeps_the_patch_upright_and_maps_every_point_back() -> None:
    for degrees in (0.0, 20.0, -30.0):
        image = card_on_cloth()
        image[135:141, 215:221] = 0  # a dark dot near the card's top-left corner
        image[135:141, 417:423] = 0  # and one near its top-right corner
        image = rotate(image, degrees).image if degrees else image
        image = np.where(image == 255, 40, image).astype(np.uint8)  # the turned picture's new corners: dark
        prepared = UNWARP.prepare(image)
        assert prepared is not None
        h, w = prepared.image.shape
        ys, xs = np.nonzero(prepared.image < 128)
        left, right = xs < w / 2, xs >= w / 2
        assert ys.max() < h / 3  # both dots near the top: neither turned upside down nor on its side
        flat = np.array([[xs[left].mean(), ys[left].mean()], [xs[right].mean(), ys[right].mean()]])
        back = prepared.input_points(flat)
        expected = np.array([[217.5, 137.5], [419.5, 137.5]])  # where the dots were drawn, turned with the card
        if degrees:
            expected = _turned(expected, degrees)
        assert np.abs(back - expected).max() < 3.0  # not mirrored: the left dot maps back to the left one


def _turned(points: NDArray[np.float64], degrees: float) -> NDArray[np.float64]:
    """`points` of a 640x480 picture where `rotate` puts them."""
    turned = rotate(np.zeros((480, 640), dtype=np.uint8), degrees)
    assert turned.to_input is not None
    forward = cv2.invertAffineTransform(turned.to_input)
    return np.asarray(points @ forward[:, :2].T + forward[:, 2], dtype=np.float64)


def test_unwarp_flattens_a_straight_card_to_its_own_size() -> None:
    prepared = UNWARP.prepare(card_on_cloth())
    assert prepared is not None
    h, w = prepared.image.shape
    assert abs(w - (240 + 2 * PATCH_QUIET_PX)) <= 3
    assert abs(h - (240 + 2 * PATCH_QUIET_PX)) <= 3
    assert prepared.image[0, 0] == 255  # a white quiet zone around it


@pytest.mark.parametrize(
    "image",
    [
        np.full((480, 640), 128, dtype=np.uint8),  # nothing
        card_on_cloth(box=(0, 0, 320, 480)),  # a light half: its outline is the picture's edge
        card_on_cloth(box=(300, 220, 340, 260)),  # a patch too small to be the backing of a readable code
        np.asarray(np.random.default_rng(1).integers(0, 256, (120, 160)), dtype=np.uint8),  # noise
    ],
    ids=["plain", "touches-the-edge", "tiny", "noise"],
)
def test_unwarp_needs_a_light_patch_wholly_inside_the_picture(image: NDArray[np.uint8]) -> None:
    assert UNWARP.prepare(image) is None


def test_unwarp_needs_four_sides() -> None:
    image = np.full((480, 640), 40, dtype=np.uint8)
    cv2.circle(image, (320, 240), 150, (235,), -1)  # a disc fills 79 % of its square: no sides to map
    assert UNWARP.prepare(image) is None
    triangle = np.full((480, 640), 40, dtype=np.uint8)
    cv2.fillPoly(triangle, [np.array([[320, 60], [560, 420], [80, 420]], dtype=np.int32)], (235,))
    assert UNWARP.prepare(triangle) is None
