"""Fixtures for the monitor's tests: a virtual BlueZ for a real `corsia gateway`, a monitor config file, and
factories of the messages the monitor reads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from edge.broker import MosquittoBroker
from edge.protocol import Alert, GatewayHealth, KioskHealth, Status
from firmware_sim.bluez import VirtualBluez
from tests.conftest import REPO

DEMO_LAYOUT = REPO / "examples" / "stores" / "demo.toml"
T0 = 1_795_392_000.0
LAYOUT = [("gw-01", "aisle-1"), ("gw-02", "aisle-2")]


def status(state: str = "online", t: float = T0, started: float = T0 - 100.0, version: str = "0.3.0") -> Status:
    return Status(state=state, t=t, version=version, started=started)  # type: ignore[arg-type]


def gw_health(t: float = T0, **fields: object) -> GatewayHealth:
    values: dict[str, object] = {
        "t": t, "uptime_s": 100.0, "adverts_per_s": 412.5, "beacons": 17, "spool": 3, "dropped": 1,
        "scanner": "scanning", "scanner_restarts": 2, "rss_mb": 38.2, "cpu_temp_c": 51.3,
    }  # fmt: skip
    values.update(fields)
    return GatewayHealth(**values)  # type: ignore[arg-type]


def kiosk_health(t: float = T0, **fields: object) -> KioskHealth:
    values: dict[str, object] = {
        "t": t, "uptime_s": 50.0, "outbox": 4, "hub": "unreachable", "card_reader": "ok", "camera": "down",
        "rss_mb": 81.0, "cpu_temp_c": None,
    }  # fmt: skip
    values.update(fields)
    return KioskHealth(**values)  # type: ignore[arg-type]


def alert(kind: str = "scanner_down", source: str = "gw-02", active: bool = True, **fields: object) -> Alert:
    values: dict[str, object] = {"t": T0, "kind": kind, "source": source, "severity": "critical", "active": active}
    values.update(fields)
    return Alert(**values)  # type: ignore[arg-type]


@pytest.fixture
def bluez() -> Iterator[VirtualBluez]:
    with VirtualBluez() as virtual:
        yield virtual


@pytest.fixture
def monitor_config(tmp_path: Path, broker: MosquittoBroker) -> Callable[..., Path]:
    """Write a monitor config for the test broker: ``monitor_config(extra_mqtt="", layout=DEMO_LAYOUT)``."""

    def write(*, extra_mqtt: str = "", layout: Path = DEMO_LAYOUT, name: str = "monitor.toml") -> Path:
        path = tmp_path / name
        path.write_text(
            f'[store]\nid = "demo"\nlayout = "{layout}"\n\n[mqtt]\nport = {broker.port}\n{extra_mqtt}\n',
            encoding="utf-8",
        )
        return path

    return write
