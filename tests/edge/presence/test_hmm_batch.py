"""The ``hmm`` rules update many devices at once (`HmmRule.prepare`): the same posteriors, scores and journeys as
one device at a time, across the model's chunks of devices, with the fallback for devices heard by few gateways
and the state of a device that left given to the next one."""

from __future__ import annotations

import random

import numpy as np
import pytest

from edge.presence import JourneyEvent, PresenceEngine, PresenceSettings
from edge.presence.hmm import HmmRule, ZoneHmm
from edge.presence.hmm_points import PointHmm
from edge.presence.model import CHUNK, ZoneModel
from edge.presence.settings import ZoneRule
from edge.store import StoreLayout
from tests.edge.presence.walks import T0, readings_at

DEVICES = 2 * CHUNK + 5  # three chunks, the last one short


def crowd(model: ZoneModel, seed: int) -> list[tuple[list[float], list[float]]]:
    """Readings lists of `DEVICES` devices at random points: most heard by every gateway, some by one or two (the
    fallback), one by none fresh."""
    rnd = random.Random(seed)
    devices = []
    for k in range(DEVICES):
        rssi = [r + rnd.gauss(0.0, 3.0) for r in readings_at(model, rnd.uniform(0, 30), rnd.uniform(0, 20))]
        seen = [T0] * len(rssi)
        if k % 7 == 3:  # heard by a gateway or two only
            seen = [T0 if g in (k % len(rssi), (k + 5) % len(rssi)) else T0 - 60.0 for g in range(len(rssi))]
        if k == DEVICES - 1:
            seen = [T0 - 60.0] * len(rssi)  # nothing fresh
        devices.append((rssi, seen))
    return devices


@pytest.mark.parametrize("kind", [ZoneHmm, PointHmm])
def test_many_devices_at_once_score_as_one_at_a_time(demo: StoreLayout, model: ZoneModel, kind: type[ZoneHmm]) -> None:
    hmm = kind(demo, PresenceSettings(rule="hmm-points"), model)
    together, alone = HmmRule(hmm), HmmRule(hmm)
    fleet = crowd(model, seed=0)
    for second in range(4):
        # new readings in the same lists (the lists' identity is the device's)
        for (rssi, seen), (r, s) in zip(fleet, crowd(model, seed=second), strict=True):
            rssi[:], seen[:] = r, [t + second for t in s]
        horizon = T0 + second - 1.0
        together.prepare(fleet, horizon)
        for k, (rssi, seen) in enumerate(fleet):
            current = k % len(demo.zones)
            got = together(rssi, seen, horizon, current)
            want = alone(rssi, seen, horizon, current)
            assert got[0] == want[0]
            assert got[1:] == pytest.approx(want[1:], abs=1e-4)  # float32 products: rounded apart
    assert together(*fleet[-1], T0 + 2.0, 0) == (-1, float("-inf"), float("-inf"))
    assert max(together(*fleet[0], T0 + 2.0, z)[2] for z in range(len(demo.zones))) > 0.5


def test_prepare_updates_a_device_once_a_step(demo: StoreLayout, model: ZoneModel) -> None:
    rule = HmmRule(PointHmm(demo, PresenceSettings(), model))
    rssi, seen = crowd(model, seed=1)[0]
    assert rule.prepare([(rssi, seen)], T0 - 1.0) == {id(rssi)}  # what was updated, for the engine to decide
    first = rule(rssi, seen, T0 - 1.0, 0)
    rssi[:] = [r - 30.0 for r in rssi]  # far weaker: a new update would move the posterior
    assert rule.prepare([(rssi, seen)], T0 - 0.5) == set()  # within the step: kept
    assert rule(rssi, seen, T0 - 0.5, 0) == first
    assert rule.prepare([(rssi, seen)], T0) == {id(rssi)}
    assert rule(rssi, seen, T0, 0) != first


def test_a_forgotten_device_leaves_its_row_to_the_next_with_no_trace(demo: StoreLayout, model: ZoneModel) -> None:
    hmm = PointHmm(demo, PresenceSettings(), model)
    rule, fresh = HmmRule(hmm), HmmRule(hmm)
    gone, seen = readings_at(model, 1.5, 12.5), [T0] * len(demo.gateways)
    for k in range(5):
        rule(gone, [T0 + k] * len(seen), T0 + k - 1.0, 0)  # settled in aisle-1
    rule.forget(gone)
    newcomer = readings_at(model, 28.5, 18.5)
    got = rule(newcomer, [T0 + 5] * len(seen), T0 + 4.0, 0)
    assert got == fresh(list(newcomer), [T0 + 5] * len(seen), T0 + 4.0, 0)
    assert demo.zones[got[0]].id != "aisle-1"


def test_the_model_scores_many_devices_as_it_scores_each(model: ZoneModel) -> None:
    devices = [d for d in crowd(model, seed=7) if sum(s >= T0 for s in d[1]) >= 3]
    assert len(devices) > CHUNK
    heard = [[g for g, s in enumerate(seen) if s >= T0] for _, seen in devices]
    readings = [[rssi[g] for g in gs] for (rssi, _), gs in zip(devices, heard, strict=True)]
    mask, rssi = model.readings_matrix(heard, readings)
    points = model.point_log_likelihoods_many(mask, rssi)
    zones = model.log_likelihoods_many(mask, rssi, marginal=True)
    best = model.log_likelihoods_many(mask, rssi)
    for k, (gs, rs) in enumerate(zip(heard, readings, strict=True)):
        assert np.allclose(points[k], model.point_log_likelihoods(gs, rs), atol=1e-3)
        assert np.allclose(zones[k], model.log_likelihoods(gs, rs, marginal=True), atol=1e-3)
        assert np.allclose(best[k], model.log_likelihoods(gs, rs), atol=1e-3)


def journeys(
    demo: StoreLayout, model: ZoneModel, rule: ZoneRule, hold_s: float = 0.0, *, twice: bool = False
) -> list[JourneyEvent]:
    """A minute of `DEVICES` shoppers walking between random points, every gateway reporting each of them once a
    second in one batch (with 3 dB of noise; with `twice`, each item twice, as a phone's two EIDs around a
    rotation): the engine's journey events."""
    rnd = random.Random(5)
    settings = PresenceSettings(rule=rule, enter_min_dbm=-127.0, enter_inside_min_dbm=-127.0, hmm_hold_s=hold_s)
    engine = PresenceEngine(demo, settings)
    where = [(rnd.uniform(0, 30), rnd.uniform(0, 20)) for _ in range(DEVICES)]
    to = [(rnd.uniform(0, 30), rnd.uniform(0, 20)) for _ in range(DEVICES)]
    events: list[JourneyEvent] = []
    gateways = [g.id for g in demo.gateways]
    for second in range(60):
        for k, ((x, y), (tx, ty)) in enumerate(zip(where, to, strict=True)):
            d = max(1e-9, ((tx - x) ** 2 + (ty - y) ** 2) ** 0.5)
            where[k] = (tx, ty) if d <= 1.0 else (x + (tx - x) / d, y + (ty - y) / d)
            if d <= 1.0 and rnd.random() < 0.2:
                to[k] = (rnd.uniform(0, 30), rnd.uniform(0, 20))
        heard = [readings_at(model, x, y) for x, y in where]
        for g, gw in enumerate(gateways):
            t = T0 + second + g / len(gateways)
            items = [(f"d{k}", r[g] + rnd.gauss(0.0, 3.0)) for k, r in enumerate(heard) if r[g] > -85.0]
            if twice:
                items = [item for item in items for _ in range(2)]
            events += engine.ingest(gw, second + 1, t, items, now=t + 0.02)
        events += engine.tick(T0 + second + 1.0)
    return events


@pytest.mark.parametrize(
    ("rule", "hold_s", "twice"),
    [("hmm", 0.0, False), ("hmm-points", 0.0, False), ("hmm-points", 1.5, False), ("hmm-points", 0.0, True)],
)
def test_an_engine_deciding_a_batch_at_once_tells_the_same_journeys(
    demo: StoreLayout, model: ZoneModel, rule: ZoneRule, hold_s: float, twice: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Batched, the engine updates a batch's devices together and decides a device only when its posterior moved
    # (or a challenger is held); one by one, each sighting updates its device if due and is decided. Twice: a
    # device that enters at its first item of a batch is decided at its second, which the batch did not prepare.
    batched = journeys(demo, model, rule, hold_s, twice=twice)
    monkeypatch.setattr(PresenceEngine, "_prepare", lambda self, *args: set())
    one_by_one = journeys(demo, model, rule, hold_s, twice=twice)
    assert sum(e.event == "zone" for e in batched) > DEVICES  # the shoppers do move between zones
    assert batched == one_by_one


def test_a_device_twice_in_a_batch_is_updated_once(demo: StoreLayout, model: ZoneModel) -> None:
    # Around an EID rotation a phone's previous and current EIDs can both be in one gateway batch.
    hmm = PointHmm(demo, PresenceSettings(), model)
    twice, once = HmmRule(hmm), HmmRule(hmm)
    rssi, seen = readings_at(model, 1.5, 12.5), [T0] * len(demo.gateways)
    for k in range(3):
        seen = [T0 + k] * len(seen)
        assert twice.prepare([(rssi, seen), (rssi, seen)], T0 + k - 1.0) == {id(rssi)}
        got = twice(rssi, seen, T0 + k - 1.0, 0)
        assert got == once(rssi, seen, T0 + k - 1.0, 0)
        assert demo.zones[got[0]].id == "aisle-1"
