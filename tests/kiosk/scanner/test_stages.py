"""`kiosk.scanner.stages`: the retries' pictures, and positions mapped back to the input."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.scanner.stages import STAGES, UPSCALE_MAX_SIDE, rotate


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
    gray = np.random.default_rng(0).integers(0, 256, (120, 160), dtype=np.uint8)
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
