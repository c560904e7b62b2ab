"""The production scanner: the real bleak over BlueZ, plus a D-Bus probe of the adapter for the watchdog.

bleak delivers advertisements and hides the adapter's state; the watchdog needs that state (Discovering,
Powered, whether bluetoothd is on the bus), so this backend reads it with dbus-fast — the library bleak itself
uses — on a connection of its own, and writes ``Powered`` to power-cycle the adapter.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakError
from dbus_fast import BusType, Message, MessageType, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.errors import DBusError

from edge.errors import CorsiaError
from gateway.scanners import AdapterState, AdvertCallback
from gateway.watchdog import Action

log = logging.getLogger("corsia.gateway.scanner")
BLUEZ = "org.bluez"
ADAPTER_IFACE = "org.bluez.Adapter1"


class ScannerError(CorsiaError):
    """The adapter cannot scan right now (bluetoothd away, adapter off, discovery refused)."""


class BluezScanner:
    """Real bleak scanning on `adapter` (``hci0``); `on_advert` gets every advertisement's data and RSSI."""

    def __init__(self, adapter: str, on_advert: AdvertCallback) -> None:
        self.adapter = adapter
        self.path = f"/org/bluez/{adapter}"
        self._on_advert = on_advert
        self._scanner: BleakScanner | None = None
        self._bus: MessageBus | None = None

    def _detected(self, _device: BLEDevice, adv: AdvertisementData) -> None:
        # The device (and its address) stops here: only the frame's data and the RSSI go on.
        self._on_advert(adv.manufacturer_data, adv.service_data, adv.rssi)

    async def start(self) -> None:
        scanner = BleakScanner(
            detection_callback=self._detected, scanning_mode="active", bluez={"adapter": self.adapter}
        )
        try:
            await scanner.start()
        except (TimeoutError, BleakError, DBusError, OSError) as exc:
            raise ScannerError(f"cannot start scanning on {self.adapter}: {exc}") from exc
        self._scanner = scanner

    async def stop(self) -> None:
        scanner, self._scanner = self._scanner, None
        if scanner is not None:
            try:
                async with asyncio.timeout(5.0):
                    await scanner.stop()
            except Exception as exc:  # a dead adapter or bus: stopping is best effort by nature
                log.debug("stopping the scanner: %s", exc)

    async def close(self) -> None:
        await self.stop()
        if self._bus is not None:
            self._bus.disconnect()
            self._bus = None

    async def _system_bus(self) -> MessageBus:
        if self._bus is None or not self._bus.connected:
            self._bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
        return self._bus

    async def _call(self, **kwargs: Any) -> Message:
        bus = await self._system_bus()
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow the watchdog task's cancellation.
        async with asyncio.timeout(3.0):
            reply = await bus.call(Message(**kwargs))
        if reply is None or reply.message_type == MessageType.ERROR:
            raise DBusError(reply.error_name or "unknown" if reply else "no reply", str(reply.body if reply else ""))
        return reply

    async def probe(self) -> AdapterState:
        try:
            owner = await self._call(
                destination="org.freedesktop.DBus",
                path="/org/freedesktop/DBus",
                interface="org.freedesktop.DBus",
                member="NameHasOwner",
                signature="s",
                body=[BLUEZ],
            )
            if not owner.body[0]:
                return AdapterState(discovering=None, powered=None, service_present=False)
            props = await self._call(
                destination=BLUEZ,
                path=self.path,
                interface="org.freedesktop.DBus.Properties",
                member="GetAll",
                signature="s",
                body=[ADAPTER_IFACE],
            )
        except (TimeoutError, DBusError, OSError, EOFError) as exc:
            log.debug("adapter probe failed: %s", exc)
            return AdapterState(discovering=None, powered=None, service_present=False)
        values = {k: v.value for k, v in props.body[0].items()}
        return AdapterState(
            discovering=bool(values.get("Discovering")), powered=bool(values.get("Powered")), service_present=True
        )

    async def _set_powered(self, on: bool) -> None:
        await self._call(
            destination=BLUEZ,
            path=self.path,
            interface="org.freedesktop.DBus.Properties",
            member="Set",
            signature="ssv",
            body=[ADAPTER_IFACE, "Powered", Variant("b", on)],
        )

    async def recover(self, action: Action) -> None:
        await self.stop()
        try:
            if action is Action.POWER_CYCLE:
                log.warning("power-cycling adapter %s", self.adapter)
                await self._set_powered(False)
                await asyncio.sleep(0.5)
                await self._set_powered(True)
            elif action is Action.RECONNECT:
                if self._bus is not None:
                    self._bus.disconnect()
                    self._bus = None
                if not (await self.probe()).service_present:
                    raise ScannerError("bluetoothd is not on the system bus")
        except (TimeoutError, DBusError, OSError, EOFError) as exc:
            raise ScannerError(f"{action.value} failed on {self.adapter}: {exc}") from exc
        await self.start()
