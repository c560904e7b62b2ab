"""The kiosk's hardware in the demo: the card reader as a pseudo-terminal and the camera as a looping video.

The kiosk runs as its own process (`corsia kiosk`), so both devices reach it the way real ones do: the card
reader is a serial port path (`VirtualCardReader`'s pty behind a stable symlink, read with pyserial as in a
store), and the camera is a video file that OpenCV plays in a loop (made with the virtual camera's `clip`):
the empty counter, then a member's QR code held up for a few seconds. With the kiosk's home screen open in a
browser, that code opens the member's page, as a customer showing the app would.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from firmware_sim.devices.card_reader import VirtualCardReader

CAMERA_FPS: Final = 10.0
EMPTY_COUNTER_S: Final = 12.0
CODE_SHOWN_S: Final = 4.0


def member_qr(member_number: str) -> str:
    """What the app's member QR holds (kiosk.payloads: ``CORSIA:M:<member number>``)."""
    return f"CORSIA:M:{member_number}"


def write_camera_video(path: Path, member_number: str | None) -> Path:
    """The camera's loop: the counter, and the member's code when there is one."""
    from firmware_sim.devices.camera import Look, clip, write_video  # OpenCV only when the demo has a kiosk

    script: list[tuple[str | None, float]] = [(None, EMPTY_COUNTER_S)]
    if member_number is not None:
        script.append((member_qr(member_number), CODE_SHOWN_S))
    frames = clip(script, look=Look(width=0.45, tilt_deg=8.0, noise=3.0), fps=CAMERA_FPS)
    return write_video(path, frames, CAMERA_FPS)


@dataclass
class KioskDevices:
    """The card reader (plugged in at `reader.port`) and the camera's video file."""

    reader: VirtualCardReader
    camera: Path

    @classmethod
    def make(cls, folder: Path, member_number: str | None) -> KioskDevices:
        folder.mkdir(parents=True, exist_ok=True)
        reader = VirtualCardReader(folder, name="card-reader", protocol="barcode")
        try:
            camera = write_camera_video(folder / "camera.avi", member_number)
        except Exception:
            reader.close()
            raise
        return cls(reader, camera)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.reader.close()
