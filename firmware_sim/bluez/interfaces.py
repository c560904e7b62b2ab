"""``org.bluez.Adapter1`` and ``org.bluez.Device1`` as dbus-fast `ServiceInterface`s.

They hold the properties BlueZ publishes and answer D-Bus calls; what a call means (a discovery session, a
power change) is decided by the service behind the `AdapterBackend` protocol, so these classes stay
declarations. ``org.freedesktop.DBus.Properties`` (Get, GetAll, Set) and ``ObjectManager.GetManagedObjects``
come from dbus-fast for every exported object.

dbus-fast publishes every property an interface declares, while BlueZ leaves out what it does not know (a
device's ``Name`` and ``TxPower`` until an advertisement carried them). So `device_class` builds one
`Device1` subclass per set of optional properties, from mixins.
"""

from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any, Protocol

from dbus_fast import DBusError, PropertyAccess, Variant
from dbus_fast.annotations import (
    DBusBool,
    DBusByte,
    DBusInt16,
    DBusObjectPath,
    DBusSignature,
    DBusStr,
    DBusUInt16,
    DBusUInt32,
)
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property

from firmware_sim.bluez.model import ADAPTER_INTERFACE, DEVICE_INTERFACE, Advertisement, device_path

StrList = Annotated[list[str], DBusSignature("as")]
VariantMap = Annotated[dict[str, Variant], DBusSignature("a{sv}")]
CompanyMap = Annotated[dict[int, Variant], DBusSignature("a{qv}")]

READ = PropertyAccess.READ
ERROR_NOT_SUPPORTED = "org.bluez.Error.NotSupported"

# The filters BlueZ 5.66 accepts in SetDiscoveryFilter.
DISCOVERY_FILTERS = ["UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData", "Discoverable", "Pattern"]


class AdapterBackend(Protocol):
    """What the adapter's methods and writable properties do; errors are raised as `DBusError`."""

    def set_discovery_filter(self, values: Mapping[str, Any]) -> None: ...
    def start_discovery(self) -> None: ...
    def stop_discovery(self) -> None: ...
    def remove_device(self, path: str) -> None: ...
    def set_powered(self, powered: bool) -> None: ...


def company_variants(data: Mapping[int, bytes]) -> dict[int, Variant]:
    return {company: Variant("ay", value) for company, value in data.items()}


def service_variants(data: Mapping[str, bytes]) -> dict[str, Variant]:
    return {uuid: Variant("ay", value) for uuid, value in data.items()}


class Adapter1(ServiceInterface):
    """``/org/bluez/hci0``: a powered, LE-capable controller that can be a central."""

    def __init__(self, backend: AdapterBackend, address: str, name: str) -> None:
        super().__init__(ADAPTER_INTERFACE)
        self._backend = backend
        self.address = address
        self.host_name = name
        self.alias = name
        self.powered = True
        self.discovering = False
        self.discoverable = False
        self.pairable = False
        self.discoverable_timeout = 180
        self.pairable_timeout = 0

    @dbus_property(access=READ)
    def Address(self) -> DBusStr:
        return self.address

    @dbus_property(access=READ)
    def AddressType(self) -> DBusStr:
        return "public"

    @dbus_property(access=READ)
    def Name(self) -> DBusStr:
        return self.host_name

    @dbus_property()
    def Alias(self) -> DBusStr:
        return self.alias

    @Alias.setter  # type: ignore[no-redef]
    def Alias(self, value: DBusStr) -> None:
        self.alias = value or self.host_name

    @dbus_property(access=READ)
    def Class(self) -> DBusUInt32:
        return 0x000000

    @dbus_property()
    def Powered(self) -> DBusBool:
        return self.powered

    @Powered.setter  # type: ignore[no-redef]
    def Powered(self, value: DBusBool) -> None:
        self._backend.set_powered(value)

    @dbus_property(access=READ)
    def PowerState(self) -> DBusStr:
        return "on" if self.powered else "off"

    @dbus_property()
    def Discoverable(self) -> DBusBool:
        return self.discoverable

    @Discoverable.setter  # type: ignore[no-redef]
    def Discoverable(self, value: DBusBool) -> None:
        self.discoverable = value

    @dbus_property()
    def DiscoverableTimeout(self) -> DBusUInt32:
        return self.discoverable_timeout

    @DiscoverableTimeout.setter  # type: ignore[no-redef]
    def DiscoverableTimeout(self, value: DBusUInt32) -> None:
        self.discoverable_timeout = value

    @dbus_property()
    def Pairable(self) -> DBusBool:
        return self.pairable

    @Pairable.setter  # type: ignore[no-redef]
    def Pairable(self, value: DBusBool) -> None:
        self.pairable = value

    @dbus_property()
    def PairableTimeout(self) -> DBusUInt32:
        return self.pairable_timeout

    @PairableTimeout.setter  # type: ignore[no-redef]
    def PairableTimeout(self, value: DBusUInt32) -> None:
        self.pairable_timeout = value

    @dbus_property(access=READ)
    def Discovering(self) -> DBusBool:
        return self.discovering

    @dbus_property(access=READ)
    def UUIDs(self) -> StrList:
        return ["00001800-0000-1000-8000-00805f9b34fb", "00001801-0000-1000-8000-00805f9b34fb"]

    @dbus_property(access=READ)
    def Modalias(self) -> DBusStr:
        return "usb:v1D6Bp0246d0542"

    @dbus_property(access=READ)
    def Roles(self) -> StrList:
        return ["central", "peripheral"]

    @dbus_property(access=READ)
    def ExperimentalFeatures(self) -> StrList:
        return []

    @dbus_property(access=READ)
    def Manufacturer(self) -> DBusUInt16:
        return 0x05F1  # The Linux Foundation

    @dbus_property(access=READ)
    def Version(self) -> DBusByte:
        return 0x0C  # Bluetooth 5.3

    @dbus_method()
    def SetDiscoveryFilter(self, properties: VariantMap) -> None:
        self._backend.set_discovery_filter({key: value.value for key, value in properties.items()})

    @dbus_method()
    def GetDiscoveryFilters(self) -> StrList:
        return list(DISCOVERY_FILTERS)

    @dbus_method()
    def StartDiscovery(self) -> None:
        self._backend.start_discovery()

    @dbus_method()
    def StopDiscovery(self) -> None:
        self._backend.stop_discovery()

    @dbus_method()
    def RemoveDevice(self, device: DBusObjectPath) -> None:
        self._backend.remove_device(device)


class Device1(ServiceInterface):
    """A remote device that BlueZ created from an advertisement: never paired, never connected here.

    `apply` takes the next advertisement and returns the ``PropertiesChanged`` body for it: ``RSSI`` always
    (so every report reaches bleak's callback, repeats included), the rest only when it changed, like BlueZ.
    """

    def __init__(self, adapter_path: str, adv: Advertisement, now: float) -> None:
        super().__init__(DEVICE_INTERFACE)
        self.adapter_path = adapter_path
        self.path = device_path(adapter_path, adv.address)
        self.address = adv.address
        self.address_type = adv.address_type
        self.local_name = adv.name
        self.rssi = adv.rssi
        self.tx_power = adv.tx_power
        self.uuids = list(adv.service_uuids)
        self.manufacturer_data = adv.manufacturer_data
        self.service_data = adv.service_data
        self.company_variants = company_variants(adv.manufacturer_data)
        self.service_variants = service_variants(adv.service_data)
        self.trusted = False
        self.blocked = False
        self.last_seen = now

    def inherit(self, previous: "Device1") -> None:
        """Keep what BlueZ still knew about this device when it is exported again under a wider class."""
        if self.local_name is None:
            self.local_name = previous.local_name
        if self.tx_power is None:
            self.tx_power = previous.tx_power
        self.uuids = sorted(set(self.uuids) | set(previous.uuids))
        self.trusted, self.blocked = previous.trusted, previous.blocked

    def fits(self, adv: Advertisement) -> bool:
        """Whether this object's class publishes every optional property `adv` carries."""
        return (adv.name is None or isinstance(self, _NameProperty)) and (
            adv.tx_power is None or isinstance(self, _TxPowerProperty)
        )

    def apply(self, adv: Advertisement, now: float) -> dict[str, Variant]:
        self.last_seen = now
        self.rssi = adv.rssi
        changed = {"RSSI": Variant("n", adv.rssi)}
        if adv.manufacturer_data != self.manufacturer_data:
            self.manufacturer_data = adv.manufacturer_data
            self.company_variants = company_variants(adv.manufacturer_data)
            changed["ManufacturerData"] = Variant("a{qv}", self.company_variants)
        if adv.service_data != self.service_data:
            self.service_data = adv.service_data
            self.service_variants = service_variants(adv.service_data)
            changed["ServiceData"] = Variant("a{sv}", self.service_variants)
        if adv.service_uuids and set(adv.service_uuids) - set(self.uuids):
            self.uuids = sorted(set(self.uuids) | set(adv.service_uuids))
            changed["UUIDs"] = Variant("as", self.uuids)
        if adv.tx_power is not None and adv.tx_power != self.tx_power:
            self.tx_power = adv.tx_power
            changed["TxPower"] = Variant("n", adv.tx_power)
        if adv.name is not None and adv.name != self.local_name:
            self.local_name = adv.name
            changed["Name"] = Variant("s", adv.name)
            changed["Alias"] = Variant("s", adv.name)
        return changed

    @dbus_property(access=READ)
    def Address(self) -> DBusStr:
        return self.address

    @dbus_property(access=READ)
    def AddressType(self) -> DBusStr:
        return self.address_type

    @dbus_property(access=READ)
    def Alias(self) -> DBusStr:
        # BlueZ's alias of an unnamed device is its address with dashes; bleak then reports no name.
        return self.local_name or self.address.replace(":", "-")

    @dbus_property(access=READ)
    def Adapter(self) -> DBusObjectPath:
        return self.adapter_path

    @dbus_property(access=READ)
    def Paired(self) -> DBusBool:
        return False

    @dbus_property(access=READ)
    def Bonded(self) -> DBusBool:
        return False

    @dbus_property(access=READ)
    def Connected(self) -> DBusBool:
        return False

    @dbus_property()
    def Trusted(self) -> DBusBool:
        return self.trusted

    @Trusted.setter  # type: ignore[no-redef]
    def Trusted(self, value: DBusBool) -> None:
        self.trusted = value

    @dbus_property()
    def Blocked(self) -> DBusBool:
        return self.blocked

    @Blocked.setter  # type: ignore[no-redef]
    def Blocked(self, value: DBusBool) -> None:
        self.blocked = value

    @dbus_property(access=READ)
    def LegacyPairing(self) -> DBusBool:
        return False

    @dbus_property(access=READ)
    def ServicesResolved(self) -> DBusBool:
        return False

    @dbus_property(access=READ)
    def UUIDs(self) -> StrList:
        return self.uuids

    @dbus_property(access=READ)
    def RSSI(self) -> DBusInt16:
        return self.rssi

    @dbus_property(access=READ)
    def ManufacturerData(self) -> CompanyMap:
        return self.company_variants

    @dbus_property(access=READ)
    def ServiceData(self) -> VariantMap:
        return self.service_variants

    @dbus_method()
    def Connect(self) -> None:
        raise DBusError(ERROR_NOT_SUPPORTED, "the virtual BlueZ models advertisements only, not connections")

    @dbus_method()
    def Disconnect(self) -> None:
        return None


class _NameProperty:
    local_name: str | None

    @dbus_property(access=READ)
    def Name(self) -> DBusStr:
        return self.local_name or ""


class _TxPowerProperty:
    tx_power: int | None

    @dbus_property(access=READ)
    def TxPower(self) -> DBusInt16:
        return self.tx_power if self.tx_power is not None else 0


@cache
def device_class(with_name: bool, with_tx_power: bool) -> type[Device1]:
    """The `Device1` class that publishes ``Name`` and/or ``TxPower`` too."""
    mixins: tuple[type, ...] = (_NameProperty,) * with_name + (_TxPowerProperty,) * with_tx_power
    if not mixins:
        return Device1
    suffix = "".join(m.__name__.strip("_").removesuffix("Property") for m in mixins)
    return type(f"Device1With{suffix}", (Device1, *mixins), {})


def device_class_for(adv: Advertisement, current: Device1 | None = None) -> type[Device1]:
    """The class for a device that has heard `adv` (and, when `current` is given, what it heard before)."""
    has_name = adv.name is not None or (current is not None and current.local_name is not None)
    has_tx_power = adv.tx_power is not None or (current is not None and current.tx_power is not None)
    return device_class(has_name, has_tx_power)
