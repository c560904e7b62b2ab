"""`corsia hub` killed with SIGKILL while it dispatches, then restarted: every decided notification reaches the
shopper once, none is lost, none is decided twice.

The phones are offline while the hub dies and restarts, as a phone in a pocket often is: the push service holds
what it accepted, and a resend after the restart carries the same Topic, so it replaces the held copy instead of
adding one (RFC 8030 §5.4). When the phones come back, each shows each notification once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import requests

from edge.config import MqttSection
from edge.hub.db import Outbox, open_database
from edge.mqtt import MqttClient
from edge.protocol import Topic
from firmware_sim.devices.push_service import PushService
from tests.conftest import REPO, wait_for
from tests.edge.hub.conftest import ADMIN_TOKEN, CATALOG, KIOSK_TOKEN, LAYOUT

SHOPPERS = 24


def write_config(tmp_path: Path, mqtt: MqttSection, port: int) -> Path:
    state = tmp_path / "hub"
    config = tmp_path / "hub.toml"
    config.write_text(
        f"""
[store]
id = "demo"
layout = "{LAYOUT}"

[mqtt]
host = "{mqtt.host}"
port = {mqtt.port}
keepalive_s = 5
reconnect_min_s = 0.2
reconnect_max_s = 1.0

[hub]
db = "{state / "hub.db"}"
http = "127.0.0.1:{port}"
admin_token = "{ADMIN_TOKEN}"
kiosk_token = "{KIOSK_TOKEN}"
vapid_private_key_file = "{state / "vapid.pem"}"
secret_key_file = "{state / "secret.key"}"
public_url = "http://127.0.0.1:{port}"
""",
        encoding="utf-8",
    )
    return config


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "edge.cli", "hub", "--config", str(config)], cwd=REPO, env=env, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip


def test_sigkill_during_dispatch_loses_nothing_and_shows_each_notification_once(
    tmp_path: Path, mqtt_settings: MqttSection, make_client: type[MqttClient]
) -> None:
    port = free_port()
    config = write_config(tmp_path, mqtt_settings, port)
    log = tmp_path / "hub.log"
    url = f"http://127.0.0.1:{port}"
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    kiosk = {"Authorization": f"Bearer {KIOSK_TOKEN}"}
    hub = start(config, log)
    try:
        assert wait_for(lambda: _up(url), 30), log.read_text()
        assert requests.post(url + "/api/v1/catalog", json=CATALOG, headers=admin, timeout=10).status_code == 200
        key = requests.get(url + "/api/v1/push/key", timeout=10).json()["application_server_key"]
        with PushService() as push:
            shoppers = []
            for n in range(SHOPPERS):
                member = requests.post(url + "/api/v1/members", headers=kiosk, timeout=10, json={
                    "first_name": "Cliente", "last_name": f"Numero {n}", "email": f"cliente{n}@example.it",
                    "language": "it", "policy_version": "2026-01", "source": "kiosk",
                    "consents": {"service": True, "marketing": True, "profiling": False, "proximity": True},
                }).json()  # fmt: skip
                device = requests.post(url + "/api/v1/enroll", timeout=10, json={
                    "enrollment_token": member["enrollment_token"], "platform": "android"}).json()  # fmt: skip
                subscription = push.subscribe(key)
                push.offline(subscription)
                push.stall(subscription, 0.15)  # a slow push service: dispatch takes seconds, the kill lands in it
                app = {"Authorization": f"Bearer {device['app_token']}"}
                requests.post(url + f"/api/v1/members/{member['member_id']}/push-subscriptions", timeout=10,
                              headers=app, json=subscription.to_json())  # fmt: skip
                requests.put(url + f"/api/v1/members/{member['member_id']}/wishlist", headers=admin, timeout=10,
                             json={"skus": ["RUN-001"]})  # fmt: skip
                shoppers.append((bytes.fromhex(device["identity_key"]), subscription))

            from edge.identity import eid
            from edge.protocol import Sighting, Sightings

            gateway = make_client("gw-09")
            now = time.time()
            items = [Sighting(id="eid:" + eid(k, 10, int(now)).hex(), rssi=-55.0, raw=-55, n=5, tx=-59, dist=1.0)
                     for k, _ in shoppers]  # fmt: skip
            for seq in (1, 2):
                gateway.publish(Topic.SIGHTINGS, Sightings(gw="gw-09", seq=seq, t=now, interval=1.0, items=items),
                                device="gw-09")  # fmt: skip

            # Kill it in the middle of dispatching.
            assert wait_for(lambda: push.requests() >= SHOPPERS // 3, 30), log.read_text()
            hub.send_signal(signal.SIGKILL)
            hub.wait(10)
            sent_before = push.requests()
            assert sent_before < SHOPPERS, "the kill came too late to test anything"

            hub = start(config, log)
            db = open_database(tmp_path / "hub" / "hub.db")
            outbox = Outbox(db)
            assert wait_for(lambda: outbox.stats().get("sent", 0) == SHOPPERS, 60), (outbox.stats(), log.read_text())
            decided = {row for row in _ids(db)}
            db.close()
            assert len(decided) == SHOPPERS  # one store-entry push per shopper: the restart decided nothing twice

            for _, subscription in shoppers:
                push.online(subscription)
            deliveries = push.wait_for(SHOPPERS, timeout=20)
            shown = Counter(str(d.payload["notification_id"]) for d in deliveries)
            assert set(shown) == decided
            assert max(shown.values()) == 1
            assert push.requests() >= SHOPPERS  # what was in flight at the kill was sent again
    finally:
        hub.send_signal(signal.SIGTERM)
        hub.wait(15)


def _up(url: str) -> bool:
    try:
        return requests.get(url + "/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def _ids(db: object) -> list[str]:
    from edge.hub.db.database import fetch_all

    return [str(r["id"]) for r in fetch_all(db, "SELECT id FROM outbox")]  # type: ignore[arg-type]
