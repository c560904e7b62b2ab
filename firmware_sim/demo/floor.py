"""The shop floor: one virtual BlueZ and one real `corsia gateway` per gateway of the layout, and the world
played into them in real time.

The same pieces as `corsia sim --spawn-gateways` (`firmware_sim.realtime`), put together here because the demo
chooses the moment to start playing: the world was built starting at the moment the demo started, and by the
time every gateway scans, some seconds have passed. The driver skips them (`start_offset_s`), so the world's
time and this machine's clock agree, which is what lets the hub resolve the phones' EIDs on its own clock.

Concurrency: the driver's loop runs in a thread of its own; each virtual BlueZ has its own thread and event
loop (`VirtualBluez`); the gateways are processes.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import Final

from firmware_sim.bluez import BluezError, VirtualBluez
from firmware_sim.demo.processes import DemoError
from firmware_sim.realtime import DriverStats, GatewayFleet, RealtimeDriver, SimClock, SimError
from firmware_sim.world import Scenario

SCANNING_TIMEOUT_S: Final = 90.0  # twelve gateways starting at once on two busy cores take a while
DRAIN_S: Final = 3.0


class ShopFloor:
    """The gateways of `scenario`'s layout, their buses, and the driver. `start`, then `play`, then `stop`."""

    def __init__(self, scenario: Scenario, folder: Path, template: Path, log_level: str = "info") -> None:
        self.scenario = scenario
        self.folder = folder
        self.template = template
        self.log_level = log_level
        self.buses: dict[str, VirtualBluez] = {}
        self.fleet: GatewayFleet | None = None
        self.driver: RealtimeDriver | None = None
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._stats: DriverStats | None = None
        self.exit_codes: dict[str, int] = {}

    @property
    def gateways(self) -> list[str]:
        return [g.id for g in self.scenario.layout.gateways]

    def start(self, stop: threading.Event) -> None:
        """Buses up, gateways up, and every gateway scanning its bus (`DemoError` if one does not)."""
        try:
            for gw in self.gateways:
                self.buses[gw] = VirtualBluez().start()
            fleet = GatewayFleet(
                self.buses, self.folder, config=self.template, ibeacon_uuids=self.scenario.tag_uuids or None,
                log_level=self.log_level,
            )  # fmt: skip
            self.fleet = fleet
            fleet.check()
            fleet.start()
            fleet.wait_scanning(SCANNING_TIMEOUT_S, stop)
        except (BluezError, SimError) as exc:
            raise DemoError("gateways", str(exc)) from exc

    def play(self) -> SimClock:
        """Start playing the world from the present moment, in a thread; the clock once it runs."""
        offset = max(0.0, time.time() - self.scenario.start_t)
        if offset >= self.scenario.duration_s:
            raise DemoError("world", f"the demo took {offset:.0f} s to start, longer than the world lasts")
        driver = RealtimeDriver(self.scenario, self.buses, start_offset_s=offset)
        self.driver = driver
        self._thread = threading.Thread(target=self._play, args=(driver,), name="demo-world", daemon=True)
        self._thread.start()
        clock = driver.wait_started(60.0)
        if clock is None:
            raise DemoError("world", "the simulated world did not start playing within 60 s")
        return clock

    def _play(self, driver: RealtimeDriver) -> None:
        self._stats = driver.run(self._halt)

    @property
    def finished(self) -> bool:
        """The world has played to its end."""
        return self._thread is not None and not self._thread.is_alive() and not self._halt.is_set()

    def stats(self) -> DriverStats | None:
        return self.driver.stats() if self.driver is not None else None

    def stop_world(self) -> None:
        """Stop playing, and let what was queued reach the scanners."""
        self._halt.set()
        if self._thread is not None:
            self._thread.join(10.0)
        deadline = time.monotonic() + DRAIN_S
        for bus in self.buses.values():
            with contextlib.suppress(BluezError):
                bus.wait_idle(max(0.1, deadline - time.monotonic()))

    def stop_gateways(self) -> None:
        """Each gateway publishes its last interval and says offline (SIGTERM); then the buses go."""
        if self.fleet is not None:
            self.exit_codes = self.fleet.stop()
        for bus in self.buses.values():
            bus.close()
        self.buses.clear()
