"""`corsia monitor` as IT runs it: a subprocess against a real Mosquitto and a real `corsia gateway` scanning a
virtual BlueZ; and the last will of a gateway that dies, timed from the kill to the monitor's model."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from edge import __version__, cli
from edge.broker import MosquittoBroker, free_port
from edge.config import MqttSection
from edge.monitor import DeviceView, Fleet
from edge.monitor.feed import FleetFeed
from edge.mqtt import MqttClient
from edge.protocol import GatewayHealth, Topic
from firmware_sim.bluez import VirtualBluez
from tests.conftest import REPO, wait_for
from tests.edge.monitor.conftest import DEMO_LAYOUT, alert, gw_health
from tests.gateway.conftest import GatewayUnderTest

KEEPALIVE_S = 2  # the smallest the config allows: the tightest bound on the last will
LAYOUT_GATEWAYS = [f"gw-{i:02d}" for i in range(1, 13)]


def corsia_monitor(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "edge.cli", "monitor", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


@pytest.fixture
def gateway(tmp_path: Path, broker: MosquittoBroker, bluez: VirtualBluez) -> Iterator[GatewayUnderTest]:
    """`corsia gateway` (id gw-01, health every second) with a 2 s keep-alive, up and reporting."""
    folder = tmp_path / "gateway"
    folder.mkdir()
    gw = GatewayUnderTest(folder, broker, bluez)
    gw.start(CORSIA_MQTT_KEEPALIVE_S=str(KEEPALIVE_S))
    yield gw
    gw.stop()


@pytest.fixture
def feed(mqtt_settings: MqttSection) -> Iterator[FleetFeed]:
    """The monitor's own fleet model and MQTT side, in this process, so a test can time what it sees."""
    fleet = Fleet("demo", gateways=[(g, None) for g in LAYOUT_GATEWAYS], started=time.time())
    running = FleetFeed(mqtt_settings, fleet)
    running.start(5.0)
    yield running
    running.stop()


def gw01(feed: FleetFeed) -> DeviceView[GatewayHealth]:
    return next(g for g in feed.snapshot().gateways if g.id == "gw-01")


def reporting(feed: FleetFeed) -> bool:
    g = gw01(feed)
    return g.state == "online" and g.health is not None and abs(g.health_period_s - 1.0) < 0.2


def test_json_lists_every_gateway_of_the_store_and_the_running_one_with_its_health(
    gateway: GatewayUnderTest, feed: FleetFeed, monitor_config: Callable[..., Path]
) -> None:
    assert wait_for(lambda: reporting(feed), 10), gateway.log.read_text()
    result = corsia_monitor("--config", str(monitor_config()), "--json", "--seconds", "2.5")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)  # stdout is the document and nothing else
    assert doc["store"] == "demo"
    assert [g["id"] for g in doc["gateways"]] == LAYOUT_GATEWAYS
    by_id = {g["id"]: g for g in doc["gateways"]}
    gw = by_id["gw-01"]
    assert (gw["state"], gw["zone"], gw["in_layout"], gw["version"]) == ("online", "aisle-1", True, __version__)
    assert gw["age_s"] is not None
    assert gw["age_s"] < 2.0
    health = gw["health"]
    assert health["scanner"] == "scanning"
    assert health["uptime_s"] > 0
    assert health["rss_mb"] > 10
    assert (health["dropped"], health["beacons"]) == (0, 0)  # nobody is advertising
    assert health["spool"] <= 1  # a batch may be on its way to the broker when the report is made
    assert all(by_id[g]["state"] == "never seen" for g in LAYOUT_GATEWAYS[1:])
    assert doc["hub"]["state"] == "never seen"
    assert doc["broker"]["connected"] is True
    assert doc["broker"]["client_id"].startswith("corsia-monitor-")


def test_a_killed_gateway_turns_offline_within_one_and_a_half_keepalives(
    gateway: GatewayUnderTest, feed: FleetFeed
) -> None:
    assert wait_for(lambda: reporting(feed), 10), gateway.log.read_text()
    assert gateway.process is not None
    killed = time.monotonic()
    gateway.process.send_signal(signal.SIGKILL)
    assert wait_for(lambda: gw01(feed).state == "offline", 10)
    elapsed = time.monotonic() - killed
    assert elapsed <= 1.5 * KEEPALIVE_S, f"offline after {elapsed:.2f} s"
    assert gateway.process.wait(5) == -signal.SIGKILL  # it did not get to say goodbye: the broker did


def test_credentials_and_a_read_only_account_are_enough(tmp_path: Path) -> None:
    passwords = tmp_path / "passwd"
    passwords.touch()
    for user, secret in [("it-monitor", "it-s3cret"), ("gw-03", "gw-s3cret")]:
        subprocess.run(["mosquitto_passwd", "-b", str(passwords), user, secret], check=True)
    acl = tmp_path / "acl"
    acl.write_text(
        "user it-monitor\ntopic read corsia/v1/demo/#\n\nuser gw-03\ntopic readwrite corsia/v1/demo/gw/gw-03/#\n"
        "topic write corsia/v1/demo/alerts\n",
        encoding="utf-8",
    )
    extra = f"password_file {passwords}\nacl_file {acl}\n"
    with MosquittoBroker(tmp_path / "broker", extra_config=extra, allow_anonymous=False) as broker:
        device = MqttSection(port=broker.port, username="gw-03", password="gw-s3cret")
        gw = MqttClient(device, store="demo", client_id="gw-03", source="gw-03",
                        status=Topic.GATEWAY_STATUS, device="gw-03")  # fmt: skip
        gw.start()
        assert gw.wait_connected(5)
        (tmp_path / "it-password").write_text("it-s3cret\n", encoding="utf-8")
        config = tmp_path / "monitor.toml"
        config.write_text(
            f'[store]\nid = "demo"\nlayout = "{DEMO_LAYOUT}"\n[mqtt]\nport = {broker.port}\n'
            f'username = "it-monitor"\npassword_file = "{tmp_path / "it-password"}"\n',
            encoding="utf-8",
        )
        monitor = subprocess.Popen(
            [sys.executable, "-m", "edge.cli", "monitor", "--config", str(config), "--json", "--seconds", "2"],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        # Health and alerts are not retained: keep publishing while the monitor listens.
        deadline = time.monotonic() + 20
        while monitor.poll() is None and time.monotonic() < deadline:
            gw.publish(Topic.GATEWAY_HEALTH, gw_health(t=time.time(), spool=5), device="gw-03")
            gw.publish(Topic.ALERT, alert("spool_backlog", "gw-03", severity="warning"))
            time.sleep(0.25)
        out, err = monitor.communicate(timeout=20)
        gw.stop()
        assert monitor.returncode == 0, err
        doc = json.loads(out)
        gw03 = next(g for g in doc["gateways"] if g["id"] == "gw-03")
        assert gw03["state"] == "online"
        assert gw03["health"]["spool"] == 5
        assert [(a["kind"], a["source"]) for a in doc["alerts"]] == [("spool_backlog", "gw-03")]

        (tmp_path / "it-password").write_text("wrong\n", encoding="utf-8")
        started = time.monotonic()
        refused = corsia_monitor("--config", str(config), "--json")
        assert refused.returncode == cli.EXIT_FAILURE
        assert f"cannot connect to the MQTT broker at 127.0.0.1:{broker.port}: the broker refused" in refused.stderr
        assert time.monotonic() - started < 5.0  # a refusal is final: no point waiting for the timeout
        assert "it-s3cret" not in refused.stderr + refused.stdout


def test_an_unreachable_broker_exits_1_with_a_message(monitor_config: Callable[..., Path]) -> None:
    port = free_port()
    config = monitor_config().read_text().replace("port = ", f"port = {port}\n# was ")
    path = monitor_config(name="unreachable.toml")
    path.write_text(config, encoding="utf-8")
    result = corsia_monitor("--config", str(path), "--json")
    assert result.returncode == cli.EXIT_FAILURE
    assert f"corsia monitor: cannot connect to the MQTT broker at 127.0.0.1:{port}: Connection refused" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("extra", "layout_text", "message"),
    [
        ("keepalive_s = 1", None, "mqtt.keepalive_s"),
        ("colour = true", None, "mqtt.colour"),
        ("", '[store]\nid = "demo"\nname = "x"\nsize = [10.0, -1.0]\n', "store.size"),
    ],
    ids=["bad-value", "unknown-key", "broken-layout"],
)
def test_a_bad_config_exits_78(
    monitor_config: Callable[..., Path], tmp_path: Path, extra: str, layout_text: str | None, message: str
) -> None:
    layout = DEMO_LAYOUT
    if layout_text is not None:
        layout = tmp_path / "layout.toml"
        layout.write_text(layout_text, encoding="utf-8")
    result = corsia_monitor("--config", str(monitor_config(extra_mqtt=extra, layout=layout)), "--json")
    assert result.returncode == cli.EXIT_CONFIG
    assert "configuration error" in result.stderr
    assert message in result.stderr


def test_a_bad_store_id_is_a_usage_error() -> None:
    result = corsia_monitor("--store", "Milano Centro", "--json")
    assert result.returncode == cli.EXIT_USAGE
    assert "store id 'Milano Centro'" in result.stderr


def test_another_store_does_not_borrow_this_layout(monitor_config: Callable[..., Path]) -> None:
    result = corsia_monitor("--config", str(monitor_config()), "--json", "--seconds", "0.2", "--store", "milano-2")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["store"], doc["gateways"]) == ("milano-2", [])
    assert "not 'milano-2'" in result.stderr


def test_the_live_view_runs_for_the_seconds_asked(monitor_config: Callable[..., Path]) -> None:
    started = time.monotonic()
    result = corsia_monitor("--config", str(monitor_config()), "--seconds", "1")
    assert result.returncode == 0, result.stderr
    assert 1.0 <= time.monotonic() - started < 15
    assert "Corsia monitor · store demo" in result.stdout
    assert "gw-12" in result.stdout
    assert "never seen" in result.stdout
