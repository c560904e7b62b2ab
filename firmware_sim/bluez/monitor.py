"""Passive scanning: ``org.bluez.AdvertisementMonitorManager1`` and the "or_patterns" monitors of its clients.

bleak's ``scanning_mode="passive"`` registers an application root with ``RegisterMonitor`` and then exports an
``org.bluez.AdvertisementMonitor1`` object (``Type`` "or_patterns", ``Patterns`` ``a(yyay)``) at that root.
bluetoothd reads the monitor from the client's ``InterfacesAdded`` (or its ``GetManagedObjects``), calls
``Activate`` on it, and from then on reports every advertisement that matches one of its patterns through the
usual ``Device1`` signals, without an active discovery (``Discovering`` stays False).

A pattern ``(start, ad_type, content)`` matches when an AD structure of type `ad_type` holds `content` at
offset `start`; the structures are rebuilt from the advertisement's fields (`ad_structures`).
"""

import contextlib
import struct
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

from dbus_fast import DBusError, Message, MessageFlag, MessageType, unpack_variants
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusObjectPath
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property

from firmware_sim.bluez.interfaces import READ, StrList
from firmware_sim.bluez.model import BLUETOOTH_BASE_UUID, MONITOR_MANAGER_INTERFACE, Advertisement

MONITOR_INTERFACE: Final = "org.bluez.AdvertisementMonitor1"
OBJECT_MANAGER_INTERFACE: Final = "org.freedesktop.DBus.ObjectManager"
ERROR_ALREADY_EXISTS: Final = "org.bluez.Error.AlreadyExists"
ERROR_DOES_NOT_EXIST: Final = "org.bluez.Error.DoesNotExist"
ERROR_INVALID_ARGUMENTS: Final = "org.bluez.Error.InvalidArguments"

AD_COMPLETE_UUID16: Final = 0x03
AD_COMPLETE_UUID128: Final = 0x07
AD_COMPLETE_NAME: Final = 0x09
AD_TX_POWER: Final = 0x0A
AD_SERVICE_DATA16: Final = 0x16
AD_SERVICE_DATA32: Final = 0x20
AD_SERVICE_DATA128: Final = 0x21
AD_MANUFACTURER: Final = 0xFF


class MonitorBackend(Protocol):
    def register_monitor(self, root: str) -> None: ...
    def unregister_monitor(self, root: str) -> None: ...


class AdvertisementMonitorManager1(ServiceInterface):
    """On the adapter object, beside ``Adapter1``."""

    def __init__(self, backend: MonitorBackend) -> None:
        super().__init__(MONITOR_MANAGER_INTERFACE)
        self._backend = backend

    @dbus_property(access=READ)
    def SupportedMonitorTypes(self) -> StrList:
        return ["or_patterns"]

    @dbus_property(access=READ)
    def SupportedFeatures(self) -> StrList:
        return []

    @dbus_method()
    def RegisterMonitor(self, application: DBusObjectPath) -> None:
        self._backend.register_monitor(application)

    @dbus_method()
    def UnregisterMonitor(self, application: DBusObjectPath) -> None:
        self._backend.unregister_monitor(application)


@dataclass(frozen=True, slots=True)
class Pattern:
    start: int
    ad_type: int
    content: bytes

    def matches(self, structures: list[tuple[int, bytes]]) -> bool:
        end = self.start + len(self.content)
        return any(t == self.ad_type and data[self.start : end] == self.content for t, data in structures)


def _uuid_bytes(full: str) -> bytes:
    """The shortest little-endian form of a UUID, as it travels over the air."""
    if full.endswith(BLUETOOTH_BASE_UUID):
        value = int(full[:8], 16)
        return struct.pack("<H", value) if value <= 0xFFFF else struct.pack("<I", value)
    return uuid.UUID(full).bytes[::-1]


def ad_structures(adv: Advertisement) -> list[tuple[int, bytes]]:
    """The advertisement's AD structures ``(type, data)`` rebuilt from its fields."""
    out = [(AD_MANUFACTURER, struct.pack("<H", company) + data) for company, data in adv.manufacturer_data.items()]
    for full, data in adv.service_data.items():
        short = _uuid_bytes(full)
        kind = {2: AD_SERVICE_DATA16, 4: AD_SERVICE_DATA32}.get(len(short), AD_SERVICE_DATA128)
        out.append((kind, short + data))
    uuids = [_uuid_bytes(u) for u in adv.service_uuids]
    if short16 := b"".join(u for u in uuids if len(u) == 2):
        out.append((AD_COMPLETE_UUID16, short16))
    if long128 := b"".join(u for u in uuids if len(u) == 16):
        out.append((AD_COMPLETE_UUID128, long128))
    if adv.name:
        out.append((AD_COMPLETE_NAME, adv.name.encode()))
    if adv.tx_power is not None:
        out.append((AD_TX_POWER, struct.pack("b", adv.tx_power)))
    return out


class Monitors:
    """The registered applications (client, root) and the or_patterns monitors found under them."""

    __slots__ = ("_apps", "_patterns")

    def __init__(self) -> None:
        self._apps: set[tuple[str, str]] = set()
        self._patterns: dict[tuple[str, str], list[Pattern]] = {}  # (client, monitor path) -> patterns

    def __len__(self) -> int:
        """Active monitors."""
        return len(self._patterns)

    def register(self, client: str, root: str) -> None:
        if (client, root) in self._apps:
            raise DBusError(ERROR_ALREADY_EXISTS, "Already Exists")
        self._apps.add((client, root))

    def unregister(self, client: str, root: str) -> None:
        if (client, root) not in self._apps:
            raise DBusError(ERROR_DOES_NOT_EXIST, "Does Not Exist")
        self._apps.discard((client, root))
        for key in [k for k in self._patterns if k[0] == client and _under(k[1], root)]:
            del self._patterns[key]

    def client_left(self, client: str) -> bool:
        known = any(c == client for c, _ in self._apps)
        self._apps = {(c, r) for c, r in self._apps if c != client}
        for key in [k for k in self._patterns if k[0] == client]:
            del self._patterns[key]
        return known

    def clear(self) -> None:
        self._apps.clear()
        self._patterns.clear()

    def offer(self, client: str, path: str, props: Mapping[str, Any]) -> bool:
        """A client's ``AdvertisementMonitor1`` at `path`; True when it was accepted (then call Activate)."""
        if not any(c == client and _under(path, root) for c, root in self._apps) or (client, path) in self._patterns:
            return False
        if props.get("Type") != "or_patterns":
            return False
        try:
            patterns = [Pattern(int(s), int(t), bytes(c)) for s, t, c in props.get("Patterns", [])]
        except (TypeError, ValueError):
            return False
        if not patterns:
            return False
        self._patterns[(client, path)] = patterns
        return True

    def on_interfaces_added(self, bus: MessageBus, msg: Message) -> None:
        """A client exported objects: accept its monitors and ``Activate`` them."""
        if msg.sender and msg.sender != bus.unique_name and any(c == msg.sender for c, _ in self._apps):
            path, interfaces = msg.body
            self._offer_all(bus, msg.sender, {path: interfaces})

    async def fetch(self, bus: MessageBus, client: str, root: str) -> None:
        """Read the monitors a client exported before registering (``GetManagedObjects`` on its root)."""
        with contextlib.suppress(Exception):  # a client without an ObjectManager has nothing to offer
            reply = await bus.call(
                Message(destination=client, path=root, interface=OBJECT_MANAGER_INTERFACE, member="GetManagedObjects")
            )
            if reply.message_type is MessageType.METHOD_RETURN:
                self._offer_all(bus, client, reply.body[0])

    def _offer_all(self, bus: MessageBus, client: str, objects: Mapping[str, Mapping[str, Any]]) -> None:
        for path, interfaces in objects.items():
            props = interfaces.get(MONITOR_INTERFACE)
            if props is not None and self.offer(client, path, unpack_variants(props)):
                activate = Message(
                    destination=client,
                    path=path,
                    interface=MONITOR_INTERFACE,
                    member="Activate",
                    flags=MessageFlag.NO_REPLY_EXPECTED,
                )
                bus.send(activate)

    def match(self, adv: Advertisement) -> bool:
        if not self._patterns:
            return False
        structures = ad_structures(adv)
        return any(p.matches(structures) for patterns in self._patterns.values() for p in patterns)


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")
