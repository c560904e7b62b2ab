"""Card swipes and camera codes, routed to the kiosk session on screen and announced to its page.

The reader's and the camera's threads `publish` what they read; the page on screen holds an event stream
(server-sent events) that `attach`es its session. A scan goes to the session that attached last — the page
the customer is looking at — and to no other: the page gets only an opaque id, and posts it back to act on
it (`take`). The card number never travels through the browser, and a scan cannot be picked up by a session
it was not routed to.

A scan made while the page is between two screens (no stream attached for a moment) waits `hold_s` for the
next stream of the same session; a scan not acted on within `keep_s` is dropped. `forget` drops a session's
scans when it is reset, so nothing read for one customer reaches the next.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Literal

HOLD_S: Final = 5.0
KEEP_S: Final = 30.0

ScanKind = Literal["card", "code"]


@dataclass(frozen=True, slots=True)
class Scan:
    """What a device read: `kind` ``card`` (the card reader) or ``code`` (the camera), and its text."""

    kind: ScanKind
    text: str = field(repr=False)  # a card number links to a member: keep it out of logs and reprs
    format: str = ""


@dataclass(slots=True)
class _Entry:
    id: str
    scan: Scan
    t: float
    announced: bool = False


class ScanBus:
    """Routes scans to the current session. Thread-safe; `close` ends every stream."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, *, hold_s: float = HOLD_S, keep_s: float = KEEP_S
    ) -> None:
        self._clock = clock
        self.hold_s = hold_s
        self.keep_s = keep_s
        self._cond = threading.Condition()
        self._current: tuple[str, int] | None = None
        self._generation = 0
        self._entries: dict[str, list[_Entry]] = {}
        self._closed = False
        self.dropped = 0
        """Scans read while no session was on screen."""

    @property
    def current(self) -> str | None:
        """The session scans go to now, or None."""
        with self._cond:
            return self._current[0] if self._current else None

    def publish(self, scan: Scan) -> str | None:
        """Route `scan` to the current session; its id, or None when no session is on screen."""
        with self._cond:
            if self._current is None or self._closed:
                self.dropped += 1
                return None
            sid = self._current[0]
            entry = _Entry(secrets.token_urlsafe(12), scan, self._clock())
            self._entries.setdefault(sid, []).append(entry)
            self._cond.notify_all()
            return entry.id

    def attach(self, sid: str) -> Subscription:
        """Make `sid` the session on screen; earlier streams (of any session) end. Scans of `sid` that a page
        heard of within `hold_s` but did not take (it was going away) are announced again to this one."""
        with self._cond:
            self._generation += 1
            self._current = (sid, self._generation)
            now = self._clock()
            for entry in self._entries.get(sid, []):
                if entry.announced and now - entry.t <= self.hold_s:
                    entry.announced = False
            self._cond.notify_all()
            return Subscription(self, sid, self._generation)

    def take(self, sid: str, scan_id: str) -> Scan | None:
        """The scan `scan_id` if it was routed to `sid` and is recent; it can be taken once."""
        with self._cond:
            entries = self._entries.get(sid, [])
            for entry in entries:
                if secrets.compare_digest(entry.id, scan_id):
                    entries.remove(entry)
                    return entry.scan if self._clock() - entry.t <= self.keep_s else None
            return None

    def forget(self, sid: str) -> None:
        """Drop everything routed to `sid`; if it is on screen, no session is until the next `attach`."""
        with self._cond:
            self._entries.pop(sid, None)
            if self._current is not None and self._current[0] == sid:
                self._current = None
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._entries.clear()
            self._current = None
            self._cond.notify_all()

    def _next(self, sid: str, generation: int, timeout: float) -> list[str] | None:
        deadline = time.monotonic() + timeout  # waiting is in real time; ages are on `clock`
        with self._cond:
            while True:
                if self._closed or self._current != (sid, generation):
                    return None
                now = self._clock()
                entries = self._entries.get(sid, [])
                entries[:] = [e for e in entries if now - e.t <= (self.keep_s if e.announced else self.hold_s)]
                fresh = [e for e in entries if not e.announced]
                if fresh:
                    for entry in fresh:
                        entry.announced = True
                    return [e.id for e in fresh]
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                self._cond.wait(left)


class Subscription:
    """One page's event stream: `wait` for the ids of new scans for its session."""

    def __init__(self, bus: ScanBus, sid: str, generation: int) -> None:
        self._bus = bus
        self.sid = sid
        self._generation = generation

    def wait(self, timeout: float) -> list[str] | None:
        """New scan ids (empty after `timeout`), or None once this stream is superseded or the bus closed."""
        return self._bus._next(self.sid, self._generation, timeout)
