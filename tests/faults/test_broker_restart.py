"""Mosquitto restarted twice while a real `corsia gateway` reports a steady stream of phones.

The subscriber stands for the hub: a persistent session, subscribed before the gateway starts. Every batch the
gateway numbered must reach it (the set of `seq` is 1..last with no hole), and every advertisement the virtual
BlueZ emitted must be counted in exactly one batch once duplicates are dropped by `seq`.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from edge.broker import MosquittoBroker
from edge.mqtt import MqttClient
from edge.protocol import Sightings, Topic
from firmware_sim.bluez import VirtualBluez
from tests.conftest import wait_for
from tests.faults.conftest import Advertiser, SeqLog
from tests.gateway.conftest import GatewayUnderTest

PHONES = 25
RATE_HZ = 8.0  # per phone: 200 advertisements a second in all
REPORT_INTERVAL_S = 0.2  # five batches a second, so each restart falls among many batches


def last_seq(spool: Path) -> int:
    with sqlite3.connect(spool) as db:
        return int(db.execute("SELECT value FROM meta WHERE key='next_seq'").fetchone()[0]) - 1


def test_two_broker_restarts_under_load_lose_no_batch_and_no_sighting(
    tmp_path: Path, broker: MosquittoBroker, bluez: VirtualBluez, make_client: Callable[..., MqttClient]
) -> None:
    log = SeqLog()
    hub = make_client("hub", client_id="faults-hub", start=False)  # persistent session: the hub's
    hub.subscribe(Topic.SIGHTINGS, Sightings, log.add)
    hub.start()
    assert hub.wait_subscribed(5)

    (tmp_path / "gw").mkdir()
    gateway = GatewayUnderTest(tmp_path / "gw", broker, bluez, extra=f"report_interval = {REPORT_INTERVAL_S}")
    gateway.start()
    try:
        with Advertiser(bluez, PHONES, RATE_HZ) as phones:
            assert wait_for(lambda: len(log.unique()) >= 10, 15), gateway.log.read_text()
            broker.restart()  # a clean restart: Mosquitto saves its sessions and comes straight back
            seen = len(log.unique())
            assert wait_for(lambda: len(log.unique()) >= seen + 10, 20), "no batch after the first restart"
            broker.restart(down_s=3.0)  # away for 3 s: the gateway spools, the subscriber waits
            seen = len(log.unique())
            assert wait_for(lambda: len(log.unique()) >= seen + 10, 20), "no batch after the second restart"
            phones.stop()
            bluez.wait_idle(5)
            time.sleep(2 * REPORT_INTERVAL_S)
        assert gateway.signal(signal.SIGTERM) == 0  # reports the partial interval and drains the spool
    finally:
        gateway.stop()
    last = last_seq(gateway.folder / "spool.db")
    assert wait_for(lambda: log.unique()[-1:] == [last], 15), "the last batch never arrived"

    assert log.unique() == list(range(1, last + 1)), "a batch is missing"
    counters = bluez.counters()
    assert counters.dropped == 0, counters  # the radio side lost nothing, so the counts below must match exactly
    assert log.heard() == phones.sent, "an advertisement was lost or counted twice"
    assert hub.stats.disconnects >= 2  # both restarts really cut the connections
    print(
        f"broker restarts: {last} batches, {sum(phones.sent.values())} advertisements of {PHONES} phones, "
        f"{log.duplicates()} QoS 1 duplicates deduped, 0 lost"
    )
