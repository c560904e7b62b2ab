"""`VirtualCamera`: the kiosk's camera, simulated, for tests and `corsia demo`.

It is a `kiosk.scanner.sources.FrameSource`, the lowest layer of the kiosk's camera, so the capture loop,
the decoder and the debounce above it are the production code. `show(text)` presents a code the way a
customer would: zxing-cpp renders the QR code or barcode, which is printed on a white card, placed on the
counter, turned, held at an angle, blurred, dimmed and given sensor noise as a `Look` says. `show_image`
presents any picture (a photo from the corpus), `play` several one after the other; `fail` and `repair`
make the camera unplugged and back. `clip` and `write_video` make a short video file instead, for the
OpenCV file backend.

The codes are rendered here with zxing-cpp's writer, independently of the decoder's reading path.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import cv2
import numpy as np
import zxingcpp
from numpy.typing import NDArray

from edge.errors import CorsiaError
from kiosk.scanner.errors import CameraError

Frame = NDArray[np.uint8]
DEFAULT_SIZE: Final = (640, 480)  # width, height: what most USB cameras give OpenCV by default
DEFAULT_FPS: Final = 15.0
CARD_MARGIN: Final = 0.12  # white card around the symbol, as a fraction of its size


class VirtualCameraError(CorsiaError):
    """The virtual camera cannot do what it was asked: `what` (a text or a file), `reason` why."""

    def __init__(self, what: str, reason: str) -> None:
        self.what = what
        self.reason = reason
        super().__init__(f"virtual camera: {what}: {reason}")


@dataclass(frozen=True, slots=True)
class Look:
    """How a shown code appears to the camera."""

    width: float = 0.4  # the card's width as a fraction of the frame's
    tilt_deg: float = 0.0  # turned in the picture's plane, counter-clockwise
    perspective: float = 0.0  # 0-0.5: the top edge this much narrower (the card held leaning back)
    blur_px: float = 0.0  # Gaussian blur sigma (out of focus, or moving)
    noise: float = 0.0  # sensor noise sigma on the 0-255 scale, new on every frame
    light: float = 1.0  # brightness factor: 1 well lit, 0.3 dim
    offset: tuple[float, float] = (0.0, 0.0)  # the card's centre from the frame's, as fractions of its size


def render_code(text: str, format: str = "QRCode", *, scale: int = 1) -> NDArray[np.uint8]:
    """The symbol for `text` as a grayscale picture with its quiet zone, `scale` pixels per module."""
    try:
        barcode = zxingcpp.create_barcode(text, zxingcpp.barcode_format_from_str(format))
        return np.ascontiguousarray(np.asarray(barcode.to_image(scale=scale), dtype=np.uint8))
    except (ValueError, RuntimeError, TypeError) as exc:
        raise VirtualCameraError(f"{format} {text[:40]!r}", f"zxing-cpp cannot render it: {exc}") from exc


def background(size: tuple[int, int] = DEFAULT_SIZE, seed: int = 0) -> Frame:
    """A counter top: a grey gradient with a soft, seeded texture, so frames are not unnaturally flat."""
    width, height = size
    rng = np.random.default_rng(seed)
    texture = cv2.resize(rng.normal(0, 10, (height // 40 + 2, width // 40 + 2)), (width, height))
    ramp = np.linspace(150, 110, width)[None, :] + np.linspace(0, 20, height)[:, None]
    gray = np.clip(ramp + np.asarray(texture, dtype=np.float64), 0, 255)
    tint = np.array([1.0, 0.97, 0.93])  # BGR: a warm shop light
    return np.asarray(np.clip(gray[:, :, None] * tint, 0, 255), dtype=np.uint8)


def compose(symbol: NDArray[np.uint8], look: Look, counter: Frame) -> Frame:
    """`symbol` printed on a white card and placed on `counter` as `look` says (without the sensor noise)."""
    height, width = counter.shape[:2]
    card_w = look.width * width
    # Render big enough that the warp only shrinks or barely grows: crisp module edges, as a printed code.
    scale = max(1, math.ceil(card_w / symbol.shape[1]))
    big = cv2.resize(symbol, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST) if scale > 1 else symbol
    margin = round(CARD_MARGIN * max(big.shape))
    card = cv2.copyMakeBorder(big, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=(255,))
    src_h, src_w = card.shape
    card_h = card_w * src_h / src_w
    top = 1 - min(max(look.perspective, 0.0), 0.5)
    corners = np.array(
        [[-card_w / 2 * top, -card_h / 2], [card_w / 2 * top, -card_h / 2], [card_w / 2, card_h / 2],
         [-card_w / 2, card_h / 2]]
    )  # fmt: skip
    angle = math.radians(-look.tilt_deg)  # image y points down: negate for counter-clockwise
    turn = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    centre = np.array([width / 2 + look.offset[0] * card_w, height / 2 + look.offset[1] * card_h])
    dst = (corners @ turn.T + centre).astype(np.float32)
    src = np.array([[0, 0], [src_w, 0], [src_w, src_h], [0, src_h]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(card, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=(0,))
    mask = cv2.warpPerspective(np.full_like(card, 255), matrix, (width, height), flags=cv2.INTER_LINEAR)
    alpha = (mask.astype(np.float32) / 255)[:, :, None]
    lit = (counter.astype(np.float32) * (1 - alpha) + warped.astype(np.float32)[:, :, None] * alpha) * look.light
    if look.blur_px > 0:
        lit = np.asarray(cv2.GaussianBlur(lit, (0, 0), look.blur_px), dtype=np.float32)
    return np.asarray(np.clip(lit, 0, 255), dtype=np.uint8)


def fit(image: Frame, size: tuple[int, int] = DEFAULT_SIZE) -> Frame:
    """`image` (BGR or grayscale) scaled to fit in a frame of `size` and centred on black, as BGR."""
    colour = np.asarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image, dtype=np.uint8)
    width, height = size
    h, w = colour.shape[:2]
    ratio = min(width / w, height / h)
    resized = cv2.resize(colour, (max(1, round(w * ratio)), max(1, round(h * ratio))), interpolation=cv2.INTER_AREA)
    frame = np.zeros((height, width, 3), dtype=np.uint8)
    y, x = (height - resized.shape[0]) // 2, (width - resized.shape[1]) // 2
    frame[y : y + resized.shape[0], x : x + resized.shape[1]] = resized
    return frame


class VirtualCamera:
    """A simulated camera: frames at `fps` of the counter, with whatever is being shown on it."""

    def __init__(
        self,
        size: tuple[int, int] = DEFAULT_SIZE,
        fps: float = DEFAULT_FPS,
        *,
        seed: int = 0,
        name: str = "virtual camera",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.size = size
        self.opens = 0  # how many times the camera was opened (the capture loop's retries show here)
        self._interval_s = 1 / fps
        self._clock = clock
        self._rng = np.random.default_rng(seed)
        self._counter = background(size, seed)
        self._lock = threading.Lock()
        self._schedule: list[tuple[Frame, float, float]] = []  # (frame, noise, until) in showing order
        self._failure: str | None = None
        self._open = False
        self._next_at = 0.0

    # --- what the customer does -------------------------------------------------------------------------

    def show(
        self, text: str, format: str = "QRCode", look: Look | None = None, *, seconds: float | None = None
    ) -> None:
        """Hold a code with `text` in front of the camera (for `seconds`, or until the next show or hide)."""
        look = look or Look()
        self._set([(compose(render_code(text, format), look, self._counter), look.noise, seconds)])

    def show_image(self, image: Frame, *, seconds: float | None = None, noise: float = 0.0) -> None:
        """Show any picture, fitted into the frame."""
        self._set([(fit(image, self.size), noise, seconds)])

    def play(self, images: Sequence[Frame], seconds_each: float) -> None:
        """Show `images` one after the other for `seconds_each`, then the empty counter."""
        self._set([(fit(image, self.size), 0.0, seconds_each) for image in images])

    def hide(self) -> None:
        """Take the code away: the camera sees the empty counter."""
        self._set([])

    def fail(self, reason: str = "unplugged") -> None:
        """The camera stops working: no frames, and opening fails, until `repair`."""
        with self._lock:
            self._failure = reason

    def repair(self) -> None:
        with self._lock:
            self._failure = None

    def frame(self) -> Frame:
        """What the camera sees now (with this frame's noise)."""
        now = self._clock()
        with self._lock:
            while self._schedule and self._schedule[0][2] <= now:
                self._schedule.pop(0)
            picture, noise = (self._schedule[0][0], self._schedule[0][1]) if self._schedule else (self._counter, 0.0)
        if noise <= 0:
            return picture
        grain = self._rng.normal(0.0, noise, picture.shape)
        return np.clip(picture + grain, 0, 255).astype(np.uint8)

    def _set(self, items: list[tuple[Frame, float, float | None]]) -> None:
        now, schedule = self._clock(), []
        start = now
        for picture, noise, seconds in items:
            until = math.inf if seconds is None else start + seconds
            schedule.append((picture, noise, until))
            start = until
        with self._lock:
            self._schedule = schedule

    # --- FrameSource: what the kiosk's capture loop calls -------------------------------------------------

    def open(self) -> None:
        with self._lock:
            if self._failure is not None:
                raise CameraError(self.name, f"cannot be opened ({self._failure})")
            self._open = True
            self.opens += 1
        self._next_at = time.monotonic()

    def grab(self) -> bool:
        with self._lock:
            if not self._open or self._failure is not None:
                return False
        delay = self._next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self._next_at = max(self._next_at, time.monotonic()) + self._interval_s
        return True

    def retrieve(self) -> Frame | None:
        with self._lock:
            if not self._open or self._failure is not None:
                return None
        return self.frame()

    def close(self) -> None:
        with self._lock:
            self._open = False


def clip(
    script: Iterable[tuple[str | None, float]],
    *,
    format: str = "QRCode",
    look: Look | None = None,
    size: tuple[int, int] = DEFAULT_SIZE,
    fps: float = DEFAULT_FPS,
    seed: int = 0,
) -> list[Frame]:
    """The frames of a short video: for each (text, seconds) the code with `text` shown (None: nothing)."""
    look = look or Look()
    counter = background(size, seed)
    rng = np.random.default_rng(seed)
    frames: list[Frame] = []
    for text, seconds in script:
        picture = counter if text is None else compose(render_code(text, format), look, counter)
        for _ in range(max(1, round(seconds * fps))):
            grain = rng.normal(0.0, look.noise, picture.shape) if look.noise > 0 and text is not None else 0.0
            frames.append(np.clip(picture + grain, 0, 255).astype(np.uint8))
    return frames


def write_video(path: Path | str, frames: Sequence[Frame], fps: float = DEFAULT_FPS) -> Path:
    """Write `frames` (BGR, all one size) as a Motion-JPEG AVI, which every OpenCV build can read back."""
    path = Path(path)
    if not frames:
        raise VirtualCameraError(str(path), "a video needs at least one frame")
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height))
    if not writer.isOpened():
        raise VirtualCameraError(str(path), "OpenCV cannot write a Motion-JPEG video here")
    try:
        for frame in frames:
            writer.write(frame)
    finally:
        writer.release()
    return path
