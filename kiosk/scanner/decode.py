"""Reading barcodes from one picture: zxing-cpp, then the retries of `kiosk.scanner.stages`, within a time budget.

`decode(image)` is the contract (DESIGN.md): a BGR or grayscale numpy array in, the codes found out, ``[]``
when there is none. `scan` does the same and also tells which stage read the codes and how long it took, for
the camera loop and the benchmark.

Only the formats the kiosk meets are enabled (`KIOSK_FORMATS`): every extra format is one more way to
"find" a code in a shelf label or a sweater. On the corpus, enabling all of them gave one wrong read (a
UPC-E invented from the edge of a book's price add-on) and no extra right one.

Text comes out as zxing-cpp's ``TextMode.Plain``: the symbol's characters as they are, control characters
included, so `kiosk.payloads` sees (and rejects) exactly what was printed rather than a readable rendering.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

import cv2
import numpy as np
import zxingcpp
from numpy.typing import NDArray

from kiosk.scanner.errors import BadImage, UnknownFormat
from kiosk.scanner.stages import PLAIN, STAGES, Gray, Prepared, Stage

Point = tuple[int, int]
Quad = tuple[Point, Point, Point, Point]

KIOSK_FORMATS: Final = frozenset({"QRCode", "EAN13", "EAN8", "Code128", "Code39"})
"""Member and pre-registration QR codes, the digital card's EAN-13, and the old plastic cards' barcodes."""

DEFAULT_BUDGET_S: Final = 0.25
"""Time for one picture. The plain read always runs; a retry starts only if its usual cost still fits."""


@dataclass(frozen=True, slots=True)
class Code:
    """A barcode read from a picture.

    `format` is zxing-cpp's format name (``"QRCode"``, ``"EAN13"``, ``"Code128"``, ...), `text` the content
    as printed (untrusted: parse it with `kiosk.payloads.parse_payload`), `position` the corners in the
    input's pixels (top-left, top-right, bottom-right, bottom-left of the symbol) when known. Two codes are
    equal when format and text are; where they were seen does not matter.
    """

    format: str
    text: str
    position: Quad | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Scan:
    """What one `scan` did: the codes, the stage that read them (None: nothing read), the stages tried,
    the time taken, and whether every applicable stage ran (False: the budget ran out first)."""

    codes: tuple[Code, ...]
    stage: str | None
    tried: tuple[str, ...]
    elapsed_s: float
    complete: bool


def decode(
    image: NDArray[np.uint8], *, formats: Collection[str] = KIOSK_FORMATS, budget_s: float = DEFAULT_BUDGET_S
) -> list[Code]:
    """The codes in `image` (BGR, BGRA or grayscale, 8 bits per channel); ``[]`` when none is found.

    Raises `BadImage` for something that is not such a picture and `UnknownFormat` for a bad format name.
    """
    return list(scan(image, formats=formats, budget_s=budget_s).codes)


def scan(
    image: NDArray[np.uint8],
    *,
    formats: Collection[str] = KIOSK_FORMATS,
    budget_s: float = DEFAULT_BUDGET_S,
    retries: bool = True,
    stages: tuple[Stage, ...] = STAGES,
    clock: Callable[[], float] = time.perf_counter,
) -> Scan:
    """Run the stages on `image` until one reads a code, the stages run out, or the next would overrun
    `budget_s`. With ``retries=False`` only the plain read runs (the camera loop's choice for a scene that
    the retries already failed on)."""
    start = clock()
    wanted = _zxing_formats(frozenset(formats))
    gray = to_gray(image)
    plain_s: float | None = None
    tried: list[str] = []
    for stage in stages if retries else (PLAIN,):
        if plain_s is not None and clock() - start + plain_s * stage.cost > budget_s:
            return Scan((), None, tuple(tried), clock() - start, complete=False)
        prepared = stage.prepare(gray)
        if prepared is None:
            continue
        tried.append(stage.name)
        stage_start = clock()
        codes = _read(prepared, stage, wanted)
        if plain_s is None:
            plain_s = clock() - stage_start
        if codes:
            return Scan(codes, stage.name, tuple(tried), clock() - start, complete=True)
    return Scan((), None, tuple(tried), clock() - start, complete=True)


def to_gray(image: object) -> Gray:
    """`image` as a contiguous 8-bit grayscale array; `BadImage` when it is not a picture."""
    if not isinstance(image, np.ndarray):
        raise BadImage("-", type(image).__name__, "not a numpy array")
    shape, dtype = str(image.shape), str(image.dtype)
    if image.dtype != np.uint8:
        raise BadImage(shape, dtype, "8-bit pixels expected")
    if image.size == 0:
        raise BadImage(shape, dtype, "the picture is empty")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        return np.ascontiguousarray(image)
    if image.ndim == 3 and image.shape[2] in (3, 4):
        code = cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        return np.ascontiguousarray(cv2.cvtColor(image, code), dtype=np.uint8)
    raise BadImage(shape, dtype, "expected height x width, with 1, 3 (BGR) or 4 (BGRA) channels")


@lru_cache(maxsize=16)
def _zxing_formats(names: frozenset[str]) -> zxingcpp.BarcodeFormats:
    if not names:
        raise UnknownFormat("")  # zxing-cpp would read an empty set as "every format"
    for name in names:
        # Only single formats by their exact names; "," would smuggle a list, "All" every format.
        if name not in zxingcpp.BarcodeFormat.__members__ or name.startswith("All") or "," in name:
            raise UnknownFormat(name)
    return zxingcpp.barcode_formats_from_str(",".join(sorted(names)))


def _read(prepared: Prepared, stage: Stage, formats: zxingcpp.BarcodeFormats) -> tuple[Code, ...]:
    found = zxingcpp.read_barcodes(
        prepared.image, formats=formats, text_mode=zxingcpp.TextMode.Plain, binarizer=stage.binarizer
    )
    codes: dict[tuple[str, str], Code] = {}
    for barcode in found:
        key = (barcode.format.name, barcode.text)
        if key not in codes:  # one code per content: the same card twice in view is still one card
            codes[key] = Code(key[0], key[1], _position(barcode.position, prepared))
    return tuple(codes.values())


def _position(position: zxingcpp.Position, prepared: Prepared) -> Quad:
    corners = [position.top_left, position.top_right, position.bottom_right, position.bottom_left]
    points = prepared.input_points(np.array([[p.x, p.y] for p in corners], dtype=np.float64))
    (a, b, c, d) = [(round(x), round(y)) for x, y in points.tolist()]
    return (a, b, c, d)
