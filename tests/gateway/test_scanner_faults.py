"""Each scanner fault the field knows is detected by the watchdog, recovered, and counted in health."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from edge.protocol import GatewayHealth, Topic
from firmware_sim.bluez import BluezError, VirtualBluez
from tests.conftest import wait_for
from tests.gateway.conftest import Bus, GatewayUnderTest, eid_advert

PHONE_ID = "eid:0102030405060708"


@pytest.fixture
def phone(gateway: GatewayUnderTest) -> Iterator[None]:
    """A phone advertising 10 times a second for the whole test, whatever the adapter is going through."""
    stop = threading.Event()

    def advertise() -> None:
        while not stop.wait(0.1):
            with contextlib.suppress(BluezError):  # bluetoothd may be "down": the radio keeps going regardless
                gateway.bluez.advertise("C0:FF:EE:00:00:01", rssi=-60, service_data=eid_advert(bytes(range(1, 9))))

    thread = threading.Thread(target=advertise, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(2)


def reported_after(bus: Bus, since: float) -> bool:
    return any(b.t > since and any(i.id == PHONE_ID for i in b.items) for b in bus.batches())


def last_health(bus: Bus) -> GatewayHealth | None:
    healths = bus.get(Topic.GATEWAY_HEALTH)
    return healths[-1] if healths else None  # type: ignore[return-value]


FAULTS: dict[str, Callable[[VirtualBluez], None]] = {
    "discovery-stopped": lambda b: b.stop_discovery_silently(),
    "adapter-powered-off": lambda b: b.power_off(),
    "silently-frozen": lambda b: b.freeze(),
    "bluetoothd-restarted": lambda b: (b.crash_bluetoothd(), time.sleep(3.0), b.restart_bluetoothd()),
}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.usefixtures("phone")
def test_fault_is_recovered_and_counted(fault: str, gateway: GatewayUnderTest, bus: Bus) -> None:
    assert wait_for(lambda: reported_after(bus, 0), 10)
    assert wait_for(lambda: (h := last_health(bus)) is not None and h.scanner_restarts == 0, 5)
    FAULTS[fault](gateway.bluez)
    after_fault = time.time() + 1.0  # nothing is heard from here on unless the watchdog brings scanning back
    assert wait_for(lambda: reported_after(bus, after_fault), 30), gateway.log.read_text()[-3000:]
    assert wait_for(lambda: (h := last_health(bus)) is not None and h.scanner_restarts >= 1, 10)
    assert wait_for(lambda: (h := last_health(bus)) is not None and h.scanner == "scanning", 10)
    assert gateway.bluez.discovering
