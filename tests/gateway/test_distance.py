"""The log-distance model: known values, clamping, monotonicity and the inverse round trip."""

from __future__ import annotations

import doctest
import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

import gateway.distance
from gateway.distance import MAX_DISTANCE_M, MIN_DISTANCE_M, estimate_distance, expected_rssi

RSSI = st.floats(min_value=-127.0, max_value=20.0)
TX = st.floats(min_value=-100.0, max_value=0.0)
EXPONENT = st.floats(min_value=1.0, max_value=6.0)
DISTANCE = st.floats(min_value=MIN_DISTANCE_M, max_value=MAX_DISTANCE_M)


@pytest.mark.parametrize(
    ("rssi", "tx", "n", "metres"),
    [
        (-59.0, -59.0, 2.0, 1.0),  # the calibration point
        (-65.0, -59.0, 2.0, 10 ** (6 / 20)),  # 6 dB down: twice as far, near enough (1.995)
        (-79.0, -59.0, 2.0, 10.0),  # 20 dB: a decade with n = 2
        (-89.0, -59.0, 3.0, 10.0),  # 30 dB: a decade with n = 3
        (-53.0, -59.0, 2.0, 10 ** (-6 / 20)),  # stronger than at 1 m: closer (0.501)
    ],
)
def test_known_distances(rssi: float, tx: float, n: float, metres: float) -> None:
    assert estimate_distance(rssi, tx, n) == pytest.approx(metres, rel=1e-3)


def test_clamped_to_a_sane_range() -> None:
    assert estimate_distance(10.0, -59.0) == MIN_DISTANCE_M
    assert estimate_distance(-127.0, -40.0) == MAX_DISTANCE_M
    assert estimate_distance(-1e300, 0.0) == MAX_DISTANCE_M  # no overflow
    assert estimate_distance(1e300, -59.0) == MIN_DISTANCE_M


def test_the_default_exponent_is_free_space() -> None:
    assert estimate_distance(-79.0, -59.0) == pytest.approx(10.0)


@given(RSSI, RSSI, TX, EXPONENT)
def test_weaker_is_never_closer(a: float, b: float, tx: float, n: float) -> None:
    weak, strong = min(a, b), max(a, b)
    near, far = estimate_distance(strong, tx, n), estimate_distance(weak, tx, n)
    assert MIN_DISTANCE_M <= near <= far <= MAX_DISTANCE_M
    if strong - weak > 1e-6 and near > MIN_DISTANCE_M and far < MAX_DISTANCE_M:
        assert near < far


@given(DISTANCE, TX, EXPONENT)
def test_inverse_round_trip_from_distance(distance: float, tx: float, n: float) -> None:
    assert estimate_distance(expected_rssi(distance, tx, n), tx, n) == pytest.approx(distance, rel=1e-9)


@given(TX, EXPONENT, st.floats(min_value=0.0, max_value=1.0))
def test_inverse_round_trip_from_rssi(tx: float, n: float, share: float) -> None:
    # an RSSI whose distance lies inside the clamp
    near, far = expected_rssi(MIN_DISTANCE_M, tx, n), expected_rssi(MAX_DISTANCE_M, tx, n)
    rssi = near + share * (far - near)
    assert expected_rssi(estimate_distance(rssi, tx, n), tx, n) == pytest.approx(rssi, abs=1e-9)


def test_bigger_exponent_means_nearer_for_the_same_loss() -> None:
    assert estimate_distance(-79.0, -59.0, 3.5) < estimate_distance(-79.0, -59.0, 2.0)
    assert estimate_distance(-59.0, -59.0, 3.5) == estimate_distance(-59.0, -59.0, 2.0) == 1.0


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: estimate_distance(-70.0, -59.0, 0.0), "path_loss_exponent"),
        (lambda: estimate_distance(-70.0, -59.0, -2.0), "path_loss_exponent"),
        (lambda: estimate_distance(math.nan, -59.0), "rssi"),
        (lambda: estimate_distance(-70.0, math.inf), "tx_power_1m"),
        (lambda: expected_rssi(0.0, -59.0), "distance_m"),
        (lambda: expected_rssi(-1.0, -59.0), "distance_m"),
        (lambda: expected_rssi(2.0, -59.0, math.nan), "path_loss_exponent"),
    ],
)
def test_bad_input_names_the_argument(call: Callable[[], float], field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}: "):
        call()


def test_module_examples() -> None:
    assert doctest.testmod(gateway.distance).failed == 0
