"""RSSI filters: convergence under noise, step response, outliers, irregular advert intervals, forgetting,
settings validation and remote overrides, the bank's offset and memory. Noise is seeded (`random.Random`)."""

from __future__ import annotations

import dataclasses
import doctest
import math
import random
import statistics
from collections.abc import Callable, Iterable

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gateway.filters
from edge.protocol import FilterParams, GatewayConfig, decode
from gateway.filters import (
    EwmaFilter,
    FilterBank,
    FilterSettings,
    KalmanFilter,
    RssiFilter,
    WindowFilter,
    make_filter,
    robust_mean,
)

KALMAN = FilterSettings(kind="kalman", process_noise=1.0)  # the formulas below are worked with q = 1
EWMA = FilterSettings(kind="ewma")
EWMA_ALPHA = FilterSettings(kind="ewma", tau_s=None, alpha=0.2)
WINDOW = FilterSettings(kind="window")
ALL = pytest.mark.parametrize(
    "config", [KALMAN, EWMA, EWMA_ALPHA, WINDOW], ids=["kalman", "ewma-tau", "ewma-alpha", "window"]
)


def feed(filt: RssiFilter, adverts: Iterable[tuple[float, float]]) -> RssiFilter:
    for t, rssi in adverts:
        filt.update(rssi, t)
    return filt


def regular(rate_hz: float, start: float, end: float, level: Callable[[float], float]) -> list[tuple[float, float]]:
    """Noise-free adverts at a regular rate from `start` (inclusive) to `end` (exclusive)."""
    n = round((end - start) * rate_hz)
    return [(start + i / rate_hz, level(start + i / rate_hz)) for i in range(n)]


def noisy(rate_hz: float, seconds: float, level: float, seed: int, sigma: float = 2.5) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [(i / rate_hz, level + rng.gauss(0.0, sigma)) for i in range(int(seconds * rate_hz))]


def t63(filt: RssiFilter, rate_hz: float, before: float = -60.0, after: float = -70.0) -> float:
    """Seconds until a noise-free step from `before` to `after` shows 63 % in the value."""
    feed(filt, regular(rate_hz, 0.0, 30.0, lambda _t: before))
    for t, rssi in regular(rate_hz, 30.0, 60.0, lambda _t: after):
        filt.update(rssi, t)
        value = filt.value(t)
        assert value is not None
        if abs(value - before) >= 0.632 * abs(after - before):
            return t - 30.0
    return math.inf


# --- the interface and the factory -------------------------------------------------------------------------


def test_make_filter_builds_each_kind_with_its_settings() -> None:
    kalman = make_filter(FilterSettings(kind="kalman", process_noise=0.3, measurement_noise=9.0, forget_after_s=7.0))
    assert isinstance(kalman, KalmanFilter)
    assert kalman.forget_after_s == 7.0
    kalman.update(-70.0, 0.0)
    assert kalman.variance == 9.0  # the first advert's variance is r
    kalman.update(-70.0, 2.0)
    assert kalman.variance == pytest.approx((9.0 + 0.6) * 9.0 / (9.0 + 0.6 + 9.0))  # P⁻ = r + q·Δt
    ewma = make_filter(FilterSettings(kind="ewma", tau_s=3.0))
    assert isinstance(ewma, EwmaFilter)
    assert ewma.tau_s == pytest.approx(3.0)
    assert ewma.alpha is None
    per_advert = make_filter(EWMA_ALPHA)
    assert isinstance(per_advert, EwmaFilter)
    assert (per_advert.tau_s, per_advert.alpha) == (None, 0.2)
    window = make_filter(FilterSettings(kind="window", max_samples=8))
    assert isinstance(window, WindowFilter)
    feed(window, regular(10.0, 0.0, 2.0, lambda _t: -70.0))
    assert window.samples == 8  # the ring buffer's bound


@ALL
def test_count_last_t_and_no_value_before_the_first_advert(config: FilterSettings) -> None:
    filt = make_filter(config)
    assert (filt.count, filt.last_t, filt.value(0.0)) == (0, -math.inf, None)
    filt.update(-71.0, 3.5)
    assert (filt.count, filt.last_t, filt.value(3.5)) == (1, 3.5, -71.0)  # the first advert is the estimate
    filt.update(-75.0, 3.6)
    assert (filt.count, filt.last_t) == (2, 3.6)


@ALL
def test_converges_to_a_constant_level_under_gaussian_noise(config: FilterSettings) -> None:
    filt = make_filter(config)
    reported = []
    for t, rssi in noisy(10.0, 60.0, -70.0, seed=11):
        filt.update(rssi, t)
        if t >= 20.0 and abs(t - round(t)) < 1e-9:  # the once-a-second report
            value = filt.value(t)
            assert value is not None
            reported.append(value)
    assert statistics.fmean(reported) == pytest.approx(-70.0, abs=0.5)
    assert statistics.pstdev(reported) < 1.2  # an advert alone scatters by 2.5 dB


@ALL
def test_value_stays_within_the_adverts_and_commutes_with_an_offset(config: FilterSettings) -> None:
    rng = random.Random(5)
    adverts = [(i * 0.3 + rng.uniform(0.0, 0.2), rng.uniform(-95.0, -40.0)) for i in range(80)]
    plain, shifted = make_filter(config), make_filter(config)
    for t, rssi in adverts:
        plain.update(rssi, t)
        shifted.update(rssi + 4.5, t)
        value, moved = plain.value(t), shifted.value(t)
        assert value is not None
        assert moved is not None
        assert -95.0 <= value <= -40.0
        assert moved == pytest.approx(value + 4.5, abs=1e-9)  # so the bank may add rssi_offset on the way out


# --- step response -----------------------------------------------------------------------------------------


def test_kalman_step_response_at_10_hz() -> None:
    assert 0.3 <= t63(make_filter(KALMAN), 10.0) <= 1.5  # √(r / (q·rate)) = 0.79 s with q = 1


def test_the_default_kalman_follows_a_walking_shopper() -> None:
    # q = 12 dB²/s: the hub's zone rule accumulates evidence itself, so the gateway smooths little (accuracy.md).
    default = FilterSettings()
    assert default.kind == "kalman"
    assert 0.1 <= t63(make_filter(default), 10.0) <= 0.5  # √(6.25 / (12 · 10)) = 0.23 s
    assert t63(make_filter(default), 10.0) < t63(make_filter(KALMAN), 10.0) / 2


def test_kalman_adapts_to_the_advertising_rate() -> None:
    # Fewer adverts, each is more news: the smoothing time in adverts falls, in seconds it grows (√ of rate).
    fast, slow = t63(make_filter(KALMAN), 10.0), t63(make_filter(KALMAN), 1.0)
    assert 1.5 * fast <= slow <= 4.0 * fast


def test_kalman_gains_more_after_a_gap() -> None:
    steady = feed(make_filter(KALMAN), regular(10.0, 0.0, 10.0, lambda _t: -60.0))
    gapped = feed(make_filter(KALMAN), regular(10.0, 0.0, 10.0, lambda _t: -60.0))
    steady.update(-66.0, 10.0)
    gapped.update(-66.0, 16.0)  # 6 s without an advert: the level may have moved, so P grew by q·6
    moved_steady = -60.0 - (steady.value(10.0) or 0.0)
    moved_gapped = -60.0 - (gapped.value(16.0) or 0.0)
    assert moved_steady < 1.0
    assert moved_gapped > 3.0


def test_ewma_step_response_follows_tau_in_seconds() -> None:
    for tau in (0.5, 1.0, 3.0):
        filt = make_filter(FilterSettings(kind="ewma", tau_s=tau))
        assert tau - 0.15 <= t63(filt, 10.0) <= tau + 0.05


def test_window_step_response_is_about_half_the_window() -> None:
    for window_s in (2.0, 5.0):
        filt = make_filter(FilterSettings(kind="window", window_s=window_s))
        assert 0.3 * window_s <= t63(filt, 10.0) <= 0.7 * window_s


# --- outliers ----------------------------------------------------------------------------------------------


def with_fades(
    adverts: list[tuple[float, float]], share: float, fade_db: float, seed: int
) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [(t, rssi + fade_db if rng.random() < share else rssi) for t, rssi in adverts]


def test_window_ignores_a_multipath_burst_in_a_tenth_of_the_adverts() -> None:
    clean = noisy(10.0, 30.0, -70.0, seed=3)
    faded = with_fades(clean, 0.10, -20.0, seed=4)
    assert sum(1 for a, b in zip(clean, faded, strict=True) if a != b) >= 20
    reference = feed(make_filter(WINDOW), clean)
    robust = feed(make_filter(WINDOW), faded)
    naive = feed(make_filter(dataclasses.replace(WINDOW, iqr_fence=math.inf, trim_fraction=0.0)), faded)
    end = clean[-1][0]
    assert abs((robust.value(end) or 0.0) - (reference.value(end) or 0.0)) < 1.0
    assert (reference.value(end) or 0.0) - (naive.value(end) or 0.0) > 1.0  # a plain mean is dragged down


def test_window_ignores_a_contiguous_burst() -> None:
    clean = noisy(10.0, 10.0, -70.0, seed=8)
    burst = [(t, rssi - 20.0 if 8.0 <= t < 8.3 else rssi) for t, rssi in clean]  # 3 of the window's 30 adverts
    reference, robust = feed(make_filter(WINDOW), clean), feed(make_filter(WINDOW), burst)
    assert abs((robust.value(9.9) or 0.0) - (reference.value(9.9) or 0.0)) < 1.0


def test_kalman_gate_limits_a_single_outlier() -> None:
    gated = feed(make_filter(KALMAN), regular(10.0, 0.0, 10.0, lambda _t: -70.0))
    open_ = feed(
        make_filter(dataclasses.replace(KALMAN, gate_sigma=math.inf)), regular(10.0, 0.0, 10.0, lambda _t: -70.0)
    )
    for filt in (gated, open_):
        filt.update(-90.0, 10.0)
    assert -70.0 - (gated.value(10.0) or 0.0) < 1.0  # K·g·√S: 0.12 × 3 × 2.6 dB
    assert -70.0 - (open_.value(10.0) or 0.0) > 2.0  # K·20 dB


def test_kalman_gate_does_not_lock_out_a_real_change() -> None:
    filt = feed(make_filter(KALMAN), regular(10.0, 0.0, 10.0, lambda _t: -60.0))
    feed(filt, regular(10.0, 10.0, 15.0, lambda _t: -80.0))  # 20 dB down for good, far outside the gate
    assert (filt.value(15.0) or 0.0) == pytest.approx(-80.0, abs=0.5)


# --- irregular advert intervals ----------------------------------------------------------------------------


def slow_wave(t: float) -> float:
    return -70.0 + 6.0 * math.sin(2.0 * math.pi * t / 30.0)


def test_ewma_with_tau_gives_the_same_values_at_1_and_10_hz() -> None:
    fast = make_filter(FilterSettings(kind="ewma", tau_s=2.0))
    slow = make_filter(FilterSettings(kind="ewma", tau_s=2.0))
    gaps = []
    for second in range(60):
        feed(fast, regular(10.0, second, second + 1.0, slow_wave))
        feed(slow, regular(1.0, second, second + 1.0, slow_wave))
        if second >= 10:
            gaps.append(abs((fast.value(second + 0.95) or 0.0) - (slow.value(second + 0.95) or 0.0)))
    assert max(gaps) < 1.0
    # The per-advert EWMA with the α that is τ = 2 s at 10 adverts/s is another filter at 1 advert/s.
    alpha = 1.0 - math.exp(-0.1 / 2.0)
    fast = make_filter(FilterSettings(kind="ewma", tau_s=None, alpha=alpha))
    slow = make_filter(FilterSettings(kind="ewma", tau_s=None, alpha=alpha))
    feed(fast, regular(10.0, 0.0, 40.0, slow_wave))
    feed(slow, regular(1.0, 0.0, 40.0, slow_wave))
    assert abs((fast.value(39.95) or 0.0) - (slow.value(39.95) or 0.0)) > 2.0


def test_ewma_with_tau_handles_random_intervals_and_equal_times() -> None:
    rng = random.Random(21)
    filt, t = make_filter(EWMA), 0.0
    for _ in range(400):
        t += rng.expovariate(5.0)  # Poisson adverts, 5 a second on average
        filt.update(-70.0 + rng.gauss(0.0, 2.5), t)
    assert (filt.value(t) or 0.0) == pytest.approx(-70.0, abs=2.0)
    twice = make_filter(EWMA)
    twice.update(-60.0, 1.0)
    twice.update(-70.0, 1.0)  # the same instant: both count, evenly
    assert twice.value(1.0) == pytest.approx(-65.0)


def test_window_is_in_seconds_not_adverts() -> None:
    filt = make_filter(FilterSettings(kind="window", window_s=3.0, trim_fraction=0.0))
    feed(filt, regular(10.0, 0.0, 10.0, lambda _t: -60.0))
    feed(filt, [(12.0, -70.0), (12.5, -70.0), (13.0, -70.0), (13.1, -70.0)])  # older adverts left the window
    assert filt.value(13.1) == -70.0


# --- forgetting --------------------------------------------------------------------------------------------


@ALL
def test_forgets_after_the_timeout_and_starts_afresh(config: FilterSettings) -> None:
    filt = make_filter(dataclasses.replace(config, forget_after_s=4.0))
    feed(filt, regular(10.0, 0.0, 5.0, lambda _t: -60.0))
    last = filt.last_t
    assert filt.value(last + 4.0) is not None
    assert not filt.forgotten(last + 4.0)
    assert filt.value(last + 4.01) is None
    assert filt.forgotten(last + 4.01)
    filt.update(-80.0, last + 6.0)
    assert filt.value(last + 6.0) == -80.0  # nothing of the old level is left
    assert filt.count == 51


# --- the window's statistic --------------------------------------------------------------------------------


def test_robust_mean_by_hand() -> None:
    values = [-70.0, -70.0, -70.0, -70.0, -71.0, -71.0, -72.0, -74.0, -66.0, -95.0]
    # sorted: -95 -74 -72 -71 -71 -70 -70 -70 -70 -66; Q1 = -71.75, Q3 = -70 (type 7); IQR 1.75;
    # fence [-74.375, -67.375]: -95 and -66 out; eight left, mean -71.
    assert robust_mean(values) == pytest.approx(-71.0)  # trim 10 % of 8: none
    assert robust_mean(values, trim_fraction=0.25) == pytest.approx(-70.5)  # two off each end: -71 -71 -70 -70
    assert robust_mean(values, iqr_fence=math.inf, trim_fraction=0.0) == pytest.approx(-72.9)  # the plain mean


def test_robust_mean_of_few_adverts_is_the_median() -> None:
    assert robust_mean([-80.0]) == -80.0
    assert robust_mean([-80.0, -60.0]) == -70.0
    assert robust_mean([-60.0, -99.0, -61.0]) == -61.0


@settings(max_examples=200, deadline=None)
# Whole dB, as radios report RSSI: shifting them is exact in binary, so the fence decisions cannot flip on a
# rounding error at the boundary.
@given(st.lists(st.integers(min_value=-127, max_value=20).map(float), min_size=1, max_size=120))
def test_robust_mean_properties(values: list[float]) -> None:
    value = robust_mean(values)
    assert min(values) - 1e-9 <= value <= max(values) + 1e-9
    assert robust_mean([v - 10.0 for v in values]) == pytest.approx(value - 10.0, abs=1e-6)
    if len(values) >= 4:
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
        assert q1 - 1.5 * (q3 - q1) - 1e-9 <= value <= q3 + 1.5 * (q3 - q1) + 1e-9


def test_window_value_is_cached_until_the_next_advert() -> None:
    filt = make_filter(WINDOW)
    assert isinstance(filt, WindowFilter)
    feed(filt, regular(10.0, 0.0, 3.0, lambda t: -70.0 - t))
    first = filt.value(3.0)
    assert filt.value(3.5) == first  # nothing new: the same value, computed once
    filt.update(-69.0, 3.0)
    assert filt.value(3.0) != first


# --- settings ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("kind", "median"),
        ("forget_after_s", 0.0),
        ("forget_after_s", 4000.0),
        ("path_loss_exponent", 0.5),
        ("process_noise", -1.0),
        ("measurement_noise", math.nan),
        ("gate_sigma", 0.0),
        ("tau_s", 0.0),
        ("alpha", 1.5),
        ("window_s", 61.0),
        ("window_s", True),
        ("max_samples", 3),
        ("max_samples", 10.0),
        ("iqr_fence", -1.0),
        ("trim_fraction", 0.5),
        ("process_noise", "1.0"),
    ],
)
def test_validation_errors_name_the_field(field: str, bad: object) -> None:
    with pytest.raises(ValueError, match=f"^{field}: "):
        FilterSettings(**{field: bad})  # type: ignore[arg-type]


def test_ewma_needs_exactly_one_of_tau_and_alpha() -> None:
    with pytest.raises(ValueError, match=r"^alpha: "):
        FilterSettings(kind="ewma", tau_s=2.0, alpha=0.2)
    with pytest.raises(ValueError, match=r"^tau_s: "):
        FilterSettings(kind="ewma", tau_s=None)
    assert FilterSettings(kind="kalman", tau_s=None).tau_s is None  # only the ewma needs one


def test_settings_are_frozen_and_hold_floats() -> None:
    config = FilterSettings(window_s=4, process_noise=2)
    assert isinstance(config.window_s, float)
    assert isinstance(config.process_noise, float)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.window_s = 2.0  # type: ignore[misc]


def test_every_remote_filter_parameter_is_a_setting() -> None:
    names = {field.name for field in dataclasses.fields(FilterSettings)}
    assert {field.name for field in msgspec.structs.fields(FilterParams)} <= names


def test_overrides_from_filter_params() -> None:
    base = FilterSettings(kind="kalman", window_s=4.0, forget_after_s=20.0)
    new = base.with_overrides(FilterParams(kind="window", window_s=8.0, path_loss_exponent=3.0))
    assert (new.kind, new.window_s, new.path_loss_exponent) == ("window", 8.0, 3.0)
    assert new.forget_after_s == 20.0
    assert new.process_noise == base.process_noise
    assert base.kind == "kalman"  # a new object; the old one is unchanged
    every = base.with_overrides(
        FilterParams(
            kind="kalman",
            process_noise=0.4,
            measurement_noise=9.0,
            alpha=0.3,
            window_s=2.0,
            forget_after_s=30.0,
            path_loss_exponent=2.5,
        )
    )
    assert (every.process_noise, every.measurement_noise, every.alpha, every.tau_s) == (0.4, 9.0, 0.3, None)
    assert (every.window_s, every.forget_after_s, every.path_loss_exponent) == (2.0, 30.0, 2.5)


def test_overrides_from_a_remote_config_message() -> None:
    payload = b'{"v":1,"rev":4,"filter":{"kind":"ewma","alpha":0.25,"forget_after_s":15}}'
    message = decode(GatewayConfig, payload)
    assert message.filter is not None
    new = FilterSettings().with_overrides(message.filter)
    assert (new.kind, new.alpha, new.tau_s, new.forget_after_s) == ("ewma", 0.25, None, 15.0)
    filt = make_filter(new)
    feed(filt, [(0.0, -60.0), (1.0, -70.0)])
    assert filt.value(1.0) == pytest.approx(-62.5)  # per advert: -60 + 0.25·(-10)


def test_overrides_are_validated() -> None:
    with pytest.raises(ValueError, match=r"^window_s: "):
        FilterSettings().with_overrides(FilterParams(kind="window", window_s=120.0))  # not decoded, so unchecked


# --- the bank ----------------------------------------------------------------------------------------------


def test_bank_keeps_one_filter_per_beacon_and_adds_the_offset() -> None:
    bank = FilterBank(KALMAN, rssi_offset=2.0)
    feed_a = regular(10.0, 0.0, 3.0, lambda _t: -70.0)
    for t, rssi in feed_a:
        bank.update("eid:00000000000000aa", rssi, t)
        bank.update("eid:00000000000000bb", rssi - 10.0, t)
    assert len(bank) == 2
    assert "eid:00000000000000aa" in bank
    assert bank.value("eid:00000000000000aa", 3.0) == pytest.approx(-68.0)
    assert bank.values(3.0) == pytest.approx({"eid:00000000000000aa": -68.0, "eid:00000000000000bb": -78.0})
    assert bank.value("eid:00000000000000cc", 3.0) is None
    filt = bank.get("eid:00000000000000aa")
    assert filt is not None
    assert filt.count == 30
    assert filt.value(3.0) == pytest.approx(-70.0)


def test_bank_forgets_silent_beacons() -> None:
    bank = FilterBank(dataclasses.replace(WINDOW, forget_after_s=5.0))
    bank.update("eid:00000000000000aa", -70.0, 0.0)
    bank.update("eid:00000000000000bb", -70.0, 4.0)
    assert bank.forget(5.0) == 0
    assert set(bank.values(7.0)) == {"eid:00000000000000bb"}
    assert list(bank) == ["eid:00000000000000bb"]  # values() dropped the forgotten one
    assert bank.forget(9.5) == 1
    assert len(bank) == 0
    bank.update("eid:00000000000000cc", -70.0, 10.0)
    assert bank.discard("eid:00000000000000cc")
    assert not bank.discard("eid:00000000000000cc")
    assert bank.value("eid:00000000000000cc", 10.0) is None


def test_bank_reconfigure() -> None:
    bank = FilterBank(KALMAN)
    bank.update("eid:00000000000000aa", -70.0, 0.0)
    bank.configure(rssi_offset=-3.0)  # a new offset keeps the filters
    assert bank.value("eid:00000000000000aa", 0.0) == -73.0
    bank.configure(settings=KALMAN)  # the same settings: nothing to do
    assert len(bank) == 1
    bank.configure(settings=WINDOW)  # new settings: every beacon starts afresh with the new filter
    assert len(bank) == 0
    assert bank.settings is WINDOW
    assert bank.rssi_offset == -3.0
    bank.update("eid:00000000000000aa", -70.0, 1.0)
    assert isinstance(bank.get("eid:00000000000000aa"), WindowFilter)


@pytest.mark.parametrize("bad", [31.0, -30.5, math.nan, True])
def test_bank_rejects_a_bad_offset(bad: float) -> None:
    with pytest.raises(ValueError, match=r"^rssi_offset: "):
        FilterBank(rssi_offset=bad)
    bank = FilterBank(rssi_offset=1.0)
    with pytest.raises(ValueError, match=r"^rssi_offset: "):
        bank.configure(rssi_offset=bad)
    assert bank.rssi_offset == 1.0


def test_module_examples() -> None:
    assert doctest.testmod(gateway.filters).failed == 0
