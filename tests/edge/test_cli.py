"""The `corsia` command: its subcommands, exit codes, and `corsia broker` for real."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import types
from pathlib import Path

import pytest

from edge import cli
from edge.broker import free_port, port_open
from edge.config import MqttSection
from edge.errors import ConfigError, CorsiaError
from edge.mqtt import MqttClient
from edge.protocol import Journey, Topic
from tests.conftest import REPO, wait_for

CORSIA = [sys.executable, "-m", "edge.cli"]
EXPECTED = {"demo", "hub", "gateway", "kiosk", "sim", "eval", "monitor", "calibrate", "offsets", "broker"}


def run(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CORSIA, *args], cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False)


def test_help_lists_every_command() -> None:
    result = run("--help")
    assert result.returncode == 0
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.startswith("    ") and line.split()}
    assert listed >= EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_command_has_help(name: str) -> None:
    result = run(name, "--help")
    assert result.returncode == 0, result.stderr
    assert f"corsia {name}" in result.stdout
    takes_config = next(s for s in cli.SUBCOMMANDS if s.name == name).takes_config
    assert ("--config" in result.stdout) is takes_config


def test_no_command_prints_help_and_fails() -> None:
    result = run()
    assert result.returncode == cli.EXIT_USAGE
    assert "commands" in result.stdout


def _fake(monkeypatch: pytest.MonkeyPatch, run_impl: object) -> None:
    module = types.ModuleType("corsia_fake_cmd")
    module.run = run_impl  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "corsia_fake_cmd", module)
    fake = cli.Subcommand("hub", "fake", "corsia_fake_cmd", True)
    monkeypatch.setattr(cli, "SUBCOMMANDS", (fake,))


def test_a_command_not_built_yet_says_so(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "SUBCOMMANDS", (cli.Subcommand("hub", "x", "edge.no_such_module_yet", True),))
    assert cli.main(["hub"]) == cli.EXIT_USAGE
    assert "not built yet" in capsys.readouterr().err


def test_configuration_errors_exit_with_ex_config(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(_args: object) -> int:
        raise ConfigError("/etc/corsia/hub.toml", "mqtt.port", "must be between 1 and 65535, got 0")

    _fake(monkeypatch, boom)
    assert cli.main(["hub", "--config", "x.toml"]) == cli.EXIT_CONFIG
    err = capsys.readouterr().err
    assert "/etc/corsia/hub.toml: mqtt.port: must be between 1 and 65535" in err


def test_domain_errors_exit_1_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(_args: object) -> int:
        raise CorsiaError("the broker is unreachable")

    _fake(monkeypatch, boom)
    assert cli.main(["hub"]) == cli.EXIT_FAILURE
    err = capsys.readouterr().err
    assert "the broker is unreachable" in err
    assert "Traceback" not in err


def test_edge_does_not_import_the_other_packages() -> None:
    code = "import edge.cli, edge.protocol, edge.config, edge.store, edge.mqtt, sys; " + (
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "{'gateway','kiosk','firmware_sim','flask','bleak','dbus_fast','cv2'}]; print(bad); sys.exit(bool(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("embedded", [False, True], ids=["mosquitto", "embedded"])
def test_corsia_broker_serves_mqtt_and_stops_on_sigterm(tmp_path: Path, embedded: bool) -> None:
    port = free_port()
    args = [*CORSIA, "broker", "--port", str(port), "--data-dir", str(tmp_path / "b")]
    proc = subprocess.Popen([*args, "--embedded"] if embedded else args, cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: port_open("127.0.0.1", port), 15)
        settings = MqttSection(port=port, username="corsia")  # amqtt wants a username for persistent sessions
        got: list[Journey] = []
        with MqttClient(settings, store="demo", client_id="cli-sub", source="t") as sub:
            sub.subscribe(Topic.JOURNEY, Journey, lambda r: got.append(r.message))
            assert sub.wait_connected(5)
            with MqttClient(settings, store="demo", client_id="cli-pub", source="t") as pub:
                assert pub.wait_connected(5)
                msg = Journey(t=1795392000.0, visit="v-1", member="p-1", event="enter")
                assert sub.wait_subscribed(5)
                # the subscription may still be in flight to the broker: publish until one arrives
                assert wait_for(lambda: pub.publish(Topic.JOURNEY, msg).wait(2) and bool(got), 10, 0.2)
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(15) == 0
        assert not port_open("127.0.0.1", port)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for sub in cli.SUBCOMMANDS:
        assert f"`corsia {sub.name}" in readme, f"README.md does not document `corsia {sub.name}`"
