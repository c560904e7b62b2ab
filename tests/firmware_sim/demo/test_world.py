"""The demo's world: it starts at the moment it is given, its members are the enrolled phones, shoppers arrive at
the asked rate from before the start, and a seed gives the same world every time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from edge.identity import eid
from firmware_sim.demo.world import LEAD_S, OPEN_DAY_S, PERIOD_S, STARTUP_SLACK_S, arrivals, build_world, shopper_of
from firmware_sim.world import DEFAULT_START_T, Advert, Scenario
from firmware_sim.world.devices import EidPhone

NOW = 1_800_000_123.0  # any second: the demo passes time.time()
EDDYSTONE = "0000feaa-0000-1000-8000-00805f9b34fb"


def test_the_world_starts_at_the_given_moment_and_phones_advertise_eids_of_that_time() -> None:
    world = build_world(1, 12, 120.0, NOW)
    assert world.start_t == NOW
    assert world.duration_s == 120.0 + STARTUP_SLACK_S
    first = next(world.adverts())
    assert NOW <= first[0] < NOW + 2.0
    # The members' phones send the EIDs of their own clocks now (within a ±2 s offset), not of a fixed date.
    sent = {advert.service_data.get(EDDYSTONE, b"")[2:10] for _t, _gw, advert in _first_seconds(world, 30.0)}
    now_eids = {eid(key, k, int(NOW) + dt) for _d, key, k in world.members for dt in range(-3, 33)}
    assert sent & now_eids
    assert not sent & {eid(key, k, int(DEFAULT_START_T)) for _d, key, k in world.members}


def _first_seconds(world: Scenario, seconds: float) -> Iterator[tuple[float, str, Advert]]:
    for record in world.adverts():
        if record[0] >= world.start_t + seconds:
            return
        yield record


def test_members_are_the_enrolled_phones_of_member_shoppers() -> None:
    world = build_world(1, 30, 60.0, NOW)
    assert world.members, "a demo with 30 shoppers a minute has members"
    phones = {d.id: d for d in world.devices if isinstance(d, EidPhone)}
    for device_id, key, k in world.members:
        phone = phones[device_id]
        assert phone.kind == "member-phone"
        assert phone.identity_key == key
        assert phone.k == k
        assert phone.start_t == NOW
    strangers = [d for d in phones.values() if d.kind == "stranger-phone"]
    assert all(s.id not in {m[0] for m in world.members} for s in strangers)
    shoppers = {s.id for s in world.shoppers}
    assert any(shopper_of(device_id) in shoppers for device_id, _key, _k in world.members)


def test_shoppers_arrive_at_the_rate_asked_from_before_the_start() -> None:
    times = arrivals(1, 60, 600.0)
    assert len(times) == round(60 / 600.0 * (LEAD_S + 600.0))
    assert times == sorted(times)
    assert min(times) >= -LEAD_S
    assert max(times) < 600.0
    inside = [t for t in times if t < 0]
    assert len(inside) > 0.4 * 60 / 600.0 * LEAD_S  # the store is busy when the demo opens it
    # Without a duration: the same rate per ten minutes, over a shop day.
    day = arrivals(1, 60, None)
    assert len(day) == round(60 / PERIOD_S * (LEAD_S + OPEN_DAY_S))
    assert max(day) < OPEN_DAY_S
    assert arrivals(1, 0, 60.0) == []


def test_some_shoppers_are_in_the_store_when_it_opens() -> None:
    world = build_world(1, 6, 60.0, NOW)
    inside = [s for s in world.shoppers if s.enter_s < 0 < s.exit_s]
    assert len(inside) >= 5
    assert all(s.trajectory.start < 0 for s in inside)


def test_the_same_seed_gives_the_same_world_and_another_seed_another() -> None:
    a, b, c = build_world(7, 20, 60.0, NOW), build_world(7, 20, 60.0, NOW), build_world(8, 20, 60.0, NOW)

    def plan(world: Scenario) -> list[tuple[str, float, tuple[str, ...], bool, bool, int]]:
        return [(s.id, round(s.enter_s, 6), s.wishlist, s.buys, s.pickup, len(s.stops)) for s in world.shoppers]

    assert plan(a) == plan(b)
    assert a.members == b.members
    assert plan(a) != plan(c)
    assert [m[1] for m in a.members] != [m[1] for m in c.members]
    # The start time shifts the calendar only.
    later = build_world(7, 20, 60.0, NOW + 3600.0)
    assert plan(later) == plan(a)


def test_bad_requests_are_refused() -> None:
    with pytest.raises(ValueError, match="duration"):
        build_world(1, 5, 0.0, NOW)
    with pytest.raises(ValueError, match="shoppers"):
        arrivals(1, -1, 60.0)
