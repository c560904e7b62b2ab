"""Discovery sessions as bluetoothd keeps them: which clients scan, each with its own filter.

A client (a unique bus name) starts one session with ``StartDiscovery`` and ends it with ``StopDiscovery``,
by leaving the bus, or when the adapter powers off. The controller scans while any session runs; an
advertisement is reported if it passes the filter of at least one session (a session without a filter
passes everything), as BlueZ merges its clients' filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from dbus_fast import DBusError

from firmware_sim.bluez.model import Advertisement, BluezError, DiscoveryFilter

ERROR_NOT_READY: Final = "org.bluez.Error.NotReady"
ERROR_IN_PROGRESS: Final = "org.bluez.Error.InProgress"
ERROR_FAILED: Final = "org.bluez.Error.Failed"
ERROR_DOES_NOT_EXIST: Final = "org.bluez.Error.DoesNotExist"
ERROR_INVALID_ARGUMENTS: Final = "org.bluez.Error.InvalidArguments"


class DiscoverySessions:
    """The running sessions and the clients' filters; D-Bus errors are raised as BlueZ raises them."""

    __slots__ = ("_active", "_filters", "_sessions")

    def __init__(self) -> None:
        self._sessions: set[str] = set()
        self._filters: dict[str, DiscoveryFilter] = {}
        self._active: list[DiscoveryFilter] | None = None  # None: some session is unfiltered

    def __bool__(self) -> bool:
        """Whether any session runs."""
        return bool(self._sessions)

    def set_filter(self, client: str, values: Mapping[str, Any]) -> None:
        """``SetDiscoveryFilter``: an empty dict clears the client's filter."""
        try:
            parsed = DiscoveryFilter.from_dbus(values)
        except (BluezError, TypeError, ValueError) as exc:
            raise DBusError(ERROR_INVALID_ARGUMENTS, str(exc)) from exc
        if values:
            self._filters[client] = parsed
        else:
            self._filters.pop(client, None)
        self._update()

    def start(self, client: str) -> None:
        if client in self._sessions:
            raise DBusError(ERROR_IN_PROGRESS, "Operation already in progress")
        self._sessions.add(client)
        self._update()

    def stop(self, client: str) -> None:
        if client not in self._sessions:
            raise DBusError(ERROR_FAILED, "No discovery started")
        self.end(client)

    def end(self, client: str) -> None:
        """The client's session and filter go (it stopped, or left the bus)."""
        self._sessions.discard(client)
        self._filters.pop(client, None)
        self._update()

    def knows(self, client: str) -> bool:
        return client in self._sessions or client in self._filters

    def clear(self) -> None:
        self._sessions.clear()
        self._filters.clear()
        self._update()

    def passes(self, adv: Advertisement) -> bool:
        """Whether some session's filter lets `adv` through."""
        active = self._active
        return active is None or any(f.matches(adv) for f in active)

    def _update(self) -> None:
        filters = [self._filters.get(client) for client in self._sessions]
        self._active = None if any(f is None for f in filters) else [f for f in filters if f is not None]
