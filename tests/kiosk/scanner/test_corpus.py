"""Real photos (a sample of zxing's blackbox set, tests/kiosk/scanner/photos/) decode to their exact text."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from kiosk.scanner import decode, scan

PHOTOS = Path(__file__).parent / "photos"
# The photos only a retry reads, and which one: if a retry stops working, its photo says so.
NEEDS_A_RETRY = {
    "ean13-4-10": "clahe",
    "ean13-2-21": "threshold",
    "ean13-2-12": "upscale",
    "qrcode-4-09": "global",
    "qrcode-4-08": "unwarp",  # a QR code on a T-shirt
}


def load(path: Path, flags: int = cv2.IMREAD_COLOR) -> NDArray[np.uint8]:
    image = cv2.imread(str(path), flags)
    assert image is not None, path
    return np.asarray(image, dtype=np.uint8)


def photos() -> list[Path]:
    return sorted(PHOTOS.glob("*.png"))


def test_the_sample_is_there() -> None:
    assert len(photos()) == 9
    assert set(NEEDS_A_RETRY) <= {p.stem for p in photos()}


@pytest.mark.parametrize("path", photos(), ids=lambda p: p.stem)
def test_a_photo_decodes_to_its_text_and_nothing_else(path: Path) -> None:
    image = load(path)
    expected = path.with_suffix(".txt").read_bytes().decode("utf-8")
    assert [c.text for c in decode(image)] == [expected]


@pytest.mark.parametrize("name", sorted(NEEDS_A_RETRY))
def test_the_retries_read_what_the_plain_read_misses(name: str) -> None:
    image = load(PHOTOS / f"{name}.png")
    assert scan(image, retries=False).codes == ()
    assert scan(image).stage == NEEDS_A_RETRY[name]


def test_a_gray_photo_reads_the_same() -> None:
    path = PHOTOS / "qrcode-3-01.png"
    gray = load(path, cv2.IMREAD_GRAYSCALE)
    assert [c.text for c in decode(gray)] == [path.with_suffix(".txt").read_bytes().decode("utf-8")]
