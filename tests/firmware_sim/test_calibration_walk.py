"""The simulated calibration walk through the gateways' own pipeline, and the offsets `edge.store.calibration`
finds from it against the receivers' true miscalibration."""

from __future__ import annotations

import statistics

import pytest

from edge.store import load_layout
from edge.store.calibration import Reading, fit_offsets
from firmware_sim.eval.calibration import walk_readings
from firmware_sim.world.calibration import TAG_ID, calibration_walk
from firmware_sim.world.scenarios import DEMO_LAYOUT

LAYOUT = load_layout(DEMO_LAYOUT)
# Receivers further off than the demo's own (±2 dB), as in a store with two hardware revisions.
RECEIVERS = {g.id: (4.0 if i % 3 == 0 else -3.0 if i % 3 == 1 else 0.5) for i, g in enumerate(LAYOUT.gateways)}


def readings(seed: int, hold_s: float, circle_m: float) -> list[Reading]:
    return walk_readings(
        calibration_walk(LAYOUT, seed=seed, hold_s=hold_s, circle_m=circle_m, receiver_offsets_db=RECEIVERS)
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_three_minutes_under_each_gateway_finds_its_offset_within_a_db_or_two(seed: int) -> None:
    cal = fit_offsets(readings(seed, 180.0, 1.0), dict.fromkeys(RECEIVERS, 0.0))
    assert cal.complete, [g.problem for g in cal.gateways]
    typical = statistics.median(RECEIVERS.values())
    errors = [g.offset_db - (typical - RECEIVERS[g.gateway]) for g in cal.gateways]
    uncalibrated = [typical - b for b in RECEIVERS.values()]  # what is wrong with every offset at 0
    rms = statistics.fmean(e * e for e in errors) ** 0.5
    assert rms < 1.0, errors
    assert max(map(abs, errors)) < 2.5, errors
    assert rms < 0.4 * statistics.fmean(u * u for u in uncalibrated) ** 0.5
    for g in cal.gateways:
        assert 120.0 <= g.held_s <= 180.0  # each hold found (fades may cut it in two), its ends dropped


def test_the_walk_is_deterministic_and_holds_under_each_gateway() -> None:
    walk = calibration_walk(LAYOUT, seed=4, hold_s=30.0)
    again = calibration_walk(LAYOUT, seed=4, hold_s=30.0)
    assert list(walk.adverts()) == list(again.adverts())
    path = walk.trajectories[TAG_ID]
    for g in LAYOUT.gateways:  # somewhere along the walk the tag is right under each gateway for the hold
        under = [(t, x, y) for t, x, y in zip(path.t, path.x, path.y, strict=True) if (x, y) == (g.x, g.y)]
        assert len(under) == 2
        assert under[1][0] - under[0][0] == pytest.approx(30.0)
    assert walk.radio.device_height_m == pytest.approx(walk.radio.gateway_height_m - 1.0)


def test_a_shorter_hold_is_reported_not_guessed() -> None:
    cal = fit_offsets(readings(1, 60.0, 0.0), dict.fromkeys(RECEIVERS, 0.0))
    assert not cal.complete
    assert all(not g.calibrated and g.problem is not None and "120 s needed" in g.problem for g in cal.gateways)
    assert cal.offsets == dict.fromkeys(RECEIVERS, 0.0)
