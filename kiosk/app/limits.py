"""Rate limits on sign-ups and look-ups, per kiosk session and for the whole kiosk.

A look-up answers whether a card is somebody's, and a sign-up whether an email is taken (the "welcome back"
screen): both are worth limiting, so nobody can stand at the kiosk and probe. The per-session limit stops one
person; the global one stops a person who resets the session between tries. Sliding windows, in memory: a
restart forgets them, which is fine for a limit meant to slow people down.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `per_session` attempts per session and `overall` attempts in all, in any `window_s` seconds."""

    per_session: int
    overall: int
    window_s: float


DEFAULT_LIMITS: Final[Mapping[str, Limit]] = {
    # A family signs up one after the other; a queue of customers does not sign up every 20 s for 10 minutes.
    "signup": Limit(per_session=3, overall=30, window_s=600.0),
    # A card that will not read is swiped a few times; nobody needs 12 look-ups a minute.
    "lookup": Limit(per_session=12, overall=120, window_s=60.0),
}
ALL: Final = "*"


class RateLimiter:
    """Counts attempts per action (``"signup"``, ``"lookup"``) and session. Thread-safe."""

    def __init__(self, limits: Mapping[str, Limit], clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = dict(limits)
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], deque[float]] = {}

    def allow(self, action: str, session: str) -> bool:
        """Whether one more `action` is allowed for `session` now; an allowed attempt is counted."""
        limit = self.limits[action]
        now = self._clock()
        with self._lock:
            self._forget_old(now)
            mine = self._seen.setdefault((action, session), deque())
            everyone = self._seen.setdefault((action, ALL), deque())
            if len(mine) >= limit.per_session or len(everyone) >= limit.overall:
                return False
            mine.append(now)
            everyone.append(now)
            return True

    def _forget_old(self, now: float) -> None:
        # Sessions come and go: empty windows are dropped so the table holds only the last window's attempts.
        for key, times in list(self._seen.items()):
            window_s = self.limits[key[0]].window_s
            while times and times[0] <= now - window_s:
                times.popleft()
            if not times:
                del self._seen[key]
