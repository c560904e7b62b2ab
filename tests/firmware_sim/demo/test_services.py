"""Starting the demo's servers: either broker listens and stops; a hub that cannot start is an error with its log;
a kiosk that cannot start is a problem the demo reports and goes on without."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from edge.broker import free_port, port_open
from firmware_sim.demo.configs import Ports, StatePaths, Tokens, prepare_state, write_configs
from firmware_sim.demo.processes import ChildProcess, DemoError
from firmware_sim.demo.services import Broker, start_hub, start_kiosk


@pytest.mark.parametrize("embedded", [False, True], ids=["mosquitto", "embedded"])
def test_either_broker_listens_and_stops(tmp_path: Path, embedded: bool) -> None:
    port = free_port()
    broker = Broker(StatePaths(tmp_path), port, embedded=embedded).start()
    try:
        assert broker.kind == ("embedded amqtt" if embedded else "Mosquitto")
        assert broker.running
        assert port_open("127.0.0.1", port)
    finally:
        broker.stop()
    assert not broker.running
    assert not port_open("127.0.0.1", port)


def configured(tmp_path: Path, ports: Ports) -> StatePaths:
    paths = prepare_state(tmp_path / "state")
    write_configs(paths, ports, Tokens.new(), card_reader="", camera="")
    return paths


def test_a_hub_that_cannot_start_is_an_error_that_shows_its_log(tmp_path: Path) -> None:
    ports = Ports(free_port(), free_port(), free_port())
    paths = configured(tmp_path, ports)
    paths.hub_toml.write_text(paths.hub_toml.read_text() + "\n[hub.nonsense]\n")
    with pytest.raises(DemoError, match="exited with code 78") as caught:
        start_hub(paths, ports.hub)
    assert caught.value.part == "hub"
    assert "nonsense" in caught.value.reason  # the end of hub.log, where the hub says what is wrong


def test_a_kiosk_that_cannot_start_is_reported_not_raised(tmp_path: Path) -> None:
    ports = Ports(free_port(), free_port(), free_port())
    paths = configured(tmp_path, ports)
    paths.kiosk_toml.write_text(
        paths.kiosk_toml.read_text().replace('card_protocol = "barcode"', 'card_protocol = "x"')
    )
    started = start_kiosk(paths, ports.kiosk)
    assert started.process is None
    assert "card_protocol" in started.problem
    assert str(paths.log("kiosk")) in started.problem


def test_a_child_that_ignores_sigterm_is_killed_and_one_that_dies_early_says_why(tmp_path: Path) -> None:
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); " \
        "time.sleep(60)"  # fmt: skip
    child = ChildProcess("stubborn", [sys.executable, "-c", stubborn], tmp_path / "stubborn.log").start()
    child.wait_until(lambda: "up" in (tmp_path / "stubborn.log").read_text(), 10, "up")
    assert child.stop(timeout_s=0.5) == -9
    assert not child.running
    early = ChildProcess("early", [sys.executable, "-c", "print('no config'); raise SystemExit(3)"], tmp_path / "e.log")
    early.start()
    with pytest.raises(DemoError, match="exited with code 3 before ready") as caught:
        early.wait_until(lambda: False, 10, "ready")
    assert "no config" in caught.value.reason
    assert early.stop() == 3
