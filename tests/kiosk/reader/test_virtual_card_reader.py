"""The simulated card reader, read straight from its pty: the bytes it sends, unplug and replug."""

from __future__ import annotations

import contextlib
import os
import select
import time
from pathlib import Path

import pytest

from firmware_sim.devices.card_reader import VirtualCardReader, VirtualDeviceError, barcode_line, rdm6300_frame


def read_available(fd: int, want: int, timeout: float = 5.0) -> bytes:
    """Read from `fd` until `want` bytes came or `timeout` passed."""
    data = b""
    deadline = time.monotonic() + timeout
    while len(data) < want and (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            data += os.read(fd, want - len(data))
    return data


def open_port(path: str) -> int:
    return os.open(path, os.O_RDONLY | os.O_NOCTTY)


def test_frames_and_lines() -> None:
    assert rdm6300_frame("62e3086ced") == b"\x0262E3086CED08\x03"
    assert rdm6300_frame("62E3086CED", checksum=0xF7) == b"\x0262E3086CEDF7\x03"
    assert barcode_line("123", terminator="CRLF", prefix="]E0", suffix="#") == b"]E0123#\r\n"
    with pytest.raises(VirtualDeviceError):
        rdm6300_frame("62E3086CE")
    with pytest.raises(VirtualDeviceError):
        barcode_line("12\r3")


def test_swipe_writes_the_frame_unchanged_through_the_pty(tmp_path: Path) -> None:
    with VirtualCardReader(tmp_path, protocol="rdm6300") as device:
        fd = open_port(device.port)
        try:
            assert device.swipe("62E3086CED")
            assert device.swipe("123", protocol="barcode")  # raw mode: the CR is not turned into LF
            assert read_available(fd, 18) == b"\x0262E3086CED08\x03123\r"
        finally:
            os.close(fd)
        assert device.counters().written == 18


def test_port_is_a_symlink_in_the_directory(tmp_path: Path) -> None:
    with VirtualCardReader(tmp_path, name="ttyCARD") as device:
        assert device.port == str(tmp_path / "ttyCARD")
        assert device.device is not None
        assert os.path.realpath(device.port) == device.device


def test_unplug_and_replug(tmp_path: Path) -> None:
    with VirtualCardReader(tmp_path) as device:
        fd = open_port(device.port)
        try:
            device.unplug()
            assert not os.path.lexists(device.port)
            assert (device.plugged, device.device) == (False, None)
            # A reader that still holds the old port sees the hangup at once: end of file or an I/O error.
            assert select.select([fd], [], [], 5.0)[0] == [fd]
            with contextlib.suppress(OSError):
                assert os.read(fd, 1) == b""
            assert not device.swipe("62E3086CED")
            assert device.counters().lost == 14
        finally:
            os.close(fd)
        device.replug()
        assert device.plugged
        assert os.path.realpath(device.port) == device.device
        fd = open_port(device.port)
        try:
            assert device.swipe("0102030405")
            assert read_available(fd, 14) == rdm6300_frame("0102030405")
        finally:
            os.close(fd)
        assert device.counters().plugs == 2


def test_starting_unplugged(tmp_path: Path) -> None:
    with VirtualCardReader(tmp_path, plugged=False) as device:
        assert not os.path.lexists(device.port)
        device.replug()
        assert os.path.exists(device.port)


def test_hold_repeats_the_frame(tmp_path: Path) -> None:
    with VirtualCardReader(tmp_path) as device:
        fd = open_port(device.port)
        try:
            sent = device.hold("62E3086CED", 0.3, interval_s=0.05)
            assert sent >= 2
            assert read_available(fd, 14 * sent) == rdm6300_frame("62E3086CED") * sent
        finally:
            os.close(fd)


def test_barcode_noise_never_looks_like_text_or_a_line_end(tmp_path: Path) -> None:
    with VirtualCardReader(tmp_path, protocol="barcode", seed=3) as device:
        fd = open_port(device.port)
        try:
            assert device.noise(500)
            noise = read_available(fd, 500)
        finally:
            os.close(fd)
    assert len(noise) == 500
    assert not any(0x20 <= b <= 0x7E or b in (0x0A, 0x0D) for b in noise)


def test_partial_and_bad_checksum(tmp_path: Path) -> None:
    with VirtualCardReader(tmp_path) as device:
        fd = open_port(device.port)
        try:
            assert device.partial("62E3086CED")
            assert device.bad_checksum("62E3086CED")
            assert read_available(fd, 21) == b"\x0262E308" + b"\x0262E3086CEDF7\x03"
        finally:
            os.close(fd)
    with VirtualCardReader(tmp_path, protocol="barcode") as scanner, pytest.raises(VirtualDeviceError):
        scanner.bad_checksum("62E3086CED")


def test_a_temporary_directory_is_removed_at_close() -> None:
    device = VirtualCardReader()
    directory = device.directory
    assert os.path.lexists(device.port)
    device.close()
    assert not directory.exists()
    device.close()  # idempotent
    with pytest.raises(VirtualDeviceError):
        device.replug()
