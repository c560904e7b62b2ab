"""`kiosk.scanner.sources`: which backend a ``camera`` setting means, and how each fails."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from firmware_sim.devices.camera import clip, write_video
from kiosk.scanner import CameraError, open_source
from kiosk.scanner.sources import ImageSource, VideoSource, safe_url


def test_the_setting_picks_the_backend() -> None:
    assert open_source("") is None
    assert open_source("   ") is None
    device = open_source("0")
    assert isinstance(device, VideoSource)
    assert device.target == 0
    assert not device.is_file
    stream = open_source("rtsp://kiosk:s3cret@10.0.0.9:554/stream")
    assert isinstance(stream, VideoSource)
    assert not stream.is_file
    assert stream.is_stream  # only a stream gets OpenCV's timeouts: V4L2 refuses parameters it does not take
    assert not device.is_stream
    assert "s3cret" not in stream.name
    assert "10.0.0.9:554" in stream.name
    assert isinstance(open_source("/srv/demo/card.PNG"), ImageSource)
    video = open_source("/srv/demo/kiosk.mp4")
    assert isinstance(video, VideoSource)
    assert video.is_file


def test_safe_url_masks_only_the_password() -> None:
    assert safe_url("http://cam.local/mjpg") == "http://cam.local/mjpg"
    assert safe_url("rtsp://u:p@cam.local:8554/x?y=1") == "rtsp://u:***@cam.local:8554/x?y=1"
    assert safe_url("http://u:p@[::1/x") == "<a malformed URL>"


@pytest.mark.parametrize("spec", ["/nonexistent/kiosk.avi", "/nonexistent/card.png"])
def test_a_missing_file_cannot_be_opened(spec: str) -> None:
    source = open_source(spec)
    assert source is not None
    with pytest.raises(CameraError) as err:
        source.open()
    assert err.value.source == spec
    assert not source.grab()
    assert source.retrieve() is None
    source.close()


def test_an_image_file_is_a_steady_video(tmp_path: Path) -> None:
    path = tmp_path / "card.png"
    cv2.imwrite(str(path), np.full((40, 60, 3), 77, dtype=np.uint8))
    source = ImageSource(str(path), fps=100.0)
    source.open()
    for _ in range(3):
        assert source.grab()
        frame = source.retrieve()
        assert frame is not None
        assert frame.shape == (40, 60, 3)
        assert int(frame[0, 0, 0]) == 77
    source.close()
    assert not source.grab()


def test_a_video_file_plays_at_its_pace_and_loops(tmp_path: Path) -> None:
    path = write_video(tmp_path / "loop.avi", clip([(None, 0.1)], size=(64, 48), fps=50.0), fps=50.0)
    source = VideoSource(str(path), is_file=True)
    source.open()
    start, frames = time.monotonic(), 0
    for _ in range(12):  # 5 frames in the file: it starts again twice
        assert source.grab()
        frame = source.retrieve()
        assert frame is not None
        assert frame.shape == (48, 64, 3)
        frames += 1
    elapsed = time.monotonic() - start
    source.close()
    assert frames == 12
    assert elapsed >= 11 / 50 - 0.01  # 50 frames a second, as the file says, not as fast as it decodes
