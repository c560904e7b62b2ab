"""`VirtualBluez`: a private bus and a virtual BlueZ in a thread of their own, for plain-threaded callers.

The concurrency model, on purpose: the simulator's shoppers and the tests are plain threads, bleak and
dbus-fast are asyncio. So `VirtualBluez` owns one thread running one event loop, in which `BluezService`
lives; `advertise` only appends to a thread-safe queue (microseconds, never blocks), while faults and
`wait_idle` are run in that loop, in order with the advertisements queued before them, and block until done.
Code that already runs in an event loop can use `BluezService` directly instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from firmware_sim.bluez.daemon import DbusDaemon
from firmware_sim.bluez.model import (
    EMPTY_MANUFACTURER_DATA,
    EMPTY_SERVICE_DATA,
    Advertisement,
    BluezError,
    Counters,
)
from firmware_sim.bluez.service import BluezService

T = TypeVar("T")


class VirtualBluez:
    """One simulated gateway's Bluetooth stack: ``dbus-daemon`` + ``org.bluez`` with adapter `adapter`.

    Point the scanning code at `address` through ``DBUS_SYSTEM_BUS_ADDRESS`` (bleak reads it when its
    manager connects). Use as a context manager, or `start` / `close`. Several can run at once.
    The keyword arguments are `BluezService`'s.
    """

    def __init__(
        self,
        state_dir: str | os.PathLike[str] | None = None,
        *,
        adapter: str = "hci0",
        adapter_address: str = "00:1A:7D:DA:71:13",
        rate_per_s: float = 20_000.0,
        batch: int = 64,
        max_queue: int = 200_000,
        stale_device_timeout_s: float | None = 30.0,
        timeout_s: float = 10.0,
    ) -> None:
        self._daemon = DbusDaemon(Path(state_dir) if state_dir is not None else None)
        self._options: dict[str, Any] = {
            "adapter": adapter,
            "adapter_address": adapter_address,
            "rate_per_s": rate_per_s,
            "batch": batch,
            "max_queue": max_queue,
            "stale_device_timeout_s": stale_device_timeout_s,
        }
        self.adapter = adapter
        self.timeout_s = timeout_s
        self._service: BluezService | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Event | None = None

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> VirtualBluez:
        """Start the bus daemon and the service; returns once bleak can connect."""
        if self._thread is not None:
            return self
        address = self._daemon.start()
        ready: asyncio.Future[None] | None = None
        started = threading.Event()
        failure: list[BaseException] = []

        async def serve() -> None:
            nonlocal ready
            service = BluezService(address, **self._options)
            self._stopping = asyncio.Event()
            try:
                await service.start()
            except BaseException as exc:
                failure.append(exc)
                started.set()
                return
            self._service, self._loop = service, asyncio.get_running_loop()
            started.set()
            try:
                await self._stopping.wait()
            finally:
                await service.stop()

        self._thread = threading.Thread(target=asyncio.run, args=(serve(),), name=f"virtual-bluez-{self.adapter}")
        self._thread.start()
        if not started.wait(self.timeout_s) or failure:
            self.close()
            if failure:
                raise BluezError(f"the virtual BlueZ did not start: {failure[0]}") from failure[0]
            raise BluezError(f"the virtual BlueZ did not start within {self.timeout_s} s")
        return self

    def close(self) -> None:
        """Stop the service, its thread and the bus daemon. Idempotent."""
        loop, stopping, thread = self._loop, self._stopping, self._thread
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(stopping.set)
        if thread is not None:
            thread.join(self.timeout_s)
        self._service = self._loop = self._thread = self._stopping = None
        self._daemon.stop()

    def __enter__(self) -> VirtualBluez:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- what a scanner needs to know -----------------------------------------------------------------------

    @property
    def address(self) -> str:
        """The bus address to put in ``DBUS_SYSTEM_BUS_ADDRESS``."""
        return self._daemon.address

    @property
    def daemon(self) -> DbusDaemon:
        """The private bus daemon (its `pid`, `state_dir` with the log)."""
        return self._daemon

    @property
    def adapter_path(self) -> str:
        return f"/org/bluez/{self.adapter}"

    @property
    def discovering(self) -> bool:
        return self._require().discovering

    @property
    def powered(self) -> bool:
        return self._require().powered

    @property
    def bluetoothd_running(self) -> bool:
        return self._require().running

    @property
    def monitors(self) -> int:
        """Active advertisement monitors: bleak's passive scans."""
        return self._require().monitors

    @property
    def frozen(self) -> bool:
        return self._require().frozen

    @property
    def devices(self) -> list[str]:
        """Addresses of the device objects BlueZ currently has."""
        return self._call(self._async_devices)

    def counters(self) -> Counters:
        return self._require().counters()

    # -- the radio ------------------------------------------------------------------------------------------

    def advertise(
        self,
        address: str,
        *,
        rssi: int,
        manufacturer_data: Mapping[int, bytes] = EMPTY_MANUFACTURER_DATA,
        service_data: Mapping[str, bytes] = EMPTY_SERVICE_DATA,
        service_uuids: Iterable[str] = (),
        tx_power: int | None = None,
        name: str | None = None,
    ) -> bool:
        """One advertisement heard by the adapter: ``InterfacesAdded`` for a new device, else one
        ``PropertiesChanged``, emitted only while discovering. False when the queue was full (dropped)."""
        adv = Advertisement(
            address,
            rssi,
            manufacturer_data=manufacturer_data,
            service_data=service_data,
            service_uuids=tuple(service_uuids),
            tx_power=tx_power,
            name=name,
        )
        return self._require().submit(adv)

    def advertise_many(self, adverts: Iterable[Advertisement]) -> int:
        """Queue many advertisements at once, in order; returns how many were accepted."""
        return self._require().submit_many(adverts)

    def remove(self, address: str) -> None:
        """BlueZ forgets a device (``InterfacesRemoved``), in order with the queued advertisements."""
        self._require().remove_later(address)

    def wait_idle(self, timeout: float | None = None) -> None:
        """Block until everything queued so far is emitted and read by the bus daemon."""
        self._call(self._nothing, timeout)

    # -- faults -----------------------------------------------------------------------------------------------

    def stop_discovery_silently(self) -> None:
        """The controller stops scanning by itself: ``Discovering`` False, no more advertisements; the
        clients' sessions stay, so their ``StopDiscovery`` succeeds and a new ``StartDiscovery`` resumes."""
        self._call(self._require().stop_discovery_silently)

    def freeze(self) -> None:
        """The "silently stops after hours" case: ``Discovering`` stays True, nothing more is heard, until a
        client restarts discovery (last session stopped, then started), power is cycled or `thaw`."""
        self._call(self._require().freeze)

    def thaw(self) -> None:
        self._call(self._require().thaw)

    def power_off(self) -> None:
        """``Powered`` False (and ``Discovering`` False): every discovery session ends."""
        self._call(lambda: self._require().power(False))

    def power_on(self) -> None:
        """``Powered`` True, ``Discovering`` False: clients must start discovery again."""
        self._call(lambda: self._require().power(True))

    def crash_bluetoothd(self, *, graceful: bool = False) -> None:
        """bluetoothd goes away (``org.bluez`` loses its owner); `graceful` removes the objects first."""
        self._call(lambda: self._require().crash_bluetoothd(graceful))

    def restart_bluetoothd(self) -> None:
        """bluetoothd comes back: the adapter, powered and not discovering, and no devices."""
        self._call(self._require().restart_bluetoothd)

    # -- plumbing ---------------------------------------------------------------------------------------------

    def _require(self) -> BluezService:
        if self._service is None:
            raise BluezError("the virtual BlueZ is not running: start() it first")
        return self._service

    async def _nothing(self) -> None:
        return None

    async def _async_devices(self) -> list[str]:
        return self._require().devices

    def _call(self, run: Callable[[], Awaitable[T]], timeout: float | None = None) -> T:
        """Run `run` in the service's loop, in order with the queue, and wait for its result."""
        service, loop = self._require(), self._loop
        assert loop is not None
        future = asyncio.run_coroutine_threadsafe(service.in_order(run), loop)
        try:
            result: T = future.result(self.timeout_s if timeout is None else timeout)
        except TimeoutError as exc:
            future.cancel()
            raise BluezError("the virtual BlueZ did not answer in time") from exc
        return result
