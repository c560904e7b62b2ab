"""FleetWatch: IT's alerts raised and cleared once, from what gateways and kiosks publish."""

from __future__ import annotations

from edge.hub.fleet import FleetWatch
from edge.protocol import Alert, GatewayHealth
from edge.protocol.messages import ScannerState


def health(scanner: ScannerState = "scanning", spool: int = 0) -> GatewayHealth:
    return GatewayHealth(t=0.0, uptime_s=1.0, adverts_per_s=10.0, beacons=3, spool=spool, dropped=0,
                         scanner=scanner, scanner_restarts=0, rss_mb=40.0, cpu_temp_c=None)  # fmt: skip


def kinds(alerts: list[Alert]) -> list[tuple[str, str, bool]]:
    return [(a.kind, a.source, a.active) for a in alerts]


def test_a_silent_gateway_is_raised_once_after_the_silence_and_cleared_when_it_speaks() -> None:
    watch = FleetWatch(["gw-01", "gw-02"], silence_s=60.0, backlog=30, started=1000.0)
    watch.sightings("gw-02", 1030.0)
    assert watch.tick(1059.0) == []
    assert kinds(watch.tick(1060.0)) == [("gateway_offline", "gw-01", True)]
    assert watch.tick(1061.0) == []  # raised once, not every tick
    assert kinds(watch.tick(1090.0)) == [("gateway_offline", "gw-02", True)]
    watch.sightings("gw-01", 1100.0)
    assert kinds(watch.tick(1100.0)) == [("gateway_offline", "gw-01", False)]
    assert watch.active() == [("gw-02", "gateway_offline")]


def test_an_offline_status_raises_at_once_and_hides_the_scanner_and_spool_it_cannot_vouch_for() -> None:
    watch = FleetWatch(["gw-01"], silence_s=60.0, backlog=30, started=0.0)
    watch.health("gw-01", health(scanner="down", spool=100), 1.0)
    assert sorted(kinds(watch.tick(2.0))) == [("scanner_down", "gw-01", True), ("spool_backlog", "gw-01", True)]
    watch.status("gw-01", online=False, now=3.0)
    assert sorted(kinds(watch.tick(3.0))) == [
        ("gateway_offline", "gw-01", True), ("scanner_down", "gw-01", False), ("spool_backlog", "gw-01", False),
    ]  # fmt: skip
    watch.status("gw-01", online=True, now=4.0)
    watch.health("gw-01", health(), 4.5)
    assert kinds(watch.tick(5.0)) == [("gateway_offline", "gw-01", False)]


def test_spool_backlog_threshold_and_clock_skew() -> None:
    watch = FleetWatch(["gw-01"], silence_s=60.0, backlog=30, started=0.0)
    watch.sightings("gw-01", 1.0)
    watch.health("gw-01", health(spool=29), 1.0)
    assert watch.tick(2.0) == []
    watch.health("gw-01", health(spool=30), 3.0)
    alerts = watch.tick(3.0, skewed=["gw-01"])
    assert sorted(kinds(alerts)) == [("clock_skew", "gw-01", True), ("spool_backlog", "gw-01", True)]
    assert {a.severity for a in alerts} == {"warning"}
    assert "30 batches" in next(a.detail for a in alerts if a.kind == "spool_backlog")
    assert sorted(kinds(watch.tick(4.0))) == [("clock_skew", "gw-01", False)]


def test_a_large_learned_offset_correction_is_raised_once_and_cleared_half_a_decibel_below() -> None:
    watch = FleetWatch(["gw-01", "gw-02"], silence_s=60.0, backlog=30, started=0.0, offset_alert_db=3.0)
    for gw in ("gw-01", "gw-02"):
        watch.sightings(gw, 1.0)
    assert watch.tick(2.0, corrections={"gw-01": 2.9, "gw-02": -2.9}) == []
    alerts = watch.tick(3.0, corrections={"gw-01": 1.0, "gw-02": -3.2})
    assert kinds(alerts) == [("offset_drift", "gw-02", True)]
    assert alerts[0].severity == "warning"
    assert "reads louder" in alerts[0].detail
    assert "correction of -3.2 dB" in alerts[0].detail
    # Around the threshold it stays raised: a slow average must not raise and clear every tick.
    assert watch.tick(4.0, corrections={"gw-02": -2.9}) == []
    assert watch.tick(5.0, corrections={"gw-02": -2.6}) == []
    assert kinds(watch.tick(6.0, corrections={"gw-02": -2.4})) == [("offset_drift", "gw-02", False)]
    # A receiver reading weaker, and then its correction gone (its offset changed: learning starts afresh).
    alerts = watch.tick(7.0, corrections={"gw-01": 4.0})
    assert kinds(alerts) == [("offset_drift", "gw-01", True)]
    assert "reads weaker" in alerts[0].detail
    assert "+4.0 dB" in alerts[0].detail
    assert kinds(watch.tick(8.0, corrections={})) == [("offset_drift", "gw-01", False)]


def test_the_offset_alert_is_off_at_zero() -> None:
    watch = FleetWatch(["gw-01"], silence_s=60.0, backlog=30, started=0.0, offset_alert_db=0.0)
    watch.sightings("gw-01", 1.0)
    assert watch.tick(2.0, corrections={"gw-01": 12.0}) == []


def test_unknown_gateways_are_ignored_and_kiosks_are_tracked_as_they_appear() -> None:
    watch = FleetWatch(["gw-01"], silence_s=60.0, backlog=30, started=0.0)
    watch.sightings("gw-99", 1.0)
    watch.status("gw-99", online=False, now=1.0)
    watch.sightings("gw-01", 1.0)
    watch.kiosk_seen("kiosk-01", online=True, now=1.0)
    assert watch.tick(2.0) == []
    watch.kiosk_seen("kiosk-01", online=False, now=5.0)
    assert kinds(watch.tick(5.0)) == [("kiosk_offline", "kiosk-01", True)]


def test_states_and_last_healths_for_the_dashboard_and_metrics() -> None:
    watch = FleetWatch(["gw-01", "gw-02"], silence_s=60.0, backlog=30, started=0.0)
    watch.sightings("gw-01", 50.0)
    watch.health("gw-01", health(spool=4), 50.0)
    assert watch.states(70.0) == {"gw-01": "online", "gw-02": "offline"}
    assert watch.healths()["gw-01"].spool == 4
    assert "gw-02" not in watch.healths()
