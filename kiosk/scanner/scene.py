"""Skip the retries on a scene they already failed on: most of the day the kiosk's camera sees no code.

The plain zxing-cpp read is cheap; the retries cost several times more and, on a picture that has not
changed, fail again. `SceneGate` compares a small thumbnail of each frame with the one the retries last
failed on: while the scene stays the same, only the plain read runs; when it changes (a hand, a card, a
phone), or every `refresh_s` anyway (sensor noise, slow light changes), the whole pipeline runs again.
Pure logic apart from the thumbnail arithmetic; the caller passes the time.
"""

from __future__ import annotations

from typing import Final

import cv2
import numpy as np
from numpy.typing import NDArray

THUMB_SIZE: Final = (32, 24)  # width, height: enough to see a card come in, small enough to cost nothing
DEFAULT_CHANGE: Final = 3.0  # mean absolute thumbnail difference (0-255) that is a new scene; noise is under 1
DEFAULT_REFRESH_S: Final = 2.0

Thumb = NDArray[np.float32]


def thumbnail(gray: NDArray[np.uint8]) -> Thumb:
    """A 32x24 float thumbnail of a grayscale frame."""
    return np.asarray(cv2.resize(gray, THUMB_SIZE, interpolation=cv2.INTER_AREA), dtype=np.float32)


class SceneGate:
    """Says whether a frame deserves the retries, and learns from the scans that ran them."""

    __slots__ = ("_failed_at", "_failed_on", "change", "refresh_s")

    def __init__(self, change: float = DEFAULT_CHANGE, refresh_s: float = DEFAULT_REFRESH_S) -> None:
        self.change = change
        self.refresh_s = refresh_s
        self._failed_on: Thumb | None = None
        self._failed_at = 0.0

    def retries_due(self, thumb: Thumb, now: float) -> bool:
        """True unless the retries already failed on this same scene less than `refresh_s` ago."""
        if self._failed_on is None or now - self._failed_at >= self.refresh_s:
            return True
        return float(np.mean(np.abs(thumb - self._failed_on))) > self.change

    def record(self, thumb: Thumb, now: float, *, retried: bool, found: bool) -> None:
        """Note a scan's outcome: a full scan that found nothing marks the scene; a find clears the mark."""
        if found:
            self._failed_on = None
        elif retried:
            self._failed_on, self._failed_at = thumb, now
