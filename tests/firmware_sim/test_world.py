"""The simulated world: firmware, radio, shoppers, scenarios, determinism and recording."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from edge.identity import eid
from edge.store import load_layout
from firmware_sim.world import (
    SCENARIOS,
    Advert,
    RadioParams,
    Scenario,
    TruthSample,
    WorldError,
    build_scenario,
    replay,
)
from firmware_sim.world import espresense as harness
from firmware_sim.world.chatter import PROFILES, ChatterDevice
from firmware_sim.world.devices import ANDROID_INTERVALS_S, EidPhone, IBeaconTag
from firmware_sim.world.floorplan import WalkGraph, shelf_lines
from firmware_sim.world.radio import Radio
from firmware_sim.world.scenario import DEFAULT_START_T
from firmware_sim.world.stream import zone_ids
from firmware_sim.world.trajectory import stationary
from gateway import beacons

ROOT = Path(__file__).resolve().parents[2]
DEMO = load_layout(ROOT / "examples" / "stores" / "demo.toml")
KEY = bytes(range(16))
Rec = tuple[float, str, Advert]


@pytest.fixture(scope="module")
def small() -> Scenario:
    return build_scenario("store-small", seed=3)


@pytest.fixture(scope="module")
def busy() -> Scenario:
    return build_scenario("store-busy", seed=5)


@pytest.fixture(scope="module")
def small_adverts(small: Scenario) -> list[tuple[float, str, Advert]]:
    return list(small.adverts())


def quiet_radio(**overrides: object) -> RadioParams:
    base: dict[str, object] = {
        "sigma_db": 0.0,
        "multipath_share": 0.0,
        "body_loss_db": 0.0,
        "shelf_loss_db": 0.0,
        "wall_loss_db": 0.0,
        "party_wall_loss_db": 0.0,
        "loss_share": 0.0,
        "receiver_offsets_db": {},
    }
    base.update(overrides)
    return RadioParams(**base)  # type: ignore[arg-type]


def one_device_scenario(device: EidPhone | IBeaconTag, duration_s: float, radio: RadioParams) -> Scenario:
    layout = load_layout(harness.LAYOUT_PATH)
    return Scenario(
        name="test",
        seed=1,
        layout=layout,
        duration_s=duration_s,
        start_t=DEFAULT_START_T,
        devices=(device,),
        trajectories={device.id: stationary(3.0, 2.0, 0.0, duration_s)},
        radio=radio,
    )


# --- determinism -----------------------------------------------------------------------------------------


def test_same_seed_gives_identical_adverts_and_truth(small: Scenario, small_adverts: list[Rec]) -> None:
    again = build_scenario("store-small", seed=3)
    assert list(again.adverts()) == small_adverts
    assert list(again.truth(step_s=0.5)) == list(small.truth(step_s=0.5))
    assert list(small.adverts()) == small_adverts  # a second run of the same object starts over


def test_another_seed_gives_another_world(small_adverts: list[Rec]) -> None:
    other = list(build_scenario("store-small", seed=4).adverts())
    assert other[:200] != small_adverts[:200]


def test_adverts_are_time_ordered_and_heard_by_known_gateways(small: Scenario, small_adverts: list[Rec]) -> None:
    times = [t for t, _gw, _a in small_adverts]
    assert times == sorted(times)
    assert small.start_t <= times[0]
    assert times[-1] < small.end_t
    assert {gw for _t, gw, _a in small_adverts} <= {g.id for g in small.layout.gateways}
    assert all(isinstance(a.rssi, int) and -100 <= a.rssi <= 0 for _t, _gw, a in small_adverts)


# --- phone and tag firmware ------------------------------------------------------------------------------


def test_eid_frame_is_what_the_gateway_decodes() -> None:
    phone = EidPhone("p", KEY, start_t=DEFAULT_START_T, k=10, advertised_tx_1m=-59)
    mfg, svc, _address = phone.frame(0.0)
    beacon = beacons.parse(mfg, svc)
    assert isinstance(beacon, beacons.EddystoneEid)
    assert beacon.tx_power == -59
    assert svc[beacons.EDDYSTONE_UUID][:2] == bytes((0x30, (-59 + 41) & 0xFF))
    assert beacon.eid == phone.eid_at(0.0)


@pytest.mark.parametrize(("drift_ppm", "offset_s"), [(0.0, 0.0), (150.0, 30.0), (-150.0, -45.0)])
def test_eid_rotates_just_after_each_window_boundary_of_the_phones_own_clock(drift_ppm: float, offset_s: float) -> None:
    k = 6  # 64 s windows, so many boundaries in a short test
    phone = EidPhone("p", KEY, start_t=DEFAULT_START_T, k=k, drift_ppm=drift_ppm, clock_offset_s=offset_s)
    period = 1 << k
    changes = []
    previous = phone.eid_at(0.0)
    for step in range(1, 20 * period * 20):
        t = step / 20
        now = phone.eid_at(t)
        if now != previous:
            changes.append((t, now))
            previous = now
    assert len(changes) >= 18
    for t, value in changes:
        own = phone.clock(t)
        boundary = math.floor(own) >> k << k
        assert 0 <= own - boundary <= 0.02 * period + 0.05  # within the first 2 % of the window
        assert value == eid(KEY, k, boundary)
    delays = [phone.clock(t) - (math.floor(phone.clock(t)) >> k << k) for t, _ in changes]
    assert len({round(d, 2) for d in delays}) > 5  # the switch moment is random per window
    if offset_s:
        true_boundary = math.ceil(DEFAULT_START_T / period) * period - DEFAULT_START_T
        first = changes[0][0]
        assert abs(first - (true_boundary - offset_s) % period) < 0.03 * period + 1


def test_phone_rejects_a_drift_beyond_150_ppm() -> None:
    with pytest.raises(ValueError, match="150"):
        EidPhone("p", KEY, start_t=DEFAULT_START_T, drift_ppm=151.0)


def test_tag_frame_is_an_ibeacon_with_its_wire_id() -> None:
    tag = IBeaconTag("t", bytes(range(16, 32)), 1, 42, measured_power=-61)
    mfg, svc, _ = tag.frame(5.0)
    beacon = beacons.parse(mfg, svc)
    assert isinstance(beacon, beacons.IBeacon)
    assert beacon.id == tag.wire_id
    assert beacon.tx_power == -61
    assert (beacon.major, beacon.minor) == (1, 42)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_chatter_is_never_an_allowed_loyalty_frame(profile: str) -> None:
    device = ChatterDevice("c", profile, seed=1)
    for t in (0.0, 1000.0, 5000.0):
        mfg, svc, _ = device.frame(t)
        beacon = beacons.parse(mfg, svc)
        assert beacon is None or beacon.kind in ("eddystone-uid", "altbeacon")


def test_advert_intervals_stay_within_jitter_of_the_nominal() -> None:
    for interval in (0.1, 0.25, 1.0):
        phone = EidPhone("p", KEY, start_t=DEFAULT_START_T, interval_s=interval, seed=5)
        sc = one_device_scenario(phone, 120.0, quiet_radio(sensitivity_dbm=-200.0))
        times = sorted({t for t, _gw, _a in sc.adverts()})
        gaps = np.diff(times)
        assert len(times) > 100
        assert gaps.min() >= 0.9 * interval - 1e-9
        assert gaps.max() <= 1.1 * interval + 1e-9
        assert abs(gaps.mean() - interval) < 0.02 * interval


def test_population_intervals_are_android_advertise_modes(busy: Scenario) -> None:
    for device in busy.devices:
        assert 0.1 <= device.interval_s <= 3.0
        if isinstance(device, EidPhone):
            assert device.interval_s in ANDROID_INTERVALS_S
            assert abs(device.drift_ppm) <= 150


def test_stranger_phones_are_not_enrolled(small: Scenario) -> None:
    enrolled = set(small.enrolled)
    strangers = [d for d in small.devices if d.kind == "stranger-phone"]
    assert strangers
    assert not enrolled & {d.id for d in strangers}
    member_keys = {key for _id, key, _k in small.members}
    assert all(isinstance(d, EidPhone) and d.identity_key not in member_keys for d in strangers)


# --- radio -----------------------------------------------------------------------------------------------


def radio_for(params: RadioParams, devices: int = 1, seed: int = 7) -> Radio:
    return Radio(params, DEMO, np.random.default_rng(seed), devices)


def test_rssi_falls_with_distance_on_average() -> None:
    n = 4000
    radio = radio_for(RadioParams(shelf_loss_db=0.0, body_loss_db=0.0, loss_share=0.0), devices=n)
    gw = DEMO.gateway("gw-12")  # the walkway, (15, 12): a straight line up the walkway has no shelving
    means = []
    for d in (1.0, 2.0, 4.0, 8.0):
        x = np.full(n, gw.x)
        y = np.full(n, gw.y + d)
        rssi, _heard = radio.receive(np.arange(n), np.zeros(n), x, y, np.full(n, np.nan), np.full(n, -59.0))
        means.append(rssi[:, 11].mean())
    assert means == sorted(means, reverse=True)
    # 3-D distances (the gateway 1.8 m above the phone) 2.06 m → 8.20 m: 22·log10(8.20 / 2.06) ≈ 13.2 dB
    assert means[0] - means[-1] == pytest.approx(13.2, abs=0.5)


def test_multipath_share_and_packet_loss() -> None:
    params = quiet_radio(multipath_share=0.1, multipath_db=6.0, loss_share=0.2)
    n = 20000
    radio = radio_for(params, devices=n)
    x, y = np.full(n, 15.0), np.full(n, 10.0)
    rssi, heard = radio.receive(np.arange(n), np.zeros(n), x, y, np.full(n, np.nan), np.full(n, -59.0))
    clean = np.rint(radio.mean_rssi(x, y, np.full(n, np.nan), np.full(n, -59.0)))
    hit = (clean - rssi) == 6
    assert set(np.unique(clean - rssi).tolist()) <= {0, 6}
    assert abs(hit.mean() - 0.1) < 0.01
    assert abs(heard.mean() - 0.8) < 0.01


def test_nothing_is_heard_below_the_sensitivity_floor() -> None:
    radio = radio_for(quiet_radio(sensitivity_dbm=-75.0), devices=2)
    x, y = np.array([15.0, 29.5]), np.array([12.0, 19.5])
    rssi, heard = radio.receive(np.arange(2), np.zeros(2), x, y, np.full(2, np.nan), np.full(2, -59.0))
    assert heard[0, 11]
    assert rssi[0, 11] > -75
    assert not heard[1, 0]
    assert rssi[1, 0] < -75


def test_shelving_attenuates_per_aisle_boundary_crossed() -> None:
    assert len(shelf_lines(DEMO)) == 8  # x = 3, 6, 9, 12 and 18, 21, 24, 27, along y 4..20
    loud = radio_for(quiet_radio())
    shelved = radio_for(quiet_radio(shelf_loss_db=4.0))
    x, y = np.array([1.5, 1.5]), np.array([12.0, 2.0])  # in aisle 1; in the checkout strip
    crossed = shelved.shelves_crossed(x, y)
    ids = [g.id for g in DEMO.gateways]
    assert crossed[0, ids.index("gw-01")] == 0
    assert crossed[0, ids.index("gw-02")] == 1
    assert crossed[0, ids.index("gw-04")] == 3
    assert crossed[0, ids.index("gw-12")] == 4
    assert crossed[1, ids.index("gw-10")] == 0  # the front strip is open
    h, tx = np.full(2, np.nan), np.full(2, -59.0)
    diff = loud.mean_rssi(x, y, h, tx) - shelved.mean_rssi(x, y, h, tx)
    assert np.allclose(diff, 4.0 * crossed)


def test_the_street_is_heard_through_the_shop_front_and_beyond_the_corners_through_a_party_wall_too() -> None:
    walled = radio_for(quiet_radio(wall_loss_db=6.0, party_wall_loss_db=12.0))
    open_air = radio_for(quiet_radio())
    ids = [g.id for g in DEMO.gateways]
    # in aisle 1; on the pavement in front of aisle 1; on the pavement 3 m and 9 m beyond the left corner, in
    # front of the shop next door; inside that shop, behind the party wall; behind the back wall
    x = np.array([1.5, 1.5, -3.0, -9.0, -3.0, 15.0])
    y = np.array([12.0, -2.0, -2.0, -2.5, 5.0, 22.0])
    h, tx = np.full(len(x), np.nan), np.full(len(x), -59.0)
    loss = open_air.mean_rssi(x, y, h, tx) - walled.mean_rssi(x, y, h, tx)
    assert np.allclose(walled.outer_wall_loss(x, y), loss)
    assert np.all(loss[0] == 0)
    assert np.all(loss[1] == 6.0)  # every gateway hears the pavement in front through the window alone
    # 3 m beyond the corner: aisle 1's gateway through the neighbour's window and the party wall; aisle 5's,
    # across the floor, through this store's window (the straight line crosses the front at x 0.2)
    assert loss[2, ids.index("gw-01")] == 18.0
    assert loss[2, ids.index("gw-05")] == 6.0
    # 9 m beyond it only the doors' and the pickup desk's gateways are still seen through the front
    assert {ids[i] for i in np.flatnonzero(loss[3] == 6.0)} == {"gw-09", "gw-11"}
    assert np.all(loss[3][[ids.index(g) for g in ("gw-01", "gw-08", "gw-10")]] == 18.0)
    assert np.all(loss[4] == 12.0)  # next door: no window between, the party wall
    assert np.all(loss[5] == 12.0)  # the back wall is not the shop front either


def test_body_shadowing_is_worst_with_the_gateway_behind() -> None:
    radio = radio_for(quiet_radio(body_loss_db=8.0))
    flat = radio_for(quiet_radio())
    gw = DEMO.gateway("gw-12")
    x, y, tx = np.full(3, gw.x), np.full(3, gw.y - 3.0), np.full(3, -59.0)
    facing = np.array([math.pi / 2, 0.0, -math.pi / 2])  # towards the gateway, sideways, away
    loss = (flat.mean_rssi(x, y, facing, tx) - radio.mean_rssi(x, y, facing, tx))[:, 11]
    assert np.allclose(loss, [0.0, 4.0, 8.0])


def test_receiver_offset_is_what_the_layout_calibration_cancels() -> None:
    radio = radio_for(quiet_radio(receiver_offsets_db=None))
    assert np.allclose(radio.offsets, [-g.rssi_offset for g in DEMO.gateways])


def test_slow_shadowing_is_correlated_and_white_noise_is_not() -> None:
    def lag1(share: float) -> float:
        radio = radio_for(quiet_radio(sigma_db=4.0, correlated_share=share, tau_s=4.0))
        n = 3000
        t = np.arange(n, dtype=np.float64) * 0.1
        rssi, _ = radio.receive(
            np.zeros(n, dtype=np.int64), t, np.full(n, 15.0), np.full(n, 9.0), np.full(n, np.nan), np.full(n, -59.0)
        )
        series = rssi[:, 11].astype(float)
        return float(np.corrcoef(series[:-1], series[1:])[0, 1])

    assert lag1(1.0) > 0.9
    assert abs(lag1(0.0)) < 0.1


# --- shoppers --------------------------------------------------------------------------------------------


def test_shoppers_stay_in_the_store_and_off_the_shelves(small: Scenario, busy: Scenario) -> None:
    graph = WalkGraph(small.layout)
    for shopper in busy.shoppers[:80] + small.shoppers:
        tr = shopper.trajectory
        inside = (tr.t >= shopper.enter_s) & (tr.t <= shopper.exit_s)
        assert np.all((tr.x[inside] >= 0) & (tr.x[inside] <= 30) & (tr.y[inside] >= 0) & (tr.y[inside] <= 20))
        assert np.all(tr.y[~inside] <= 0)  # outside the visit: on the street in front
        for i in range(len(tr.t) - 1):
            p, q = (tr.x[i], tr.y[i]), (tr.x[i + 1], tr.y[i + 1])
            assert not any(line.crosses(p, q) for line in graph.lines), (shopper.id, p, q)
        speeds = np.hypot(np.diff(tr.x), np.diff(tr.y)) / np.diff(tr.t)
        assert speeds.max() <= 1.4 + 1e-9


def test_shoppers_visit_their_wishlist_pay_and_leave(small: Scenario, busy: Scenario) -> None:
    for shopper in busy.shoppers[:80] + small.shoppers:
        visited = {s.zone_id for s in shopper.stops}
        assert set(shopper.wishlist) <= visited
        kinds = [s.purpose for s in shopper.stops]
        assert ("checkout" in kinds) == shopper.buys
        if shopper.buys:
            assert kinds[-1] == "checkout"
        if shopper.pickup:
            assert kinds[0] == "pickup"
        for stop in shopper.stops:
            assert busy.layout.zone_at(stop.x, stop.y).id == stop.zone_id  # type: ignore[union-attr]
            if stop.purpose == "checkout":
                assert 60.0 <= stop.leave_s - stop.arrive_s <= 180.0
        door = shopper.trajectory.point(shopper.exit_s)
        assert door == pytest.approx((15.0, 0.0))
        assert shopper.trajectory.point(shopper.trajectory.end)[1] < 0  # gone down the street
    dwell = [s.leave_s - s.arrive_s for sh in busy.shoppers for s in sh.stops if s.purpose == "wishlist"]
    assert 30.0 <= float(np.median(dwell)) <= 60.0


def test_truth_matches_zone_at_and_marks_the_street(small: Scenario) -> None:
    samples = list(small.truth(step_s=0.5))
    assert {s.device_id for s in samples} == set(small.enrolled)
    assert all(isinstance(s, TruthSample) for s in samples)
    assert [s.t for s in samples] == sorted(s.t for s in samples)
    for s in samples:
        zone = small.layout.zone_at(s.x, s.y)
        assert s.in_store == small.layout.contains(s.x, s.y)
        assert s.zone == (zone.id if s.in_store and zone is not None else None)
    assert any(not s.in_store for s in samples)
    assert any(s.in_store for s in samples)
    every = {s.device_id for s in small.truth(step_s=5.0, include_all=True)}
    assert {d.id for d in small.devices if d.id.startswith("s")} <= every <= {d.id for d in small.devices}


def test_vectorised_zone_lookup_agrees_with_zone_at_on_every_edge() -> None:
    xs, ys = np.meshgrid(np.arange(-0.5, 31.0, 0.5), np.arange(-0.5, 21.0, 0.5))
    x, y = xs.ravel(), ys.ravel()
    expected = [z.id if (z := DEMO.zone_at(float(a), float(b))) else None for a, b in zip(x, y, strict=True)]
    assert zone_ids(DEMO, x, y) == expected


# --- scenarios -------------------------------------------------------------------------------------------


def test_espresense_layout_is_the_harness_geometry() -> None:
    layout = load_layout(ROOT / "examples" / "stores" / "espresense.toml")
    assert (0.0, 0.0, layout.width, layout.depth) == harness.BOUNDS
    assert [(z.id, *z.rect.as_list()) for z in layout.zones] == [tuple(r) for r in harness.ROOMS]
    assert [(g.id, g.x, g.y) for g in layout.gateways] == [s[:3] for s in harness.STATIONS]
    assert all(g.rssi_offset == 0 for g in layout.gateways)


@pytest.mark.parametrize(("name", "track", "samples"), [("espresense-walk", "diagonal_walk", 61),
                                                        ("espresense-boundary", "living_to_bedroom", 121)])  # fmt: skip
def test_espresense_scenarios_walk_the_harness_tracks(name: str, track: str, samples: int) -> None:
    sc = build_scenario(name, seed=1)
    assert sc.info["track"] == track
    assert sc.info["baseline"]["samples"] == samples
    assert sc.duration_s == samples * harness.SAMPLE_PERIOD_S
    truth = [s for s in sc.truth(step_s=1.0) if s.device_id == "harness-phone"]
    expected = harness.TRACKS[name].expand()
    assert len(truth) == samples + 1  # the last sample, and the end of its second
    assert [v for s in truth[:samples] for v in (s.x, s.y)] == pytest.approx([v for p in expected for v in p])
    radio = sc.radio
    assert (radio.path_loss_exponent, radio.sigma_db, radio.correlated_share) == (3.0, 2.5, 0.0)
    assert (radio.multipath_share, radio.multipath_db, radio.loss_share) == (0.10, 6.0, 0.0)
    assert (radio.body_loss_db, radio.shelf_loss_db, radio.gateway_height_m - radio.device_height_m) == (0, 0, 0)
    assert [m[0] for m in sc.members] == ["harness-phone"]
    assert [t[0] for t in sc.tags] == ["harness-tag"]
    assert build_scenario(name, seed=1, noise_db=4.0).radio.sigma_db == 4.0


def test_espresense_rssi_follows_the_harness_formula_on_average() -> None:
    sc = build_scenario("espresense-walk", seed=2)
    by_gw: dict[str, list[int]] = defaultdict(list)
    for t, gw, advert in sc.adverts():
        if t - sc.start_t < 3.0 and advert.manufacturer_data:  # the tag, near (0.5, 0.5)
            by_gw[gw].append(advert.rssi)
    assert set(by_gw) == {s[0] for s in harness.STATIONS}  # no loss: every station hears every advert
    d = math.dist((0.5, 0.5), (0.2, 0.2))
    assert max(by_gw["node-living-sw"]) > -59 - 30 * math.log10(d) - 10


def test_busy_hour_has_hundreds_of_shoppers(busy: Scenario) -> None:
    assert 250 <= len(busy.shoppers) <= 360
    assert busy.duration_s == 3600.0
    assert len(busy.members) >= 80
    assert len(busy.tags) >= 10
    assert sum(d.kind == "stranger-phone" for d in busy.devices) >= 20
    assert len(busy.devices) > 3 * len(busy.shoppers)


def test_scenario_names_and_errors() -> None:
    assert set(SCENARIOS) == {"espresense-walk", "espresense-boundary", "store-busy", "store-small"}
    with pytest.raises(WorldError, match="unknown scenario"):
        build_scenario("nope")
    with pytest.raises(WorldError, match="noise_db"):
        build_scenario("store-small", noise_db=-1.0)


# --- recording -------------------------------------------------------------------------------------------


def test_record_and_replay_round_trip(tmp_path: Path, small: Scenario, small_adverts: list[Rec]) -> None:
    path = tmp_path / "run.jsonl"
    assert small.record(path) == len(small_adverts)
    assert list(replay(path)) == small_adverts


def test_replay_names_a_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"t": 1.0, "gw": "gw-01", "mfg": {}, "svc": {}, "rssi": -60}\n{"t": "x"}\n')
    with pytest.raises(WorldError, match=r"bad.jsonl:2"):
        list(replay(path))
