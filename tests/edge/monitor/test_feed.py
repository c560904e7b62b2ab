"""The monitor's MQTT side against a real Mosquitto: what it reads, and that it only listens."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from edge.broker import MosquittoBroker, free_port
from edge.config import MqttSection
from edge.monitor import Fleet
from edge.monitor.feed import BrokerUnreachable, FleetFeed
from edge.mqtt import MqttClient
from edge.protocol import Topic
from tests.conftest import wait_for
from tests.edge.monitor.conftest import LAYOUT, alert, gw_health, kiosk_health

Feeds = Callable[..., FleetFeed]


@pytest.fixture
def feeds(mqtt_settings: MqttSection) -> Iterator[Feeds]:
    """Started monitors on the test broker; all stopped at the end."""
    started: list[FleetFeed] = []

    def make(settings: MqttSection | None = None) -> FleetFeed:
        feed = FleetFeed(settings or mqtt_settings, Fleet("demo", gateways=LAYOUT, started=time.time()))
        feed.start(timeout=5.0)
        started.append(feed)
        return feed

    yield make
    for feed in started:
        feed.stop()


class Wire:
    """Everything published under the store's root, from any client."""

    def __init__(self, client: MqttClient) -> None:
        self.lock = threading.Lock()
        self.topics: list[str] = []
        client.subscribe_raw("corsia/#", self._add)

    def _add(self, topic: str, _payload: bytes, _retained: bool) -> None:
        with self.lock:
            self.topics.append(topic)

    def seen(self) -> list[str]:
        with self.lock:
            return list(self.topics)


def test_statuses_health_and_alerts_reach_the_fleet(feeds: Feeds, make_client: Callable[..., MqttClient]) -> None:
    # Devices already up when the monitor starts: their births are retained, so it learns of them at once.
    gw = make_client("gw-01", client_id="gw-01", status=Topic.GATEWAY_STATUS, device="gw-01")
    kiosk = make_client("kiosk-01", client_id="kiosk-01", status=Topic.KIOSK_STATUS, device="kiosk-01")
    hub = make_client("hub", client_id="hub", status=Topic.HUB_STATUS)
    feed = feeds()

    def all_up() -> bool:
        s = feed.snapshot()
        return s.hub.state == "online" and len(s.kiosks) == 1 and s.gateways[0].state == "online"

    assert wait_for(all_up, 5), feed.snapshot()
    snap = feed.snapshot()
    assert [(g.id, g.state) for g in snap.gateways] == [("gw-01", "online"), ("gw-02", "never seen")]
    assert [(k.id, k.state) for k in snap.kiosks] == [("kiosk-01", "online")]

    gw.publish(Topic.GATEWAY_HEALTH, gw_health(t=time.time(), spool=12), device="gw-01")
    kiosk.publish(Topic.KIOSK_HEALTH, kiosk_health(t=time.time(), outbox=7), device="kiosk-01")
    hub.publish(Topic.ALERT, alert("spool_backlog", "gw-01", severity="warning")).wait(5)
    hub.publish(Topic.ALERT, alert("scanner_down", "gw-02")).wait(5)
    hub.publish(Topic.ALERT, alert("scanner_down", "gw-02", active=False)).wait(5)

    def arrived() -> bool:
        s = feed.snapshot()
        return s.gateways[0].health is not None and s.kiosks[0].health is not None and len(s.alerts) == 1

    assert wait_for(arrived, 5), feed.snapshot()
    snap = feed.snapshot()
    assert snap.gateways[0].health is not None
    assert snap.gateways[0].health.spool == 12
    assert snap.kiosks[0].health is not None
    assert snap.kiosks[0].health.outbox == 7
    assert [(a.kind, a.source) for a in snap.alerts] == [("spool_backlog", "gw-01")]

    gw.stop()  # a clean stop publishes offline
    assert wait_for(lambda: feed.snapshot().gateways[0].state == "offline", 5)


def test_it_only_listens(feeds: Feeds, make_client: Callable[..., MqttClient]) -> None:
    watcher = make_client("watcher", persistent=False)
    wire = Wire(watcher)
    assert watcher.wait_subscribed(5)
    feed = feeds()
    bad = make_client("bad", persistent=False)
    bad.publish_raw("corsia/v1/demo/gw/gw-01/health", b'{"v":1,"t":"yesterday"}').wait(5)
    bad.publish_raw("corsia/v1/demo/hub/status", b"not json").wait(5)
    assert wait_for(lambda: feed.snapshot().rejected == 2, 5)
    feed.stop()
    time.sleep(0.5)  # room for anything the monitor might have sent on its way out
    # Only the two payloads the test sent: no status of its own, no last will, no error events.
    assert sorted(wire.seen()) == ["corsia/v1/demo/gw/gw-01/health", "corsia/v1/demo/hub/status"]
    assert feed.snapshot().gateways[0].state == "never seen"


def test_monitors_have_unique_ids_and_clean_sessions(tmp_path: Path) -> None:
    # $SYS every second lets the broker itself say how many persistent sessions it keeps for absent clients.
    with MosquittoBroker(tmp_path / "sys", extra_config="sys_interval 1\n") as broker:
        settings = MqttSection(port=broker.port, reconnect_min_s=0.2, reconnect_max_s=1.0)
        first = FleetFeed(settings, Fleet("demo", started=time.time()))
        second = FleetFeed(settings, Fleet("demo", started=time.time()))
        assert first.client_id != second.client_id
        assert len(first.client_id) <= 23
        first.start(5.0)
        second.start(5.0)
        time.sleep(0.5)
        assert first.connected
        assert second.connected  # the same id would have made the broker drop the first one
        first.stop()
        second.stop()

        sys_topics: dict[str, str] = {}
        spy = MqttClient(settings, store="demo", client_id="spy", source="spy", persistent=False)
        spy.subscribe_raw("$SYS/broker/clients/+", lambda t, p, _r: sys_topics.__setitem__(t, p.decode()))
        spy.start()
        try:
            # A control: one persistent client gone away must be counted, proving the counter reads sessions.
            control = MqttClient(settings, store="demo", client_id="persistent-control", source="control")
            control.start()
            assert control.wait_connected(5)
            control.stop()
            assert wait_for(lambda: sys_topics.get("$SYS/broker/clients/disconnected") == "1", 5), sys_topics
            time.sleep(1.5)  # another $SYS period: the count must stay at the control alone
            assert sys_topics["$SYS/broker/clients/disconnected"] == "1"
        finally:
            spy.stop()


def test_an_unreachable_broker_is_a_clear_error_at_once() -> None:
    port = free_port()
    feed = FleetFeed(MqttSection(port=port), Fleet("demo", started=time.time()))
    started = time.monotonic()
    with pytest.raises(BrokerUnreachable, match=rf"127\.0\.0\.1:{port}: Connection refused") as caught:
        feed.start(timeout=30.0)
    assert time.monotonic() - started < 3.0  # nobody listens: waiting the whole timeout would not help
    assert caught.value.port == port
    assert not feed.connected
