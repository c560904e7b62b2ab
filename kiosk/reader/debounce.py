"""One scan, one event: the same card read again and again is reported once.

An RFID module repeats its frame about every 100 ms while the card lies on it, and a barcode scanner in
continuous mode re-reads the card in front of it. The window slides: each repeat of the card that was last
seen extends it, so a card held for ten seconds is still one scan, while lifting it for longer than the
window and presenting it again is a new one. A different card is reported at once.
"""

from __future__ import annotations

from kiosk.reader.errors import ReaderSettingError
from kiosk.reader.protocols import CardRead


class Debouncer:
    """Decides which reads are new scans. Pure: the caller passes the time (seconds, a monotonic clock)."""

    def __init__(self, window_s: float = 2.0) -> None:
        if not window_s >= 0:
            raise ReaderSettingError("debounce_s", window_s, "must be zero (no debouncing) or more seconds")
        self.window_s = window_s
        self._last: tuple[str, str] | None = None
        self._last_at = 0.0
        self._suppressed = 0

    def accept(self, card: CardRead, now: float) -> bool:
        """True when `card` is a new scan; False for a repeat of the last card within the window."""
        key = (card.protocol, card.text)
        repeat = key == self._last and 0 <= now - self._last_at < self.window_s
        self._last, self._last_at = key, now
        if repeat:
            self._suppressed += 1
        return not repeat

    def reset(self) -> None:
        """Forget the last card: the next read is a new scan whatever it is."""
        self._last = None

    @property
    def suppressed(self) -> int:
        """How many reads were repeats."""
        return self._suppressed
