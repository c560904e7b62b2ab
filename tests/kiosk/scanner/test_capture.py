"""`kiosk.scanner.capture.Camera` over the virtual camera and over a video file: the production loop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware_sim.devices.camera import Look, VirtualCamera, clip, write_video
from kiosk.payloads import ean13_check_digit, format_member_qr
from kiosk.scanner import Camera, CameraSettings, Code
from kiosk.scanner.scene import DEFAULT_REFRESH_S
from tests.conftest import wait_for

MEMBER = "290000000001" + str(ean13_check_digit("290000000001"))
QUICK = CameraSettings(decode_hz=20.0, retry_min_s=0.05, retry_max_s=0.2)


class Inbox:
    """Collects what `on_code` receives, from the camera's thread."""

    def __init__(self) -> None:
        self.codes: list[Code] = []
        self.lock = threading.Lock()

    def __call__(self, code: Code) -> None:
        with self.lock:
            self.codes.append(code)

    def texts(self) -> list[str]:
        with self.lock:
            return [c.text for c in self.codes]


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def cameras() -> Iterator[list[Camera]]:
    started: list[Camera] = []
    yield started
    for camera in started:
        camera.stop()


def run(cameras: list[Camera], camera: Camera) -> Camera:
    cameras.append(camera)
    camera.start()
    return camera


def test_a_code_held_in_view_is_delivered_once(inbox: Inbox, cameras: list[Camera]) -> None:
    virtual = VirtualCamera(fps=30.0)
    camera = run(cameras, Camera(virtual, inbox, QUICK))
    assert wait_for(lambda: camera.state == "ok", 3)
    virtual.show(format_member_qr(MEMBER), look=Look(tilt_deg=10, noise=5))
    assert wait_for(lambda: inbox.texts(), 3)
    time.sleep(0.6)  # a dozen more decodes of the same code
    assert inbox.texts() == [format_member_qr(MEMBER)]
    assert inbox.codes[0].format == "QRCode"
    health = camera.health()
    assert health.state == "ok"
    assert health.codes == 1
    assert health.scans > 5
    assert health.outages == 0


def test_shown_again_after_the_window_is_delivered_again(inbox: Inbox, cameras: list[Camera]) -> None:
    virtual = VirtualCamera(fps=30.0)
    settings = CameraSettings(decode_hz=20.0, debounce_s=0.3)
    run(cameras, Camera(virtual, inbox, settings))
    virtual.show("AB123456", "Code128", Look(width=0.6))
    assert wait_for(lambda: len(inbox.texts()) == 1, 3)
    virtual.hide()
    time.sleep(0.5)
    virtual.show("AB123456", "Code128", Look(width=0.6))
    assert wait_for(lambda: len(inbox.texts()) == 2, 3)
    assert inbox.texts() == ["AB123456", "AB123456"]


def test_a_video_file_is_read_by_the_opencv_backend(tmp_path: Path, inbox: Inbox, cameras: list[Camera]) -> None:
    script = [(None, 0.2), (MEMBER, 0.6), (None, 0.2)]
    path = write_video(tmp_path / "card.avi", clip(script, format="EAN13", look=Look(width=0.5), fps=30.0), 30.0)
    camera = run(cameras, Camera(str(path), inbox, CameraSettings(decode_hz=15.0)))
    assert wait_for(lambda: inbox.texts(), 5)
    time.sleep(1.2)  # the file loops: the card comes round again within the debounce window
    assert inbox.texts() == [MEMBER]
    assert camera.health().source == str(path)


def test_a_source_that_cannot_open_is_down_and_retried(inbox: Inbox, cameras: list[Camera]) -> None:
    camera = run(cameras, Camera("/nonexistent/kiosk-camera.avi", inbox, QUICK))
    assert wait_for(lambda: "cannot be opened" in camera.health().last_error, 3)
    assert camera.state == "down"
    virtual = VirtualCamera()
    virtual.fail("not plugged in")
    camera2 = run(cameras, Camera(virtual, inbox, QUICK))
    assert wait_for(lambda: virtual.opens == 0 and "not plugged in" in camera2.health().last_error, 3)
    virtual.repair()
    assert wait_for(lambda: camera2.state == "ok", 3)
    assert inbox.texts() == []


def test_a_camera_that_fails_goes_down_and_comes_back(inbox: Inbox, cameras: list[Camera]) -> None:
    virtual = VirtualCamera(fps=30.0)
    camera = run(cameras, Camera(virtual, inbox, QUICK))
    assert wait_for(lambda: camera.state == "ok", 3)
    virtual.fail("unplugged")
    assert wait_for(lambda: camera.state == "down", 3)
    assert camera.health().outages == 1
    time.sleep(0.3)  # retried while unplugged: still down, and counted once
    assert camera.state == "down"
    assert camera.health().outages == 1
    virtual.repair()
    assert wait_for(lambda: camera.state == "ok", 3)
    assert virtual.opens >= 2
    virtual.show(format_member_qr(MEMBER))
    assert wait_for(lambda: inbox.texts() == [format_member_qr(MEMBER)], 3)


def test_no_camera_configured_is_none(inbox: Inbox) -> None:
    camera = Camera("", inbox)
    camera.start()
    assert camera.state == "none"
    assert camera.health().source == ""
    assert camera.stop()


def test_stop_is_prompt_even_while_retrying(inbox: Inbox) -> None:
    slow_retry = CameraSettings(retry_min_s=30.0, retry_max_s=30.0)
    camera = Camera("/nonexistent/kiosk-camera.avi", inbox, slow_retry)
    camera.start()
    assert wait_for(lambda: camera.health().last_error not in ("", "not started"), 3)
    start = time.monotonic()
    assert camera.stop(timeout_s=2.0)
    assert time.monotonic() - start < 0.5
    assert camera.state == "down"
    assert camera.health().last_error == "stopped"


def test_a_failing_handler_does_not_stop_the_camera(cameras: list[Camera]) -> None:
    seen: list[str] = []

    def handler(code: Code) -> None:
        seen.append(code.text)
        raise RuntimeError("the kiosk's handler is broken")

    virtual = VirtualCamera(fps=30.0)
    camera = run(cameras, Camera(virtual, handler, QUICK))
    virtual.show("FIRST123", "Code128", Look(width=0.6))
    assert wait_for(lambda: seen == ["FIRST123"], 3)
    virtual.show("SECOND45", "Code128", Look(width=0.6))
    assert wait_for(lambda: seen == ["FIRST123", "SECOND45"], 3)
    assert camera.state == "ok"


def test_an_unchanged_empty_scene_gets_the_plain_read_only(inbox: Inbox, cameras: list[Camera]) -> None:
    virtual = VirtualCamera(fps=60.0)
    start = time.monotonic()
    camera = run(cameras, Camera(virtual, inbox, CameraSettings(decode_hz=30.0)))
    assert wait_for(lambda: camera.health().scans >= 15, 5)
    health = camera.health()
    refreshes = int((time.monotonic() - start) / DEFAULT_REFRESH_S)
    assert health.full_scans <= 1 + refreshes  # the first frame, then one every refresh period
    assert health.full_scans < health.scans / 3
    assert inbox.texts() == []


def test_forget_lets_the_same_code_through_again(inbox: Inbox, cameras: list[Camera]) -> None:
    virtual = VirtualCamera(fps=30.0)
    camera = run(cameras, Camera(virtual, inbox, QUICK))
    virtual.show(format_member_qr(MEMBER))
    assert wait_for(lambda: len(inbox.texts()) == 1, 3)
    camera.forget()
    assert wait_for(lambda: len(inbox.texts()) == 2, 3)


def test_a_camera_can_be_stopped_and_started_again(inbox: Inbox, cameras: list[Camera]) -> None:
    virtual = VirtualCamera(fps=30.0)
    camera = run(cameras, Camera(virtual, inbox, QUICK))
    assert wait_for(lambda: camera.state == "ok", 3)
    assert camera.stop()
    assert camera.state == "down"
    camera.start()
    assert wait_for(lambda: camera.state == "ok", 3)
    assert virtual.opens == 2
