"""The ``org.bluez`` service on a private bus: one adapter, the devices it hears, and the faults of a real one.

`BluezService` is an asyncio object: create, `start` and use it in one event loop (`VirtualBluez` runs one in
a thread of its own for callers that are plain threads). Advertisements and control commands go through one
`PacedQueue` and are handled strictly in order, so "advertise A, stop discovery, advertise B" emits A and
drops B, whatever the timing.

What bleak (3.x) sees: the adapter at ``/org/bluez/hci0`` (``Powered``, ``Roles`` with "central"), the
devices at ``/org/bluez/hci0/dev_XX_...``, ``InterfacesAdded`` when a device is first heard and one
``PropertiesChanged`` per later advertisement, and only while some client's discovery session runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dbus_fast import DBusError, Message, MessageType
from dbus_fast.aio import MessageBus

from firmware_sim.bluez.connection import DEFAULT_SEND_BUFFER, connect_as_bluetoothd, ping, send_budget
from firmware_sim.bluez.discovery import ERROR_DOES_NOT_EXIST, ERROR_NOT_READY, DiscoverySessions
from firmware_sim.bluez.interfaces import Adapter1, Device1, device_class_for
from firmware_sim.bluez.model import (
    BLUEZ_SERVICE,
    DEVICE_INTERFACE,
    PROPERTIES_INTERFACE,
    Advertisement,
    Counters,
    Tally,
    normalize_address,
)
from firmware_sim.bluez.monitor import AdvertisementMonitorManager1, Monitors
from firmware_sim.bluez.pacing import ADDED_COST, CHANGED_COST, REMOVED_COST, Backlog, PacedQueue, payload_cost

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Removal:
    """Remove a device; with `unheard_since`, only if it has not been heard since then (the stale sweep)."""

    address: str
    unheard_since: float | None = None


@dataclass(frozen=True, slots=True)
class _Command:
    run: Callable[[], Awaitable[Any]]
    done: asyncio.Future[Any] = field(compare=False)


_Item = Advertisement | _Removal | _Command


class BluezService:
    """``org.bluez`` with one adapter on the bus at `bus_address`; see the module docstring.

    `rate_per_s` caps the advertisements a second, `batch` how many are handled at once (the rate's burst),
    `max_queue` how many may wait (more are dropped, counted as ``queue_full``).
    `stale_device_timeout_s` removes devices unheard that long, like BlueZ's ``TemporaryTimeout`` (None: never).
    """

    def __init__(
        self,
        bus_address: str,
        *,
        adapter: str = "hci0",
        adapter_address: str = "00:1A:7D:DA:71:13",
        adapter_name: str = "corsia-gateway",
        rate_per_s: float = 20_000.0,
        batch: int = 64,
        max_queue: int = 200_000,
        stale_device_timeout_s: float | None = 30.0,
    ) -> None:
        self.bus_address = bus_address
        self.adapter_path = f"/org/bluez/{adapter}"
        self.adapter_address = normalize_address(adapter_address)
        self.adapter_name = adapter_name
        self.stale_device_timeout_s = stale_device_timeout_s
        self._queue: PacedQueue[_Item] = PacedQueue(rate_per_s=rate_per_s, batch=batch, max_len=max_queue)
        self._bus: MessageBus | None = None
        self._adapter: Adapter1 | None = None
        self._devices: dict[str, Device1] = {}
        self._discovery = DiscoverySessions()
        self._monitors = Monitors()
        self._frozen = False
        self._sender = ""  # the unique name of the client whose method call is being dispatched
        self._tasks: list[asyncio.Task[None]] = []
        self._tally = Tally()
        self._backlog = Backlog(DEFAULT_SEND_BUFFER // 2)

    # -- lifecycle ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Bring bluetoothd up on the bus and start draining the queue."""
        self._queue.bind(asyncio.get_running_loop())
        await self._bluetoothd_up()
        self._tasks = [asyncio.create_task(self._drain(), name="bluez-drain")]
        if self.stale_device_timeout_s is not None:
            self._tasks.append(asyncio.create_task(self._sweep(self.stale_device_timeout_s), name="bluez-sweep"))

    async def stop(self) -> None:
        """Stop draining and leave the bus; queued commands fail, queued advertisements are dropped."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for item in self._queue.clear():
            if isinstance(item, _Command):
                item.done.cancel()
        await self._bluetoothd_down(graceful=False)

    @property
    def running(self) -> bool:
        """Whether bluetoothd is up: ``org.bluez`` is owned on the bus."""
        return self._bus is not None and self._bus.connected

    @property
    def powered(self) -> bool:
        return self._adapter is not None and self._adapter.powered

    @property
    def discovering(self) -> bool:
        """The adapter's ``Discovering`` property (True while frozen, too)."""
        return self._adapter is not None and self._adapter.discovering

    @property
    def monitors(self) -> int:
        """Active advertisement monitors (passive scans)."""
        return len(self._monitors)

    @property
    def frozen(self) -> bool:
        return self._frozen

    @property
    def devices(self) -> list[str]:
        """Addresses of the device objects on the bus."""
        return list(self._devices)

    def counters(self) -> Counters:
        return self._tally.snapshot(len(self._queue))

    # -- input (any thread) ---------------------------------------------------------------------------------

    def submit(self, adv: Advertisement) -> bool:
        """Queue one advertisement; False (and counted) when the queue is full. Thread-safe."""
        accepted = self._queue.put(adv)
        self._tally.submitted(1, int(accepted))
        return accepted

    def submit_many(self, adverts: Iterable[Advertisement]) -> int:
        """Queue advertisements in order; returns how many were accepted. Thread-safe."""
        items: list[_Item] = list(adverts)
        accepted = self._queue.put_many(items)
        self._tally.submitted(len(items), accepted)
        return accepted

    async def in_order(self, run: Callable[[], Awaitable[Any]]) -> Any:
        """Run `run` in the loop once everything queued before it has been handled and flushed."""
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.put(_Command(run, done), force=True)
        return await done

    def remove_later(self, address: str) -> None:
        """Queue the removal of a device (``InterfacesRemoved``), in order with the advertisements."""
        self._queue.put(_Removal(normalize_address(address)), force=True)

    # -- faults (call through `in_order`) -------------------------------------------------------------------

    async def stop_discovery_silently(self) -> None:
        """The controller stops scanning on its own: ``Discovering`` goes False, the sessions stay."""
        self._frozen = False
        self._set_discovering(False)

    async def freeze(self) -> None:
        """``Discovering`` stays True but nothing is heard any more, until discovery or power restarts."""
        self._frozen = True

    async def thaw(self) -> None:
        self._frozen = False

    async def power(self, on: bool) -> None:
        self.set_powered(on)

    async def crash_bluetoothd(self, graceful: bool = False) -> None:
        """bluetoothd goes away: abruptly (its connection drops, no signals but ``NameOwnerChanged``), or
        `graceful` (``InterfacesRemoved`` for every device and the adapter, then the name is released)."""
        await self._bluetoothd_down(graceful=graceful)

    async def restart_bluetoothd(self) -> None:
        """A fresh bluetoothd: the adapter is back (powered, not discovering), it knows no devices."""
        if not self.running:
            await self._bluetoothd_up()

    # -- AdapterBackend: what the adapter's D-Bus methods do ------------------------------------------------

    def set_discovery_filter(self, values: Mapping[str, Any]) -> None:
        self._discovery.set_filter(self._sender, values)

    def start_discovery(self) -> None:
        if not self.powered:
            raise DBusError(ERROR_NOT_READY, "Resource Not Ready")
        self._discovery.start(self._sender)
        if not self.discovering:  # the controller (re)starts scanning, which also ends a freeze
            self._frozen = False
            self._set_discovering(True)

    def stop_discovery(self) -> None:
        if not self.powered:
            raise DBusError(ERROR_NOT_READY, "Resource Not Ready")
        self._discovery.stop(self._sender)
        self._after_session_end()

    def remove_device(self, path: str) -> None:
        for address, device in self._devices.items():
            if device.path == path:
                self._remove(address)
                return
        raise DBusError(ERROR_DOES_NOT_EXIST, "Does Not Exist")

    def register_monitor(self, root: str) -> None:
        self._monitors.register(self._sender, root)
        if self._bus is not None:
            fetch = asyncio.ensure_future(self._monitors.fetch(self._bus, self._sender, root))
            self._tasks = [task for task in self._tasks if not task.done()] + [fetch]

    def unregister_monitor(self, root: str) -> None:
        self._monitors.unregister(self._sender, root)

    def set_powered(self, powered: bool) -> None:
        adapter = self._adapter
        if adapter is None or adapter.powered == powered:
            return
        adapter.powered = powered
        changed: dict[str, Any] = {"Powered": powered, "PowerState": "on" if powered else "off"}
        if not powered:
            # Powering off ends every discovery session, as bluetoothd's adapter_stop() does.
            self._discovery.clear()
            self._frozen = False
            if adapter.discovering:
                adapter.discovering = False
                changed["Discovering"] = False
        adapter.emit_properties_changed(changed)

    # -- internals --------------------------------------------------------------------------------------------

    def _set_discovering(self, discovering: bool) -> None:
        adapter = self._adapter
        if adapter is not None and adapter.discovering != discovering:
            adapter.discovering = discovering
            adapter.emit_properties_changed({"Discovering": discovering})

    def _after_session_end(self) -> None:
        if not self._discovery:
            self._frozen = False
            self._set_discovering(False)

    def _on_message(self, msg: Message) -> None:
        """Sees every incoming message before dbus-fast dispatches it: who is calling, who has left."""
        if msg.message_type is MessageType.METHOD_CALL:
            self._sender = msg.sender or ""
        elif msg.message_type is MessageType.SIGNAL and msg.member == "NameOwnerChanged":
            name, _old, new = msg.body
            if not new and self._discovery.knows(name):
                log.debug("discovery client %s left the bus", name)
                self._discovery.end(name)
                self._after_session_end()
            if not new:
                self._monitors.client_left(name)
        elif msg.message_type is MessageType.SIGNAL and msg.member == "InterfacesAdded" and self._bus is not None:
            self._monitors.on_interfaces_added(self._bus, msg)

    async def _bluetoothd_up(self) -> None:
        bus = await connect_as_bluetoothd(self.bus_address, self._on_message)
        self._adapter = Adapter1(self, self.adapter_address, self.adapter_name)
        self._discovery.clear()
        self._monitors.clear()
        self._frozen = False
        self._bus = bus
        bus.export(self.adapter_path, self._adapter)
        bus.export(self.adapter_path, AdvertisementMonitorManager1(self))
        self._backlog = Backlog(send_budget(bus))
        await self._flush(bus)

    async def _bluetoothd_down(self, *, graceful: bool) -> None:
        bus, self._bus = self._bus, None
        if bus is None:
            return
        if graceful and bus.connected:
            for address in list(self._devices):
                bus.unexport(self._devices.pop(address).path)  # InterfacesRemoved
                await self._sent(bus, REMOVED_COST)
            bus.unexport(self.adapter_path)
            await self._flush(bus)
            await bus.release_name(BLUEZ_SERVICE)
        self._devices.clear()
        self._discovery.clear()
        self._monitors.clear()
        self._adapter = None
        bus.disconnect()
        with contextlib.suppress(Exception):  # it raises what killed the connection, if something did
            await bus.wait_for_disconnect()  # type: ignore[no-untyped-call]
        await asyncio.gather(*self._backlog.reset(), return_exceptions=True)

    async def _drain(self) -> None:
        while True:
            batch = await self._queue.next_batch()
            now = time.monotonic()
            for item in batch:
                bus = self._bus
                if isinstance(item, Advertisement):
                    refusal = self._refusal(item)
                    if refusal is not None or bus is None:
                        self._tally.dropped(refusal or "bluetoothd_down")
                    else:
                        await self._sent(bus, self._emit(bus, item, now))
                elif isinstance(item, _Removal):
                    device = self._devices.get(item.address)
                    if device is not None and (item.unheard_since is None or device.last_seen <= item.unheard_since):
                        self._remove(item.address)
                        if bus is not None:
                            await self._sent(bus, REMOVED_COST)
                else:
                    await self._run(item)

    async def _run(self, command: _Command) -> None:
        if self._bus is not None:
            await self._flush(self._bus)
        try:
            result = await command.run()
        except Exception as exc:
            if not command.done.done():
                command.done.set_exception(exc)
        else:
            if not command.done.done():
                command.done.set_result(result)
        if self._bus is not None:
            await self._flush(self._bus)

    def _refusal(self, adv: Advertisement) -> str | None:
        """Why `adv` is not emitted now (a `DROP_REASONS` entry), or None."""
        bus, adapter = self._bus, self._adapter
        if bus is None or adapter is None or not bus.connected:
            return "bluetoothd_down"
        if not adapter.powered:
            return "powered_off"
        if not adapter.discovering and not self._monitors:
            return "not_discovering"
        if self._frozen:
            return "frozen"
        if adapter.discovering and self._discovery.passes(adv):
            return None
        return None if self._monitors.match(adv) else "filtered"

    def _emit(self, bus: MessageBus, adv: Advertisement, now: float) -> int:
        """Send the signal(s) for one advertisement; returns their estimated cost in the socket buffer."""
        self._tally.emitted()
        device = self._devices.get(adv.address)
        if device is not None and device.fits(adv):
            body = device.apply(adv, now)
            bus.send(
                Message.new_signal(
                    device.path, PROPERTIES_INTERFACE, "PropertiesChanged", "sa{sv}as", [DEVICE_INTERFACE, body, []]
                )
            )
            return CHANGED_COST + payload_cost(adv)
        created = device_class_for(adv, device)(self.adapter_path, adv, now)
        cost = ADDED_COST + payload_cost(adv)
        if device is not None:  # a Name or TxPower appeared: re-announce the object with them
            created.inherit(device)
            bus.unexport(device.path)
            cost += REMOVED_COST
        self._devices[adv.address] = created
        bus.export(created.path, created)  # dbus-fast emits InterfacesAdded with every property
        return cost

    def _remove(self, address: str) -> None:
        device = self._devices.pop(address, None)
        if device is not None and self._bus is not None and self._bus.connected:
            self._bus.unexport(device.path)  # InterfacesRemoved

    async def _sent(self, bus: MessageBus, cost: int) -> None:
        """Account for `cost` bytes written; checkpoint and wait for the daemon when the budget says so."""
        backlog = self._backlog
        if backlog.add(cost):
            backlog.checkpoint(asyncio.ensure_future(bus.call(ping())))
        if backlog.unconfirmed > backlog.high_water:
            await self._relieve(bus, backlog.budget_bytes // 2)

    async def _flush(self, bus: MessageBus) -> None:
        """Wait until the bus daemon has read every message sent so far."""
        if bus.connected:
            self._backlog.checkpoint(asyncio.ensure_future(bus.call(ping())))
            await self._relieve(bus, 0)

    async def _relieve(self, bus: MessageBus, until: int) -> None:
        try:
            await self._backlog.relieve(until)
        except Exception as exc:  # the connection died under us: bluetoothd is down until restarted
            log.warning("virtual bluetoothd lost its bus connection: %r", exc)
            if self._bus is bus:
                self._bus = None
                self._adapter = None
                self._devices.clear()
                bus.disconnect()
            await asyncio.gather(*self._backlog.reset(), return_exceptions=True)

    async def _sweep(self, timeout_s: float) -> None:
        """Queue the removal of devices unheard for `timeout_s` (re-checked when the removal runs)."""
        while True:
            await asyncio.sleep(min(5.0, timeout_s / 2))
            cutoff = time.monotonic() - timeout_s
            for address, device in list(self._devices.items()):
                if device.last_seen < cutoff:
                    self._queue.put(_Removal(address, unheard_since=device.last_seen), force=True)
