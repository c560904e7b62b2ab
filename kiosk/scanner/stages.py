"""The decode pipeline's stages: zxing-cpp on the picture as it is, then a few retries on a changed picture.

Each stage turns the grayscale input into the picture zxing-cpp reads (and says how to map positions found in
it back to the input). The retries are the ones that, measured on the zxing "blackbox" photos with
`bench/scanner_corpus.py`, read photos the plain read misses, gave no wrong text even when forced on every
photo, and were not made redundant by the others (docs/scanner.md has the figures):

* ``clahe`` — local contrast equalisation: grey, low-contrast photos of barcodes (7 photos);
* ``threshold`` — adaptive mean threshold over 51 px: a shadow or a gradient across the bars, a brown QR
  code on a beige cracker (5);
* ``upscale`` — 1.5x bicubic, only for pictures up to 1280 px: soft barcodes with thin bars (1);
* ``rotate45`` — the picture turned 45°: 1D barcodes tilted between about 25° and 65° (zxing-cpp turns
  pictures by 90° itself, and reads 1D codes only up to about 25° off its scan lines): none on the upright
  corpus, +7 and +8 of its 114 1D photos turned by 35° and 50°;
* ``global`` — zxing-cpp's global-histogram binariser instead of its local one: QR codes printed on cloth,
  whose weave fools the local threshold (2).

Left out (``--candidates``): none of the others reads a photo the kept ones miss, and several misread
barcodes when forced on every photo — histogram equalisation, Otsu, Gaussian adaptive thresholds over 15 or
31 px, sharpening, gamma 0.5, closing, a 0.75x downscale, a 2x upscale. Grayscale conversion (zxing-cpp
does the same), inversion (zxing-cpp already tries it), the fixed binariser, gamma 2, blurs, opening, 0.5x
and 3x scaling and a 22.5° turn add nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
import zxingcpp
from numpy.typing import NDArray

Gray = NDArray[np.uint8]
Affine = NDArray[np.float64]
"""A 2x3 affine matrix mapping a stage picture's pixel coordinates back to the input's."""

UPSCALE: Final = 1.5
UPSCALE_MAX_SIDE: Final = 1280  # larger pictures already give codes enough pixels; upscaling them costs 2.25x
ROTATE_MAX_GROWTH: Final = 2.5  # the 45° turn is skipped for pictures longer than about 3:1
THRESHOLD_BLOCK_PX: Final = 51
THRESHOLD_C: Final = 10
CLAHE_CLIP: Final = 2.0
CLAHE_TILES: Final = (8, 8)


@dataclass(frozen=True, slots=True)
class Prepared:
    """The picture a stage hands to zxing-cpp; `to_input` is None when it has the input's pixel grid."""

    image: Gray
    to_input: Affine | None = None


@dataclass(frozen=True, slots=True)
class Stage:
    """One attempt: `prepare` makes the picture (None: the stage does not apply to this input).

    `cost` is the stage's time relative to the plain read of the same input (the larger of the ratios
    measured on 640x480 and 1280x720 camera frames without a code, where the retries all run), so the
    decoder can tell before starting it whether it fits in what is left of its time budget.
    """

    name: str
    prepare: Callable[[Gray], Prepared | None]
    cost: float
    binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage


def _plain(gray: Gray) -> Prepared:
    return Prepared(gray)


def _clahe(gray: Gray) -> Prepared:
    # A CLAHE object per call: OpenCV's algorithm objects are not meant to be shared between threads.
    clahe = cv2.createCLAHE(clipLimit=CLAHE_CLIP, tileGridSize=CLAHE_TILES)
    return Prepared(np.asarray(clahe.apply(gray), dtype=np.uint8))


def _threshold(gray: Gray) -> Prepared:
    binary = cv2.adaptiveThreshold(
        gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, THRESHOLD_BLOCK_PX, THRESHOLD_C
    )
    return Prepared(np.asarray(binary, dtype=np.uint8))


def _upscale(gray: Gray) -> Prepared | None:
    if max(gray.shape) > UPSCALE_MAX_SIDE:
        return None
    big = cv2.resize(gray, None, fx=UPSCALE, fy=UPSCALE, interpolation=cv2.INTER_CUBIC)
    back = np.array([[1 / UPSCALE, 0.0, 0.0], [0.0, 1 / UPSCALE, 0.0]])
    return Prepared(np.asarray(big, dtype=np.uint8), back)


def rotate(gray: Gray, degrees: float) -> Prepared:
    """`gray` turned by `degrees` (counter-clockwise) on a canvas large enough to keep every corner, white
    around it so the code keeps a quiet zone."""
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    out_w, out_h = int(np.ceil(h * sin + w * cos)), int(np.ceil(h * cos + w * sin))
    matrix[0, 2] += out_w / 2 - w / 2
    matrix[1, 2] += out_h / 2 - h / 2
    turned = cv2.warpAffine(gray, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderValue=(255,))
    back = np.asarray(cv2.invertAffineTransform(matrix), dtype=np.float64)
    return Prepared(np.asarray(turned, dtype=np.uint8), back)


def _rotate45(gray: Gray) -> Prepared | None:
    h, w = gray.shape
    # The turned canvas is (w + h)^2 / 2 pixels: twice a square picture's, but without bound for a strip
    # (a 60000x2 picture would need 1.8 gigapixels). Camera frames are at most 2:1.
    if (w + h) ** 2 / 2 > ROTATE_MAX_GROWTH * w * h:
        return None
    return rotate(gray, 45.0)


PLAIN: Final = Stage("plain", _plain, 1.0)
STAGES: Final[tuple[Stage, ...]] = (
    PLAIN,
    Stage("clahe", _clahe, 3.0),
    Stage("threshold", _threshold, 1.0),
    Stage("upscale", _upscale, 2.3),
    Stage("rotate45", _rotate45, 2.2),
    Stage("global", _plain, 1.0, zxingcpp.Binarizer.GlobalHistogram),
)
"""The pipeline, in order: the first stage that reads anything ends it."""

STAGE_NAMES: Final = tuple(stage.name for stage in STAGES)
