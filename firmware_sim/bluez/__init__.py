"""A virtual BlueZ that the real bleak scans: ``org.bluez`` on a private ``dbus-daemon``; only the radio is simulated.

    with VirtualBluez() as bluez:
        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = bluez.address   # before bleak connects
        ...  # BleakScanner(callback, bluez={"adapter": "hci0"}) in its own event loop
        bluez.advertise("C0:FF:EE:00:00:01", rssi=-60, manufacturer_data={0x004C: ibeacon_bytes})

`VirtualBluez` (a thread with its own event loop) is the facade for plain-threaded code; `BluezService` is the
asyncio object inside it; `DbusDaemon` runs the private bus. docs/virtual-bluez.md tells what bleak calls,
what is modelled, and the faults.
"""

from firmware_sim.bluez.daemon import DbusDaemon, find_dbus_daemon
from firmware_sim.bluez.model import (
    DROP_REASONS,
    Advertisement,
    BluezError,
    Counters,
    DbusDaemonError,
    DiscoveryFilter,
    device_path,
    normalize_uuid,
)
from firmware_sim.bluez.service import BluezService
from firmware_sim.bluez.virtual import VirtualBluez

__all__ = [
    "DROP_REASONS",
    "Advertisement",
    "BluezError",
    "BluezService",
    "Counters",
    "DbusDaemon",
    "DbusDaemonError",
    "DiscoveryFilter",
    "VirtualBluez",
    "device_path",
    "find_dbus_daemon",
    "normalize_uuid",
]
