"""The rich rendering of a fleet snapshot, read back as plain text."""

from __future__ import annotations

import pytest
from rich.console import Console

from edge.monitor.model import Fleet, FleetSnapshot
from edge.monitor.view import format_age, render
from edge.protocol import Topic
from tests.edge.monitor.conftest import LAYOUT, T0, alert, gw_health, kiosk_health, status


def text(snapshot: FleetSnapshot, connected: bool = True) -> str:
    console = Console(record=True, width=220, color_system=None)
    console.print(render(snapshot, broker="broker.example:8883 (TLS)", connected=connected))
    return console.export_text()


def row(screen: str, first_cell: str) -> list[str]:
    """The cells of the table row that starts with `first_cell`."""
    line = next(ln for ln in screen.splitlines() if ln.startswith(f"│ {first_cell} "))
    return [cell.strip() for cell in line.strip("│").split("│")]


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "—"), (0.4, "0 s"), (89.0, "89 s"), (90.0, "2 min"), (3600.0, "60 min"), (5400.0, "2 h"),
     (47 * 3600.0, "47 h"), (3 * 86400.0, "3 d")],
)  # fmt: skip
def test_format_age(seconds: float | None, shown: str) -> None:
    assert format_age(seconds) == shown


def test_every_gateway_with_its_state_and_health() -> None:
    f = Fleet("demo", gateways=LAYOUT, started=T0)
    f.status(Topic.GATEWAY_STATUS, "gw-01", status(), now=T0, retained=True)
    f.gateway_health("gw-01", gw_health(scanner="restarting", cpu_temp_c=None), now=T0 + 1.0)
    f.gateway_health("gw-77", gw_health(), now=T0 + 1.0)
    screen = text(f.snapshot(T0 + 5.0))
    assert row(screen, "gw-01") == [
        "gw-01", "aisle-1", "online", "4 s", "412.5", "17", "3", "1", "restarting", "2", "38", "—"
    ]  # fmt: skip
    assert row(screen, "gw-02") == ["gw-02", "aisle-2", "never seen", "—", *["—"] * 8]
    assert row(screen, "gw-77")[:3] == ["gw-77", "not in layout", "online"]
    assert "broker.example:8883 (TLS) connected" in screen
    assert "hub never seen" in screen
    assert "Kiosks" not in screen  # no kiosk heard: no empty table


def test_kiosks_hub_alerts_and_a_lost_connection() -> None:
    f = Fleet("demo", started=T0)
    f.status(Topic.HUB_STATUS, None, status(version="1.4.0", started=T0 - 7200.0), now=T0, retained=True)
    f.kiosk_health("kiosk-01", kiosk_health(), now=T0)
    f.alert(alert("gateway_offline", "gw-03", detail="said offline", t=T0 - 300.0))
    f.rejected()
    screen = text(f.snapshot(T0 + 2.0), connected=False)
    assert row(screen, "kiosk-01") == ["kiosk-01", "online", "2 s", "4", "unreachable", "ok", "down", "81", "—"]
    assert row(screen, "critical") == ["critical", "gateway_offline", "gw-03", "5 min", "said offline"]
    assert "reconnecting…" in screen
    assert "hub online 1.4.0, up 2 h" in screen
    assert "1 payload did not fit the contract" in screen
    assert "no gateway known yet" in screen


def test_no_alert_says_so() -> None:
    screen = text(Fleet("demo", started=T0).snapshot(T0))
    assert "No active alerts" in screen
    assert "did not fit" not in screen
