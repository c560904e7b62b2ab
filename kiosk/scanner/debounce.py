"""One report per code shown: the camera reads the same card several times a second.

A text is reported when it has not been seen for `window_s` (default 3 s). Every sighting restarts the
window, so a card held in front of the camera for a minute is reported once, and the same card shown again
after it has been away for the window is reported again — the customer meant it. Pure logic: the caller
passes the time.
"""

from __future__ import annotations

from typing import Final

DEFAULT_WINDOW_S: Final = 3.0
MAX_TRACKED: Final = 256  # a noisy scene cannot grow the table without bound


class Debouncer:
    """Decides whether a text read at time `now` (seconds, monotonic) is news."""

    __slots__ = ("_last_seen", "window_s")

    def __init__(self, window_s: float = DEFAULT_WINDOW_S) -> None:
        if window_s < 0:
            raise ValueError("the debounce window cannot be negative")
        self.window_s = window_s
        self._last_seen: dict[str, float] = {}

    def accept(self, text: str, now: float) -> bool:
        """True when `text` should be reported now; records the sighting either way."""
        last = self._last_seen.pop(text, None)
        self._last_seen[text] = now  # re-inserted: the dict stays in order of last sighting
        if len(self._last_seen) > MAX_TRACKED:
            self._forget(now)
        return last is None or now - last >= self.window_s

    def reset(self) -> None:
        """Forget every sighting (the kiosk went back to its home screen)."""
        self._last_seen.clear()

    def _forget(self, now: float) -> None:
        for text, seen in list(self._last_seen.items()):
            if now - seen < self.window_s and len(self._last_seen) <= MAX_TRACKED:
                break
            del self._last_seen[text]
