"""The benchmark scripts run and their built-in correctness checks pass (no timing is asserted here)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.mark.parametrize(
    "args",
    [
        ["bench/protocol_codec.py", "--items", "8", "--seconds", "0.05"],
        ["bench/presence_flapping.py", "--seeds", "1", "--minutes", "1", "--set", "hmm_evidence=1.3"],
        ["bench/presence_switches.py", "--seeds", "1", "--scenario", "store-small", "--set", "points_switch_p=0.7"],
        ["bench/presence_placement.py", "--seeds", "1", "--variants", "mouths", "--scenario", "store-small"],
        ["bench/presence_ceiling.py", "--scenario", "store-small", "--placement", "two-per-aisle"],
        ["bench/presence_rules.py", "--seeds", "1", "--filters", "ewma", "--rules", "best-gateway,hmm-points"],
        ["bench/presence_pavement.py", "--seeds", "1", "--aisle-y", "8", "--scenario", "store-small"],
        ["bench/presence_boundary.py", "--seeds", "1"],
        ["bench/calibration.py", "--walk-seeds", "1", "--no-busy"],
        ["bench/offset_drift.py", "--scenario", "store-small", "--knocks", "gw-09=6"],
        [
            "bench/gateway_pipeline.py",
            "--adverts",
            "5000",
            "--theengs-seconds",
            "0.2",
            "--e2e-rates",
            "500",
            "--e2e-seconds",
            "1",
        ],
    ],
    ids=lambda a: a[0],
)
def test_bench_script_runs_and_its_checks_pass(args: list[str]) -> None:
    result = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_presence_rules_names_the_filter_or_rule_it_does_not_know() -> None:
    result = subprocess.run(
        [sys.executable, "bench/presence_rules.py", "--rules", "hmm-points,nearest"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "unknown rule(s) nearest; known: best-gateway" in result.stderr
