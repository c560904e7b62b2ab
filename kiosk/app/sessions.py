"""Kiosk sessions kept on the server: the browser's cookie holds a random id and nothing else.

A customer's name and email must leave the kiosk's screen and memory when they walk away, so a session is a
dict in this process that `reset` deletes, not a signed cookie that a browser could keep. Each session
expires after `lifetime_s` without a request (the page's own idle timer resets it well before that; this is
the backstop when the page cannot). Requests marked passive (the page's event stream) do not count as
activity.

Concurrent requests of one session do not overwrite each other's changes: a request saves the session only
when it changed it, and views assign whole values (``session["draft"] = {...}``) rather than mutating them.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, Final

from flask import Flask, Request, Response, g
from flask.sessions import SecureCookieSession, SessionInterface, SessionMixin

COOKIE: Final = "kiosk_session"
PASSIVE: Final = "kiosk_passive"
"""A `flask.g` flag: this request is not the customer doing something."""


class KioskSession(SecureCookieSession):
    """The session of one customer at the kiosk; `sid` is its id in the `SessionStore`."""

    def __init__(self, initial: dict[str, Any] | None = None, *, sid: str, new: bool = False) -> None:
        super().__init__(initial)
        self.sid = sid
        self.new = new
        self.rotate = False

    def reset(self) -> None:
        """Forget everything, and take a new id when the response is saved."""
        self.clear()
        self.rotate = True


class SessionStore:
    """Sessions by id, in memory, expiring `lifetime_s` after their last activity. Thread-safe.

    `on_drop(sid)` is called (outside the lock) for every session that is reset or expires; it may be set
    after construction (the kiosk's runtime sets it to its own handler).
    """

    def __init__(
        self,
        lifetime_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_drop: Callable[[str], None] | None = None,
    ) -> None:
        self.lifetime_s = lifetime_s
        self._clock = clock
        self.on_drop = on_drop
        self._lock = threading.Lock()
        self._data: dict[str, tuple[dict[str, Any], float]] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def load(self, sid: str) -> dict[str, Any] | None:
        """A copy of the session's data, or None for an unknown or expired id."""
        self.sweep()
        with self._lock:
            found = self._data.get(sid)
            return copy.deepcopy(found[0]) if found is not None else None

    def save(self, sid: str, data: dict[str, Any] | None, *, touch: bool = True) -> None:
        """Store `data` (None: keep what is stored) and, if `touch`, count this as activity."""
        with self._lock:
            old = self._data.get(sid)
            kept = copy.deepcopy(data) if data is not None else (old[0] if old is not None else {})
            seen = self._clock() if touch or old is None else old[1]
            self._data[sid] = (kept, seen)

    def drop(self, sid: str) -> None:
        with self._lock:
            self._data.pop(sid, None)
        if self.on_drop is not None:
            self.on_drop(sid)

    def sweep(self) -> list[str]:
        """Drop the sessions idle for longer than `lifetime_s`; their ids."""
        limit = self._clock() - self.lifetime_s
        with self._lock:
            gone = [sid for sid, (_, seen) in self._data.items() if seen < limit]
            for sid in gone:
                del self._data[sid]
        if self.on_drop is not None:
            for sid in gone:
                self.on_drop(sid)
        return gone


def new_sid() -> str:
    return secrets.token_urlsafe(32)


class KioskSessionInterface(SessionInterface):
    """Flask's session backed by a `SessionStore`."""

    def __init__(self, store: SessionStore) -> None:
        self.store = store

    def open_session(self, app: Flask, request: Request) -> KioskSession:
        sid = request.cookies.get(COOKIE, "")
        data = self.store.load(sid) if sid else None
        if data is None:
            return KioskSession(sid=new_sid(), new=True)
        return KioskSession(data, sid=sid)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, KioskSession)
        passive = bool(g.get(PASSIVE, False))
        if session.rotate:
            self.store.drop(session.sid)
            session.sid, session.rotate, session.new = new_sid(), False, True
        if session.new or session.modified:
            self.store.save(session.sid, dict(session), touch=not passive)
        elif not passive:
            self.store.save(session.sid, None)
        if session.new:
            response.set_cookie(COOKIE, session.sid, httponly=True, samesite="Strict", path="/")
