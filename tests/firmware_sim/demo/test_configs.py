"""The demo's state folder and config files: each process's loader takes its file, the secrets are in 0600 files,
the kiosk knows the hub's kiosk token, and only a folder the demo made is ever wiped."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from edge.config import load_gateway_config, load_hub_config, load_kiosk_config
from firmware_sim.demo.configs import (
    MARKER,
    MQTT_USER,
    NotDemoState,
    Ports,
    StatePaths,
    Tokens,
    prepare_state,
    write_configs,
)
from firmware_sim.world.scenarios import DEMO_LAYOUT


def test_each_process_loads_its_config_with_the_runs_ports_and_secrets(tmp_path: Path) -> None:
    paths = prepare_state(tmp_path / "state")
    tokens = Tokens.new()
    write_configs(paths, Ports(1884, 8001, 8081), tokens, card_reader="/tmp/reader", camera="/tmp/camera.avi")
    hub = load_hub_config(paths.hub_toml, env={})
    assert hub.mqtt.port == 1884
    assert hub.mqtt.username == MQTT_USER
    assert hub.hub.http == "127.0.0.1:8001"
    assert hub.hub.public_url == "http://127.0.0.1:8001"
    assert hub.hub.admin_token == tokens.admin
    assert hub.hub.kiosk_token == tokens.kiosk
    assert Path(hub.hub.db).parent == paths.root
    assert Path(hub.store.layout) == DEMO_LAYOUT
    gateway = load_gateway_config(paths.gateway_toml, env={"CORSIA_GATEWAY_ID": "gw-07"})
    assert gateway.gateway.id == "gw-07"
    assert gateway.gateway.allow.eid
    assert gateway.mqtt.port == 1884
    kiosk = load_kiosk_config(paths.kiosk_toml, env={})
    assert kiosk.kiosk.hub_url == "http://127.0.0.1:8001"
    assert kiosk.kiosk.hub_token == tokens.kiosk
    assert kiosk.kiosk.card_reader == "/tmp/reader"
    assert kiosk.kiosk.camera == "/tmp/camera.avi"
    for secret in (paths.admin_token, paths.kiosk_token):
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert Tokens.new() != tokens


def test_a_folder_the_demo_made_is_wiped_at_the_next_start(tmp_path: Path) -> None:
    paths = prepare_state(tmp_path / "state")
    (paths.root / "hub.db").write_text("old run")
    again = prepare_state(tmp_path / "state")
    assert again == StatePaths((tmp_path / "state").resolve())
    assert sorted(p.name for p in again.root.iterdir()) == [MARKER]


def test_any_other_folder_is_left_alone(tmp_path: Path) -> None:
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(NotDemoState, match="not empty"):
        prepare_state(precious)
    assert (precious / "thesis.tex").read_text() == "years of work"
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(NotDemoState, match="not a folder"):
        prepare_state(a_file)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert (prepare_state(empty).root / MARKER).exists()
