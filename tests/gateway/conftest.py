"""A gateway under test: a real Mosquitto, a virtual BlueZ on a private D-Bus, and `corsia gateway` as a
child process scanning it with the real bleak."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from edge.broker import MosquittoBroker
from edge.config import MqttSection
from edge.mqtt import MqttClient, Received
from edge.protocol import (
    CommandResult,
    ConfigApplied,
    ErrorEvent,
    GatewayHealth,
    Message,
    Sightings,
    Status,
    Topic,
)
from firmware_sim.bluez import VirtualBluez
from tests.conftest import REPO, wait_for

EDDYSTONE = "0000feaa-0000-1000-8000-00805f9b34fb"
TAG = "f7826da6-4fa2-4e98-8024-bc5b71e0893e"


def eid_advert(eid: bytes, tx0: int = -18) -> dict[str, bytes]:
    return {EDDYSTONE: bytes([0x30]) + struct.pack("b", tx0) + eid}


def ibeacon_advert(uuid: str, major: int, minor: int, tx: int = -59) -> dict[int, bytes]:
    return {0x004C: b"\x02\x15" + bytes.fromhex(uuid.replace("-", "")) + struct.pack(">HHb", major, minor, tx)}


@dataclass
class Bus:
    """Everything the gateway says, as the hub and IT would receive it."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    messages: dict[Topic, list[Message]] = field(default_factory=dict)

    def add(self, topic: Topic, received: Received[Message]) -> None:
        with self.lock:
            self.messages.setdefault(topic, []).append(received.message)

    def get(self, topic: Topic) -> list[Message]:
        with self.lock:
            return list(self.messages.get(topic, []))

    def batches(self) -> list[Sightings]:
        return self.get(Topic.SIGHTINGS)  # type: ignore[return-value]


class GatewayUnderTest:
    def __init__(self, folder: Path, broker: MosquittoBroker, bluez: VirtualBluez, extra: str = "") -> None:
        self.folder = folder
        self.broker = broker
        self.bluez = bluez
        self.config = folder / "gateway.toml"
        self.config.write_text(
            f"""
[mqtt]
port = {broker.port}
keepalive_s = 5
reconnect_min_s = 0.2
reconnect_max_s = 1.0
[gateway]
id = "gw-01"
spool = "{folder / "spool.db"}"
health_interval_s = 1.0
scanner_silence_s = 4.0
{extra}
[gateway.allow]
eid = true
ibeacon_uuids = ["{TAG}"]
""",
            encoding="utf-8",
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / "gateway.log"

    def start(self, **extra_env: str) -> None:
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bluez.address, **extra_env)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "edge.cli", "gateway", "--config", str(self.config)],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        assert wait_for(lambda: self.bluez.discovering, 15), self.log.read_text()

    def signal(self, sig: signal.Signals) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        try:
            code = self.process.wait(20)
        except subprocess.TimeoutExpired:
            # What it is waiting for: the gateway writes every thread's stack to its log on SIGUSR1.
            self.process.send_signal(signal.SIGUSR1)
            time.sleep(1.0)
            self.process.kill()
            self.process.wait(10)
            self.process = None
            raise AssertionError(f"no exit 20 s after {sig.name}; its log:\n{self.log.read_text()}") from None
        self.process = None
        return code

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.signal(signal.SIGTERM)


@pytest.fixture
def bluez() -> Iterator[VirtualBluez]:
    with VirtualBluez() as virtual:
        yield virtual


@pytest.fixture
def bus(broker: MosquittoBroker) -> Iterator[Bus]:
    collected = Bus()
    client = MqttClient(MqttSection(port=broker.port, reconnect_min_s=0.2, reconnect_max_s=1.0),
                        store="demo", client_id="test-hub", source="hub")  # fmt: skip
    for topic, kind in [
        (Topic.SIGHTINGS, Sightings),
        (Topic.GATEWAY_STATUS, Status),
        (Topic.GATEWAY_HEALTH, GatewayHealth),
        (Topic.GATEWAY_CONFIG_APPLIED, ConfigApplied),
        (Topic.GATEWAY_CMD_RESULT, CommandResult),
        (Topic.ERRORS, ErrorEvent),
    ]:
        client.subscribe(topic, kind, lambda r, t=topic: collected.add(t, r))
    client.start()
    assert client.wait_subscribed(5)
    collected.client = client  # type: ignore[attr-defined]
    yield collected
    client.stop()


@pytest.fixture
def gateway(tmp_path: Path, broker: MosquittoBroker, bluez: VirtualBluez, bus: Bus) -> Iterator[GatewayUnderTest]:
    gw = GatewayUnderTest(tmp_path, broker, bluez)
    gw.start()
    assert wait_for(lambda: any(getattr(s, "state", "") == "online" for s in bus.get(Topic.GATEWAY_STATUS)), 10)
    yield gw
    gw.stop()
