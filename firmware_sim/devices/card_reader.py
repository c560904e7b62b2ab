"""`VirtualCardReader`: the kiosk's card reader as a pseudo-terminal, for tests and `corsia demo`.

A real reader is a USB serial device: a path under /dev that appears when it is plugged in, vanishes when it is
pulled out, and delivers bytes that the device sends whether or not anyone listens. The simulation is a pty
pair: the reader under test opens the slave side through a stable symlink (`port`), exactly as it opens a
udev symlink to /dev/ttyUSB0, and the simulator writes the device's bytes into the master side. `unplug`
closes the pty and removes the symlink; `replug` opens a new pty and puts the symlink back at the same path.
Only the device is simulated: the reader reads it with pyserial, as in production.

The frames are built here from the protocols' definitions, independently of the kiosk's decoders, so the
tests check one against the other.
"""

from __future__ import annotations

import contextlib
import os
import random
import tempfile
import threading
import time
import tty
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Final, Literal

from edge.errors import CorsiaError

CardProtocol = Literal["barcode", "rdm6300"]
LineEnd = Literal["CR", "LF", "CRLF"]
LINE_ENDS: Final[dict[str, bytes]] = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n"}
STX: Final = b"\x02"
ETX: Final = b"\x03"
HEX: Final = frozenset("0123456789ABCDEF")
# Barcode-mode noise: bytes a scanner never sends as data (control and 8-bit bytes), CR and LF left out so
# noise cannot end a line. A scanner's own text is printable; garbage that looks like text is not modelled.
LINE_NOISE: Final = bytes(b for b in range(256) if (b < 0x20 or b > 0x7E) and b not in (0x0A, 0x0D))


class VirtualDeviceError(CorsiaError):
    """A simulated device was asked for something it cannot do: `device` which, `reason` why."""

    def __init__(self, device: str, reason: str) -> None:
        self.device = device
        self.reason = reason
        super().__init__(f"{device}: {reason}")


def rdm6300_frame(tag: str, *, checksum: int | None = None) -> bytes:
    """The 14-byte frame an RDM6300 sends for `tag` (ten hex characters); `checksum` overrides the right one."""
    tag = tag.upper()
    if len(tag) != 10 or not set(tag) <= HEX:
        raise VirtualDeviceError("rdm6300", f"a tag is ten hex characters, got {tag!r}")
    if checksum is None:
        checksum = 0
        for byte in bytes.fromhex(tag):
            checksum ^= byte
    return STX + f"{tag}{checksum:02X}".encode("ascii") + ETX


def barcode_line(text: str, *, terminator: LineEnd = "CR", prefix: str = "", suffix: str = "") -> bytes:
    """The line a serial barcode scanner sends for `text`, with its configured prefix, suffix and terminator."""
    line = prefix + text + suffix
    if not line or not all(" " <= ch <= "~" for ch in line):
        raise VirtualDeviceError("barcode", f"a scanner sends printable ASCII, got {line!r}")
    if terminator not in LINE_ENDS:
        raise VirtualDeviceError("barcode", f"the terminator is one of {', '.join(LINE_ENDS)}, got {terminator!r}")
    return line.encode("ascii") + LINE_ENDS[terminator]


@dataclass(frozen=True, slots=True)
class DeviceCounters:
    """What the simulated device has sent."""

    written: int = 0
    """Bytes delivered to the pty."""
    lost: int = 0
    """Bytes sent while unplugged or while nobody drained the pty (a device does not wait: they are lost)."""
    plugs: int = 0
    """Times the device was plugged in (the first time included)."""


class VirtualCardReader:
    """A card reader on a pty, reachable at `port` (a symlink in `directory`, a fresh temporary one if None).

    `protocol` is what `swipe` sends by default; `terminator`, `prefix` and `suffix` shape barcode lines.
    `plugged=False` starts it unplugged: `port` does not exist until `replug`. `seed` makes `noise`
    reproducible. Use as a context manager, or call `close`. Thread-safe: the demo's shoppers may swipe from
    several threads.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        name: str = "card-reader",
        protocol: CardProtocol = "rdm6300",
        terminator: LineEnd = "CR",
        prefix: str = "",
        suffix: str = "",
        plugged: bool = True,
        seed: int | None = None,
    ) -> None:
        if protocol not in ("barcode", "rdm6300"):
            raise VirtualDeviceError("card reader", f"the protocol is barcode or rdm6300, got {protocol!r}")
        barcode_line("0", terminator=terminator, prefix=prefix, suffix=suffix)  # validates the line options
        self._own_dir = directory is None
        self.directory = Path(tempfile.mkdtemp(prefix="corsia-card-")) if directory is None else Path(directory)
        self.protocol: CardProtocol = protocol
        self.terminator: LineEnd = terminator
        self.prefix = prefix
        self.suffix = suffix
        self._path = self.directory / name
        self._random = random.Random(seed)
        self._lock = threading.RLock()
        self._closed = threading.Event()
        self._master: int | None = None
        self._slave: int | None = None
        self._device: str | None = None
        self._written = 0
        self._lost = 0
        self._plugs = 0
        if plugged:
            self.replug()

    # -- the port -------------------------------------------------------------------------------------------

    @property
    def port(self) -> str:
        """The path to open: a symlink to the current pty slave, absent while unplugged."""
        return str(self._path)

    @property
    def device(self) -> str | None:
        """The pty slave behind `port` now (``/dev/pts/N``), or None while unplugged."""
        return self._device

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def counters(self) -> DeviceCounters:
        with self._lock:
            return DeviceCounters(written=self._written, lost=self._lost, plugs=self._plugs)

    def unplug(self) -> None:
        """Pull the device out: the pty closes (a reader holding it gets an error) and `port` vanishes."""
        with self._lock:
            with contextlib.suppress(FileNotFoundError):
                self._path.unlink()
            for fd in (self._master, self._slave):
                if fd is not None:
                    os.close(fd)
            self._master = self._slave = self._device = None

    def replug(self) -> None:
        """Plug the device (back) in: a new pty, and `port` pointing at it. Unplugs first if plugged."""
        with self._lock:
            if self._closed.is_set():
                raise VirtualDeviceError(self.port, "the virtual reader is closed")
            self.unplug()
            master, slave = os.openpty()
            # Raw before anyone can open it: no echo back into the master (which nobody reads, so it would
            # fill up) and no CR→LF translation of the device's bytes.
            tty.setraw(slave)
            os.set_blocking(master, False)
            device = os.ttyname(slave)
            # Keep our own slave fd open so the pty lives while plugged, between the reader's closes and opens.
            self._master, self._slave, self._device = master, slave, device
            staging = self._path.with_name(f".{self._path.name}.new")
            with contextlib.suppress(FileNotFoundError):
                staging.unlink()
            staging.symlink_to(device)
            staging.replace(self._path)  # atomic: the path is never half made
            self._plugs += 1

    def close(self) -> None:
        """Unplug for good and remove the temporary directory if this object made it. Idempotent."""
        self._closed.set()
        with self._lock:
            self.unplug()
            if self._own_dir:
                with contextlib.suppress(OSError):
                    self.directory.rmdir()

    def __enter__(self) -> VirtualCardReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- what the device sends ------------------------------------------------------------------------------

    def frame(self, card: str, protocol: CardProtocol | None = None) -> bytes:
        """The bytes one read of `card` makes: an RDM6300 frame (`card` is ten hex) or a barcode line."""
        if (protocol or self.protocol) == "rdm6300":
            return rdm6300_frame(card)
        return barcode_line(card, terminator=self.terminator, prefix=self.prefix, suffix=self.suffix)

    def write(self, data: bytes) -> bool:
        """Send raw bytes; False when they were lost (unplugged, or the pty's buffer full)."""
        with self._lock:
            master = self._master
            if master is None:
                self._lost += len(data)
                return False
            sent = 0
            try:
                while sent < len(data):
                    sent += os.write(master, data[sent:])
            except BlockingIOError:
                pass  # a serial line does not wait for its receiver
            self._written += sent
            self._lost += len(data) - sent
            return sent == len(data)

    def swipe(self, card: str, protocol: CardProtocol | None = None) -> bool:
        """One read of `card`, as the device sends it; False if it was lost."""
        return self.write(self.frame(card, protocol))

    def hold(self, card: str, seconds: float, *, interval_s: float = 0.1, protocol: CardProtocol | None = None) -> int:
        """Hold `card` on the reader for `seconds`: a frame every `interval_s`, as an RFID module repeats.

        Blocks meanwhile (run it in a thread to do other things); returns how many frames were sent.
        """
        frame = self.frame(card, protocol)
        deadline = time.monotonic() + seconds
        sent = 0
        while True:
            if self.write(frame):
                sent += 1
            if time.monotonic() + interval_s >= deadline or self._closed.wait(interval_s):
                return sent

    def noise(self, n: int = 16) -> bool:
        """`n` random bytes of line noise (for barcode mode, bytes that cannot pass for text or a line end)."""
        if self.protocol == "rdm6300":
            data = self._random.randbytes(n)
        else:
            data = bytes(self._random.choice(LINE_NOISE) for _ in range(n))
        return self.write(data)

    def partial(self, card: str = "0000000000", protocol: CardProtocol | None = None) -> bool:
        """The first half of a read of `card`, and nothing more: what an unplug or a bit error leaves."""
        data = self.frame(card, protocol)
        return self.write(data[: len(data) // 2])

    def bad_checksum(self, card: str) -> bool:
        """An RDM6300 frame for `card` whose checksum is wrong."""
        if self.protocol != "rdm6300":
            raise VirtualDeviceError(self.port, "a barcode scanner's lines carry no checksum")
        good = rdm6300_frame(card)
        return self.write(rdm6300_frame(card, checksum=int(good[11:13], 16) ^ 0xFF))
