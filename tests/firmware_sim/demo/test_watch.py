"""What the demo shows is what MQTT says: retained occupancy and statuses, journey events, staff alerts."""

from __future__ import annotations

import time
from collections.abc import Callable

from edge.broker import MosquittoBroker
from edge.config import MqttSection
from edge.mqtt import MqttClient
from edge.protocol import Journey, Localized, Occupancy, StaffAlert, Status, Topic
from firmware_sim.demo.watch import StoreWatch
from tests.conftest import wait_for


def test_the_watch_counts_visits_and_sees_who_is_online(
    broker: MosquittoBroker, mqtt_settings: MqttSection, make_client: Callable[..., MqttClient]
) -> None:
    hub = make_client("hub")
    now = time.time()
    # Retained before the watch starts: it must see them anyway.
    hub.publish(Topic.OCCUPANCY, Occupancy(t=now, zones={"aisle-4": 2, "entrance": 1}, total=3)).wait(5)
    online = Status(state="online", t=now, version="1", started=now)
    offline = Status(state="offline", t=now, version="1", started=now)
    for gw, status in (("gw-01", online), ("gw-02", online), ("gw-03", offline)):
        hub.publish(Topic.GATEWAY_STATUS, status, device=gw).wait(5)
    watch = StoreWatch(mqtt_settings, "demo", client_id="test-watch")
    assert watch.start(10)
    try:
        assert wait_for(lambda: watch.snapshot().in_store == 3, 10)
        assert wait_for(lambda: watch.snapshot().gateways_online == ("gw-01", "gw-02"), 10)
        steps = (
            Journey(t=now, visit="v0", member="r-1", event="enter", zone="entrance"),
            Journey(t=now, visit="v0", member="r-1", event="zone", zone="aisle-4", prev="entrance"),
            Journey(t=now, visit="v1", member="r-2", event="enter", zone="entrance"),
            Journey(t=now, visit="v0", member="r-1", event="exit", prev="aisle-4"),
        )
        for step in steps:
            hub.publish(Topic.JOURNEY, step)
        alert = StaffAlert(t=now, kind="pickup_arrival", text=Localized(it="Ritiro", en="Pickup"), order="WEB-1")
        hub.publish(Topic.STAFF_ALERT, alert)
        hub.publish(Topic.KIOSK_STATUS, online, device="kiosk-01")
        hub.publish(Topic.HUB_STATUS, online)
        assert wait_for(lambda: watch.snapshot().journeys.get("exit") == 1, 10)
        view = watch.snapshot()
        assert view.visits == 2
        assert view.journeys == {"enter": 2, "zone": 1, "exit": 1}
        assert wait_for(lambda: watch.snapshot().staff_alerts == 1, 10)
        assert wait_for(lambda: watch.snapshot().kiosks_online == ("kiosk-01",), 10)
        assert wait_for(lambda: watch.snapshot().hub_online, 10)
        hub.publish(Topic.GATEWAY_STATUS, offline, device="gw-01")
        assert wait_for(lambda: watch.snapshot().gateways_online == ("gw-02",), 10)
    finally:
        watch.stop()
