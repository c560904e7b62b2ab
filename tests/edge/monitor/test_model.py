"""The fleet model, fed directly with decoded messages and times."""

from __future__ import annotations

import doctest
import json

import pytest

import edge.monitor.model
from edge.monitor.model import DEFAULT_HEALTH_PERIOD_S, DeviceView, Fleet
from edge.protocol import GatewayHealth, Occupancy, Topic
from tests.edge.monitor.conftest import LAYOUT, T0, alert, gw_health, kiosk_health, status


def fleet() -> Fleet:
    return Fleet("demo", gateways=LAYOUT, started=T0)


def gateway(f: Fleet, name: str, now: float) -> DeviceView[GatewayHealth]:
    return next(g for g in f.snapshot(now).gateways if g.id == name)


def test_layout_gateways_are_listed_before_they_are_heard() -> None:
    snap = fleet().snapshot(T0 + 1000.0)
    assert [(g.id, g.zone, g.in_layout, g.state) for g in snap.gateways] == [
        ("gw-01", "aisle-1", True, "never seen"),
        ("gw-02", "aisle-2", True, "never seen"),
    ]
    assert all(g.last_seen is None and g.health is None and g.uptime_s is None for g in snap.gateways)
    assert snap.kiosks == ()
    assert snap.hub.state == "never seen"


def test_a_retained_birth_says_online_but_not_when_last_heard() -> None:
    f = fleet()
    f.status(Topic.GATEWAY_STATUS, "gw-01", status(t=T0 - 3600.0, started=T0 - 3600.0), now=T0, retained=True)
    g = gateway(f, "gw-01", T0 + 1.0)
    assert g.state == "online"
    assert (g.version, g.started) == ("0.3.0", T0 - 3600.0)
    assert g.last_seen is None  # a retained message may be days old: it does not show the device alive now
    assert g.uptime_s == pytest.approx(3601.0)


def test_a_live_birth_counts_as_heard() -> None:
    f = fleet()
    f.status(Topic.GATEWAY_STATUS, "gw-01", status(), now=T0 + 5.0, retained=False)
    g = gateway(f, "gw-01", T0 + 7.0)
    assert (g.state, g.last_seen, g.age_s) == ("online", T0 + 5.0, 2.0)


def test_the_last_will_turns_a_gateway_offline_and_a_birth_back_online() -> None:
    f = fleet()
    f.status(Topic.GATEWAY_STATUS, "gw-01", status(), now=T0, retained=False)
    f.gateway_health("gw-01", gw_health(), now=T0 + 1.0)
    # The will carries the process's start as its time, and it is the broker that speaks: not a sign of life.
    f.status(Topic.GATEWAY_STATUS, "gw-01", status("offline", t=T0 - 100.0), now=T0 + 9.0, retained=False)
    g = gateway(f, "gw-01", T0 + 10.0)
    assert (g.state, g.last_seen, g.uptime_s) == ("offline", T0 + 1.0, None)
    assert g.health is not None  # the last report stays visible, for the post-mortem
    f.status(Topic.GATEWAY_STATUS, "gw-01", status(t=T0 + 20.0, started=T0 + 19.0), now=T0 + 20.0, retained=False)
    assert gateway(f, "gw-01", T0 + 20.5).state == "online"


def test_a_report_after_the_offline_status_means_the_device_is_back() -> None:
    f = fleet()
    f.status(Topic.GATEWAY_STATUS, "gw-01", status("offline"), now=T0, retained=True)
    assert gateway(f, "gw-01", T0).state == "offline"
    f.gateway_health("gw-01", gw_health(), now=T0 + 1.0)
    assert gateway(f, "gw-01", T0 + 1.0).state == "online"


def test_offline_is_not_reported_as_silent() -> None:
    f = fleet()
    f.status(Topic.GATEWAY_STATUS, "gw-01", status("offline"), now=T0, retained=True)
    assert gateway(f, "gw-01", T0 + 10 * DEFAULT_HEALTH_PERIOD_S).state == "offline"


def test_gateway_health_fields_are_kept() -> None:
    f = fleet()
    f.status(Topic.GATEWAY_STATUS, "gw-02", status(), now=T0, retained=True)
    f.gateway_health("gw-02", gw_health(spool=30, scanner="down", cpu_temp_c=None), now=T0 + 2.0)
    g = gateway(f, "gw-02", T0 + 5.0)
    assert g.health is not None
    assert (g.health.adverts_per_s, g.health.beacons, g.health.spool, g.health.dropped) == (412.5, 17, 30, 1)
    assert (g.health.scanner, g.health.scanner_restarts) == ("down", 2)
    assert (g.health.rss_mb, g.health.cpu_temp_c) == (38.2, None)
    assert (g.last_seen, g.age_s, g.health_age_s) == (T0 + 2.0, 3.0, 3.0)
    assert g.uptime_s == pytest.approx(103.0)  # the report's uptime, plus its age


def test_silent_after_two_default_health_periods() -> None:
    f = fleet()
    f.status(Topic.GATEWAY_STATUS, "gw-01", status(), now=T0, retained=True)
    f.gateway_health("gw-01", gw_health(), now=T0)
    limit = 2 * DEFAULT_HEALTH_PERIOD_S
    assert gateway(f, "gw-01", T0 + limit).state == "online"
    silent = gateway(f, "gw-01", T0 + limit + 0.1)
    assert silent.state == "silent"
    assert silent.uptime_s is not None  # still connected as far as the broker knows
    f.gateway_health("gw-01", gw_health(t=T0 + 40.0), now=T0 + 40.0)
    assert gateway(f, "gw-01", T0 + 40.1).state == "online"


def test_the_health_period_is_measured_from_the_device_reports() -> None:
    f = fleet()
    f.status(Topic.GATEWAY_STATUS, "gw-01", status(), now=T0, retained=True)
    for i in range(4):  # a gateway configured with health_interval_s = 1; the arrival jitter does not matter
        f.gateway_health("gw-01", gw_health(t=T0 + i), now=T0 + i + (0.3 if i % 2 else 0.0))
    g = gateway(f, "gw-01", T0 + 3.0)
    assert g.health_period_s == 1.0
    # Two periods from the last report's arrival (3.3 s), by the monitor's clock.
    assert gateway(f, "gw-01", T0 + 5.3).state == "online"
    assert gateway(f, "gw-01", T0 + 5.4).state == "silent"


def test_one_lost_report_does_not_stretch_the_period() -> None:
    f = fleet()
    for t in (0.0, 15.0, 30.0, 60.0, 75.0):  # QoS 0: the report at 45 s was lost
        f.gateway_health("gw-01", gw_health(t=T0 + t), now=T0 + t)
    assert gateway(f, "gw-01", T0 + 75.0).health_period_s == 15.0


def test_a_status_without_any_health_turns_silent_counting_from_the_monitor_start() -> None:
    f = fleet()
    f.status(Topic.GATEWAY_STATUS, "gw-01", status(t=T0 - 86400.0), now=T0 + 1.0, retained=True)
    assert gateway(f, "gw-01", T0 + 30.0).state == "online"  # it may just not have reported since we started
    assert gateway(f, "gw-01", T0 + 31.5).state == "silent"
    # A device born later gets its own two periods from its birth.
    f.status(Topic.GATEWAY_STATUS, "gw-02", status(), now=T0 + 100.0, retained=False)
    assert gateway(f, "gw-02", T0 + 120.0).state == "online"


def test_unknown_gateways_are_added_when_heard() -> None:
    f = fleet()
    f.gateway_health("gw-99", gw_health(), now=T0)
    f.status(Topic.GATEWAY_STATUS, "gw-00", status(), now=T0, retained=True)
    snap = f.snapshot(T0 + 1.0)
    assert [g.id for g in snap.gateways] == ["gw-00", "gw-01", "gw-02", "gw-99"]
    extra = {g.id: g for g in snap.gateways}
    assert (extra["gw-99"].in_layout, extra["gw-99"].zone, extra["gw-99"].state) == (False, None, "online")
    assert extra["gw-00"].in_layout is False


def test_kiosks_are_added_with_their_health() -> None:
    f = fleet()
    f.status(Topic.KIOSK_STATUS, "kiosk-02", status(), now=T0, retained=True)
    f.kiosk_health("kiosk-01", kiosk_health(), now=T0 + 1.0)
    snap = f.snapshot(T0 + 2.0)
    assert [k.id for k in snap.kiosks] == ["kiosk-01", "kiosk-02"]
    k1, k2 = snap.kiosks
    assert k1.health is not None
    assert (k1.health.outbox, k1.health.hub) == (4, "unreachable")
    assert (k1.health.card_reader, k1.health.camera) == ("ok", "down")
    assert (k1.state, k2.state, k2.health) == ("online", "online", None)
    assert [g.id for g in snap.gateways] == ["gw-01", "gw-02"]  # a kiosk is not a gateway


def test_the_hub_status() -> None:
    f = fleet()
    f.status(Topic.HUB_STATUS, None, status(started=T0 - 50.0, version="1.2.3"), now=T0, retained=True)
    hub = f.snapshot(T0 + 10.0).hub
    assert (hub.state, hub.version, hub.uptime_s) == ("online", "1.2.3", 60.0)
    f.status(Topic.HUB_STATUS, None, status("offline"), now=T0 + 11.0, retained=False)
    hub = f.snapshot(T0 + 12.0).hub
    assert (hub.state, hub.uptime_s) == ("offline", None)


def test_alerts_are_raised_and_cleared_by_kind_and_source() -> None:
    f = fleet()
    f.alert(alert("scanner_down", "gw-02", detail="the BLE scanner is down"))
    f.alert(alert("spool_backlog", "gw-01", severity="warning", t=T0 - 5.0))
    f.alert(alert("gateway_offline", "gw-02", t=T0 + 1.0))
    f.alert(alert("scanner_down", "gw-02", detail="still down", t=T0 + 2.0))  # raised again: one row, updated
    active = f.snapshot(T0 + 3.0).alerts
    assert [(a.kind, a.source) for a in active] == [
        ("scanner_down", "gw-02"),  # critical first, then by time
        ("gateway_offline", "gw-02"),
        ("spool_backlog", "gw-01"),
    ]
    assert active[0].detail == "still down"
    f.alert(alert("scanner_down", "gw-02", active=False))
    f.alert(alert("scanner_down", "gw-01", active=False))  # never raised: nothing to clear, no error
    assert [(a.kind, a.source) for a in f.snapshot(T0 + 4.0).alerts] == [
        ("gateway_offline", "gw-02"),
        ("spool_backlog", "gw-01"),
    ]


def test_receive_routes_every_watched_topic_and_ignores_others() -> None:
    f = fleet()
    f.receive(Topic.GATEWAY_STATUS, "gw-01", status(), now=T0, retained=True)
    f.receive(Topic.GATEWAY_HEALTH, "gw-02", gw_health(), now=T0, retained=False)
    f.receive(Topic.KIOSK_STATUS, "kiosk-01", status(), now=T0, retained=True)
    f.receive(Topic.KIOSK_HEALTH, "kiosk-01", kiosk_health(), now=T0, retained=False)
    f.receive(Topic.HUB_STATUS, None, status(), now=T0, retained=True)
    f.receive(Topic.ALERT, None, alert(), now=T0, retained=False)
    f.receive(Topic.OCCUPANCY, None, Occupancy(t=T0, zones={"aisle-1": 2}, total=2), now=T0, retained=True)
    snap = f.snapshot(T0 + 1.0)
    assert [g.state for g in snap.gateways] == ["online", "online"]
    assert snap.gateways[1].health is not None
    assert [(k.id, k.health is not None) for k in snap.kiosks] == [("kiosk-01", True)]
    assert snap.hub.state == "online"
    assert len(snap.alerts) == 1


def test_rejected_payloads_are_counted() -> None:
    f = fleet()
    f.rejected()
    f.rejected()
    assert f.snapshot(T0).rejected == 2


def test_the_json_document() -> None:
    f = fleet()
    f.status(Topic.GATEWAY_STATUS, "gw-01", status(), now=T0, retained=True)
    f.gateway_health("gw-01", gw_health(), now=T0 + 1.0)
    f.kiosk_health("kiosk-01", kiosk_health(), now=T0 + 1.0)
    f.alert(alert())
    doc = json.loads(json.dumps(f.snapshot(T0 + 2.0).to_json()))
    assert set(doc) == {"store", "t", "gateways", "kiosks", "hub", "alerts", "rejected"}
    gw1, gw2 = doc["gateways"]
    assert (gw1["state"], gw1["zone"], gw1["in_layout"]) == ("online", "aisle-1", True)
    assert gw1["health"]["adverts_per_s"] == 412.5
    assert "v" not in gw1["health"]
    assert gw2 == {
        "id": "gw-02", "state": "never seen", "last_seen": None, "age_s": None, "version": None, "started": None,
        "uptime_s": None, "zone": "aisle-2", "in_layout": True, "health": None, "health_age_s": None,
    }  # fmt: skip
    assert "zone" not in doc["kiosks"][0]
    assert doc["kiosks"][0]["health"]["hub"] == "unreachable"
    assert doc["alerts"][0]["kind"] == "scanner_down"
    assert doc["hub"]["state"] == "never seen"


def test_module_doctest() -> None:
    result = doctest.testmod(edge.monitor.model)
    assert result.attempted > 0
    assert result.failed == 0
