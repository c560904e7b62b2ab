"""The virtual BlueZ against the REAL bleak: what a gateway's scanner sees, fault by fault.

Each scan runs in its own ``asyncio.run`` (bleak keeps one BlueZ manager per event loop) and releases that
manager at the end, so no bus connection leaks from one test into the next. The test's own actions run in a
worker thread meanwhile (`scan`), as the simulator's threads do.
"""

from __future__ import annotations

import asyncio
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from bleak import BleakScanner
from bleak.args.bluez import OrPattern
from bleak.assigned_numbers import AdvertisementDataType
from bleak.backends.bluezdbus import manager as bleak_manager
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakBluetoothNotAvailableError, BleakDBusError, BleakError
from dbus_fast import Message, MessageType
from dbus_fast.aio import MessageBus

from firmware_sim.bluez import Advertisement, BluezError, DbusDaemon, VirtualBluez, normalize_uuid
from firmware_sim.bluez.connection import add_match
from tests.conftest import wait_for

APPLE = 0x004C
EDDYSTONE = "0000feaa-0000-1000-8000-00805f9b34fb"
BEACON_UUID = uuid.UUID("f7826da6-4fa2-4e98-8024-bc5b71e0893e")
PHONE = "C0:FF:EE:00:00:01"
TAG = "C0:FF:EE:00:00:02"
QUIET_S = 0.3  # how long "nothing arrives" is watched for


def ibeacon(major: int, minor: int, tx: int = -59) -> bytes:
    return b"\x02\x15" + BEACON_UUID.bytes + struct.pack(">HHb", major, minor, tx)


def eddystone_uid(namespace: bytes, instance: bytes, tx0: int = -18) -> bytes:
    return struct.pack(">Bb", 0x00, tx0) + namespace + instance + b"\x00\x00"


class Heard:
    """What bleak's detection callback received, thread-safely."""

    def __init__(self) -> None:
        self.items: list[tuple[BLEDevice, AdvertisementData]] = []
        self._lock = threading.Lock()

    def __call__(self, device: BLEDevice, adv: AdvertisementData) -> None:
        with self._lock:
            self.items.append((device, adv))

    def __len__(self) -> int:
        with self._lock:
            return len(self.items)

    def of(self, address: str) -> list[AdvertisementData]:
        with self._lock:
            return [adv for device, adv in self.items if device.address == address]

    def wait(self, count: int, timeout: float = 5.0) -> bool:
        return wait_for(lambda: len(self) >= count, timeout)


async def release_bleak_manager() -> None:
    """Close the bus of this loop's bleak manager (bleak would only do it when a later loop asks for one)."""
    manager = bleak_manager._global_instances.pop(asyncio.get_running_loop(), None)
    if manager is not None and manager._bus is not None:
        manager._bus.disconnect()
        if manager._bus_watcher_task is not None:
            await asyncio.wait({manager._bus_watcher_task})


def run_bleak(body: Callable[[], Any]) -> Any:
    """Run the coroutine function `body` in a fresh event loop, then release bleak's manager of that loop."""

    async def main() -> Any:
        try:
            return await body()
        finally:
            await release_bleak_manager()

    return asyncio.run(main())


def scan(during: Callable[[Heard], object], **scanner_args: Any) -> Heard:
    """Scan with a real BleakScanner on hci0 while `during` runs in a worker thread."""
    heard = Heard()
    args: dict[str, Any] = {"bluez": {"adapter": "hci0"}, "scanning_mode": "active", **scanner_args}

    async def body() -> None:
        async with BleakScanner(heard, **args):
            await asyncio.to_thread(during, heard)

    run_bleak(body)
    return heard


def quiet(bluez: VirtualBluez) -> None:
    """Let everything queued reach bleak (or not) before asserting that nothing more arrived."""
    bluez.wait_idle()
    time.sleep(QUIET_S)


@pytest.fixture
def bluez(monkeypatch: pytest.MonkeyPatch) -> Iterator[VirtualBluez]:
    with VirtualBluez() as running:
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", running.address)
        yield running


# -- the bus daemon -------------------------------------------------------------------------------------------


def test_private_daemons_run_side_by_side_and_clean_up(tmp_path: Path) -> None:
    with DbusDaemon() as first, DbusDaemon(tmp_path / "gw2") as second:
        assert first.address.startswith("unix:path=")
        assert first.address != second.address
        temporary = first.state_dir
        assert temporary is not None
        assert (temporary / "bus").exists()
    assert not temporary.exists()  # a temporary folder goes; a given one stays, with the log
    assert (tmp_path / "gw2" / "dbus-daemon.log").exists()


# -- what bleak hears ------------------------------------------------------------------------------------------


def test_bleak_receives_ibeacon_and_eddystone_frames(bluez: VirtualBluez) -> None:
    uid = eddystone_uid(bytes(range(10)), bytes(range(6)))

    def during(heard: Heard) -> None:
        bluez.advertise(PHONE, rssi=-61, manufacturer_data={APPLE: ibeacon(4, 2)}, tx_power=-59)
        bluez.advertise(TAG, rssi=-72, service_data={"feaa": uid}, service_uuids=["feaa"], name="tag-7")
        assert heard.wait(2)

    heard = scan(during)
    [phone] = heard.of(PHONE)
    assert phone.manufacturer_data == {APPLE: ibeacon(4, 2)}
    assert (phone.rssi, phone.tx_power, phone.local_name, phone.service_data) == (-61, -59, None, {})
    [tag] = heard.of(TAG)
    assert tag.service_data == {EDDYSTONE: uid}
    assert tag.service_uuids == [EDDYSTONE]
    assert (tag.rssi, tag.tx_power, tag.local_name, tag.manufacturer_data) == (-72, None, "tag-7", {})
    device = next(device for device, _ in heard.items if device.address == TAG)
    assert device.name == "tag-7"


def test_one_callback_per_advertisement_including_identical_repeats(bluez: VirtualBluez) -> None:
    frame = {APPLE: ibeacon(1, 1)}

    def during(heard: Heard) -> None:
        for _ in range(20):
            bluez.advertise(PHONE, rssi=-60, manufacturer_data=frame)
        bluez.advertise(PHONE, rssi=-65, manufacturer_data={APPLE: ibeacon(1, 2)})
        assert heard.wait(21)
        quiet(bluez)

    heard = scan(during)
    received = heard.of(PHONE)
    assert len(received) == 21
    assert all(adv.manufacturer_data == frame and adv.rssi == -60 for adv in received[:20])
    assert (received[20].manufacturer_data, received[20].rssi) == ({APPLE: ibeacon(1, 2)}, -65)
    assert bluez.counters().emitted == 21


def test_without_discovery_nothing_is_emitted(bluez: VirtualBluez) -> None:
    bluez.advertise(PHONE, rssi=-60)
    bluez.wait_idle()
    assert bluez.devices == []
    counters = bluez.counters()
    assert (counters.emitted, counters.dropped, counters.dropped_by) == (0, 1, {"not_discovering": 1})


def test_a_device_known_before_scanning_is_reported_at_its_next_advertisement(bluez: VirtualBluez) -> None:
    scan(lambda heard: (bluez.advertise(PHONE, rssi=-60), heard.wait(1)))
    assert bluez.devices == [PHONE]  # BlueZ keeps the device after discovery stops

    def during(heard: Heard) -> None:
        quiet(bluez)
        assert len(heard) == 0  # GetManagedObjects returned it, but no callback
        bluez.advertise(PHONE, rssi=-58)
        assert heard.wait(1)

    heard = scan(during)
    assert [adv.rssi for adv in heard.of(PHONE)] == [-58]


def test_a_name_heard_later_is_published(bluez: VirtualBluez) -> None:
    def during(heard: Heard) -> None:
        bluez.advertise(PHONE, rssi=-60)
        bluez.advertise(PHONE, rssi=-60, name="Pixel")
        bluez.advertise(PHONE, rssi=-61, tx_power=-12)
        assert heard.wait(3)

    heard = scan(during)
    assert [(adv.local_name, adv.tx_power) for adv in heard.of(PHONE)] == [
        (None, None),
        ("Pixel", None),
        ("Pixel", -12),
    ]


def test_removed_device_leaves_bleaks_seen_devices(bluez: VirtualBluez) -> None:
    async def body() -> tuple[set[str], set[str]]:
        async with BleakScanner(bluez={"adapter": "hci0"}) as scanner:
            await asyncio.to_thread(bluez.advertise, PHONE, rssi=-60)
            await asyncio.to_thread(bluez.advertise, TAG, rssi=-60)
            await asyncio.to_thread(bluez.wait_idle)
            await asyncio.sleep(0.1)
            before = {device.address for device in scanner.discovered_devices}
            await asyncio.to_thread(bluez.remove, PHONE)
            await asyncio.to_thread(bluez.wait_idle)
            await asyncio.sleep(0.1)
            return before, {device.address for device in scanner.discovered_devices}

    before, after = run_bleak(body)
    assert (before, after) == ({PHONE, TAG}, {TAG})


def test_discovery_filter_from_the_scanner_is_applied(bluez: VirtualBluez) -> None:
    def during(heard: Heard) -> None:
        bluez.advertise(PHONE, rssi=-60, manufacturer_data={APPLE: ibeacon(1, 1)})
        bluez.advertise(TAG, rssi=-60, service_data={"feaa": b"\x10"}, service_uuids=["feaa"])
        bluez.advertise(TAG, rssi=-90, service_data={"feaa": b"\x10"}, service_uuids=["feaa"])
        assert heard.wait(1)
        quiet(bluez)

    heard = scan(during, service_uuids=[EDDYSTONE], bluez={"adapter": "hci0", "filters": {"RSSI": -80}})
    assert [adv.rssi for _, adv in heard.items] == [-60]
    assert bluez.counters().dropped_by == {"filtered": 2}


def test_passive_scan_reports_what_matches_the_monitor_patterns(bluez: VirtualBluez) -> None:
    patterns = [
        OrPattern(0, AdvertisementDataType.MANUFACTURER_SPECIFIC_DATA, b"\x4c\x00\x02\x15"),  # any iBeacon
        OrPattern(2, AdvertisementDataType.SERVICE_DATA_UUID16, b"\x10"),  # Eddystone-URL frames only
    ]

    def during(heard: Heard) -> None:
        assert wait_for(lambda: bluez.monitors == 1, 2.0), "bluetoothd never activated the monitor"
        assert not bluez.discovering  # a passive scan runs without a discovery session
        bluez.advertise(PHONE, rssi=-60, manufacturer_data={APPLE: ibeacon(3, 3)})
        bluez.advertise(TAG, rssi=-60, service_data={"feaa": eddystone_uid(bytes(10), bytes(6))})
        bluez.advertise(TAG, rssi=-61, service_data={"feaa": b"\x10\x00\x03corsia"})
        bluez.advertise("C0:FF:EE:00:00:03", rssi=-60, manufacturer_data={0x0006: b"\x01\x09"})
        assert heard.wait(2)
        quiet(bluez)

    heard = scan(during, scanning_mode="passive", bluez={"adapter": "hci0", "or_patterns": patterns})
    assert [(device.address, adv.rssi) for device, adv in heard.items] == [(PHONE, -60), (TAG, -61)]
    assert bluez.counters().dropped_by == {"filtered": 2}
    assert bluez.monitors == 0  # UnregisterMonitor when the scan stopped


def test_burst_of_5000_arrives_whole_without_dropping_the_connection(bluez: VirtualBluez) -> None:
    burst = [Advertisement(f"D0:00:00:00:{i // 256:02X}:{i % 256:02X}", -60 - i % 30) for i in range(100)] + [
        Advertisement(PHONE, -60, manufacturer_data={APPLE: ibeacon(7, i)}) for i in range(4900)
    ]

    def during(heard: Heard) -> None:
        assert bluez.advertise_many(burst) == 5000
        assert heard.wait(5000, timeout=20.0), f"{len(heard)} of 5000"

    heard = scan(during)
    assert [adv.manufacturer_data[APPLE] for adv in heard.of(PHONE)] == [ibeacon(7, i) for i in range(4900)]
    assert bluez.bluetoothd_running
    counters = bluez.counters()
    assert (counters.emitted, counters.dropped, counters.pending) == (5000, 0, 0)


def test_a_full_queue_drops_and_counts() -> None:
    with VirtualBluez(rate_per_s=100.0, batch=1, max_queue=10) as bluez:
        accepted = sum(bluez.advertise(PHONE, rssi=-60) for _ in range(50))
        assert 10 <= accepted < 50
        assert bluez.counters().dropped_by["queue_full"] == 50 - accepted


def test_devices_unheard_for_the_timeout_are_removed() -> None:
    with VirtualBluez(stale_device_timeout_s=0.4) as bluez, pytest.MonkeyPatch.context() as env:
        env.setenv("DBUS_SYSTEM_BUS_ADDRESS", bluez.address)

        async def body() -> set[str]:
            async with BleakScanner(bluez={"adapter": "hci0"}) as scanner:
                await asyncio.to_thread(bluez.advertise, PHONE, rssi=-60)
                assert await asyncio.to_thread(wait_for, lambda: bluez.devices == [PHONE], 2.0)
                assert await asyncio.to_thread(wait_for, lambda: bluez.devices == [], 3.0)
                await asyncio.sleep(0.1)
                return {device.address for device in scanner.discovered_devices}

        assert run_bleak(body) == set()


def test_each_gateway_has_its_own_bus(bluez: VirtualBluez, monkeypatch: pytest.MonkeyPatch) -> None:
    with VirtualBluez(adapter_address="00:1A:7D:DA:71:14") as other:
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", other.address)

        def during(heard: Heard) -> None:
            bluez.advertise(PHONE, rssi=-60)  # heard by the first gateway's adapter only
            other.advertise(TAG, rssi=-70)
            assert heard.wait(1)
            quiet(bluez)

        heard = scan(during)
        assert [device.address for device, _ in heard.items] == [TAG]
        assert bluez.counters().dropped_by == {"not_discovering": 1}


# -- faults -----------------------------------------------------------------------------------------------------


def test_discovery_stopping_by_itself_silences_the_scanner_until_restarted(bluez: VirtualBluez) -> None:
    async def body() -> tuple[int, int]:
        heard = Heard()
        scanner = BleakScanner(heard, bluez={"adapter": "hci0"})
        await scanner.start()
        await asyncio.to_thread(bluez.advertise, PHONE, rssi=-60)
        await asyncio.to_thread(heard.wait, 1)
        await asyncio.to_thread(bluez.stop_discovery_silently)
        assert not bluez.discovering
        await asyncio.to_thread(bluez.advertise, PHONE, rssi=-61)
        await asyncio.to_thread(quiet, bluez)
        silent = len(heard)
        await scanner.stop()  # bluetoothd still has the session: StopDiscovery succeeds
        await scanner.start()  # the gateway's recovery: a new session restarts the controller
        await asyncio.to_thread(bluez.advertise, PHONE, rssi=-62)
        await asyncio.to_thread(heard.wait, 2)
        await scanner.stop()
        return silent, len(heard)

    assert run_bleak(body) == (1, 2)
    assert bluez.counters().dropped_by == {"not_discovering": 1}


def test_frozen_adapter_keeps_discovering_but_hears_nothing(bluez: VirtualBluez) -> None:
    def during(heard: Heard) -> None:
        bluez.advertise(PHONE, rssi=-60)
        assert heard.wait(1)
        bluez.freeze()
        for _ in range(10):
            bluez.advertise(PHONE, rssi=-60)
        quiet(bluez)
        assert bluez.discovering
        assert len(heard) == 1

    scan(during)
    assert bluez.counters().dropped_by == {"frozen": 10}
    # Restarting discovery (the last session stopped, a new one started) un-freezes the controller.
    heard = scan(lambda heard: (bluez.advertise(PHONE, rssi=-60), heard.wait(1)))
    assert len(heard) == 1
    assert not bluez.frozen


def test_power_off_ends_discovery_and_bleak_refuses_to_scan_until_power_on(bluez: VirtualBluez) -> None:
    def during(heard: Heard) -> None:
        bluez.advertise(PHONE, rssi=-60)
        assert heard.wait(1)
        bluez.power_off()
        bluez.advertise(PHONE, rssi=-60)
        quiet(bluez)
        assert (bluez.powered, bluez.discovering, len(heard)) == (False, False, 1)

    scan(during)  # the scanner's StopDiscovery gets NotReady, which bleak ignores
    assert bluez.counters().dropped_by == {"powered_off": 1}

    with pytest.raises(BleakDBusError) as refused:  # an explicit adapter: StartDiscovery is refused
        scan(lambda heard: None)
    assert refused.value.dbus_error == "org.bluez.Error.NotReady"
    with pytest.raises(BleakBluetoothNotAvailableError) as unavailable:  # the default adapter: none powered
        scan(lambda heard: None, bluez={})
    assert "powered" in str(unavailable.value).lower()

    bluez.power_on()
    assert (bluez.powered, bluez.discovering) == (True, False)
    heard = scan(lambda heard: (bluez.advertise(PHONE, rssi=-60), heard.wait(1)), bluez={})
    assert len(heard) == 1


def test_bluetoothd_crash_and_restart(bluez: VirtualBluez) -> None:
    async def body() -> tuple[int, str, str]:
        heard = Heard()
        owner_changes: list[tuple[str, str, str]] = []
        watcher = await MessageBus(bus_address=bluez.address).connect()
        watcher.add_message_handler(
            lambda m: owner_changes.append(tuple(m.body)) if m.member == "NameOwnerChanged" else None
        )
        await add_match(watcher, "type='signal',member='NameOwnerChanged',arg0='org.bluez'")
        scanner = BleakScanner(heard, bluez={"adapter": "hci0"})
        await scanner.start()
        await asyncio.to_thread(bluez.advertise, PHONE, rssi=-60)
        await asyncio.to_thread(heard.wait, 1)
        await asyncio.to_thread(bluez.crash_bluetoothd)
        await asyncio.to_thread(bluez.advertise, PHONE, rssi=-60)
        await asyncio.to_thread(quiet, bluez)
        with pytest.raises(BleakDBusError) as stopping:  # bleak does not watch org.bluez's owner: stop() fails
            await scanner.stop()
        await asyncio.to_thread(bluez.restart_bluetoothd)
        await scanner.start()  # same loop, same bleak manager (stale cache), new bluetoothd
        await asyncio.to_thread(bluez.advertise, PHONE, rssi=-59)
        await asyncio.to_thread(heard.wait, 2)
        await scanner.stop()
        watcher.disconnect()
        await watcher.wait_for_disconnect()
        lost = next(new for name, _old, new in owner_changes if name == "org.bluez")
        return len(heard), lost, stopping.value.dbus_error

    heard, lost_owner, stop_error = run_bleak(body)
    assert (heard, lost_owner, stop_error) == (2, "", "org.freedesktop.DBus.Error.ServiceUnknown")
    assert bluez.counters().dropped_by == {"bluetoothd_down": 1}


def test_while_bluetoothd_is_down_a_new_scanner_cannot_start(bluez: VirtualBluez) -> None:
    bluez.crash_bluetoothd()
    assert not bluez.bluetoothd_running
    with pytest.raises(BleakDBusError) as refused:
        scan(lambda heard: None)
    assert refused.value.dbus_error == "org.freedesktop.DBus.Error.ServiceUnknown"
    bluez.restart_bluetoothd()
    heard = scan(lambda heard: (bluez.advertise(PHONE, rssi=-60), heard.wait(1)))
    assert len(heard) == 1


def test_graceful_bluetoothd_stop_removes_adapter_and_devices_from_bleak(bluez: VirtualBluez) -> None:
    async def body() -> tuple[set[str], str, str]:
        scanner = BleakScanner(bluez={"adapter": "hci0"})
        await scanner.start()
        await asyncio.to_thread(bluez.advertise, PHONE, rssi=-60)
        await asyncio.to_thread(bluez.wait_idle)
        await asyncio.to_thread(bluez.crash_bluetoothd, graceful=True)
        await asyncio.sleep(0.1)
        seen = {device.address for device in scanner.discovered_devices}  # InterfacesRemoved reached bleak
        with pytest.raises(BleakDBusError) as stopping:
            await scanner.stop()
        with pytest.raises(BleakError) as missing:  # bleak's cache lost the adapter too
            await BleakScanner(bluez={"adapter": "hci0"}).start()
        return seen, stopping.value.dbus_error, str(missing.value)

    seen, stop_error, missing = run_bleak(body)
    assert (seen, stop_error, missing) == (
        set(),
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "adapter 'hci0' not found",
    )


def test_a_client_that_leaves_the_bus_ends_its_discovery_session(bluez: VirtualBluez) -> None:
    async def body() -> bool:
        client = await MessageBus(bus_address=bluez.address).connect()
        reply = await client.call(
            Message(
                destination="org.bluez", path="/org/bluez/hci0", interface="org.bluez.Adapter1", member="StartDiscovery"
            )
        )
        assert reply.message_type is MessageType.METHOD_RETURN
        started = bluez.discovering
        client.disconnect()
        await client.wait_for_disconnect()
        return started

    assert asyncio.run(body())
    assert wait_for(lambda: not bluez.discovering, 2.0)


# -- the data ---------------------------------------------------------------------------------------------------


def test_advertisements_are_validated_and_normalized() -> None:
    adv = Advertisement("c0:ff:ee:00:00:01", -60, service_data={"FEAA": b"\x00"}, service_uuids=("0xfe9a",))
    assert adv.address == PHONE
    assert dict(adv.service_data) == {EDDYSTONE: b"\x00"}
    assert adv.service_uuids == ("0000fe9a-0000-1000-8000-00805f9b34fb",)
    assert normalize_uuid(EDDYSTONE.upper()) == EDDYSTONE
    bad_fields: list[dict[str, Any]] = [
        {"address": "C0:FF:EE"},
        {"rssi": 40},
        {"tx_power": 300},
        {"manufacturer_data": {70000: b""}},
        {"service_data": {"not-a-uuid": b""}},
    ]
    for bad in bad_fields:
        with pytest.raises(BluezError):
            Advertisement(**{"address": PHONE, "rssi": -60, **bad})
