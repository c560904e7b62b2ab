"""Plain data of the virtual BlueZ: one advertisement, a discovery filter, the counters, names and paths.

Nothing here touches D-Bus: the values are validated once, on the way in, in the caller's thread, so the
event loop that emits them only moves data.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from edge.errors import CorsiaError

BLUEZ_SERVICE: Final = "org.bluez"
ADAPTER_INTERFACE: Final = "org.bluez.Adapter1"
DEVICE_INTERFACE: Final = "org.bluez.Device1"
MONITOR_MANAGER_INTERFACE: Final = "org.bluez.AdvertisementMonitorManager1"
PROPERTIES_INTERFACE: Final = "org.freedesktop.DBus.Properties"
BLUETOOTH_BASE_UUID: Final = "-0000-1000-8000-00805f9b34fb"

EMPTY_MANUFACTURER_DATA: Final[Mapping[int, bytes]] = MappingProxyType({})
EMPTY_SERVICE_DATA: Final[Mapping[str, bytes]] = MappingProxyType({})

_ADDRESS = re.compile(r"^[0-9A-F]{2}(?::[0-9A-F]{2}){5}$")
_UUID128 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_UUID_SHORT = re.compile(r"^(?:0x)?([0-9a-f]{4}|[0-9a-f]{8})$")


class BluezError(CorsiaError):
    """The virtual BlueZ was misused or could not run (a bad advertisement, a call after close, ...)."""


class DbusDaemonError(BluezError):
    """The private dbus-daemon could not be found, configured or started."""


def normalize_address(address: str) -> str:
    """``aa:bb:cc:dd:ee:ff`` as BlueZ spells it (upper case), or `BluezError`."""
    upper = address.upper()
    if not _ADDRESS.match(upper):
        raise BluezError(f"not a Bluetooth address: {address!r} (expected AA:BB:CC:DD:EE:FF)")
    return upper


def normalize_uuid(uuid: str) -> str:
    """A 128-bit UUID in lower case as BlueZ and bleak spell it; 16- and 32-bit forms are expanded."""
    lower = uuid.lower()
    if _UUID128.match(lower):
        return lower
    short = _UUID_SHORT.match(lower)
    if short is None:
        raise BluezError(f"not a UUID: {uuid!r}")
    return f"{int(short.group(1), 16):08x}{BLUETOOTH_BASE_UUID}"


def device_path(adapter_path: str, address: str) -> str:
    """``/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF``."""
    return f"{adapter_path}/dev_{address.replace(':', '_')}"


@dataclass(frozen=True, slots=True)
class Advertisement:
    """One advertising report as the controller hands it to bluetoothd.

    `manufacturer_data` maps the 16-bit company identifier to the bytes after it, `service_data` a service
    UUID (any form, stored as the 128-bit string) to its bytes: the shapes of bleak's `AdvertisementData`.
    `tx_power` is the advertised TX power level (dBm), `name` the local name; both stay known to BlueZ once
    heard, as on a real adapter.
    """

    address: str
    rssi: int
    manufacturer_data: Mapping[int, bytes] = field(default_factory=lambda: EMPTY_MANUFACTURER_DATA)
    service_data: Mapping[str, bytes] = field(default_factory=lambda: EMPTY_SERVICE_DATA)
    service_uuids: tuple[str, ...] = ()
    tx_power: int | None = None
    name: str | None = None
    address_type: str = "random"

    def __post_init__(self) -> None:
        setter = object.__setattr__
        setter(self, "address", normalize_address(self.address))
        if not -127 <= self.rssi <= 20:
            raise BluezError(f"{self.address}: rssi {self.rssi} dBm is outside -127..20")
        if self.tx_power is not None and not -127 <= self.tx_power <= 127:
            raise BluezError(f"{self.address}: tx_power {self.tx_power} dBm is outside -127..127")
        if self.address_type not in ("public", "random"):
            raise BluezError(f"{self.address}: address_type must be 'public' or 'random'")
        for company, data in self.manufacturer_data.items():
            if not 0 <= company <= 0xFFFF or not isinstance(data, bytes | bytearray):
                raise BluezError(f"{self.address}: manufacturer_data needs a 16-bit company id and bytes")
        setter(self, "manufacturer_data", MappingProxyType({k: bytes(v) for k, v in self.manufacturer_data.items()}))
        service_data = {normalize_uuid(uuid): bytes(data) for uuid, data in self.service_data.items()}
        setter(self, "service_data", MappingProxyType(service_data))
        setter(self, "service_uuids", tuple(normalize_uuid(uuid) for uuid in self.service_uuids))


@dataclass(frozen=True, slots=True)
class DiscoveryFilter:
    """One client's ``SetDiscoveryFilter``: what of it the virtual controller honours.

    `uuids` keeps only devices advertising one of them (service UUID or service data), `rssi` only reports
    at least that strong, `pattern` only addresses or names starting with it. `transport` and
    `duplicate_data` are kept for `GetDiscoveryFilters` callers but change nothing: every report is emitted.
    """

    uuids: frozenset[str] = frozenset()
    rssi: int | None = None
    pattern: str = ""
    transport: str = "auto"
    duplicate_data: bool = True

    @classmethod
    def from_dbus(cls, values: Mapping[str, Any]) -> DiscoveryFilter:
        """Parse an unpacked ``a{sv}`` filter; unknown keys are an error, as in BlueZ."""
        unknown = set(values) - {"UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData", "Discoverable", "Pattern"}
        if unknown:
            raise BluezError(f"unknown discovery filter keys: {sorted(unknown)}")
        return cls(
            uuids=frozenset(normalize_uuid(u) for u in values.get("UUIDs", ())),
            rssi=values.get("RSSI"),
            pattern=str(values.get("Pattern", "")),
            transport=str(values.get("Transport", "auto")),
            duplicate_data=bool(values.get("DuplicateData", True)),
        )

    def matches(self, adv: Advertisement) -> bool:
        if self.rssi is not None and adv.rssi < self.rssi:
            return False
        if self.uuids and self.uuids.isdisjoint(adv.service_uuids) and self.uuids.isdisjoint(adv.service_data):
            return False
        return not self.pattern or adv.address.startswith(self.pattern) or (adv.name or "").startswith(self.pattern)


NO_FILTER: Final = DiscoveryFilter()

DROP_REASONS: Final = ("queue_full", "not_discovering", "powered_off", "bluetoothd_down", "frozen", "filtered")


@dataclass(frozen=True, slots=True)
class Counters:
    """A snapshot of what the virtual BlueZ did with the advertisements it was given.

    `submitted` were accepted into the queue, `emitted` went out as one D-Bus signal each, `dropped` were not
    emitted (`dropped_by` says why: a full queue, no discovery, powered off, bluetoothd down, frozen, or the
    clients' discovery filters), `pending` wait in the queue.
    """

    submitted: int
    emitted: int
    dropped: int
    pending: int
    dropped_by: Mapping[str, int] = field(default_factory=dict)


class Tally:
    """The counters behind `Counters`, safe to bump from any thread."""

    __slots__ = ("_dropped", "_emitted", "_lock", "_submitted")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._submitted = 0
        self._emitted = 0
        self._dropped: Counter[str] = Counter()

    def submitted(self, count: int, accepted: int) -> None:
        with self._lock:
            self._submitted += count
            if accepted < count:
                self._dropped["queue_full"] += count - accepted

    def emitted(self) -> None:
        self._emitted += 1  # only ever bumped by the loop's thread

    def dropped(self, reason: str) -> None:
        with self._lock:
            self._dropped[reason] += 1

    def snapshot(self, pending: int) -> Counters:
        with self._lock:
            submitted, dropped = self._submitted, dict(self._dropped)
        return Counters(submitted, self._emitted, sum(dropped.values()), pending, dropped)
