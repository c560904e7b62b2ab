"""`corsia offsets`: the hub's learned offset corrections, asked of its API over HTTP, printed, and written into
the layout file. The API is the real one, served by werkzeug as the hub serves it; what it learned is given."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask

from edge import cli
from edge.hub.api.app import create_app
from edge.hub.context import HubContext
from edge.presence.offset_learning import OffsetEstimate
from edge.store import load_layout
from tests.conftest import REPO
from tests.edge.hub.api.conftest import ADMIN_TOKEN

Learned = list[OffsetEstimate]


@pytest.fixture
def hub(ctx: HubContext, serve_app: Callable[[Flask], str]) -> Callable[[Learned], str]:
    """Serve the API with `learned` as the live service's corrections; returns its URL."""
    return lambda learned: serve_app(create_app(replace(ctx, offsets=lambda: ({}, learned))))


def config(tmp_path: Path, token: str = ADMIN_TOKEN) -> tuple[Path, Path]:
    """A hub config file and the copy of the demo layout it names."""
    layout = tmp_path / "demo.toml"
    shutil.copy(REPO / "examples" / "stores" / "demo.toml", layout)
    path = tmp_path / "hub.toml"
    path.write_text(f'[store]\nid = "demo"\nlayout = "{layout}"\n\n[hub]\nadmin_token = "{token}"\n', encoding="utf-8")
    return path, layout


def every_gateway(correction: float | None) -> Learned:
    return [OffsetEstimate(f"gw-{n:02d}", correction, 40_000, 3.9) for n in range(1, 13)]


def test_it_prints_each_gateways_suggestion_and_writes_them_into_the_layout(
    tmp_path: Path, hub: Callable[[Learned], str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = hub([*every_gateway(0.04)[:3], OffsetEstimate("gw-04", -0.73, 40_000, 3.9), *every_gateway(0.0)[4:]])
    path, layout_file = config(tmp_path)
    before = layout_file.read_text(encoding="utf-8")
    assert cli.main(["offsets", "--config", str(path), "--hub", url]) == 0
    out = capsys.readouterr().out
    assert "gw-04      aisle-4          +1.5       -0.7      +0.8     40000" in out
    assert layout_file.read_text(encoding="utf-8") == before  # only with --write

    assert cli.main(["offsets", "--config", str(path), "--hub", url, "--write"]) == 0
    assert "Wrote 12 offsets" in capsys.readouterr().out
    offsets = {g.id: g.rssi_offset for g in load_layout(layout_file).gateways}
    assert offsets["gw-04"] == 0.8  # 1.5 − 0.73, to 0.1 dB
    assert offsets["gw-01"] == 0.5  # 0.5 + 0.04: the same to 0.1 dB
    assert offsets["gw-06"] == 2.0
    # every comment kept: the file is the same but for the one line
    changed = [(a, b) for a, b in zip(before.splitlines(), layout_file.read_text().splitlines(), strict=True) if a != b]
    assert changed == [("rssi_offset = 1.5", "rssi_offset = 0.8")]


def test_gateways_with_too_few_readings_are_listed_and_left_as_they_are(
    tmp_path: Path, hub: Callable[[Learned], str], capsys: pytest.CaptureFixture[str]
) -> None:
    learned = every_gateway(-0.5)
    learned[9] = OffsetEstimate("gw-10", None, 1_200, 4.4)
    url = hub(learned)
    path, layout_file = config(tmp_path)
    assert cli.main(["offsets", "--config", str(path), "--hub", url, "--write"]) == 1
    assert "gw-10      checkout         -2.0          —         —      1200" in capsys.readouterr().out
    offsets = {g.id: g.rssi_offset for g in load_layout(layout_file).gateways}
    assert offsets["gw-10"] == -2.0
    assert offsets["gw-04"] == 1.0


def test_a_layout_changed_since_the_hub_started_is_not_written(
    tmp_path: Path, hub: Callable[[Learned], str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = hub(every_gateway(-0.5))
    path, layout_file = config(tmp_path)
    layout_file.write_text(layout_file.read_text().replace("rssi_offset = 1.5", "rssi_offset = 1.0"))
    before = layout_file.read_text()
    assert cli.main(["offsets", "--config", str(path), "--hub", url, "--write"]) == cli.EXIT_CONFIG
    assert "restart the hub with this layout" in capsys.readouterr().err
    assert layout_file.read_text() == before


def test_a_wrong_token_or_no_hub_is_a_clear_error(
    tmp_path: Path, hub: Callable[[Learned], str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = hub(every_gateway(0.0))
    path, _ = config(tmp_path, token="not-the-admin-token-0123456789")
    assert cli.main(["offsets", "--config", str(path), "--hub", url]) == cli.EXIT_FAILURE
    assert "answered 401" in capsys.readouterr().err
    path, _ = config(tmp_path)
    assert cli.main(["offsets", "--config", str(path), "--hub", "http://127.0.0.1:9"]) == cli.EXIT_FAILURE
    assert "cannot reach the hub at http://127.0.0.1:9/api/v1/stores/demo/gateways/offsets" in capsys.readouterr().err


def test_without_an_admin_token_it_says_which_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = config(tmp_path, token="")
    assert cli.main(["offsets", "--config", str(path)]) == cli.EXIT_CONFIG
    assert "admin_token" in capsys.readouterr().err
