"""The ``hmm`` zone rule: which zones adjoin, forward filtering over them, and the engine following a shopper.

The readings are the rule's own propagation model's predictions for a point (a −59 dBm-at-1-m phone, every
gateway of the demo store hears it), plus seeded noise where a test says so: deterministic, and fast.
"""

from __future__ import annotations

import numpy as np
import pytest

from edge.presence import PresenceSettings
from edge.presence.hmm import ZoneHmm, leave_rates, make_hmm_rule, zone_adjacency
from edge.presence.model import ZoneModel
from edge.presence.settings import ZoneRule
from edge.store import Rect, StoreLayout, Zone, ZoneKind
from tests.edge.presence.walks import T0, feed_path


def neighbours(layout: StoreLayout) -> dict[str, set[str]]:
    ids = [z.id for z in layout.zones]
    return {ids[i]: {ids[j] for j in adj} for i, adj in enumerate(zone_adjacency(layout))}


def test_adjacency_follows_open_edges_not_shelving(demo: StoreLayout) -> None:
    adj = neighbours(demo)
    assert adj["aisle-1"] == {"checkout"}  # shelving on its long side: aisle 2 is not a step away
    assert adj["aisle-4"] == {"checkout", "entrance"}  # its mouth spans both (1 m of it in front of the doors)
    assert adj["walkway"] == {"entrance"}  # aisles 4 and 5 turn their shelving to it
    assert adj["entrance"] == {"checkout", "pickup", "walkway", "aisle-4", "aisle-5"}
    assert all(a in adj[b] for a, bs in adj.items() for b in bs)  # symmetric
    assert all(z not in bs for z, bs in adj.items())


def test_adjacency_of_rooms_across_gaps_and_narrow_edges() -> None:
    layout = StoreLayout(
        id="flat",
        name="Flat",
        width=16.0,
        depth=6.0,
        zones=(
            Zone("living", ZoneKind.ENTRANCE, Rect(0.0, 0.0, 4.0, 4.0), "Soggiorno"),
            Zone("bedroom", ZoneKind.OTHER, Rect(4.0, 0.0, 6.0, 4.0), "Camera"),
            Zone("shed", ZoneKind.OTHER, Rect(6.3, 0.0, 10.0, 4.0), "Capanno"),  # 0.3 m of wall: still a door
            Zone("garage", ZoneKind.OTHER, Rect(12.0, 0.0, 16.0, 4.0), "Garage"),  # 2 m away: not a step
            Zone("closet", ZoneKind.OTHER, Rect(3.5, 4.0, 5.0, 6.0), "Armadio"),  # 0.5 m behind living, 1 m bedroom
        ),
    )
    adj = neighbours(layout)
    assert adj["living"] == {"bedroom"}  # 0.5 m of common edge with the closet is no passage
    assert adj["bedroom"] == {"living", "shed", "closet"}
    assert adj["garage"] == set()


def test_leave_rates_scale_with_speed_and_zone_size(demo: StoreLayout) -> None:
    slow = leave_rates(demo, 0.5)
    fast = leave_rates(demo, 1.0)
    assert all(f == pytest.approx(2 * s) for s, f in zip(slow, fast, strict=True))
    by_id = dict(zip([z.id for z in demo.zones], slow, strict=True))
    assert by_id["walkway"] < by_id["aisle-1"]  # 6 × 16 m takes longer to cross than 3 × 16 m


def test_forward_step_moves_probability_only_to_adjoining_zones(demo: StoreLayout, model: ZoneModel) -> None:
    hmm = ZoneHmm(demo, PresenceSettings(rule="hmm", hmm_jump_rate=0.0), model)
    ids = [z.id for z in demo.zones]
    p = np.zeros(len(ids))
    p[ids.index("aisle-1")] = 1.0
    q = hmm.predict(p, 1.0)
    assert q.sum() == pytest.approx(1.0)
    assert {ids[i] for i in np.flatnonzero(q > 0)} == {"aisle-1", "checkout"}
    with_jumps = ZoneHmm(demo, PresenceSettings(rule="hmm", hmm_jump_rate=0.01), model).predict(p, 1.0)
    assert np.all(with_jumps > 0)
    assert with_jumps.sum() == pytest.approx(1.0)


def steps_to_switch(hmm: ZoneHmm, start: int, evidence: np.ndarray) -> int:
    p = np.full(hmm.zone_count, 1e-6)
    p[start] = 1.0
    p /= p.sum()
    for step in range(1, 200):
        p = hmm.update(hmm.predict(p, 0.5), evidence, 0.5)
        if int(p.argmax()) != start:
            return step
    return 200


def test_a_jump_to_a_zone_that_does_not_adjoin_needs_more_evidence(demo: StoreLayout, model: ZoneModel) -> None:
    hmm = ZoneHmm(demo, PresenceSettings(rule="hmm"), model)
    ids = [z.id for z in demo.zones]
    start = ids.index("aisle-1")
    evidence_for = {}
    for target in ("checkout", "aisle-3"):  # the same evidence: target 4 log-units likelier than the rest
        e = np.zeros(len(ids))
        e[ids.index(target)] = 4.0
        evidence_for[target] = steps_to_switch(hmm, start, e)
    assert evidence_for["checkout"] < evidence_for["aisle-3"] < 200


@pytest.mark.parametrize("rule", ["hmm", "hmm-points"])
def test_a_walk_across_adjoining_zones_is_followed(demo: StoreLayout, model: ZoneModel, rule: ZoneRule) -> None:
    # In at the doors, across the entrance, along the walkway to the back; 1 m/s, a stop at each end.
    path = [(0.0, 15.0, 1.0), (10.0, 15.0, 1.0), (22.0, 15.0, 13.0), (60.0, 15.0, 13.0)]
    settings = PresenceSettings(rule=rule, enter_min_dbm=-127.0, enter_inside_min_dbm=-127.0)
    engine, events = feed_path(demo, model, settings, path)
    assert engine.zone_of("phone") == "walkway"
    # The visit starts in the zone of the first gateway to report and is at the entrance within two reports
    # (settle_s, then the posterior reaching hmm_switch_p); from there, straight to the walkway.
    decided = [(e.t - T0, e.zone) for e in events if e.event in ("enter", "zone")]
    at_doors = next(i for i, (_, zone) in enumerate(decided) if zone == "entrance")
    assert decided[at_doors][0] < 2.5
    assert [zone for _, zone in decided[at_doors + 1 :]] == ["walkway"]
    assert decided[-1][0] < 22.0  # there from y 4, 3 s into the walk
    assert engine.zone_of("phone") == "walkway"


@pytest.mark.parametrize(
    ("x", "y"),
    [(3.0, 10.0), (12.0, 10.0), (15.0, 4.0)],
    ids=["aisle-1|aisle-2", "aisle-4|walkway", "entrance|walkway"],
)
@pytest.mark.parametrize("rule", ["hmm", "hmm-points"])
def test_a_still_shopper_between_two_zones_does_not_flap(
    demo: StoreLayout, model: ZoneModel, x: float, y: float, rule: ZoneRule
) -> None:
    # On the line between two zones, 3 dB of noise on every reading, 5 minutes. (On the open line between the
    # checkout and the entrance, where only distance tells the zones apart, it does flap: docs/accuracy.md.)
    # `hmm`: after settle_s, one event correcting the first report's guess and at most one more. `hmm-points`,
    # whose lower threshold follows a walk sooner, settles within 15 s (the first reports place a device only
    # roughly), then makes at most one excursion and back; through the simulated channel it flaps less than
    # `hmm` on these lines (docs/accuracy.md, bench/presence_flapping.py).
    settings = PresenceSettings(
        rule=rule, enter_min_dbm=-127.0, enter_inside_min_dbm=-127.0, exit_timeout_s=30.0, entrance_exit_s=30.0
    )
    settled, most = {"hmm": (1.5, 2), "hmm-points": (15.0, 2)}[rule]
    for seed in (1, 2, 3):
        _, events = feed_path(demo, model, settings, [(0.0, x, y), (300.0, x, y)], noise_db=3.0, seed=seed)
        switches = [e for e in events if e.event == "zone" and e.t - T0 > settled]
        assert len(switches) <= most, (seed, [(round(e.t - T0), e.zone) for e in switches])


def test_few_readings_fall_back_to_the_loudest_gateway(demo: StoreLayout, model: ZoneModel) -> None:
    rule = make_hmm_rule(ZoneHmm(demo, PresenceSettings(rule="hmm"), model))
    ids = [z.id for z in demo.zones]
    gateways = [g.zone_id for g in demo.gateways]
    rssi = [float("-inf")] * len(gateways)
    seen = [float("-inf")] * len(gateways)
    for zone, level in (("aisle-2", -62.0), ("checkout", -75.0)):
        g = gateways.index(zone)
        rssi[g], seen[g] = level, 100.0
    best, p_best, p_current = rule(rssi, seen, 99.0, ids.index("checkout"))
    assert ids[best] == "aisle-2"
    assert 0.0 < p_current < p_best <= 1.0
    blank = [float("-inf")] * len(gateways)
    assert rule(blank, blank[:], 99.0, 0) == (-1, float("-inf"), float("-inf"))  # nothing fresh: no decision


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hmm_speed_mps", 0.0),
        ("hmm_speed_mps", float("nan")),
        ("hmm_jump_rate", -0.1),
        ("hmm_evidence", 0.0),
        ("hmm_evidence", True),
        ("hmm_switch_p", 0.4),
        ("hmm_switch_p", 1.0),
        ("hmm_hold_s", -1.0),
    ],
)
def test_bad_hmm_settings_name_their_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=f"^{field}: "):
        PresenceSettings(rule="hmm", **{field: value})  # type: ignore[arg-type]


def test_zone_likelihoods_match_a_direct_computation(demo: StoreLayout, model: ZoneModel) -> None:
    # The model scores with one float32 matrix product; here the same sums the long way, in float64.
    heard = [0, 1, 2, 3, 8, 9, 10]
    readings = [-70.0, -72.0, -75.0, -78.0, -65.0, -68.0, -79.0]
    d = np.asarray(readings) - model.expected[:, :, heard]
    d -= d.mean(axis=2, keepdims=True)
    loglik = np.einsum("kij,kij->ki", d, d) / (-2.0 * model.model.sigma_db**2)  # headings x points
    zones = np.arange(model.zone_count)
    starts = np.searchsorted(np.repeat(zones, model._counts.astype(int)), zones)  # the grid is grouped by zone
    best = np.maximum.reduceat(loglik.max(axis=0), starts)
    top = loglik.max()
    average = np.log(np.add.reduceat(np.exp(loglik - top).sum(axis=0), starts) / (model._counts * d.shape[0])) + top
    assert np.allclose(model.log_likelihoods(heard, readings), best, atol=1e-3)
    assert np.allclose(model.log_likelihoods(heard, readings, marginal=True), average, atol=1e-3)
    assert np.allclose(model.scores(heard, readings), best, atol=1e-3)
