"""Journeys: visits summed up from presence events, kept only with the proximity consent; dwell per zone."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from edge.hub.db import Consents, HubDatabase, InvalidRecord, Journeys, Member
from edge.presence import JourneyEvent
from tests.edge.hub.db.conftest import START, FakeClock


@pytest.fixture
def journeys(db: HubDatabase, clock: FakeClock) -> Journeys:
    return Journeys(db, clock)


@pytest.fixture
def shopper(make_member: Callable[..., Member]) -> Member:
    return make_member(consents={"service": True, "proximity": True})


def walk(visit: str = "v1", device: str = "d_1", t0: float = START) -> list[JourneyEvent]:
    """Entrance 20 s, aisle-4 60 s (a dwell at 45 s), checkout 30 s, then out."""
    return [
        JourneyEvent(t0, device, visit, "enter", "entrance", None, None),
        JourneyEvent(t0 + 20, device, visit, "zone", "aisle-4", "entrance", 20.0),
        JourneyEvent(t0 + 65, device, visit, "dwell", "aisle-4", None, 45.0),
        JourneyEvent(t0 + 80, device, visit, "zone", "checkout", "aisle-4", 60.0),
        JourneyEvent(t0 + 110, device, visit, "exit", None, "checkout", 30.0),
    ]


def test_a_visit_is_summed_up(journeys: Journeys, shopper: Member) -> None:
    events = walk()
    for event in events[:3]:
        assert journeys.record(event, shopper.member_id)
    open_visit = journeys.open_visit(shopper.member_id)
    assert open_visit is not None
    assert (open_visit.visit_id, open_visit.started, open_visit.ended, open_visit.last_zone) == (
        "v1",
        START,
        None,
        "aisle-4",
    )
    for event in events[3:]:
        journeys.record(event, shopper.member_id)
    visit = journeys.get("v1")
    assert visit is not None
    assert (visit.ended, visit.last_t, visit.last_zone, visit.device_id) == (
        START + 110,
        START + 110,
        "checkout",
        "d_1",
    )
    assert visit.zones == ("entrance", "aisle-4", "checkout")
    assert journeys.open_visit(shopper.member_id) is None
    assert journeys.events("v1") == events


def test_an_enter_after_the_exit_opens_the_visit_again(journeys: Journeys, shopper: Member) -> None:
    for event in walk():
        journeys.record(event, shopper.member_id)
    back = JourneyEvent(START + 150, "d_1", "v1", "enter", "entrance", None, None)
    assert journeys.record(back, shopper.member_id)
    visit = journeys.get("v1")
    assert visit is not None
    assert (visit.started, visit.ended, visit.last_t, visit.last_zone) == (START, None, START + 150, "entrance")
    assert journeys.open_visit(shopper.member_id) == visit
    assert [e.event for e in journeys.events("v1")][-2:] == ["exit", "enter"]


def test_the_visit_at_a_time_and_the_visits_ended_since(journeys: Journeys, shopper: Member) -> None:
    for event in walk("v1") + walk("v2", t0=START + 1000):
        journeys.record(event, shopper.member_id)
    member = shopper.member_id
    assert journeys.visit_at(member, START + 50, 0.0) == journeys.get("v1")
    assert journeys.visit_at(member, START + 150, 60.0) == journeys.get("v1")  # ended 40 s before
    assert journeys.visit_at(member, START + 200, 60.0) is None  # 90 s after its end, 800 s before the next
    assert journeys.visit_at(member, START + 1050, 60.0) == journeys.get("v2")
    assert journeys.ended_since(START + 110) == [
        ("d_1", "v1", START + 110, "checkout"), ("d_1", "v2", START + 1110, "checkout"),
    ]  # fmt: skip
    assert journeys.ended_since(START + 111) == [("d_1", "v2", START + 1110, "checkout")]


def test_nothing_is_kept_without_the_proximity_consent(
    db: HubDatabase, journeys: Journeys, make_member: Callable[..., Member], clock: FakeClock
) -> None:
    member = make_member(consents={"service": True, "marketing": True})
    assert not journeys.record(walk()[0], member.member_id)
    assert journeys.get("v1") is None
    withdrawn = make_member(consents={"service": True, "proximity": True})
    assert journeys.record(walk("v2")[0], withdrawn.member_id)
    Consents(db, clock).record(withdrawn.member_id, {"proximity": False}, "v2", "app")
    assert not journeys.record(walk("v2")[1], withdrawn.member_id)
    assert len(journeys.events("v2")) == 1


def test_an_event_of_an_unseen_visit_opens_it(journeys: Journeys, shopper: Member) -> None:
    journeys.record(walk()[3], shopper.member_id)  # the hub restarted mid-visit
    visit = journeys.get("v1")
    assert visit is not None
    assert (visit.started, visit.zones, visit.ended) == (START + 80, ("checkout",), None)


def test_a_visit_id_of_another_member_is_refused(journeys: Journeys, make_member: Callable[..., Member]) -> None:
    a, b = (make_member(consents={"service": True, "proximity": True}) for _ in range(2))
    journeys.record(walk()[0], a.member_id)
    with pytest.raises(InvalidRecord, match="visit"):
        journeys.record(walk()[0], b.member_id)


def test_visits_in_a_period_and_dwell_by_zone(journeys: Journeys, make_member: Callable[..., Member]) -> None:
    a, b = (make_member(consents={"service": True, "proximity": True}) for _ in range(2))
    for event in walk("v1", "d_a", START):
        journeys.record(event, a.member_id)
    for event in walk("v2", "d_b", START + 1000):
        journeys.record(event, b.member_id)
    for event in walk("v3", "d_a", START + 5000)[:2]:
        journeys.record(event, a.member_id)
    assert [v.visit_id for v in journeys.visits(START, START + 2000)] == ["v1", "v2"]
    assert [v.visit_id for v in journeys.visits(START + 100, START + 1001)] == ["v1", "v2"]
    assert [v.visit_id for v in journeys.visits(START + 200, START + 900)] == []
    assert [v.visit_id for v in journeys.visits(START, START + 10_000, member_id=a.member_id)] == ["v1", "v3"]
    assert journeys.dwell_by_zone(START, START + 2000) == {"aisle-4": 120.0, "checkout": 60.0, "entrance": 40.0}
    assert journeys.dwell_by_zone(START + 1000, START + 10_000) == {"aisle-4": 60.0, "checkout": 30.0, "entrance": 40.0}
