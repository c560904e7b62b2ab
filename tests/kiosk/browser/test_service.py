"""``corsia kiosk`` as a process and for IT: the command serves the screen and stops cleanly; a retained online
status with its last will, and the health report every interval with the outbox, the hub and the card reader as
they are."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path

from edge.broker import free_port, port_open
from edge.config import MqttSection
from edge.mqtt import MqttClient, Received
from edge.protocol import KioskHealth, Status, Topic
from firmware_sim.devices.card_reader import VirtualCardReader
from tests.conftest import REPO, wait_for
from tests.kiosk.app.realhub import KIOSK_TOKEN, LAYOUT, RealHub
from tests.kiosk.browser.conftest import MakeKiosk


def test_status_and_health_reach_it_over_mqtt(
    make_kiosk: MakeKiosk, make_client: Callable[..., MqttClient], card_reader: VirtualCardReader
) -> None:
    lock = threading.Lock()
    statuses: list[Received[Status]] = []
    reports: list[KioskHealth] = []

    def on_status(message: Received[Status]) -> None:
        with lock:
            statuses.append(message)

    def on_health(message: Received[KioskHealth]) -> None:
        with lock:
            reports.append(message.message)

    it = make_client("it")
    it.subscribe(Topic.KIOSK_STATUS, Status, on_status)
    it.subscribe(Topic.KIOSK_HEALTH, KioskHealth, on_health)
    assert it.wait_subscribed(5)
    kiosk = make_kiosk(health_every_s=0.5)

    assert wait_for(lambda: any(s.message.state == "online" for s in statuses), timeout=10)
    assert statuses[-1].topic.device == "kiosk-01"
    assert wait_for(lambda: any(r.card_reader == "ok" and r.hub == "reachable" for r in reports), timeout=10)
    with lock:
        report = reports[-1]
    assert (report.outbox, report.camera) == (0, "none")
    assert report.rss_mb > 0
    assert report.uptime_s >= 0

    card_reader.unplug()
    assert wait_for(lambda: reports[-1].card_reader == "down", timeout=10)
    kiosk.stop()
    assert wait_for(lambda: statuses[-1].message.state == "offline", timeout=10)


def test_corsia_kiosk_serves_the_screen_and_stops_on_sigterm(
    tmp_path: Path, hub: RealHub, mqtt_settings: MqttSection
) -> None:
    port = free_port()
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f"""
[store]
id = "demo"
layout = "{LAYOUT}"

[mqtt]
host = "{mqtt_settings.host}"
port = {mqtt_settings.port}

[kiosk]
id = "kiosk-07"
http = "127.0.0.1:{port}"
hub_url = "{hub.url}"
hub_token = "{KIOSK_TOKEN}"
card_reader = ""
camera = ""
""",
        encoding="utf-8",
    )
    outbox = tmp_path / "state" / "outbox.db"
    command = [sys.executable, "-m", "edge.cli", "kiosk", "--config", str(config), "--outbox", str(outbox)]
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: port_open("127.0.0.1", port), 20)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert "Iscriviti" in response.read().decode()
        assert outbox.exists()
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(15) == 0
        assert not port_open("127.0.0.1", port)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
