"""Gateway states for the map: from the hub's fleet provider when there is one, else from the feed's alerts."""

from __future__ import annotations

import doctest

import edge.hub.dashboard.gateways
from edge.hub.dashboard.gateways import GatewayStates


def offline(gw: str, active: bool = True) -> dict[str, object]:
    return {"kind": "gateway_offline", "source": gw, "active": active}


def test_alerts_raise_and_clear_a_gateways_offline_state() -> None:
    states = GatewayStates(["gw-01", "gw-02"])
    assert states.snapshot() == {"gw-01": "online", "gw-02": "online"}
    assert states.apply(offline("gw-02")) is True
    assert states.apply(offline("gw-02")) is False  # already offline
    assert states.snapshot() == {"gw-01": "online", "gw-02": "offline"}
    assert states.apply(offline("gw-02", active=False)) is True
    assert states.snapshot()["gw-02"] == "online"


def test_other_alerts_and_other_devices_change_nothing() -> None:
    states = GatewayStates(["gw-01"])
    assert states.apply({"kind": "scanner_down", "source": "gw-01", "active": True}) is False
    assert states.apply(offline("kiosk-01")) is False
    assert states.apply(offline("gw-99")) is False
    assert states.snapshot() == {"gw-01": "online"}


def test_the_fleet_provider_has_the_last_word_for_the_gateways_it_knows() -> None:
    fleet = {"gw-01": "offline"}
    states = GatewayStates(["gw-01", "gw-02"], provider=lambda: fleet)
    states.apply(offline("gw-02"))
    assert states.snapshot() == {"gw-01": "offline", "gw-02": "offline"}
    fleet["gw-01"] = "online"
    assert states.snapshot()["gw-01"] == "online"


def test_the_module_examples_hold() -> None:
    assert doctest.testmod(edge.hub.dashboard.gateways).failed == 0
