"""Floods of malformed payloads on every topic a running hub subscribes to, and on a gateway's config and cmd.

Each topic gets 800 payloads of ten families plus two beyond its size limit (`tests/faults/payloads.py`), each
checked beforehand to be refused by the real decoder. Expected: the process stays up; the hub counts every one,
keeps answering /healthz during the flood and processes the valid sightings that follow; the gateway keeps
reporting and still answers a valid command; both report on the `errors` topic at most 20 events a second.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import requests

from edge.broker import MosquittoBroker
from edge.mqtt import MqttClient, Received
from edge.protocol import Command, CommandResult, ErrorEvent, Journey, Sightings, Topic, parse_topic
from firmware_sim.bluez import VirtualBluez
from tests.conftest import wait_for
from tests.edge.hub.conftest import RunningHub
from tests.faults.conftest import Advertiser, SeqLog
from tests.faults.payloads import flood
from tests.gateway.conftest import GatewayUnderTest

PER_TOPIC = 800
ERROR_EVENTS_PER_S = 20.0  # edge.mqtt.client's token bucket: 20 a second, bursts of 20


class Errors:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: list[tuple[float, ErrorEvent]] = []

    def add(self, received: Received[ErrorEvent]) -> None:
        with self.lock:
            self.events.append((time.monotonic(), received.message))

    def by(self, source: str) -> list[tuple[float, ErrorEvent]]:
        with self.lock:
            return [(at, e) for at, e in self.events if e.source == source]


def subscribed_topics(client: MqttClient) -> set[Topic]:
    """The contract topics behind a client's subscription filters."""
    filters = [s.filter for s in client._subscriptions]
    return {parse_topic(f.replace("+", "flood-1")).topic for f in filters}


def device_for(topic: Topic) -> str | None:
    """A device of the store's layout where the topic has one (gw-09 is the entrance gateway)."""
    if not topic.spec.has_device:
        return None
    return {"gw": "gw-09", "pos": "till-1", "kiosk": "kiosk-01"}[topic.spec.template.split("/")[0]]


def send_flood(sender: MqttClient, topics: dict[Topic, str], seed: int) -> tuple[int, Counter[str]]:
    sent = 0
    families: Counter[str] = Counter()
    for n, (topic, name) in enumerate(topics.items()):
        payloads, kinds = flood(topic, PER_TOPIC, seed + n)
        families.update(kinds)
        for payload in payloads:
            sender.publish_raw(name, payload, qos=1, timeout=30)
            sent += 1
    return sent, families


def assert_rate_limited(events: list[tuple[float, ErrorEvent]], sent: int) -> None:
    assert events, "no error reported at all"
    # The limit is on sending: span the events' own send times. Arrival times can bunch, since the sender's
    # network thread is busy reading the flood while its error events wait to go out.
    sent_at = sorted(e.t for _, e in events)
    span = sent_at[-1] - sent_at[0]
    assert len(events) <= ERROR_EVENTS_PER_S * (span + 1) + 5, f"{len(events)} error events sent in {span:.1f} s"
    assert len(events) < sent / 10
    assert all(e.reason and "flood-" not in e.reason for _, e in events)


def test_a_hub_flooded_on_every_topic_it_subscribes_to_stays_up_and_keeps_working(
    start_hub: Callable[..., RunningHub], make_client: Callable[..., MqttClient]
) -> None:
    hub = start_hub()
    shopper = hub.sign_up("flood@example.com")
    errors, journeys = Errors(), []
    watcher = make_client("it", start=False)
    watcher.subscribe(Topic.ERRORS, ErrorEvent, errors.add)
    watcher.subscribe(Topic.JOURNEY, Journey, lambda r: journeys.append(r.message))
    watcher.start()
    assert watcher.wait_subscribed(5)

    topics = subscribed_topics(hub.service.client)
    assert {Topic.SIGHTINGS, Topic.RECEIPT, Topic.GATEWAY_STATUS, Topic.GATEWAY_HEALTH} <= topics
    names = {t: t.build("demo", device_for(t)) for t in topics}

    health_codes: list[int] = []
    stop = threading.Event()

    def poll_health() -> None:
        while not stop.is_set():
            try:
                health_codes.append(requests.get(hub.url + "/healthz", timeout=5).status_code)
            except requests.RequestException:
                health_codes.append(0)
            stop.wait(0.1)

    poller = threading.Thread(target=poll_health, daemon=True)
    poller.start()
    stats = hub.service.client.stats
    rejected_before = stats.rejected
    started = time.monotonic()
    try:
        sent, families = send_flood(make_client("flood", persistent=False), names, seed=5)
        assert wait_for(lambda: stats.rejected - rejected_before >= sent, 60), (stats.rejected, sent)
    finally:
        stop.set()
        poller.join(10)
    took = time.monotonic() - started

    assert stats.rejected - rejected_before == sent, "a payload was not counted (or one was taken)"
    assert stats.handler_errors == 0
    assert health_codes, "/healthz was never polled"
    assert set(health_codes) == {200}, Counter(health_codes)
    assert_rate_limited(errors.by("hub"), sent)

    hub.sight("gw-09", [(shopper, -55.0)])  # a valid batch after the flood
    assert wait_for(lambda: any(j.event == "enter" for j in journeys), 10), "valid sightings not processed"
    assert requests.get(hub.url + "/healthz", timeout=5).status_code == 200
    print(f"hub flood: {sent} payloads on {len(topics)} topics ({sorted(t.name for t in topics)}) in {took:.1f} s, "
          f"families {dict(families)}; all counted, {len(errors.by('hub'))} error events, "
          f"{len(health_codes)} /healthz polls all 200, valid sightings processed after")  # fmt: skip


def test_a_gateway_flooded_on_its_config_and_cmd_topics_keeps_reporting_and_obeying(
    tmp_path: Path, broker: MosquittoBroker, bluez: VirtualBluez, make_client: Callable[..., MqttClient]
) -> None:
    batches, errors, results = SeqLog(), Errors(), []
    it = make_client("it", client_id="faults-it", start=False)
    it.subscribe(Topic.SIGHTINGS, Sightings, batches.add)
    it.subscribe(Topic.ERRORS, ErrorEvent, errors.add)
    it.subscribe(Topic.GATEWAY_CMD_RESULT, CommandResult, lambda r: results.append(r.message))
    it.start()
    assert it.wait_subscribed(5)
    folder = tmp_path / "gw"
    folder.mkdir()
    gateway = GatewayUnderTest(folder, broker, bluez, extra="report_interval = 0.5")
    gateway.start()
    try:
        with Advertiser(bluez, phones=3, rate_hz=5.0):
            assert wait_for(lambda: len(batches.unique()) >= 2, 15), gateway.log.read_text()
            topics = {t: t.build("demo", "gw-01") for t in (Topic.GATEWAY_CONFIG, Topic.GATEWAY_CMD)}
            started = time.monotonic()
            sent, families = send_flood(make_client("flood", persistent=False), topics, seed=11)
            assert wait_for(lambda: len(errors.by("gw-01")) >= 1, 10)
            seen = len(batches.unique())
            assert wait_for(lambda: len(batches.unique()) >= seen + 4, 15), "the gateway stopped reporting"
            took = time.monotonic() - started
            assert gateway.process is not None
            assert gateway.process.poll() is None, "the gateway died"
            it.publish(Topic.GATEWAY_CMD, Command(id="after-flood", cmd="identify"), device="gw-01")
            assert wait_for(lambda: any(r.id == "after-flood" for r in results), 10), "a valid command went unanswered"
    finally:
        gateway.stop()
    seqs = batches.unique()
    assert seqs == list(range(1, len(seqs) + 1))
    assert_rate_limited(errors.by("gw-01"), sent)
    print(
        f"gateway flood: {sent} payloads on config and cmd in {took:.1f} s, families {dict(families)}; "
        f"{len(errors.by('gw-01'))} error events, batches went on, a valid command answered after"
    )
