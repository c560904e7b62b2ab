"""Where frames come from: the lowest layer of the camera, one small backend per kind of source.

`FrameSource` is all the camera loop (`kiosk.scanner.capture.Camera`) needs: open, wait for the next frame,
turn it into pixels, close. The OpenCV backends read a camera by device index, a video file, or a stream
URL (RTSP, HTTP MJPEG) with `cv2.VideoCapture`; a still image file is served as a steady video. The
simulator's `firmware_sim.devices.camera.VirtualCamera` is another `FrameSource`, so everything above this
layer is the production code.

``grab`` and ``retrieve`` are apart, as in OpenCV, because the loop keeps up with the camera on every frame
but decodes only a few a second: a grabbed frame that is not decoded is never converted to pixels.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Final, Protocol
from urllib.parse import urlsplit, urlunsplit

import cv2
import numpy as np
from numpy.typing import NDArray

from kiosk.scanner.errors import CameraError

Frame = NDArray[np.uint8]

IMAGE_SUFFIXES: Final = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm"})
DEFAULT_FILE_FPS: Final = 25.0  # when a video file does not say
IMAGE_FPS: Final = 10.0
STREAM_TIMEOUT_S: Final = 5.0  # a network stream that stalls this long counts as a failed open or frame


class FrameSource(Protocol):
    """A camera, file or simulated camera. `name` is safe to log (no password)."""

    name: str

    def open(self) -> None:
        """Start delivering frames; raises `CameraError` when the source cannot be opened."""

    def grab(self) -> bool:
        """Wait for the next frame at the source's own pace; False when none came (never raises)."""

    def retrieve(self) -> Frame | None:
        """The last grabbed frame as BGR or grayscale pixels, None when it cannot be had (never raises)."""

    def close(self) -> None:
        """Release the source; never raises. It may be opened again afterwards."""


class VideoSource:
    """`cv2.VideoCapture` on a device index, a video file or a stream URL.

    A file plays at its own frame rate and starts again at its end, as a demo loop would; a device or a
    stream is paced by the camera itself and keeps only the newest frame in its buffer, so a decode is never
    made on a frame that waited behind others.
    """

    def __init__(self, target: int | str, *, name: str | None = None, is_file: bool = False) -> None:
        self.target = target
        self.name = name or str(target)
        self.is_file = is_file
        self.is_stream = isinstance(target, str) and "://" in target
        self._capture: cv2.VideoCapture | None = None
        self._interval_s = 1 / DEFAULT_FILE_FPS
        self._next_at = 0.0

    def open(self) -> None:
        self.close()
        params: list[int] = []
        if self.is_stream:
            # Only for streams: a backend that does not take a parameter (V4L2, image sequences) refuses to open.
            timeout_ms = int(STREAM_TIMEOUT_S * 1000)
            params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout_ms]
        try:
            capture = cv2.VideoCapture(self.target, cv2.CAP_ANY, params)
        except cv2.error as exc:
            raise CameraError(self.name, f"OpenCV cannot open it: {exc}") from exc
        if not capture.isOpened():
            capture.release()
            raise CameraError(self.name, "cannot be opened (no such device, file or stream)")
        if self.is_file:
            fps = capture.get(cv2.CAP_PROP_FPS)
            self._interval_s = 1 / (fps if 1.0 <= fps <= 240.0 else DEFAULT_FILE_FPS)
            self._next_at = time.monotonic()
        else:
            capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._capture = capture

    def grab(self) -> bool:
        capture = self._capture
        if capture is None:
            return False
        if self.is_file:
            self._next_at = _pace(self._next_at, self._interval_s)
        try:
            if capture.grab():
                return True
            if self.is_file:  # the end of the file: play it again
                capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                return bool(capture.grab())
        except cv2.error:
            pass
        return False

    def retrieve(self) -> Frame | None:
        if self._capture is None:
            return None
        try:
            ok, frame = self._capture.retrieve()
        except cv2.error:
            return None
        return np.asarray(frame, dtype=np.uint8) if ok and frame is not None else None

    def close(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            capture.release()


class ImageSource:
    """A still image file served as a steady video at `fps` frames a second (for demos and tests)."""

    def __init__(self, path: str, fps: float = IMAGE_FPS) -> None:
        self.path = path
        self.name = path
        self._interval_s = 1 / fps
        self._image: Frame | None = None
        self._next_at = 0.0

    def open(self) -> None:
        image = cv2.imread(self.path, cv2.IMREAD_COLOR)
        if image is None:
            raise CameraError(self.name, "cannot read the image file")
        self._image = np.asarray(image, dtype=np.uint8)
        self._next_at = time.monotonic()

    def grab(self) -> bool:
        if self._image is None:
            return False
        self._next_at = _pace(self._next_at, self._interval_s)
        return True

    def retrieve(self) -> Frame | None:
        return self._image

    def close(self) -> None:
        self._image = None


def open_source(spec: str) -> FrameSource | None:
    """The source for the kiosk's ``camera`` setting: ``""`` none, digits a device index (``"0"``), anything
    with ``://`` a stream URL, an image file name a still picture, any other path a video file.

    Nothing is opened here: the camera loop opens (and reopens) the source, so a camera plugged in later,
    or a file written later, is picked up without a restart.
    """
    spec = spec.strip()
    if not spec:
        return None
    if spec.isascii() and spec.isdigit():
        return VideoSource(int(spec), name=f"camera {spec}")
    if "://" in spec:
        return VideoSource(spec, name=safe_url(spec))
    if Path(spec).suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(spec)
    return VideoSource(spec, is_file=True)


def safe_url(url: str) -> str:
    """`url` with any password replaced by ``***``, for logs and health reports."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port is not None else ""
        netloc = f"{parts.username}:***@{host}{port}"
    except ValueError:
        return "<a malformed URL>"
    return urlunsplit(parts._replace(netloc=netloc))


def _pace(next_at: float, interval_s: float) -> float:
    """Sleep until `next_at`; the time the frame after it is due (never behind now: no burst to catch up)."""
    delay = next_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    return max(next_at, time.monotonic()) + interval_s
