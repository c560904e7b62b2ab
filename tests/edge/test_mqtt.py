"""The MQTT wrapper against a real Mosquitto: birth and LWT, persistence across restarts, the in-flight cap,
typed subscriptions that turn bad payloads into error events."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import pytest

from edge.broker import MosquittoBroker
from edge.config import MqttSection
from edge.mqtt import Backpressure, MqttClient, PublishError, Received
from edge.protocol import ErrorEvent, Journey, Sightings, Status, Topic, encode
from edge.protocol.examples import EXAMPLES
from tests.conftest import REPO, wait_for

MakeClient = Callable[..., MqttClient]


def journey(i: int) -> Journey:
    return Journey(t=1795392000.0 + i, visit=f"v-{i}", member="p-1", event="zone", zone="aisle-1")


class Inbox:
    """Collects what a subscription delivers, thread-safely."""

    def __init__(self) -> None:
        self.items: list[Received[object]] = []
        self.lock = threading.Lock()

    def __call__(self, received: Received[object]) -> None:
        with self.lock:
            self.items.append(received)

    def __len__(self) -> int:
        with self.lock:
            return len(self.items)

    def messages(self) -> list[object]:
        with self.lock:
            return [r.message for r in self.items]


def test_birth_is_retained_and_clean_stop_says_offline(make_client: MakeClient) -> None:
    gateway = make_client("gw-03", status=Topic.GATEWAY_STATUS, device="gw-03")
    time.sleep(0.2)
    watcher = make_client("it")
    inbox = Inbox()
    watcher.subscribe(Topic.GATEWAY_STATUS, Status, inbox)
    assert wait_for(lambda: len(inbox) >= 1, 5)
    first = inbox.items[0]
    assert first.retained
    assert first.topic.device == "gw-03"
    assert isinstance(first.message, Status)
    assert first.message.state == "online"
    assert first.message.started <= first.message.t

    gateway.stop()
    assert wait_for(lambda: any(getattr(m, "state", "") == "offline" for m in inbox.messages()), 5)
    late = make_client("late")
    late_inbox = Inbox()
    late.subscribe(Topic.GATEWAY_STATUS, Status, late_inbox)
    assert wait_for(lambda: len(late_inbox) >= 1, 5)
    assert late_inbox.messages()[-1].state == "offline"  # type: ignore[attr-defined]


CHILD = """
import sys, time
from edge.config import MqttSection
from edge.mqtt import MqttClient
from edge.protocol import Topic
settings = MqttSection(host="127.0.0.1", port=int(sys.argv[1]), keepalive_s=2)
client = MqttClient(settings, store="demo", client_id="child-gw", source="gw-09",
                    status=Topic.GATEWAY_STATUS, device="gw-09")
client.start()
client.wait_connected(5)
print("ready", flush=True)
time.sleep(60)
"""


def test_lwt_fires_when_the_process_is_killed(broker: MosquittoBroker, make_client: MakeClient) -> None:
    watcher = make_client("it")
    inbox = Inbox()
    watcher.subscribe(Topic.GATEWAY_STATUS, Status, inbox, device="gw-09")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(broker.port)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        assert wait_for(lambda: any(getattr(m, "state", "") == "online" for m in inbox.messages()), 5)
        killed_at = time.monotonic()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(5)
        assert wait_for(lambda: any(getattr(m, "state", "") == "offline" for m in inbox.messages()), 3 * 1.5)
        assert time.monotonic() - killed_at < 3.0  # 1.5 keep-alive periods
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        if child.stdout:
            child.stdout.close()


def test_broker_restart_under_a_qos1_stream_loses_nothing(broker: MosquittoBroker, make_client: MakeClient) -> None:
    hub = make_client("hub", client_id="restart-hub")
    inbox = Inbox()
    hub.subscribe(Topic.JOURNEY, Journey, inbox)
    assert hub.wait_subscribed(5)
    publisher = make_client("gw-01", client_id="restart-gw")
    total = 3000
    deliveries = []

    def stream() -> None:
        for i in range(total):
            deliveries.append(publisher.publish(Topic.JOURNEY, journey(i)))
            time.sleep(0.0005)

    thread = threading.Thread(target=stream)
    thread.start()
    assert wait_for(lambda: len(inbox) > 300, 10)
    broker.restart(down_s=1.0)  # SIGTERM: Mosquitto saves its sessions, then comes back on the same port
    thread.join(30)
    assert wait_for(lambda: all(d.done for d in deliveries), 30), "some publishes were never acknowledged"
    assert wait_for(lambda: len({m.visit for m in inbox.messages()}) == total, 30)  # type: ignore[attr-defined]
    assert publisher.stats.disconnects >= 1
    assert hub.stats.disconnects >= 1
    assert {m.visit for m in inbox.messages()} == {f"v-{i}" for i in range(total)}  # type: ignore[attr-defined]


def test_persistent_session_queues_while_the_subscriber_is_away(
    mqtt_settings: MqttSection, make_client: MakeClient
) -> None:
    first = make_client("hub", client_id="away-hub")
    first.subscribe(Topic.JOURNEY, Journey, Inbox())
    assert first.wait_subscribed(5)
    first.stop()
    publisher = make_client("gw-01")
    for d in [publisher.publish(Topic.JOURNEY, journey(i)) for i in range(50)]:
        assert d.wait(5)
    again = make_client("hub", client_id="away-hub", start=False)
    inbox = Inbox()
    again.subscribe(Topic.JOURNEY, Journey, inbox)
    again.start()
    assert wait_for(lambda: len(inbox) >= 50, 10)
    assert sorted(m.visit for m in inbox.messages()) == sorted(f"v-{i}" for i in range(50))  # type: ignore[attr-defined]


def test_100k_qos1_publishes_all_complete_within_the_inflight_cap(mqtt_settings: MqttSection) -> None:
    settings = MqttSection(host=mqtt_settings.host, port=mqtt_settings.port, max_inflight=1000)
    client = MqttClient(settings, store="demo", client_id="bulk", source="bulk")
    client.start()
    try:
        assert client.wait_connected(5)
        payload = encode(journey(0))
        topic = Topic.JOURNEY.build("demo")
        last = None
        for _ in range(100_000):
            last = client.publish_raw(topic, payload, qos=1)
        assert last is not None
        assert wait_for(lambda: client.stats.acknowledged == 100_000, 120)
        assert client.inflight == 0
        assert client.stats.published == 100_000
        assert 1 < client.stats.peak_inflight <= 1000
    finally:
        client.stop()


def test_backpressure_when_the_broker_is_away(broker: MosquittoBroker, mqtt_settings: MqttSection) -> None:
    settings = MqttSection(host=mqtt_settings.host, port=mqtt_settings.port, max_inflight=10, reconnect_max_s=1.0)
    client = MqttClient(settings, store="demo", client_id="bp", source="bp")
    client.start()
    try:
        assert client.wait_connected(5)
        broker.stop()
        assert wait_for(lambda: not client.connected, 5)
        held = [client.publish(Topic.JOURNEY, journey(i)) for i in range(10)]
        with pytest.raises(Backpressure):
            client.publish(Topic.JOURNEY, journey(10), block=False)
        with pytest.raises(Backpressure):
            client.publish(Topic.JOURNEY, journey(10), timeout=0.2)
        broker.start()
        assert all(d.wait(10) for d in held)  # kept by the client and sent after the reconnect
        assert client.publish(Topic.JOURNEY, journey(11), timeout=5).wait(5)
    finally:
        client.stop()


def test_bad_payloads_become_error_events_and_never_reach_the_handler(make_client: MakeClient) -> None:
    hub = make_client("hub")
    inbox = Inbox()
    hub.subscribe(Topic.SIGHTINGS, Sightings, inbox)
    errors = Inbox()
    it = make_client("it")
    it.subscribe(Topic.ERRORS, ErrorEvent, errors)
    assert it.wait_subscribed(5)
    gw = make_client("gw-03")
    topic = Topic.SIGHTINGS.build("demo", "gw-03")
    good = json.loads(encode(EXAMPLES[Topic.SIGHTINGS]))
    bad_rssi = json.loads(json.dumps(good))
    bad_rssi["items"][0]["rssi"] = "loud"
    for payload in [
        b"not json",
        b"\xff\xfe",
        json.dumps(bad_rssi).encode(),
        b"[]",
        json.dumps(dict(good, v=2)).encode(),
    ]:
        gw.publish_raw(topic, payload).wait(5)
    gw.publish_raw(topic, encode(EXAMPLES[Topic.SIGHTINGS])).wait(5)
    assert wait_for(lambda: len(inbox) == 1 and len(errors) == 5, 5)
    assert inbox.messages() == [EXAMPLES[Topic.SIGHTINGS]]
    assert hub.stats.rejected == 5
    events = errors.messages()
    assert all(isinstance(e, ErrorEvent) and e.source == "hub" and e.topic == topic for e in events)
    reasons = [e.reason for e in events]  # type: ignore[attr-defined]
    assert any(r.startswith("items[0].rssi:") for r in reasons)
    assert any("UTF-8" in r for r in reasons)
    assert any(r.startswith("v:") and "version 2" in r for r in reasons)


def test_a_handler_that_raises_does_not_stop_delivery(make_client: MakeClient) -> None:
    hub = make_client("hub")
    seen: list[int] = []

    def flaky(received: Received[Journey]) -> None:
        seen.append(1)
        if len(seen) == 1:
            raise RuntimeError("boom")

    hub.subscribe(Topic.JOURNEY, Journey, flaky)
    assert hub.wait_subscribed(5)
    pub = make_client("gw")
    for i in range(3):
        pub.publish(Topic.JOURNEY, journey(i)).wait(5)
    assert wait_for(lambda: len(seen) == 3, 5)
    assert hub.stats.handler_errors == 1


def test_publish_checks_the_message_type(make_client: MakeClient) -> None:
    client = make_client("x")
    with pytest.raises(PublishError, match="expects Sightings"):
        client.publish(Topic.SIGHTINGS, journey(1), device="gw-01")


def test_unsubscribe_stops_delivery(make_client: MakeClient) -> None:
    hub = make_client("hub")
    inbox = Inbox()
    unsubscribe = hub.subscribe(Topic.JOURNEY, Journey, inbox)
    assert hub.wait_subscribed(5)
    pub = make_client("gw")
    pub.publish(Topic.JOURNEY, journey(1)).wait(5)
    assert wait_for(lambda: len(inbox) == 1, 5)
    unsubscribe()
    time.sleep(0.2)
    pub.publish(Topic.JOURNEY, journey(2)).wait(5)
    time.sleep(0.3)
    assert len(inbox) == 1
