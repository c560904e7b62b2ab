"""`CardReader`: the card reader on its serial port, read by pyserial in a thread of its own.

The concurrency model, on purpose: serial I/O blocks and the kiosk's web layer is threaded, so each reader owns
one background thread that opens the port, reads it with a short timeout (so `stop` is prompt), feeds the
bytes to a pure decoder and calls `on_card` and `on_state` from that thread. Callbacks should be quick (hand
the card to a queue); an exception in one is logged and counted, never fatal.

The reader is meant to be left running for months: a port that is missing, unplugged or failing makes the
state "down" and the thread tries to open it again every `reopen_s` until it is back ("ok"). Bad data is
counted, never fatal. Card numbers are never logged: they link to a member.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Literal, cast

import serial

from edge.config import KioskSection
from kiosk.reader.debounce import Debouncer
from kiosk.reader.errors import PortError, ReaderSettingError
from kiosk.reader.protocols import CardRead, Decoder, Terminator, make_decoder

log = logging.getLogger("corsia.kiosk.reader")

ReaderState = Literal["ok", "down", "none"]
"""``ok``: the port is open and read; ``down``: configured but not readable now; ``none``: no reader
configured. The kiosk's health message reports it as ``card_reader``."""

CardCallback = Callable[[CardRead], None]
StateCallback = Callable[[ReaderState], None]

JOIN_TIMEOUT_S: Final = 2.0


@dataclass(frozen=True, slots=True)
class ReaderCounters:
    """What a reader has done since it was made, for the kiosk's health message and the logs."""

    cards: int = 0
    """Scans handed to `on_card`."""
    repeats: int = 0
    """Reads of the same card within the debounce window, not handed on."""
    frames: int = 0
    """Good frames or lines decoded (``cards + repeats``)."""
    bytes_in: int = 0
    """Bytes read from the port."""
    noise_bytes: int = 0
    """Bytes that were no part of a good or checksum-failed frame."""
    bad_checksums: int = 0
    """RFID frames whose checksum did not match."""
    rejected: int = 0
    """Barcode lines without the configured prefix or suffix."""
    disconnects: int = 0
    """Times an open port failed or vanished."""
    errors: int = 0
    """Unexpected exceptions in decoding or in a callback (logged; the reader carries on)."""


class CardReader:
    """The kiosk's card reader on serial port `port`, speaking `protocol` (``"barcode"`` or ``"rdm6300"``).

    `on_card` gets each new scan (repeats within `debounce_s` are dropped); `on_state` gets each change of
    `state`, starting with the first one after `start`. An empty `port` means no reader: the state is
    ``"none"`` and `start` does nothing. A port that does not exist yet is not an error: the reader is
    ``"down"`` until it appears. `decoder` replaces the default one for `protocol` (a barcode scanner that
    adds a prefix, say: ``make_decoder("barcode", prefix="]E0")``).

    Use as a context manager, or `start` / `stop`.
    """

    def __init__(
        self,
        port: str,
        protocol: str,
        *,
        on_card: CardCallback,
        on_state: StateCallback | None = None,
        baudrate: int = 9600,
        reopen_s: float = 1.0,
        debounce_s: float = 2.0,
        read_timeout_s: float = 0.1,
        decoder: Decoder | None = None,
        exclusive: bool = True,
    ) -> None:
        self.port = port
        self._decoder: Decoder = decoder if decoder is not None else make_decoder(protocol)
        if self._decoder.protocol != protocol:
            raise ReaderSettingError("decoder", self._decoder.protocol, f"does not decode {protocol}")
        if not (isinstance(baudrate, int) and baudrate > 0):
            raise ReaderSettingError("baudrate", baudrate, "must be a positive integer")
        for name, value in (("reopen_s", reopen_s), ("read_timeout_s", read_timeout_s)):
            if not value > 0:
                raise ReaderSettingError(name, value, "must be a positive number of seconds")
        self.protocol = protocol
        self.baudrate = baudrate
        self.reopen_s = reopen_s
        self.read_timeout_s = read_timeout_s
        self.exclusive = exclusive
        self._on_card = on_card
        self._on_state = on_state
        self._debouncer = Debouncer(debounce_s)
        self._lock = threading.Lock()  # guards the decoder and the counters against `counters()` readers
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._reported: ReaderState | None = None
        self._last_error: str | None = None
        self._bytes_in = 0
        self._cards = 0
        self._disconnects = 0
        self._errors = 0

    @classmethod
    def from_config(
        cls, kiosk: KioskSection, *, on_card: CardCallback, on_state: StateCallback | None = None, **options: Any
    ) -> CardReader:
        """The reader that ``[kiosk] card_reader``, ``card_protocol`` and the barcode line settings describe;
        `options` go to the constructor."""
        if kiosk.card_protocol == "barcode" and "decoder" not in options:
            terminator = cast(Terminator, kiosk.card_terminator)  # the config checked it is one of these
            options["decoder"] = make_decoder(
                "barcode", terminator=terminator, prefix=kiosk.card_prefix, suffix=kiosk.card_suffix
            )
        return cls(kiosk.card_reader, kiosk.card_protocol, on_card=on_card, on_state=on_state, **options)

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> CardReader:
        """Start reading in the background; returns at once. Idempotent; a stopped reader can start again."""
        if not self.port or (self._thread is not None and self._thread.is_alive()):
            return self
        self._stopping.clear()
        self._reported = None  # the first state after a start is always reported
        self._thread = threading.Thread(target=self._run, name=f"card-reader {self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop reading and close the port; returns within about `read_timeout_s`. Idempotent."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(JOIN_TIMEOUT_S)
            if thread.is_alive():
                log.warning("the card reader thread on %s did not stop within %.1f s", self.port, JOIN_TIMEOUT_S)

    def __enter__(self) -> CardReader:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- what the kiosk reads -------------------------------------------------------------------------------

    @property
    def state(self) -> ReaderState:
        """``"ok"``, ``"down"`` or ``"none"``: the last state reported (``"down"`` before the first)."""
        if not self.port:
            return "none"
        return self._reported or "down"

    @property
    def last_error(self) -> str | None:
        """Why the port was last found unusable, or None if it never was."""
        return self._last_error

    def counters(self) -> ReaderCounters:
        """A snapshot of the counters."""
        with self._lock:
            decoded = self._decoder.counters()
            return ReaderCounters(
                cards=self._cards,
                repeats=self._debouncer.suppressed,
                frames=decoded.frames,
                bytes_in=self._bytes_in,
                noise_bytes=decoded.noise_bytes,
                bad_checksums=decoded.bad_checksums,
                rejected=decoded.rejected,
                disconnects=self._disconnects,
                errors=self._errors,
            )

    # -- the thread -----------------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                port = self._open()
            except PortError as exc:
                self._down(exc, was_open=False)
                self._stopping.wait(self.reopen_s)
                continue
            self._set_state("ok")
            log.info("card reader on %s: open", self.port)
            try:
                self._pump(port)
            except PortError as exc:
                self._down(exc, was_open=True)
            except Exception as exc:  # whatever pyserial or the OS throws, the reader reopens rather than dies
                log.exception("card reader on %s: reading failed", self.port)
                with self._lock:
                    self._errors += 1
                self._down(PortError(self.port, f"unexpected error: {exc!r}"), was_open=True)
            finally:
                self._close(port)
            self._stopping.wait(self.reopen_s)

    def _open(self) -> Any:
        try:
            return serial.Serial(
                self.port, baudrate=self.baudrate, timeout=self.read_timeout_s, exclusive=self.exclusive
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PortError(self.port, str(exc)) from exc

    def _pump(self, port: Any) -> None:
        """Read until stopped; raises `PortError` when the port fails or vanishes."""
        while not self._stopping.is_set():
            try:
                data: bytes = port.read(port.in_waiting or 1)
            except (serial.SerialException, OSError) as exc:
                raise PortError(self.port, str(exc)) from exc
            if data:
                self._handle(data)
            elif not os.path.exists(self.port):
                # Some USB serial drivers go quiet rather than fail when the device is pulled out.
                raise PortError(self.port, "the port vanished")

    def _handle(self, data: bytes) -> None:
        now = time.monotonic()
        fresh: list[CardRead] = []
        with self._lock:
            self._bytes_in += len(data)
            try:
                reads = self._decoder.feed(data, now)
            except Exception:  # a decoder bug must not stop the reader: drop the bytes, start afresh
                log.exception("card reader on %s: decoding failed", self.port)
                self._errors += 1
                self._decoder.reset()
                return
            for card in reads:
                if self._debouncer.accept(card, now):
                    self._cards += 1
                    fresh.append(card)
        for card in fresh:
            try:
                self._on_card(card)
            except Exception:  # the kiosk's handler failing must not stop the reader
                log.exception("card reader on %s: the card callback failed", self.port)
                with self._lock:
                    self._errors += 1

    def _close(self, port: Any) -> None:
        try:
            port.close()
        except (serial.SerialException, OSError) as exc:  # closing a dead port is best effort by nature
            log.debug("closing %s: %s", self.port, exc)
        with self._lock:
            self._decoder.reset()  # a frame cut by the unplug must not be glued to the next one

    def _down(self, exc: PortError, *, was_open: bool) -> None:
        self._last_error = exc.reason
        if was_open:
            with self._lock:
                self._disconnects += 1
        if self._stopping.is_set():
            return  # closing the port ourselves is not a failure
        if self._reported != "down":
            log.warning("card reader on %s is down: %s", self.port, exc.reason)
        self._set_state("down")

    def _set_state(self, state: ReaderState) -> None:
        if state == self._reported:
            return
        self._reported = state
        if self._on_state is not None:
            try:
                self._on_state(state)
            except Exception:  # as for on_card: the reader carries on
                log.exception("card reader on %s: the state callback failed", self.port)
                with self._lock:
                    self._errors += 1
