"""The scanner's exceptions: a bad image handed to the decoder, a camera that cannot be used."""

from __future__ import annotations

from edge.errors import CorsiaError


class ScannerError(CorsiaError):
    """Base class of the camera scanner's errors."""


class BadImage(ScannerError):
    """`decode` was given something it cannot read as a picture.

    `shape` and `dtype` describe what came in (as text, so any object can be reported), `reason` what is wrong.
    """

    def __init__(self, shape: str, dtype: str, reason: str) -> None:
        self.shape = shape
        self.dtype = dtype
        self.reason = reason
        super().__init__(f"cannot decode an image of shape {shape} and dtype {dtype}: {reason}")


class UnknownFormat(ScannerError):
    """A barcode format name that zxing-cpp does not know (`name`, as given)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"unknown barcode format {name!r}")


class CameraError(ScannerError):
    """A camera source cannot be opened or has stopped delivering frames.

    `source` names the source as it is safe to log (a URL without its password), `reason` what went wrong.
    """

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"camera {source}: {reason}")
