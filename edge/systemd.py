"""systemd's service notification protocol (sd_notify), for ``Type=notify`` units with a watchdog.

A few lines of socket code, so every process can say READY, STOPPING and WATCHDOG without a dependency.
Outside systemd (no ``NOTIFY_SOCKET``) every call does nothing.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from types import FrameType
from typing import Protocol


def notify(state: str) -> bool:
    """Send `state` (``"READY=1"``, ``"WATCHDOG=1"``, ``"STATUS=..."``); False when not under systemd."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode())
    except OSError:
        return False
    return True


def watchdog_interval_s() -> float | None:
    """How often to send WATCHDOG=1 (half the unit's WatchdogSec), or None when there is no watchdog."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return max(int(usec) / 2e6, 0.1)
    except ValueError:
        return None


class Service(Protocol):
    """A process's long-running part: `start` returns once it serves, `stop` stops it cleanly."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


def serve_until_signalled(service: Service) -> None:
    """Start `service`, wait for SIGTERM (systemd's stop) or SIGINT (Ctrl-C), then stop it. Main thread only."""
    stopping = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    service.start()
    try:
        stopping.wait()
    finally:
        service.stop()
