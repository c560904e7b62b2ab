"""What the kiosk's views and its service share: the hub client, the outbox, the scan bus, the sessions and the
rate limits, made once by `create_app` and kept in ``app.extensions``.

``corsia kiosk`` (kiosk.service) reaches them through `runtime_of(app)`: the card reader and the camera
publish to `bus`, the sync thread drains `outbox` through `hub`, and reset hooks run when a customer's session
ends (the camera forgets the codes it has already reported, so the next customer can show the same one).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from flask import Flask, current_app

from kiosk.app.limits import RateLimiter
from kiosk.app.scans import ScanBus
from kiosk.app.sessions import SessionStore
from kiosk.hub_client import HubClient
from kiosk.outbox import Outbox

log = logging.getLogger("corsia.kiosk.app")

RUNTIME_KEY: Final = "corsia_kiosk"


@dataclass(eq=False)
class KioskRuntime:
    """The kiosk's live parts (see the module docstring)."""

    hub: HubClient
    outbox: Outbox
    bus: ScanBus
    limits: RateLimiter
    sessions: SessionStore
    policy_version: str
    idle_timeout_s: float
    idle_warning_s: float
    preregistration_hosts: tuple[str, ...] = ()
    _hooks: list[Callable[[], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.sessions.on_drop = self.session_ended

    def on_reset(self, hook: Callable[[], None]) -> Callable[[], None]:
        """Call `hook` whenever a session ends (reset or expired); returns the function that removes it."""
        with self._lock:
            self._hooks.append(hook)

        def remove() -> None:
            with self._lock:
                if hook in self._hooks:
                    self._hooks.remove(hook)

        return remove

    def session_ended(self, sid: str) -> None:
        """A session was reset or expired: its scans go, and the hooks run."""
        self.bus.forget(sid)
        with self._lock:
            hooks = list(self._hooks)
        for hook in hooks:
            try:
                hook()
            except Exception:
                log.exception("a reset hook failed")

    def close(self) -> None:
        self.bus.close()
        self.outbox.close()


def runtime_of(app: Flask) -> KioskRuntime:
    """The runtime of an app made by `kiosk.app.create_app`."""
    found: KioskRuntime = app.extensions[RUNTIME_KEY]
    return found


def runtime() -> KioskRuntime:
    """The runtime of the app serving this request."""
    return runtime_of(current_app)
