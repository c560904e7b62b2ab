"""`corsia calibrate` as IT runs it: from a recording of the simulated calibration walk (as `mosquitto_sub -v`
prints it, with noise in it), and live from a real Mosquitto while the walk's batches are published."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from edge.broker import MosquittoBroker
from edge.mqtt import MqttClient
from edge.protocol import Sightings, Topic, encode
from edge.store import load_layout
from firmware_sim.eval.batches import gateway_batches
from firmware_sim.world.calibration import TAG_ID, calibration_walk
from gateway.filters import FilterSettings
from tests.conftest import REPO
from tests.edge.monitor.conftest import DEMO_LAYOUT

TRUTH = {g.id: g.rssi_offset for g in load_layout(DEMO_LAYOUT).gateways}


def corsia_calibrate(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "edge.cli", "calibrate", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def walk_batches(hold_s: float) -> tuple[str, list[Sightings]]:
    """The tag's id and every gateway's batches of the demo store's calibration walk (receivers off by minus the
    demo layout's offsets, which are then the truth)."""
    walk = calibration_walk(load_layout(DEMO_LAYOUT), seed=1, hold_s=hold_s, circle_m=1.0)
    batches = [
        Sightings(gw=b.gateway, seq=b.seq, t=b.t, interval=1.0, items=b.items)
        for b in gateway_batches(walk, FilterSettings(), 1.0, walk.end_t + 2.0)
    ]
    return dict(walk.tags)[TAG_ID], batches


@pytest.fixture
def uncalibrated(tmp_path: Path) -> Path:
    """A copy of the demo layout with every offset at 0, as before the walk."""
    path = tmp_path / "store.toml"
    text = DEMO_LAYOUT.read_text(encoding="utf-8")
    path.write_text("\n".join(ln for ln in text.splitlines() if not ln.startswith("rssi_offset")) + "\n")
    assert all(g.rssi_offset == 0.0 for g in load_layout(path).gateways)
    return path


def test_a_recording_gives_every_offset_and_writes_them_into_the_layout(
    tmp_path: Path, uncalibrated: Path, monitor_config: Callable[..., Path]
) -> None:
    tag, batches = walk_batches(180.0)
    topic = Topic.SIGHTINGS.build("demo", "gw-01").rsplit("/", 2)[0]
    lines = [f"{topic}/{b.gw}/sightings {encode(b).decode()}" for b in batches]
    lines[100:100] = ["", "corsia/v1/demo/gw/gw-01/health {}", '{"v":1,"gw":"gw-01"}', "\x00\xff garbage"]
    lines += lines[500:520]  # delivered twice: counted once
    recording = tmp_path / "walk.txt"
    recording.write_text("\n".join(lines), encoding="utf-8")
    result = corsia_calibrate(
        "--config", str(monitor_config(layout=uncalibrated)), "--tag", tag, "--from", str(recording),
        "--json", str(tmp_path / "out.json"), "--write",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert doc["complete"] is True
    assert doc["rejected"] == 3
    found = {g["gateway"]: g["offset_db"] for g in doc["gateways"]}
    errors = [found[g] - TRUTH[g] for g in TRUTH]
    assert max(map(abs, errors)) < 2.0, errors
    assert sum(e * e for e in errors) < sum(t * t for t in TRUTH.values())  # closer than leaving them at 0
    assert {g.id: g.rssi_offset for g in load_layout(uncalibrated).gateways} == found
    assert "gw-06: rssi_offset = " in result.stdout
    assert "3 payloads were not sightings" in result.stdout


def test_live_it_listens_until_every_gateway_is_done(
    tmp_path: Path, broker: MosquittoBroker, make_client: Callable[..., MqttClient],
    monitor_config: Callable[..., Path], uncalibrated: Path,
) -> None:  # fmt: skip
    tag, batches = walk_batches(60.0)
    proc = subprocess.Popen(
        [sys.executable, "-m", "edge.cli", "calibrate", "--config", str(monitor_config(layout=uncalibrated)),
         "--tag", tag, "--min-hold", "25", "--seconds", "60", "--json", str(tmp_path / "live.json")],
        cwd=REPO, env=dict(os.environ, COLUMNS="200"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        head = [proc.stdout.readline() for _ in range(3)]  # the connection's log line, then the instructions
        assert any("Listening for" in line for line in head), head
        publisher = make_client(client_id="gw-sim")
        for b in batches:
            publisher.publish(Topic.SIGHTINGS, b, device=b.gw)
        started = time.monotonic()
        out = proc.stdout.read()
        assert proc.wait(timeout=60) == 0, out
        assert time.monotonic() - started < 30  # it stopped when done, not at --seconds
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    assert "done (12 of 12)" in out
    doc = json.loads((tmp_path / "live.json").read_text(encoding="utf-8"))
    assert doc["complete"] is True
    assert doc["readings"] > 12 * 25
    assert {g.rssi_offset for g in load_layout(uncalibrated).gateways} == {0.0}  # no --write: untouched


@pytest.mark.parametrize(
    ("tag", "message"),
    [("eid:0011223344556677", "changes every few minutes"), ("aa:bb:cc:dd:ee:ff", "not a beacon id")],
)
def test_a_tag_that_cannot_calibrate_is_refused(tag: str, message: str) -> None:
    result = corsia_calibrate("--tag", tag, "--from", "/dev/null")
    assert result.returncode == 2
    assert message in result.stderr


def test_an_unreadable_recording_is_a_configuration_error(tmp_path: Path, monitor_config: Callable[..., Path]) -> None:
    tag = "ib:f7826da6-4fa2-4e98-8024-bc5b71e0893e:1:65535"
    result = corsia_calibrate("--config", str(monitor_config()), "--tag", tag, "--from", str(tmp_path / "none.txt"))
    assert result.returncode == 78
    assert "none.txt" in result.stderr


def test_nothing_heard_calibrates_nothing_and_fails(tmp_path: Path, monitor_config: Callable[..., Path]) -> None:
    layout = tmp_path / "store.toml"
    shutil.copy(DEMO_LAYOUT, layout)
    before = layout.read_text(encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    tag = "ib:f7826da6-4fa2-4e98-8024-bc5b71e0893e:1:65535"
    result = corsia_calibrate("--config", str(monitor_config(layout=layout)), "--tag", tag, "--from", str(empty),
                              "--write")  # fmt: skip
    assert result.returncode == 1
    assert "the tag was never held under it" in result.stdout
    assert layout.read_text(encoding="utf-8") == before
