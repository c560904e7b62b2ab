"""What card readers send, decoded: pure, incremental decoders fed with whatever byte chunks the port returns.

A serial read returns what happens to be in the buffer: half a frame, three frames, noise from a replug.
Each decoder keeps the unfinished part between calls, so `feed` can be given any split of the stream and
returns the same cards. Nothing here does I/O or reads a clock: the caller passes the time when it wants an
abandoned partial frame forgotten (`stale_s`).

- `LineDecoder`: a barcode scanner in serial mode, one printable line per scan.
- `Rdm6300Decoder`: an RDM6300-style 125 kHz RFID module, ``STX`` + 10 hex data + 2 hex checksum + ``ETX``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, Protocol

from kiosk.reader.errors import ReaderSettingError

CardProtocol = Literal["barcode", "rdm6300"]
PROTOCOLS: Final = ("barcode", "rdm6300")

Terminator = Literal["CR", "LF", "CRLF", "any"]
TERMINATORS: Final = ("CR", "LF", "CRLF", "any")

CR: Final = 0x0D
LF: Final = 0x0A
STX: Final = 0x02
ETX: Final = 0x03
HEX_DIGITS: Final = frozenset(b"0123456789ABCDEFabcdef")
RDM6300_BODY: Final = 12  # 10 hex of data + 2 hex of checksum, between STX and ETX


@dataclass(frozen=True, slots=True)
class CardRead:
    """One card, as a reader reported it."""

    text: str
    """The card's identifier: a barcode's text, or an RFID tag's ten hex characters, upper-case."""
    raw: bytes
    """What carried it: a barcode's line (prefix and suffix included, terminator and noise not), or the whole
    14-byte RFID frame."""
    protocol: CardProtocol
    """``"barcode"`` or ``"rdm6300"``."""
    printed: str
    """The number printed on the card: a barcode's text, or for RFID the decimal of the tag's last 8 hex
    characters, ten digits with leading zeros (what most 125 kHz cards carry on their face)."""


@dataclass(frozen=True, slots=True)
class DecoderCounters:
    """What a decoder has seen since it was made."""

    frames: int = 0
    """Good frames or lines, each returned as a `CardRead`."""
    noise_bytes: int = 0
    """Bytes that were no part of a good or checksum-failed frame: garbage, broken or stale partial frames,
    over-long lines."""
    bad_checksums: int = 0
    """Well-formed RFID frames whose checksum did not match."""
    rejected: int = 0
    """Barcode lines without the configured prefix or suffix, or with nothing between them."""


class Decoder(Protocol):
    """An incremental decoder: the interface `kiosk.reader.serial_reader.CardReader` drives."""

    @property
    def protocol(self) -> CardProtocol:
        """The protocol it decodes."""
        ...

    def feed(self, data: bytes, now: float | None = None) -> list[CardRead]:
        """Take the next bytes of the stream; return the cards they complete, in order."""
        ...

    def reset(self) -> None:
        """Forget any unfinished frame (the port was closed); the counters stay."""
        ...

    def counters(self) -> DecoderCounters:
        """A snapshot of the counters."""
        ...


class _StreamDecoder:
    """What both decoders share: the counters and forgetting a partial frame left unfinished too long."""

    def __init__(self, stale_s: float | None) -> None:
        if stale_s is not None and not stale_s > 0:
            raise ReaderSettingError("stale_s", stale_s, "must be a positive number of seconds, or None")
        self.stale_s = stale_s
        self._last_at: float | None = None
        self._frames = 0
        self._noise = 0
        self._bad_checksums = 0
        self._rejected = 0

    def feed(self, data: bytes, now: float | None = None) -> list[CardRead]:
        """Take the next bytes of the stream; return the cards they complete, in order.

        `now` (seconds, any monotonic clock) enables the stale rule: an unfinished frame whose last byte came
        more than `stale_s` before `now` is dropped as noise before `data` is read. A reader sends a frame in
        one burst, so such a fragment is what remains of an unplug or a bit error, and gluing it to the next
        scan would make a wrong card number.
        """
        if now is not None:
            if self._last_at is not None and self.stale_s is not None and now - self._last_at > self.stale_s:
                self._drop_pending()
            if data:
                self._last_at = now
        cards: list[CardRead] = []
        for byte in data:
            self._take(byte, cards)
        return cards

    def reset(self) -> None:
        """Forget any unfinished frame, counting its bytes as noise; the counters stay."""
        self._drop_pending()
        self._last_at = None

    def counters(self) -> DecoderCounters:
        """A snapshot of the counters."""
        return DecoderCounters(
            frames=self._frames,
            noise_bytes=self._noise,
            bad_checksums=self._bad_checksums,
            rejected=self._rejected,
        )

    def _take(self, byte: int, cards: list[CardRead]) -> None:
        raise NotImplementedError

    def _drop_pending(self) -> None:
        raise NotImplementedError


class LineDecoder(_StreamDecoder):
    """A barcode scanner in serial mode: one line of printable ASCII per scan.

    `terminator` is what ends a line: ``"CR"``, ``"LF"``, ``"CRLF"`` or ``"any"`` (CR or LF; a CRLF pair then
    counts once, as empty lines are skipped). `prefix` and `suffix` are text the scanner is set up to add
    around the code (an AIM symbology identifier such as ``"]E0"``, a store's own marker); they are removed,
    and a line without them is rejected. Bytes that are not printable ASCII are noise, dropped one by one; a
    line longer than `max_len` bytes (prefix and suffix included) is noise as a whole. Spaces around the code
    are trimmed.
    """

    def __init__(
        self,
        terminator: Terminator = "any",
        prefix: str = "",
        suffix: str = "",
        max_len: int = 64,
        *,
        stale_s: float | None = 0.5,
    ) -> None:
        super().__init__(stale_s)
        if terminator not in TERMINATORS:
            raise ReaderSettingError("terminator", terminator, f"must be one of {', '.join(TERMINATORS)}")
        for name, value in (("prefix", prefix), ("suffix", suffix)):
            if not all(" " <= ch <= "~" for ch in value):
                raise ReaderSettingError(name, value, "must be printable ASCII (a terminator is set apart)")
        if max_len < 1 or max_len <= len(prefix) + len(suffix):
            raise ReaderSettingError("max_len", max_len, "must leave room for a code between prefix and suffix")
        self.terminator: Terminator = terminator
        self.prefix = prefix
        self.suffix = suffix
        self.max_len = max_len
        self._ends: frozenset[int] = frozenset({"CR": (CR,), "LF": (LF,), "CRLF": (), "any": (CR, LF)}[terminator])
        self._line = bytearray()
        self._overlong = False
        self._cr_pending = False  # CRLF mode: a CR seen, the LF not yet

    @property
    def protocol(self) -> CardProtocol:
        return "barcode"

    def _take(self, byte: int, cards: list[CardRead]) -> None:
        if self._cr_pending:
            self._cr_pending = False
            if byte == LF:
                self._end_line(cards)
                return
            self._noise += 1  # a CR on its own is not the terminator in CRLF mode
        if byte in self._ends:
            self._end_line(cards)
        elif self.terminator == "CRLF" and byte == CR:
            self._cr_pending = True
        elif self._overlong or not 0x20 <= byte <= 0x7E:
            self._noise += 1  # the rest of an over-long line is noise too
        elif len(self._line) >= self.max_len:
            self._overlong = True
            self._noise += len(self._line) + 1
            self._line.clear()
        else:
            self._line.append(byte)

    def _end_line(self, cards: list[CardRead]) -> None:
        line = bytes(self._line)
        self._line.clear()
        if self._overlong:  # its bytes are already counted as noise
            self._overlong = False
            return
        if not line:
            return  # a blank line, or the LF of a CRLF pair in "any" mode
        text = line.decode("ascii")
        if not (text.startswith(self.prefix) and text.endswith(self.suffix)):
            self._rejected += 1
            return
        code = text[len(self.prefix) : len(text) - len(self.suffix)].strip()
        if not code:
            self._rejected += 1
            return
        self._frames += 1
        cards.append(CardRead(text=code, raw=line, protocol="barcode", printed=code))

    def _drop_pending(self) -> None:
        self._noise += len(self._line) + (1 if self._cr_pending else 0)
        self._line.clear()
        self._overlong = False
        self._cr_pending = False


def rdm6300_checksum(data: bytes) -> int:
    """The RDM6300 checksum: the XOR of the five data bytes."""
    check = 0
    for byte in data:
        check ^= byte
    return check


def rdm6300_printed(tag: str) -> str:
    """The number printed on most 125 kHz cards: the decimal of the tag's last 8 hex characters, ten digits.

    The first byte (version or customer code) is not part of it, so two tags can share a printed number;
    `CardRead.text` keeps all ten hex characters.
    """
    return f"{int(tag[2:], 16):010d}"


class Rdm6300Decoder(_StreamDecoder):
    """An RDM6300-style 125 kHz RFID module at 9600 baud.

    A frame is ``0x02``, ten ASCII hex characters of data (a version byte and the 32-bit tag number), two of
    checksum (the XOR of the five data bytes) and ``0x03``. A ``0x02`` in the middle of a frame starts it over
    (the earlier bytes were a broken frame); any other byte that does not fit breaks the frame. Hex is accepted
    in either case and reported upper-case.
    """

    def __init__(self, *, stale_s: float | None = 0.5) -> None:
        super().__init__(stale_s)
        self._body: bytearray | None = None  # None: hunting for STX

    @property
    def protocol(self) -> CardProtocol:
        return "rdm6300"

    def _take(self, byte: int, cards: list[CardRead]) -> None:
        body = self._body
        if byte == STX:
            if body is not None:
                self._noise += 1 + len(body)
            self._body = bytearray()
        elif body is None:
            self._noise += 1
        elif len(body) < RDM6300_BODY:
            if byte in HEX_DIGITS:
                body.append(byte)
            else:
                self._noise += 1 + len(body) + 1
                self._body = None
        else:
            self._body = None
            if byte == ETX:
                self._complete(bytes(body), cards)
            else:
                self._noise += 1 + len(body) + 1

    def _complete(self, body: bytes, cards: list[CardRead]) -> None:
        text = body.decode("ascii").upper()
        if rdm6300_checksum(bytes.fromhex(text[:10])) != int(text[10:], 16):
            self._bad_checksums += 1
            return
        self._frames += 1
        tag = text[:10]
        cards.append(
            CardRead(text=tag, raw=bytes([STX]) + body + bytes([ETX]), protocol="rdm6300", printed=rdm6300_printed(tag))
        )

    def _drop_pending(self) -> None:
        if self._body is not None:
            self._noise += 1 + len(self._body)
            self._body = None


def make_decoder(
    protocol: str,
    *,
    terminator: Terminator = "any",
    prefix: str = "",
    suffix: str = "",
    max_len: int = 64,
    stale_s: float | None = 0.5,
) -> LineDecoder | Rdm6300Decoder:
    """The decoder for `protocol` (``"barcode"`` or ``"rdm6300"``); the line options apply to barcodes only."""
    if protocol == "barcode":
        return LineDecoder(terminator, prefix, suffix, max_len, stale_s=stale_s)
    if protocol == "rdm6300":
        return Rdm6300Decoder(stale_s=stale_s)
    raise ReaderSettingError("protocol", protocol, f"must be one of {', '.join(PROTOCOLS)}")
