"""The decode pipeline's stages: zxing-cpp on the picture as it is, then a few retries on a changed picture.

Each stage turns the grayscale input into the picture zxing-cpp reads (and says how to map positions found in
it back to the input). The retries are the ones that, measured on the zxing "blackbox" photos with
`bench/scanner.py`, read photos the plain read misses, gave no wrong text even when forced on every
photo, and were not made redundant by the others (docs/scanner.md has the figures):

* ``clahe`` — local contrast equalisation: grey, low-contrast photos of barcodes (7 photos);
* ``threshold`` — adaptive mean threshold over 51 px: a shadow or a gradient across the bars, a brown QR
  code on a beige cracker (5);
* ``upscale`` — 1.5x bicubic, only for pictures up to 1280 px: soft barcodes with thin bars (1);
* ``rotate45`` — the picture turned 45°: 1D barcodes tilted between about 25° and 65° (zxing-cpp turns
  pictures by 90° itself, and reads 1D codes only up to about 25° off its scan lines): none on the upright
  corpus, +7 and +8 of its 114 1D photos turned by 35° and 50°;
* ``global`` — zxing-cpp's global-histogram binariser instead of its local one: QR codes printed on cloth,
  whose weave fools the local threshold (2);
* ``unwarp`` — the light patch a code is printed on, found by its outline against a darker surround, mapped
  onto a flat rectangle (a Coons patch: each point is blended from the four curved sides): QR codes on a
  T-shirt, whose bent cloth bends the module grid out of the straight lines zxing-cpp samples along (3).

Left out (``--candidates``): none of the others reads a photo the kept ones miss, and several misread
barcodes when forced on every photo — histogram equalisation, Otsu, Gaussian adaptive thresholds over 15 or
31 px, sharpening, gamma 0.5, closing, a 0.75x downscale, a 2x upscale. Grayscale conversion (zxing-cpp
does the same), inversion (zxing-cpp already tries it), the fixed binariser, gamma 2, blurs, opening, 0.5x
and 3x scaling and a 22.5° turn add nothing. The one exception, a mean threshold over 71 px, reads a single
generated art QR code (qrcode-2/12) and was found by looking at it: not worth a retry on every frame.
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
Grid = tuple[NDArray[np.float32], NDArray[np.float32]]
"""For each pixel of a (non-linearly) warped picture, the input's x and the input's y it came from (the maps
of ``cv2.remap``)."""

UPSCALE: Final = 1.5
UPSCALE_MAX_SIDE: Final = 1280  # larger pictures already give codes enough pixels; upscaling them costs 2.25x
ROTATE_MAX_GROWTH: Final = 2.5  # the 45° turn is skipped for pictures longer than about 3:1
THRESHOLD_BLOCK_PX: Final = 51
THRESHOLD_C: Final = 10
CLAHE_CLIP: Final = 2.0
CLAHE_TILES: Final = (8, 8)
PATCH_MIN_AREA: Final = 0.05  # of the picture: a smaller light blob is not the backing of a code worth flattening
PATCH_MIN_FILL: Final = 0.8  # of its smallest enclosing rectangle: four sides, maybe wavy, maybe rounded corners
PATCH_EDGE_PX: Final = 2  # a patch this close to the picture's edge is cut off: its outline is the frame's
PATCH_BLUR_PX: Final = 5  # smoothing before the outline is traced, so sensor noise and weave do not fray it
PATCH_QUIET_PX: Final = 16  # white margin around the flattened patch: the code's quiet zone


@dataclass(frozen=True, slots=True)
class Prepared:
    """The picture a stage hands to zxing-cpp, and how its pixels map back to the input's.

    `to_input` maps the picture's coordinates to the input's, or to `grid`'s when there is one; `grid` gives
    the input's coordinates of each of its pixels (a warp no matrix describes). Both None: the input's grid.
    """

    image: Gray
    to_input: Affine | None = None
    grid: Grid | None = None

    def input_points(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        """`points` (n x 2: x, y in this picture's pixels) in the input's pixels."""
        if self.to_input is not None:
            points = points @ self.to_input[:, :2].T + self.to_input[:, 2]
        if self.grid is not None:
            xs, ys = self.grid
            h, w = xs.shape
            cols = np.clip(np.rint(points[:, 0]), 0, w - 1).astype(np.intp)
            rows = np.clip(np.rint(points[:, 1]), 0, h - 1).astype(np.intp)
            points = np.stack([xs[rows, cols], ys[rows, cols]], axis=1).astype(np.float64)
        return points


@dataclass(frozen=True, slots=True)
class Stage:
    """One attempt: `prepare` makes the picture (None: the stage does not apply to this input).

    `cost` is the stage's time relative to the plain read of the same input (the larger of the ratios
    measured on 640x480 and 1280x720 camera frames without a code, where the retries all run; for
    ``unwarp``, with a blank white card in view, so that it has a patch to flatten), so the decoder can tell
    before starting it whether it fits in what is left of its time budget.
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


def _arc_length(curve: NDArray[np.float64]) -> float:
    return float(np.linalg.norm(np.diff(curve, axis=0), axis=1).sum())


def _resample(curve: NDArray[np.float64], count: int) -> NDArray[np.float64]:
    """`count` points evenly spaced along the polyline `curve`, its ends included."""
    along = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(curve, axis=0), axis=1))])
    at = np.linspace(0.0, along[-1], count)
    return np.stack([np.interp(at, along, curve[:, 0]), np.interp(at, along, curve[:, 1])], axis=1)


def _patch_sides(gray: Gray) -> tuple[NDArray[np.float64], ...] | None:
    """The outline of the largest light patch wholly inside the picture, cut at its four corners: its top
    side from the top-left corner to the top-right, its right side down, its bottom side from the bottom-left
    corner, its left side down (on screen, roughly: the patch may be turned). None when there is no patch."""
    h, w = gray.shape
    smooth = cv2.GaussianBlur(gray, (PATCH_BLUR_PX, PATCH_BLUR_PX), 0)
    _, light = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(light, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(outline)
    x, y, box_w, box_h = cv2.boundingRect(outline)
    if area < PATCH_MIN_AREA * w * h or min(x, y, w - x - box_w, h - y - box_h) < PATCH_EDGE_PX:
        return None
    rect = cv2.minAreaRect(outline)
    if area < PATCH_MIN_FILL * rect[1][0] * rect[1][1]:
        return None
    points = np.asarray(outline[:, 0, :], dtype=np.float64)
    # The corners: the outline's points nearest those of its enclosing rectangle, in the outline's order.
    corners = sorted({int(np.argmin(np.linalg.norm(points - c, axis=1))) for c in cv2.boxPoints(rect)})
    if len(corners) < 4:
        return None
    if _shoelace(points[corners]) < 0:  # clockwise on screen, so that the flattened patch is not mirrored
        points = points[::-1]
        corners = sorted(len(points) - 1 - i for i in corners)
    first = min(range(4), key=lambda k: points[corners[k]].sum())  # the top-left one: keep the patch upright
    a, b, c, d = corners[first:] + corners[:first]
    return _along(points, a, b), _along(points, b, c), _along(points, d, c, back=True), _along(points, a, d, back=True)


def _along(points: NDArray[np.float64], start: int, end: int, *, back: bool = False) -> NDArray[np.float64]:
    """The closed outline `points` from index `start` to `end`, forwards (or backwards), both included."""
    if back:
        return _along(points, end, start)[::-1]
    return points[start : end + 1] if start <= end else np.concatenate([points[start:], points[: end + 1]])


def _shoelace(polygon: NDArray[np.float64]) -> float:
    x, y = polygon[:, 0], polygon[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) / 2


def _unwarp(gray: Gray) -> Prepared | None:
    sides = _patch_sides(gray)
    if sides is None:
        return None
    top, right, bottom, left = sides
    limit = max(gray.shape)  # a frayed outline is longer than the patch: never more than the picture's pixels
    out_w = min(max(round(max(_arc_length(top), _arc_length(bottom))), 8), limit)
    out_h = min(max(round(max(_arc_length(left), _arc_length(right))), 8), limit)
    top, bottom = _resample(top, out_w), _resample(bottom, out_w)
    left, right = _resample(left, out_h), _resample(right, out_h)
    u, v = np.linspace(0.0, 1.0, out_w), np.linspace(0.0, 1.0, out_h)
    # Coons patch: the surface ruled between the left and right sides, plus the top and bottom sides' bulges
    # (each side less its chord), blended down the picture. For each coordinate that is a sum of four outer
    # products: one small matrix product.
    bulge_top = top - np.outer(1 - u, top[0]) - np.outer(u, top[-1])
    bulge_bottom = bottom - np.outer(1 - u, bottom[0]) - np.outer(u, bottom[-1])
    xs, ys = (
        np.asarray(
            np.stack([1 - v, v, left[:, axis], right[:, axis]], axis=1)
            @ np.stack([bulge_top[:, axis], bulge_bottom[:, axis], 1 - u, u]),
            dtype=np.float32,
        )
        for axis in (0, 1)
    )
    flat = cv2.remap(gray, xs, ys, cv2.INTER_LINEAR, borderValue=(255,))
    q = PATCH_QUIET_PX
    framed = cv2.copyMakeBorder(flat, q, q, q, q, cv2.BORDER_CONSTANT, value=(255,))
    to_grid = np.array([[1.0, 0.0, -q], [0.0, 1.0, -q]])
    return Prepared(np.asarray(framed, dtype=np.uint8), to_grid, (xs, ys))


PLAIN: Final = Stage("plain", _plain, 1.0)
STAGES: Final[tuple[Stage, ...]] = (
    PLAIN,
    Stage("clahe", _clahe, 3.0),
    Stage("threshold", _threshold, 1.0),
    Stage("upscale", _upscale, 2.3),
    Stage("rotate45", _rotate45, 2.2),
    Stage("global", _plain, 1.0, zxingcpp.Binarizer.GlobalHistogram),
    Stage("unwarp", _unwarp, 1.4),
)
"""The pipeline, in order: the first stage that reads anything ends it."""

STAGE_NAMES: Final = tuple(stage.name for stage in STAGES)
