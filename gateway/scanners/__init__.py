"""Where advertisements come from: a small facade with one backend per source.

`ScannerBackend` is what the gateway service drives: start, stop, probe the adapter, recover. The production
backend (`gateway.scanners.bluez.BluezScanner`) is the real bleak over BlueZ's D-Bus API; the simulator's fast
path feeds the same pipeline in-process. Both hand each advertisement to one callback with the frame's data and
RSSI — never the device's address, which no layer above needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from gateway.watchdog import Action

AdvertCallback = Callable[[dict[int, bytes], dict[str, bytes], int], None]
"""(manufacturer_data, service_data, rssi): called on the gateway's event loop for every advertisement."""


@dataclass(frozen=True, slots=True)
class AdapterState:
    """What the backend can tell about its adapter; None where it cannot know."""

    discovering: bool | None
    powered: bool | None
    service_present: bool


class ScannerBackend(Protocol):
    async def start(self) -> None:
        """Start discovery; raises `ScannerError` when the adapter cannot scan now."""

    async def stop(self) -> None:
        """Stop discovery; never raises."""

    async def probe(self) -> AdapterState:
        """The adapter's state now; never raises."""

    async def recover(self, action: Action) -> None:
        """Carry out the watchdog's action; raises `ScannerError` when it did not work."""
