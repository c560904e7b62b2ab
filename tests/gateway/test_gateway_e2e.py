"""The gateway end to end: real bleak scanning a virtual BlueZ, a real Mosquitto, `corsia gateway` as a process."""

from __future__ import annotations

import contextlib
import signal
import socket
import sqlite3
import time
from pathlib import Path

from edge.broker import MosquittoBroker
from edge.protocol import AllowList as AllowMessage
from edge.protocol import Command, GatewayConfig, Status, Topic
from firmware_sim.bluez import VirtualBluez
from tests.conftest import wait_for
from tests.gateway.conftest import TAG, Bus, GatewayUnderTest, eid_advert, ibeacon_advert

PHONE = bytes.fromhex("1a2b3c4d5e6f7a8b")
PHONE_ID = "eid:1a2b3c4d5e6f7a8b"
TAG_ID = f"ib:{TAG}:100:7"
STRANGER_UUID = "11111111-2222-3333-4444-555555555555"


def advertise_for(bluez: VirtualBluez, seconds: float, rate_hz: float = 10.0) -> int:
    sent = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        bluez.advertise("C0:FF:EE:00:00:01", rssi=-62, service_data=eid_advert(PHONE))
        bluez.advertise("C0:FF:EE:00:00:02", rssi=-75, manufacturer_data=ibeacon_advert(TAG, 100, 7))
        bluez.advertise("C0:FF:EE:00:00:03", rssi=-50, manufacturer_data=ibeacon_advert(STRANGER_UUID, 9, 9))
        sent += 1
        time.sleep(1.0 / rate_hz)
    return sent


def heard(bus: Bus) -> dict[str, int]:
    counts: dict[str, int] = {}
    for batch in bus.batches():
        for item in batch.items:
            counts[item.id] = counts.get(item.id, 0) + item.n
    return counts


def seqs(bus: Bus) -> list[int]:
    return [b.seq for b in bus.batches()]


def test_phones_and_tags_are_reported_and_strangers_never(gateway: GatewayUnderTest, bus: Bus) -> None:
    sent = advertise_for(gateway.bluez, 3.0)
    assert wait_for(lambda: heard(bus).get(PHONE_ID) == sent and heard(bus).get(TAG_ID) == sent, 10), heard(bus)
    assert set(heard(bus)) == {PHONE_ID, TAG_ID}
    items = [i for b in bus.batches() for i in b.items if i.id == PHONE_ID]
    assert all(-63.0 <= i.rssi <= -61.0 for i in items)  # filtered around the -62 dBm the phone gave
    assert all(i.tx == -18 - 41 for i in items)
    assert all(b.gw == "gw-01" and b.interval == 1.0 for b in bus.batches())
    batch_seqs = seqs(bus)
    assert batch_seqs == list(range(batch_seqs[0], batch_seqs[0] + len(batch_seqs)))
    # The stranger's frames were never written either: not in the spool file, not in the log.
    spool = (gateway.folder / "spool.db").read_bytes() + (gateway.folder / "spool.db-wal").read_bytes()
    assert b"11111111-2222" not in spool
    assert "11111111" not in gateway.log.read_text()
    assert "C0:FF:EE" not in gateway.log.read_text()


def test_broker_away_for_30s_loses_no_batch(gateway: GatewayUnderTest, bus: Bus, broker: MosquittoBroker) -> None:
    advertise_for(gateway.bluez, 2.0)
    assert wait_for(lambda: len(bus.batches()) >= 2, 5)
    broker.stop()
    sent_during = advertise_for(gateway.bluez, 30.0, rate_hz=5)
    broker.start()
    advertise_for(gateway.bluez, 2.0)
    time.sleep(2.0)
    assert wait_for(lambda: heard(bus).get(PHONE_ID, 0) >= sent_during, 30)
    got = seqs(bus)
    unique = sorted(set(got))
    assert unique == list(range(unique[0], unique[-1] + 1)), "a batch is missing"
    first_seen: list[int] = []
    for seq in got:
        if seq not in first_seen:
            first_seen.append(seq)
    assert first_seen == unique, "batches arrived out of seq order"
    assert len(unique) >= 34


def test_sigkill_and_restart_continues_seq_and_replays_the_spool(
    gateway: GatewayUnderTest, bus: Bus, broker: MosquittoBroker
) -> None:
    advertise_for(gateway.bluez, 2.0)
    assert wait_for(lambda: len(bus.batches()) >= 2, 5)
    broker.stop()  # batches pile up in the spool only
    advertise_for(gateway.bluez, 3.0)
    assert gateway.signal(signal.SIGKILL) == -signal.SIGKILL
    with sqlite3.connect(gateway.folder / "spool.db") as db:
        spooled = [row[0] for row in db.execute("SELECT seq FROM batch ORDER BY seq")]
    assert len(spooled) >= 2
    broker.start()
    gateway.start()
    advertise_for(gateway.bluez, 2.0)
    assert wait_for(lambda: set(spooled) <= set(seqs(bus)), 15)
    unique = sorted(set(seqs(bus)))
    assert unique == list(range(unique[0], unique[-1] + 1))  # continued, no gap, no reuse
    statuses = [s.state for s in bus.get(Topic.GATEWAY_STATUS) if isinstance(s, Status)]
    assert "offline" in statuses  # the LWT told the store the gateway had died


def test_sigterm_says_offline_flushes_and_exits_0(gateway: GatewayUnderTest, bus: Bus) -> None:
    gateway.bluez.advertise("C0:FF:EE:00:00:01", rssi=-62, service_data=eid_advert(PHONE))
    time.sleep(0.2)
    assert gateway.signal(signal.SIGTERM) == 0
    assert wait_for(lambda: heard(bus).get(PHONE_ID) == 1, 5)  # the partial last interval was reported
    states = [s.state for s in bus.get(Topic.GATEWAY_STATUS) if isinstance(s, Status)]
    assert states[-1] == "offline"
    with sqlite3.connect(gateway.folder / "spool.db") as db:
        assert db.execute("SELECT COUNT(*) FROM batch").fetchone()[0] == 0


def test_remote_config_applies_live_and_a_bad_one_is_rejected(gateway: GatewayUnderTest, bus: Bus) -> None:
    client = bus.client  # type: ignore[attr-defined]
    narrow = GatewayConfig(rev=5, allow=AllowMessage(eid=False, ibeacon_uuids=[TAG]), rssi_offset=-3.0)
    client.publish(Topic.GATEWAY_CONFIG, narrow, device="gw-01").wait(5)
    assert wait_for(lambda: [a.rev for a in bus.get(Topic.GATEWAY_CONFIG_APPLIED)] == [5], 5)  # type: ignore[attr-defined]
    before = len(bus.batches())
    advertise_for(gateway.bluez, 2.0)
    time.sleep(1.5)
    later = bus.batches()[before:]
    ids = {i.id for b in later for i in b.items}
    assert ids == {TAG_ID}
    assert all(-79.0 <= i.rssi <= -77.0 for b in later for i in b.items)  # -75 heard, -3 dB calibration
    bad = GatewayConfig(rev=6, allow=AllowMessage(ibeacon_uuids=["not-a-uuid"]))
    client.publish(Topic.GATEWAY_CONFIG, bad, device="gw-01").wait(5)
    assert wait_for(lambda: any("rev 6 rejected" in e.reason for e in bus.get(Topic.ERRORS)), 5)  # type: ignore[attr-defined]
    before = len(bus.batches())
    advertise_for(gateway.bluez, 1.5)
    time.sleep(1.5)
    assert {i.id for b in bus.batches()[before:] for i in b.items} == {TAG_ID}  # the old config stayed


def test_commands_are_answered(gateway: GatewayUnderTest, bus: Bus) -> None:
    client = bus.client  # type: ignore[attr-defined]
    for i, cmd in enumerate(["identify", "rescan", "reload"]):
        client.publish(Topic.GATEWAY_CMD, Command(id=f"c-{i}", cmd=cmd), device="gw-01").wait(5)  # type: ignore[arg-type]
    assert wait_for(lambda: len(bus.get(Topic.GATEWAY_CMD_RESULT)) == 3, 10)
    results = {r.id: r for r in bus.get(Topic.GATEWAY_CMD_RESULT)}  # type: ignore[attr-defined]
    assert all(r.ok for r in results.values()), results
    assert "gw-01" in results["c-0"].detail
    assert gateway.bluez.discovering
    sent = advertise_for(gateway.bluez, 1.0)
    assert wait_for(lambda: heard(bus).get(PHONE_ID, 0) >= sent, 5)


def test_systemd_notify_ready_and_watchdog(
    tmp_path: Path, broker: MosquittoBroker, bluez: VirtualBluez, bus: Bus
) -> None:
    sock_path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(sock_path))
        sock.settimeout(10)
        gw = GatewayUnderTest(tmp_path, broker, bluez)
        gw.start(NOTIFY_SOCKET=str(sock_path), WATCHDOG_USEC="400000")
        try:
            received = [sock.recv(256).decode() for _ in range(4)]
            assert received[0] == "READY=1"
            assert received.count("WATCHDOG=1") >= 2  # every 0.2 s: half the watchdog period
            assert gw.signal(signal.SIGTERM) == 0
            rest = []
            sock.settimeout(0.5)
            with contextlib.suppress(TimeoutError):
                while True:
                    rest.append(sock.recv(256).decode())
            assert "STOPPING=1" in rest
        finally:
            gw.stop()


def test_sigterm_while_the_watchdog_is_recovering_still_exits_promptly(gateway: GatewayUnderTest) -> None:
    gateway.bluez.stop_discovery_silently()
    time.sleep(1.2)  # the watchdog has seen it and is restarting discovery
    started = time.monotonic()
    assert gateway.signal(signal.SIGTERM) == 0
    assert time.monotonic() - started < 10.0
    assert "Traceback" not in gateway.log.read_text()
