"""Gateway offsets learned from the shoppers' readings: the sums (`OffsetLearner`) and the engine that feeds them."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from edge.presence import PresenceEngine, PresenceSettings
from edge.presence.model import ZoneModel
from edge.presence.offset_learning import RECENT_HALF_LIFE, GatewaySums, OffsetLearner
from edge.store import StoreLayout
from tests.edge.presence.walks import T0, TX_DBM

GATEWAYS = ["a", "b", "c", "d"]


def learner_and_readings(
    bias: list[float], rows: int = 2000, noise_db: float = 2.0, seed: int = 1
) -> tuple[OffsetLearner, np.ndarray, np.ndarray, np.ndarray]:
    """A learner over 50 random points and `rows` updates heard by every gateway: each phone's own transmit
    power, each gateway off by `bias`, Gaussian noise."""
    rng = np.random.default_rng(seed)
    expected = rng.uniform(-90.0, -40.0, size=(50, len(GATEWAYS)))
    points = rng.integers(0, 50, size=rows)
    tx = rng.normal(-59.0, 4.0, size=(rows, 1))
    rssi = expected[points] + tx + np.asarray(bias) + rng.normal(0.0, noise_db, size=(rows, len(GATEWAYS)))
    return OffsetLearner(expected, GATEWAYS), points, np.ones(rssi.shape, dtype=np.bool_), rssi


def test_a_gateway_that_reads_hot_is_corrected_by_its_bias_relative_to_the_others() -> None:
    learner, points, heard, rssi = learner_and_readings([3.0, 0.0, -1.0, 0.0])
    learner.observe(points, heard, rssi)
    found = {e.gateway: e.correction_db for e in learner.corrections(min_samples=100)}
    # the mean bias (0.5 dB) is the gateways' common level, which the phones cannot tell: it stays
    assert found == pytest.approx({"a": -2.5, "b": 0.5, "c": 1.5, "d": 0.5}, abs=0.15)
    assert sum(v for v in found.values() if v is not None) == pytest.approx(0.0, abs=1e-9)


def test_the_phones_own_transmit_power_does_not_move_the_corrections() -> None:
    learner, points, heard, rssi = learner_and_readings([0.0, 0.0, 0.0, 0.0], noise_db=0.0)
    learner.observe(points, heard, rssi + 20.0)  # every phone 20 dB louder than the model's
    assert [e.correction_db for e in learner.corrections(min_samples=1)] == pytest.approx([0.0] * 4, abs=1e-9)
    assert [e.rms_db for e in learner.corrections(min_samples=1)] == pytest.approx([0.0] * 4, abs=1e-9)


def test_updates_with_fewer_than_three_readings_teach_nothing() -> None:
    learner, points, heard, rssi = learner_and_readings([5.0, 0.0, 0.0, 0.0], rows=10)
    heard[:, 2:] = False  # two gateways heard: the transmit power and the offsets cannot be told apart
    learner.observe(points, heard, rssi)
    assert [e.samples for e in learner.corrections()] == [0, 0, 0, 0]
    assert [e.correction_db for e in learner.corrections(min_samples=1)] == [None] * 4


def test_a_gateway_without_enough_readings_has_no_correction_and_does_not_move_the_others() -> None:
    learner, points, heard, rssi = learner_and_readings([0.0, 2.0, 0.0, -2.0])
    heard[100:, 0] = False  # gateway a hears only the first 100 updates
    learner.observe(points, heard, rssi)
    found = learner.corrections(min_samples=500)
    assert found[0].correction_db is None
    assert found[0].samples == 100
    assert [e.correction_db for e in found[1:]] == pytest.approx([-2.0, 0.0, 2.0], abs=0.2)
    assert [e.samples for e in found[1:]] == [2000, 2000, 2000]


def test_the_recent_correction_follows_a_receiver_that_changed_after_a_long_stretch_and_the_whole_one_lags() -> None:
    changed = 3 * RECENT_HALF_LIFE
    learner, points, heard, rssi = learner_and_readings([0.0, 0.0, 0.0, 0.0], rows=60_000 + changed, seed=2)
    rssi[60_000:, 0] += 4.0  # 60,000 readings a gateway as calibrated (17 half-lives), then gateway a changes
    for start in range(0, len(points), 500):  # as the engine feeds it, a few hundred updates at a time
        learner.observe(points[start : start + 500], heard[start : start + 500], rssi[start : start + 500])
    a = learner.corrections()[0]
    assert a.correction_db is not None
    assert a.recent_db is not None
    # Three half-lives after the change the recent readings tell 7/8 of it (-3 dB, centred over four gateways);
    # the whole average, 10,800 readings of 70,800, barely a sixth.
    assert a.recent_db == pytest.approx(-3.0 * 7 / 8, abs=0.15)
    assert a.correction_db == pytest.approx(-3.0 * 10_800 / 70_800, abs=0.15)


def test_after_a_restart_the_recent_correction_starts_from_the_kept_one() -> None:
    learner, points, heard, rssi = learner_and_readings([3.0, 0.0, -1.0, 0.0], rows=20_000)
    learner.observe(points, heard, rssi)
    kept = learner.sums()
    again = OffsetLearner(np.zeros((50, len(GATEWAYS))), GATEWAYS)
    again.restore(kept)
    found = again.corrections(min_samples=100)
    assert [e.recent_db for e in found] == pytest.approx([e.correction_db for e in found], abs=1e-9)
    assert found[0].recent_db == pytest.approx(-2.5, abs=0.1)


def test_reset_forgets_what_was_learned() -> None:
    learner, points, heard, rssi = learner_and_readings([3.0, 0.0, 0.0, 0.0])
    learner.observe(points, heard, rssi)
    learner.reset()
    assert [(e.correction_db, e.samples, e.rms_db, e.recent_db) for e in learner.corrections(min_samples=1)] == [
        (None, 0, None, None)
    ] * 4


def test_predictions_that_do_not_match_the_gateways_are_refused() -> None:
    with pytest.raises(ValueError, match="4 gateways"):
        OffsetLearner(np.zeros((10, 3)), GATEWAYS)


def offsets(layout: StoreLayout, given: dict[str, float]) -> StoreLayout:
    """`layout` with every gateway's `rssi_offset` 0 but those `given`."""
    return replace(layout, gateways=tuple(replace(g, rssi_offset=given.get(g.id, 0.0)) for g in layout.gateways))


def shop(
    layout: StoreLayout, model: ZoneModel, settings: PresenceSettings, hot: dict[str, float], minutes: int
) -> PresenceEngine:
    """A phone walking up and down every aisle of the demo store, each gateway reporting it once a second at its
    own phase: readings from the model (averaged over the facings), `hot` dB more at those gateways' receivers
    (which the hub's `rssi_offset`s in `layout` may cancel), and the gateways' noise."""
    engine = PresenceEngine(layout, settings)
    rng = np.random.default_rng(7)
    expected = model.expected.mean(axis=0)
    px, py = model.points_x, model.points_y
    # the aisles' centre lines, up and back, joined along the front strip
    stops = [(x, y) for x in (1.5, 4.5, 7.5, 10.5, 15.0, 19.5, 22.5, 25.5, 28.5) for y in (2.0, 17.0, 2.0)]
    path = [stops[0]]
    for (x0, y0), (x1, y1) in itertools.pairwise(stops):
        steps = max(1, int(np.hypot(x1 - x0, y1 - y0)))
        path += [(x0 + (x1 - x0) * k / steps, y0 + (y1 - y0) * k / steps) for k in range(1, steps + 1)]
    ids = [g.id for g in layout.gateways]
    bias = np.array([hot.get(g, 0.0) for g in ids])
    for second in range(minutes * 60):
        x, y = path[second % len(path)]
        point = int(np.argmin((px - x) ** 2 + (py - y) ** 2))
        rssi = expected[point] + TX_DBM + bias + rng.normal(0.0, 1.5, size=len(ids))
        for i, gw in enumerate(ids):
            t = T0 + second + i / len(ids)
            engine.ingest(gw, second + 1, t, [("phone", float(rssi[i]))], now=t + 0.02)
        engine.tick(T0 + second + 1.0)
    return engine


def test_the_hub_learns_which_gateway_reads_hot_from_a_shopper_walking_the_store(
    demo: StoreLayout, model: ZoneModel
) -> None:
    hot = {"gw-04": 4.0, "gw-10": -3.0}
    truth = {g.id: -hot.get(g.id, 0.0) + 1 / 12 for g in demo.gateways}  # centred: 4 − 3 over 12 gateways
    engine = shop(offsets(demo, {}), model, PresenceSettings(), hot, minutes=10)
    found = {e.gateway: e for e in engine.offset_corrections(min_samples=300)}
    assert list(found) == [g.id for g in demo.gateways]
    assert all(e.correction_db is not None and e.samples >= 300 for e in found.values())
    first = {g: e.correction_db or 0.0 for g, e in found.items()}
    # One pass finds most of it: the hot gateway also pulls the placed point towards itself, which hides a part.
    assert -4.2 < first["gw-04"] < -2.0
    assert 1.5 < first["gw-10"] < 3.2
    assert max(abs(c) for g, c in first.items() if g not in hot) < 1.0
    engine.reset_offset_learning()
    assert all(e.samples == 0 for e in engine.offset_corrections())

    # The corrections accepted into the layout, the next pass comes closer.
    engine = shop(offsets(demo, first), model, PresenceSettings(), hot, minutes=10)
    second = {e.gateway: first[e.gateway] + (e.correction_db or 0.0) for e in engine.offset_corrections(300)}
    for g in hot:
        assert abs(second[g] - truth[g]) < abs(first[g] - truth[g])
    assert rms(second, truth) < rms(first, truth) < rms(dict.fromkeys(truth, 0.0), truth)


def rms(found: dict[str, float], truth: dict[str, float]) -> float:
    return float(np.sqrt(np.mean([(found[g] - truth[g]) ** 2 for g in truth])))


def test_the_correction_is_relative_to_the_offset_the_hub_applies(demo: StoreLayout, model: ZoneModel) -> None:
    """gw-04 reads 4 dB hot and its layout offset already takes 4 dB off: nothing left to correct."""
    engine = shop(offsets(demo, {"gw-04": -4.0}), model, PresenceSettings(), {"gw-04": 4.0}, minutes=5)
    found = {e.gateway: e.correction_db for e in engine.offset_corrections(min_samples=100)}
    assert max(abs(c) for c in found.values() if c is not None) < 1.0


def test_only_the_points_rule_learns_offsets(demo: StoreLayout) -> None:
    engine = PresenceEngine(demo, PresenceSettings(rule="hmm"))
    assert engine.offset_corrections() == []
    engine.reset_offset_learning()  # nothing to forget, and no error


def test_updates_added_a_few_at_a_time_count_the_same_as_all_at_once() -> None:
    whole, points, heard, rssi = learner_and_readings([1.0, -1.0, 0.5, 0.0], rows=5000)
    whole.observe(points, heard, rssi)
    parts, *_ = learner_and_readings([0.0] * 4, rows=1)  # the same predictions (same seed)
    for at in range(0, 5000, 7):  # as the engine hands them over: a few devices per pass, many passes
        parts.observe(points[at : at + 7], heard[at : at + 7], rssi[at : at + 7])
    for a, b in zip(parts.corrections(1), whole.corrections(1), strict=True):
        assert (a.gateway, a.samples) == (b.gateway, b.samples)
        assert (a.correction_db, a.rms_db) == pytest.approx((b.correction_db, b.rms_db), abs=1e-9)  # sums' order


def test_sums_kept_across_a_restart_carry_on_where_they_were() -> None:
    learner, points, heard, rssi = learner_and_readings([2.0, 0.0, -1.0, 0.0], rows=3000)
    learner.observe(points[:1000], heard[:1000], rssi[:1000])
    restarted, *_ = learner_and_readings([0.0] * 4, rows=1)
    restarted.restore([*learner.sums(), GatewaySums("gone", 50.0, 900.0, 30)])  # a gateway no longer there
    for at in (learner, restarted):
        at.observe(points[1000:], heard[1000:], rssi[1000:])
    for a, b in zip(restarted.corrections(1), learner.corrections(1), strict=True):
        assert a.samples == b.samples == 3000
        assert a.correction_db == pytest.approx(b.correction_db, abs=1e-9)
