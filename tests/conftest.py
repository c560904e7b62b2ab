"""Fixtures shared by every test: a real Mosquitto broker on a free loopback port, and MQTT clients."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from edge.broker import MosquittoBroker, find_mosquitto
from edge.config import MqttSection
from edge.mqtt import MqttClient
from edge.protocol import Topic

REPO = Path(__file__).resolve().parent.parent

if find_mosquitto() is None:  # make test installs it; a bare pytest run should say so, not fail obscurely
    pytest.exit("mosquitto is not installed: run `make test`, or apt-get install mosquitto", returncode=4)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    """A real Mosquitto with persistence, started for this test (it starts in milliseconds)."""
    with MosquittoBroker(tmp_path / "broker") as running:
        yield running


@pytest.fixture
def mqtt_settings(broker: MosquittoBroker) -> MqttSection:
    return MqttSection(host=broker.host, port=broker.port, keepalive_s=5, reconnect_min_s=0.2, reconnect_max_s=1.0)


_ids = itertools.count()


@pytest.fixture
def make_client(mqtt_settings: MqttSection) -> Iterator[Callable[..., MqttClient]]:
    """Start MQTT clients against the test broker; every one is stopped at the end of the test."""
    clients: list[MqttClient] = []

    def make(
        source: str = "test",
        *,
        client_id: str | None = None,
        status: Topic | None = None,
        device: str | None = None,
        settings: MqttSection | None = None,
        start: bool = True,
        persistent: bool = True,
    ) -> MqttClient:
        client = MqttClient(
            settings or mqtt_settings,
            store="demo",
            client_id=client_id or f"test-{source}-{next(_ids)}",
            source=source,
            status=status,
            device=device,
            persistent=persistent,
        )
        clients.append(client)
        if start:
            client.start()
            assert client.wait_connected(5), "the test broker did not accept the connection"
        return client

    yield make
    for client in clients:
        client.stop(timeout=1.0)


def wait_for(condition: Callable[[], object], timeout: float = 10.0, interval: float = 0.01) -> bool:
    """Poll `condition` until it is true or `timeout` passes; returns the last result as a bool."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())
