"""The kiosk's camera scanner: read QR codes and barcodes from pictures and from a live camera.

`decode(image)` reads one picture (the contract in DESIGN.md); `Camera` runs a camera in the background
and reports each code shown once. What the codes mean is `kiosk.payloads`' job. docs/scanner.md explains the
decode pipeline with its measurements.
"""

from kiosk.scanner.capture import Camera, CameraHealth, CameraSettings, CameraState
from kiosk.scanner.debounce import Debouncer
from kiosk.scanner.decode import KIOSK_FORMATS, Code, Scan, decode, scan
from kiosk.scanner.errors import BadImage, CameraError, ScannerError, UnknownFormat
from kiosk.scanner.sources import FrameSource, open_source

__all__ = [
    "KIOSK_FORMATS",
    "BadImage",
    "Camera",
    "CameraError",
    "CameraHealth",
    "CameraSettings",
    "CameraState",
    "Code",
    "Debouncer",
    "FrameSource",
    "Scan",
    "ScannerError",
    "UnknownFormat",
    "decode",
    "open_source",
    "scan",
]
