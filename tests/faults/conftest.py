"""Fixtures of the fault-injection suite: the real parts of the other suites, reused.

A gateway under test is the real `corsia gateway` process scanning a virtual BlueZ with the real bleak
(`tests.gateway.conftest.GatewayUnderTest`); a hub is the real `HubService` (`tests.edge.hub.conftest`'s
`start_hub`, registered here too); the broker is the real Mosquitto of `tests.conftest`.
"""

from __future__ import annotations

import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from edge.mqtt import Received
from edge.protocol import Sightings
from firmware_sim.bluez import VirtualBluez
from tests.edge.hub.conftest import push_service, start_hub
from tests.gateway.conftest import eid_advert

__all__ = ["Advertiser", "SeqLog", "bluez", "phone_eid", "push_service", "start_hub"]


def phone_eid(n: int) -> bytes:
    """The 8-byte EID of test phone `n` (fixed: the gateway does not resolve, it forwards)."""
    return b"\xfa\x17" + struct.pack(">IH", n, 0xBEEF)


@pytest.fixture
def bluez() -> Iterator[VirtualBluez]:
    with VirtualBluez() as virtual:
        yield virtual


class Advertiser:
    """Phones advertising Eddystone-EID frames to a virtual BlueZ from a thread, counting what was accepted."""

    def __init__(self, bluez: VirtualBluez, phones: int, rate_hz: float) -> None:
        self.bluez = bluez
        self.phones = phones
        self.rate_hz = rate_hz
        self.sent: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="advertiser", daemon=True)

    def _run(self) -> None:
        period = 1.0 / self.rate_hz
        next_at = time.monotonic()
        while not self._stop.is_set():
            for n in range(self.phones):
                eid = phone_eid(n)
                address = f"C0:FF:EE:00:{n // 256:02X}:{n % 256:02X}"
                if self.bluez.advertise(address, rssi=-60 - n % 20, service_data=eid_advert(eid)):
                    self.sent["eid:" + eid.hex()] += 1
            next_at += period
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def __enter__(self) -> Advertiser:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


@dataclass
class SeqLog:
    """Every sightings batch a subscriber received, duplicates included (QoS 1 may deliver one twice)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    seqs: list[int] = field(default_factory=list)
    first: dict[int, Sightings] = field(default_factory=dict)

    def add(self, received: Received[Sightings]) -> None:
        with self.lock:
            self.seqs.append(received.message.seq)
            self.first.setdefault(received.message.seq, received.message)

    def unique(self) -> list[int]:
        with self.lock:
            return sorted(self.first)

    def duplicates(self) -> int:
        with self.lock:
            return len(self.seqs) - len(self.first)

    def heard(self) -> Counter[str]:
        """Adverts per beacon id over the batches, each `seq` counted once (the hub's dedupe)."""
        with self.lock:
            batches = list(self.first.values())
        heard: Counter[str] = Counter()
        for batch in batches:
            for item in batch.items:
                heard[item.id] += item.n
        return heard
