"""The ``hmm-points`` zone rule: a step over the floor's grid points that does not go through shelving, the
points' likelihoods, and the engine following a shopper from the front strip into an aisle sooner than ``hmm``.

Readings from `walks`: the rule's own propagation model's predictions.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from edge.presence import PresenceEngine, PresenceSettings, hmm_points
from edge.presence.hmm import ZoneHmm
from edge.presence.hmm_points import PointHmm
from edge.presence.model import ZoneModel
from edge.presence.settings import RadioModel, ZoneRule
from edge.store import StoreLayout
from tests.edge.presence.walks import T0, feed_path, readings_at


@pytest.fixture(scope="module")
def hmm(demo: StoreLayout, model: ZoneModel) -> PointHmm:
    return PointHmm(demo, PresenceSettings(rule="hmm-points", hmm_jump_rate=0.0), model)


def at(hmm: PointHmm, x: float, y: float, walking: float = 1.0) -> np.ndarray:
    """All the probability on the grid point nearest (x, y), this much of it walking."""
    p = np.zeros(hmm.states)
    point = int(np.argmin((hmm.model.points_x - x) ** 2 + (hmm.model.points_y - y) ** 2))
    p[point] = 1.0 - walking
    p[hmm.points + point] = walking
    return p


def reached(hmm: PointHmm, demo: StoreLayout, p: np.ndarray) -> set[str]:
    return {demo.zones[z].id for z in np.flatnonzero(hmm.zones(p) > 0)}


def test_a_step_stays_on_the_floor_a_shopper_can_walk(demo: StoreLayout, hmm: PointHmm) -> None:
    mid_aisle = hmm.predict(at(hmm, 1.5, 12.5), 1.0)
    assert mid_aisle.sum() == pytest.approx(1.0)
    assert reached(hmm, demo, mid_aisle) == {"aisle-1"}  # 8 m from either end: a second's walk stays inside
    # At the aisle's mouth: out to the tills, never through the shelving into the next aisle.
    assert reached(hmm, demo, hmm.predict(at(hmm, 1.5, 4.5), 1.0)) == {"aisle-1", "checkout"}
    three_seconds = hmm.predict(at(hmm, 1.5, 4.5), 3.0)
    assert "aisle-2" in reached(hmm, demo, three_seconds)  # round the end of the shelving, through the front
    assert three_seconds.sum() == pytest.approx(1.0)


def test_jumps_reach_every_point_and_keep_the_total(demo: StoreLayout, model: ZoneModel) -> None:
    jumping = PointHmm(demo, PresenceSettings(rule="hmm-points", hmm_jump_rate=0.01), model)
    q = jumping.predict(at(jumping, 1.5, 12.5), 1.0)
    assert np.all(q > 0)
    assert q.sum() == pytest.approx(1.0)


def test_a_zones_probability_is_the_sum_over_its_points(demo: StoreLayout, hmm: PointHmm) -> None:
    p = np.zeros(hmm.states)
    p[np.tile(hmm.point_zones, 2) == [z.id for z in demo.zones].index("walkway")] = 1.0
    assert hmm.zones(p / p.sum())[[z.id for z in demo.zones].index("walkway")] == pytest.approx(1.0)
    # Before any evidence every zone is as likely, whatever its size: not the walkway for being the largest.
    assert np.allclose(hmm.zones(hmm.prior()), 1.0 / len(demo.zones))


@pytest.mark.parametrize("rule", ["hmm", "hmm-points"])
def test_a_shopper_heard_by_the_doors_gateway_alone_stays_at_the_doors(demo: StoreLayout, rule: ZoneRule) -> None:
    engine = PresenceEngine(demo, PresenceSettings(rule=rule))
    events = []
    for k in range(8):  # 2 s in the doorway, heard by gw-09 alone, then gone
        t = T0 + 0.25 * k
        events += engine.ingest("gw-09", k + 1, t, [("phone", -55.0)], now=t + 0.01)
        events += engine.tick(t + 0.02)
    events += [e for k in range(40) for e in engine.tick(T0 + 2.0 + 0.1 * k)]
    assert [(e.event, e.zone) for e in events] == [("enter", "entrance"), ("exit", None)]
    assert events[-1].t - T0 < 5.0  # the shop front's short timeout: never placed in the walkway behind


def test_point_likelihoods_match_a_direct_computation(model: ZoneModel) -> None:
    heard = [0, 1, 2, 3, 8, 9, 10]
    readings = [-70.0, -72.0, -75.0, -78.0, -65.0, -68.0, -79.0]
    d = np.asarray(readings) - model.expected[:, :, heard]
    d -= d.mean(axis=2, keepdims=True)
    loglik = np.einsum("kij,kij->ki", d, d) / (-2.0 * model.model.sigma_db**2)  # headings x points
    top = loglik.max(axis=0)
    average = np.log(np.exp(loglik - top).mean(axis=0)) + top  # over the facings
    assert np.allclose(model.point_log_likelihoods(heard, readings), average, atol=1e-3)


def test_few_readings_give_each_point_its_zones_fallback(demo: StoreLayout, model: ZoneModel, hmm: PointHmm) -> None:
    gateways = [g.zone_id for g in demo.gateways]
    heard = [gateways.index("aisle-2"), gateways.index("checkout")]
    per_point = hmm.log_likelihoods(heard, [-62.0, -75.0])
    per_zone = ZoneHmm(demo, PresenceSettings(rule="hmm"), model).log_likelihoods(heard, [-62.0, -75.0])
    assert per_zone.argmax() == [z.id for z in demo.zones].index("aisle-2")
    assert np.array_equal(per_point, np.tile(per_zone[hmm.point_zones], 2))  # the same for both modes


def switched_into(rule: str, demo: StoreLayout, model: ZoneModel, x: float, aisle: str) -> float:
    """A shopper at the front strip for 10 s walks into the aisle at x (1 m/s, crossing its mouth at 12 s): when
    the engine moves them there, in seconds after the crossing."""
    path = [(0.0, x, 2.0), (10.0, x, 2.0), (20.0, x, 12.0), (40.0, x, 12.0)]
    settings = PresenceSettings(rule=rule, enter_min_dbm=-127.0, enter_inside_min_dbm=-127.0)  # type: ignore[arg-type]
    _, events = feed_path(demo, model, settings, path)
    return next(e.t - T0 - 12.0 for e in events if e.event == "zone" and e.zone == aisle and e.t - T0 > 10.0)


def test_a_shopper_walking_into_an_aisle_is_placed_there_sooner(demo: StoreLayout, model: ZoneModel) -> None:
    # The slow switches of the busy hour (docs/accuracy.md): the aisle's gateway is 8 m from its mouth.
    aisles = [(1.5, "aisle-1"), (4.5, "aisle-2"), (7.5, "aisle-3"), (22.5, "aisle-6")]
    points = [switched_into("hmm-points", demo, model, x, aisle) for x, aisle in aisles]
    zones = [switched_into("hmm", demo, model, x, aisle) for x, aisle in aisles]
    assert all(p <= z for p, z in zip(points, zones, strict=True)), (points, zones)
    assert sum(points) < sum(zones)
    assert max(points) < 4.5, points


def follow(hmm: PointHmm, model: ZoneModel, path: list[tuple[float, float]], seed: int = 3) -> np.ndarray:
    """The posterior after a second at each (x, y) of `path`, every gateway heard with ±3 dB of seeded noise."""
    rng = np.random.default_rng(seed)
    p = hmm.prior()
    heard = list(range(len(model.expected[0, 0])))
    for x, y in path:
        readings = np.asarray(readings_at(model, x, y)) + rng.normal(0.0, 3.0, len(heard))
        p = hmm.update(hmm.predict(p, 1.0), hmm.log_likelihoods(heard, list(readings)), 1.0)
    return p


def test_the_readings_tell_a_standing_shopper_from_a_walking_one(demo: StoreLayout, model: ZoneModel) -> None:
    alike = PresenceSettings(rule="hmm-points", hmm_jump_rate=0.0, points_kind_motion=False)
    hmm = PointHmm(demo, alike, model)
    share = 0.15 / (0.15 + 0.1)  # the defaults' long-run share of walking: the prior's
    assert hmm.walking(hmm.prior()) == pytest.approx(share)
    standing = follow(hmm, model, [(4.5, 12.5)] * 30)  # half a minute at a shelf in aisle 2
    walking = follow(hmm, model, [(16.0 + 1.2 * k, 2.5) for k in range(12)])  # along the front strip at 1.2 m/s
    # Standing still is the likelier story for the shelf, walking for the strip (the prior says 0.6 for both).
    assert hmm.walking(standing) < 0.4 < share < 0.65 < hmm.walking(walking)


def walking_after(hmm: PointHmm, x: float, y: float, walking: float, seconds: float) -> float:
    """The share walking `seconds` after a shopper at (x, y) stood (walking 0) or walked (walking 1)."""
    return hmm.walking(hmm.predict(at(hmm, x, y, walking), seconds))


def test_a_zones_kind_says_how_long_a_shopper_keeps_standing_or_walking_there(
    demo: StoreLayout, model: ZoneModel
) -> None:
    kinds = PointHmm(demo, PresenceSettings(rule="hmm-points", hmm_jump_rate=0.0), model)
    alike = PointHmm(demo, PresenceSettings(rule="hmm-points", hmm_jump_rate=0.0, points_kind_motion=False), model)
    till, desk, shelf, walkway = (3.5, 1.5), (25.5, 1.5), (4.5, 12.5), (15.0, 12.5)
    # Who stands at a till is held there longer than who stands at a shelf; with the kinds off, alike.
    assert walking_after(kinds, *till, 0.0, 1.0) < walking_after(kinds, *shelf, 0.0, 1.0) / 2
    assert walking_after(alike, *till, 0.0, 1.0) == pytest.approx(walking_after(alike, *shelf, 0.0, 1.0), rel=1e-5)
    assert walking_after(kinds, *desk, 0.0, 1.0) < walking_after(kinds, *shelf, 0.0, 1.0) / 2
    # Who walks along the pickup strip seldom stops there: a fifth as often as in the walkway.
    stopped_by_desk = 1.0 - walking_after(kinds, *desk, 1.0, 1.0)
    stopped_in_walkway = 1.0 - walking_after(kinds, *walkway, 1.0, 1.0)
    assert stopped_by_desk < stopped_in_walkway / 4
    # The prior's walking share follows: as before in an aisle, the stationary share at the tills.
    prior = kinds.prior()
    tills = kinds.point_zones == [z.id for z in demo.zones].index("checkout")
    aisle = kinds.point_zones == [z.id for z in demo.zones].index("aisle-2")
    walking_share = prior[kinds.points :] / (prior[: kinds.points] + prior[kinds.points :])
    assert walking_share[tills] == pytest.approx(0.4 * 0.15 / (0.4 * 0.15 + 0.1), rel=1e-5)
    assert walking_share[aisle] == pytest.approx(0.15 / (0.15 + 0.1), rel=1e-5)
    assert kinds.prior().sum() == pytest.approx(1.0)


def test_a_shopper_keeps_standing_or_walking_from_second_to_second(demo: StoreLayout, model: ZoneModel) -> None:
    """A shopper known to stand is expected, a second later, nearer where they were than one known to walk; with
    `points_start_p + points_stop_p = 1` the mode is drawn afresh and both spread the same."""

    def spread(settings: PresenceSettings, walking: float) -> float:
        hmm = PointHmm(demo, settings, model)
        q = hmm.points_many(hmm.predict(at(hmm, 15.5, 12.5, walking), 1.0)[None, :])[0]
        d2 = (hmm.model.points_x - 15.5) ** 2 + (hmm.model.points_y - 12.5) ** 2
        return float(np.sqrt((q * d2).sum()))

    kept = PresenceSettings(rule="hmm-points", hmm_jump_rate=0.0)
    assert spread(kept, 0.0) < 1.2 < 2.0 < spread(kept, 1.0)  # mostly shuffling, against mostly walking
    afresh = PresenceSettings(rule="hmm-points", hmm_jump_rate=0.0, points_start_p=0.3, points_stop_p=0.7)
    assert spread(afresh, 0.0) == pytest.approx(spread(afresh, 1.0), rel=1e-5)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("points_walk_m", 0.0),
        ("points_shuffle_m", 11.0),
        ("points_start_p", 1.5),
        ("points_stop_p", float("nan")),
        ("points_evidence", 0.0),
        ("points_switch_p", 0.4),
        ("points_switch_p", 1.0),
        ("points_facing_redraw_p", 1.5),
        ("points_facing_redraw_p", -0.1),
    ],
)
def test_bad_point_settings_name_their_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=f"^{field}: "):
        PresenceSettings(rule="hmm-points", **{field: value})  # type: ignore[arg-type]


def test_a_large_floor_steps_by_gathering_with_the_same_result_as_the_blocks_of_the_product(
    demo: StoreLayout, monkeypatch: pytest.MonkeyPatch
) -> None:
    grid = ZoneModel(demo, RadioModel(grid_m=1.0), [z.id for z in demo.zones])  # 600 points, as the engine's
    settings = PresenceSettings(rule="hmm-points", hmm_jump_rate=0.0)
    dense = PointHmm(demo, settings, grid)
    monkeypatch.setattr(hmm_points, "MAX_TILED_SHARE", 0.0)  # never worth cutting: the whole product
    whole = PointHmm(demo, settings, grid)
    monkeypatch.setattr(hmm_points, "DENSE_MAX_POINTS", 599)
    gathering = PointHmm(demo, settings, grid)
    assert whole._walking.dense is not None
    assert whole._standing.dense is None  # five points each: a gather
    assert dense._walking._tile_from is not None  # blocks of the product
    assert dense._standing._tile_from is not None
    assert gathering._walking._tile_from is None
    assert gathering._walking.dense is None
    for x, y in ((1.5, 4.5), (15.5, 2.5), (29.5, 19.5)):
        assert np.allclose(gathering.predict(at(dense, x, y), 2.0), dense.predict(at(dense, x, y), 2.0), atol=1e-6)
        assert np.allclose(whole.predict(at(dense, x, y), 2.0), dense.predict(at(dense, x, y), 2.0), atol=1e-6)


def stand_facing_away(
    hmm: PointHmm, demo: StoreLayout, x: float, y: float, gateway: str, seed: int
) -> tuple[np.ndarray, int]:
    """The posterior after 40 s of a shopper standing at (x, y) with their back to `gateway`, every gateway heard
    as the model predicts for that facing, ±3 dB of seeded noise; and the index of that facing."""
    model = hmm.model
    point = int(np.argmin((model.points_x - x) ** 2 + (model.points_y - y) ** 2))
    g = next(g for g in demo.gateways if g.id == gateway)
    away = math.atan2(model.points_y[point] - g.y, model.points_x[point] - g.x)
    facings = np.linspace(-np.pi, np.pi, model.headings, endpoint=False)
    facing = int(np.argmin(np.abs(np.angle(np.exp(1j * (facings - away))))))
    rng = np.random.default_rng(seed)
    heard = list(range(len(demo.gateways)))
    p = hmm.prior()
    for _ in range(40):
        readings = model.expected[facing, point, :] - 59.0 + rng.normal(0.0, 3.0, len(heard))
        p = hmm.update(hmm.predict(p, 1.0), hmm.log_likelihoods(heard, list(readings)), 1.0)
    return p, facing


def test_a_standing_shopper_with_their_back_to_the_tills_gateway_is_kept_at_the_tills_with_the_facing_kept(
    demo: StoreLayout, model: ZoneModel
) -> None:
    """The busy hour's longest misplacements (docs/accuracy.md): a shopper at a till, the body between the phone
    and the tills' gateway for the whole stop, reads like the aisle's mouth behind them under most facings."""
    averaged = PointHmm(demo, PresenceSettings(rule="hmm-points", hmm_jump_rate=0.0), model)
    kept = PointHmm(demo, PresenceSettings(rule="hmm-points", hmm_jump_rate=0.0, points_facing_redraw_p=0.05), model)
    assert (averaged.facings, kept.facings) == (1, model.headings)
    assert kept.states == (model.headings + 1) * kept.points
    assert kept.prior().sum() == pytest.approx(1.0)
    tills = [z.id for z in demo.zones].index("checkout")
    for seed in (1, 2, 3):
        p_avg, _ = stand_facing_away(averaged, demo, 6.5, 3.5, "gw-10", seed)
        p_kept, facing = stand_facing_away(kept, demo, 6.5, 3.5, "gw-10", seed)
        assert p_kept.sum() == pytest.approx(1.0, abs=1e-4)
        assert kept.zones(p_kept)[tills] > max(0.9, averaged.zones(p_avg)[tills] + 0.03), seed
        # the state holds the way the shopper faces
        by_facing = p_kept[: kept.facings * kept.points].reshape(kept.facings, kept.points).sum(axis=1)
        assert int(by_facing.argmax()) == facing
        assert by_facing[facing] > 0.5 * by_facing.sum()
    # a walking shopper's facing is not kept: one who starts walking spreads over the points as before
    walking = np.zeros(kept.states)
    point = int(np.argmin((model.points_x - 15.5) ** 2 + (model.points_y - 12.5) ** 2))
    walking[kept.facings * kept.points + point] = 1.0
    alike = np.zeros(averaged.states)
    alike[averaged.points + point] = 1.0
    spread_kept = kept.points_many(kept.predict(walking, 1.0)[None, :])[0]
    spread_avg = averaged.points_many(averaged.predict(alike, 1.0)[None, :])[0]
    assert spread_kept == pytest.approx(spread_avg, abs=1e-6)
