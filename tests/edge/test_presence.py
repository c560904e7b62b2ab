"""The hub's presence engine: zones with hysteresis, the visit state machine, seq and clock handling, zone rules.

Every scenario is a small store built here (an entrance and two aisles, aisle B with two gateways) fed with
hand-made batches at hand-picked times, so each test is deterministic and reads as a timeline.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.presence import JourneyEvent, PresenceEngine, PresenceSettings
from edge.presence.rules import NEG_INF, make_rule
from edge.protocol import Journey, decode, encode
from edge.store import GatewayPlacement, Rect, StoreLayout, Zone, ZoneKind, load_layout

REPO = Path(__file__).resolve().parents[2]
T0 = 1_700_000_000.0
DELAY = 0.02  # network delay of every batch unless a test says otherwise
# These tests are about the mechanics, with the simplest zone rule and no entry floors (the default `hmm` rule,
# the other rules and the entry floors have tests of their own); a test changes what it needs with `replace`.
MECHANICS = PresenceSettings(enter_min_dbm=-127.0, enter_inside_min_dbm=-127.0, rule="best-gateway")


def store(offset_b: float = 0.0) -> StoreLayout:
    """Entrance across the front (gw-e); aisle A (gw-a) and aisle B (gw-b, gw-b2) behind it."""
    return StoreLayout(
        id="test",
        name="Test",
        width=10.0,
        depth=20.0,
        zones=(
            Zone("entrance", ZoneKind.ENTRANCE, Rect(0.0, 0.0, 10.0, 4.0), "Ingresso"),
            Zone("aisle-a", ZoneKind.AISLE, Rect(0.0, 4.0, 5.0, 20.0), "Corsia A"),
            Zone("aisle-b", ZoneKind.AISLE, Rect(5.0, 4.0, 10.0, 20.0), "Corsia B"),
        ),
        gateways=(
            GatewayPlacement("gw-e", "entrance", 5.0, 2.0),
            GatewayPlacement("gw-a", "aisle-a", 2.5, 12.0),
            GatewayPlacement("gw-b", "aisle-b", 7.5, 10.0, rssi_offset=offset_b),
            GatewayPlacement("gw-b2", "aisle-b", 7.5, 16.0),
        ),
    )


class Feed:
    """Sends batches as gateways would: `seq` +1 per batch per gateway, `t` = `now` - delay - the clock's skew."""

    def __init__(self, settings: PresenceSettings | None = None, layout: StoreLayout | None = None) -> None:
        self.engine = PresenceEngine(layout or store(), settings or MECHANICS)
        self.seq: dict[str, int] = defaultdict(int)
        self.skew: dict[str, float] = defaultdict(float)  # hub clock - gateway clock
        self.events: list[JourneyEvent] = []

    def send(self, gw: str, items: Mapping[str, float], now: float, *, seq: int | None = None,
             t: float | None = None) -> list[JourneyEvent]:  # fmt: skip
        if seq is None:
            self.seq[gw] += 1
            seq = self.seq[gw]
        if t is None:
            t = now - DELAY - self.skew[gw]
        events = self.engine.ingest(gw, seq, t, list(items.items()), now)
        self.events += events
        return events

    def tick(self, now: float) -> list[JourneyEvent]:
        events = self.engine.tick(now)
        self.events += events
        return events

    def run(self, start: float, end: float, readings: Callable[[float], Mapping[str, Mapping[str, float]]]) -> None:
        """Each second from `start` to `end`: every gateway of ``readings(now)`` publishes (gateway k at k/10 s
        into the second), then one tick."""
        s = start
        while s < end:
            for k, (gw, items) in enumerate(readings(s).items()):
                self.send(gw, items, s + k / 10)
            self.tick(s + 0.9)
            s += 1.0

    def kinds(self, device: str = "d1") -> list[str]:
        return [e.event for e in self.events if e.device == device]


def still(**rssi: float) -> Callable[[float], dict[str, dict[str, float]]]:
    """Device d1 heard at fixed levels: ``still(gw_a=-60)`` (underscores for dashes)."""
    return lambda now: {gw.replace("_", "-"): {"d1": level} for gw, level in rssi.items()}


# --- settings --------------------------------------------------------------------------------------------------


def test_default_settings() -> None:
    s = PresenceSettings()
    assert (s.stale_s, s.margin_db, s.hold_s, s.settle_s, s.exit_timeout_s, s.entrance_exit_s, s.dwell_s) == (
        3.0, 3.0, 3.0, 1.0, 8.0, 2.5, 20.0,
    )  # fmt: skip
    assert (s.max_skew_s, s.rule, s.apply_layout_offsets) == (300.0, "hmm-points", True)
    assert isinstance(PresenceSettings(stale_s=2).stale_s, float)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"stale_s": 0.0}, "stale_s"),
        ({"hold_s": -1.0}, "hold_s"),
        ({"margin_db": float("nan")}, "margin_db"),
        ({"exit_timeout_s": True}, "exit_timeout_s"),
        ({"entrance_exit_s": 9.0}, "entrance_exit_s"),
        ({"enter_inside_min_dbm": -130.0}, "enter_inside_min_dbm"),
        ({"dwell_s": 1e9}, "dwell_s"),
        ({"rule": "nearest"}, "rule"),
        ({"apply_layout_offsets": 1}, "apply_layout_offsets"),
    ],
)
def test_bad_settings_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}: "):
        PresenceSettings(**kwargs)  # type: ignore[arg-type]


# --- enter, zone, dwell, exit ----------------------------------------------------------------------------------


def test_first_sighting_enters_at_once_in_that_gateways_zone() -> None:
    feed = Feed()
    events = feed.send("gw-a", {"d1": -70.0}, T0)
    assert events == [JourneyEvent(T0, "d1", "v1", "enter", "aisle-a", None, None)]
    assert feed.engine.zone_of("d1") == "aisle-a"
    assert feed.engine.visit_of("d1") == "v1"
    assert feed.engine.devices == 1
    assert feed.engine.zone_of("nobody") is None


def test_a_visit_starts_at_the_front_only_with_a_strong_reading_and_inside_with_a_weaker_one() -> None:
    # The entrance reaches the shop front (y 0): its gateway hears passers-by. The aisles do not.
    feed = Feed(PresenceSettings())  # the floors as they come: -78 dBm at the front, -84 dBm inside
    assert feed.send("gw-e", {"passer": -80.0}, T0) == []  # a passer-by on the pavement, through the front
    assert feed.engine.stats.weak == 1
    assert feed.send("gw-a", {"inside": -86.0}, T0 + 0.5) == []
    [enter] = feed.send("gw-a", {"inside": -82.0}, T0 + 1.0)  # walked in shadowed from the doors' gateway
    assert (enter.event, enter.zone) == ("enter", "aisle-a")
    [enter] = feed.send("gw-e", {"passer": -76.0}, T0 + 1.5)  # at the doors, close to their gateway
    assert (enter.device, enter.zone) == ("passer", "entrance")
    # One floor everywhere: the aisle's -82 dBm is no longer enough.
    one = Feed(PresenceSettings(enter_inside_min_dbm=-78.0))
    assert one.send("gw-a", {"inside": -82.0}, T0) == []
    assert one.send("gw-a", {"inside": -77.0}, T0 + 1.0)[0].event == "enter"


def test_a_still_shopper_between_two_aisles_does_not_flap() -> None:
    rng = random.Random(20240601)
    feed = Feed()
    feed.run(T0, T0 + 300, lambda now: {gw: {"d1": -70.0 + rng.uniform(-3.0, 3.0)} for gw in ("gw-a", "gw-b")})
    assert feed.kinds().count("zone") <= 2
    assert feed.kinds()[0] == "enter"
    assert "exit" not in feed.kinds()


def test_the_first_decision_takes_in_every_gateways_first_report() -> None:
    feed = Feed()
    feed.send("gw-a", {"d1": -75.0}, T0)  # the first gateway to publish is not the nearest
    events = feed.send("gw-b", {"d1": -74.0}, T0 + 0.6)
    assert [(e.event, e.zone, e.prev, e.dwell_s) for e in events] == [("zone", "aisle-b", "aisle-a", 0.0)]
    assert feed.send("gw-a", {"d1": -73.0}, T0 + 1.0) == []  # settle_s is over: hysteresis from now on


@pytest.mark.parametrize("hold_s", [1.5, 3.0])
def test_a_real_move_switches_after_hold_s(hold_s: float) -> None:
    feed = Feed(replace(MECHANICS, hold_s=hold_s))
    feed.run(T0, T0 + 10, still(gw_a=-60.0, gw_b=-75.0))
    feed.run(T0 + 10, T0 + 11, still(gw_a=-75.0, gw_b=-65.0))  # B 10 dB stronger from T0+10.1 on
    assert feed.engine.zone_of("d1") == "aisle-a"  # not yet
    feed.run(T0 + 11, T0 + 15, still(gw_a=-75.0, gw_b=-65.0))
    (zone,) = [e for e in feed.events if e.event == "zone"]
    assert zone.zone == "aisle-b"
    assert zone.prev == "aisle-a"
    assert T0 + 10.1 + hold_s <= zone.t <= T0 + 10.1 + hold_s + 1.0
    assert zone.dwell_s == pytest.approx(10.1)  # dated back to when B started winning
    assert feed.engine.zone_of("d1") == "aisle-b"


def test_a_challenger_that_does_not_hold_does_not_switch() -> None:
    feed = Feed()
    feed.run(T0, T0 + 5, still(gw_a=-60.0, gw_b=-75.0))
    feed.run(T0 + 5, T0 + 6, still(gw_a=-75.0, gw_b=-60.0))  # one second stronger, then back
    feed.run(T0 + 6, T0 + 12, still(gw_a=-60.0, gw_b=-75.0))
    assert feed.kinds() == ["enter"]


def test_the_switch_comes_from_tick_when_no_batch_follows() -> None:
    feed = Feed(replace(MECHANICS, hold_s=1.5))
    feed.send("gw-a", {"d1": -60.0}, T0)
    feed.send("gw-b", {"d1": -50.0}, T0 + 1.5)  # challenger from T0+1.5; due at T0+3.0
    assert feed.tick(T0 + 2.9) == []
    (zone,) = feed.tick(T0 + 3.0)
    assert (zone.event, zone.zone, zone.t) == ("zone", "aisle-b", T0 + 3.0)


def test_exit_after_the_timeout_and_faster_through_the_entrance() -> None:
    feed = Feed()
    feed.send("gw-a", {"d1": -60.0}, T0)
    feed.send("gw-e", {"d2": -60.0}, T0)
    last = T0  # the corrected time of the last reading: the quickest delivery counts as no delay
    assert feed.tick(last + 2.49) == []
    assert [(e.device, e.event) for e in feed.tick(last + 2.5)] == [("d2", "exit")]
    assert feed.tick(last + 7.99) == []
    (exit_,) = feed.tick(last + 8.0)
    assert (exit_.device, exit_.event, exit_.zone, exit_.prev, exit_.visit) == ("d1", "exit", None, "aisle-a", "v1")
    assert exit_.dwell_s == pytest.approx(0.0, abs=0.05)
    assert feed.engine.devices == 0
    # Back within rejoin_s of the exit: the visit goes on, under its id.
    assert [(e.event, e.visit) for e in feed.send("gw-a", {"d1": -60.0}, T0 + 20)] == [("enter", "v1")]


def test_the_tills_and_desks_on_the_shop_front_time_out_as_the_entrance_does() -> None:
    # The demo store: the checkout and the pickup desk flank the doors on the front strip (y 0..4).
    feed = Feed(layout=load_layout(REPO / "examples" / "stores" / "demo.toml"))
    feed.send("gw-10", {"tills": -60.0}, T0)  # checkout
    feed.send("gw-11", {"desk": -60.0}, T0)  # pickup
    feed.send("gw-04", {"aisle": -60.0}, T0)  # aisle 4, away from the front
    assert feed.tick(T0 + 2.49) == []
    assert sorted(e.device for e in feed.tick(T0 + 2.5)) == ["desk", "tills"]
    assert feed.tick(T0 + 7.99) == []
    assert [e.device for e in feed.tick(T0 + 8.0)] == ["aisle"]


def test_a_visit_that_ran_out_before_a_tick_ends_at_the_next_sighting() -> None:
    feed = Feed()
    feed.send("gw-a", {"d1": -60.0}, T0)
    events = feed.send("gw-a", {"d1": -60.0}, T0 + 30)
    assert [(e.event, e.visit) for e in events] == [("exit", "v1"), ("enter", "v1")]


def test_a_device_back_within_rejoin_s_of_its_exit_continues_its_visit() -> None:
    feed = Feed(replace(MECHANICS, rejoin_s=60.0))
    feed.send("gw-a", {"d1": -60.0, "d2": -60.0}, T0)
    assert [(e.device, e.event, e.visit) for e in feed.tick(T0 + 8.0)] == [("d1", "exit", "v1"), ("d2", "exit", "v2")]
    # d1 is back 60 s after its exit (the limit), d2 1 s too late: a new visit, numbered after the others.
    assert [(e.event, e.zone, e.visit) for e in feed.send("gw-b", {"d1": -60.0}, T0 + 68.0)] == [
        ("enter", "aisle-b", "v1")
    ]
    assert [(e.event, e.visit) for e in feed.send("gw-a", {"d2": -60.0}, T0 + 69.0)] == [("enter", "v3")]
    assert feed.engine.visit_of("d1") == "v1"
    # Each exit opens a new window: d1 leaves again and comes back within it.
    assert [(e.event, e.visit) for e in feed.tick(T0 + 76.0)] == [("exit", "v1")]
    assert [(e.event, e.visit) for e in feed.send("gw-a", {"d1": -60.0}, T0 + 130.0)] == [("enter", "v1")]


def test_who_went_out_on_the_front_comes_back_through_the_doors() -> None:
    feed = Feed(replace(MECHANICS, rejoin_s=60.0))
    feed.send("gw-e", {"out": -60.0}, T0)  # at the doors
    feed.send("gw-a", {"in": -60.0}, T0)  # in aisle A
    assert [(e.device, e.prev) for e in feed.tick(T0 + 2.5)] == [("out", "entrance")]
    assert [(e.device, e.prev) for e in feed.tick(T0 + 8.0)] == [("in", "aisle-a")]
    # On the pavement, aisle A's gateway hears the one who walked out faintly, through the window: no visit from
    # it (rejoin_inside_min_dbm, -78 dBm)...
    assert feed.send("gw-a", {"out": -82.0}, T0 + 10.0) == []
    # ...while the one whose phone fell silent in the aisle is taken back wherever it is heard.
    assert [(e.device, e.event, e.zone, e.visit) for e in feed.send("gw-a", {"in": -82.0}, T0 + 10.0)] == [
        ("in", "enter", "aisle-a", "v2")
    ]
    # Back in through the doors, the visit goes on.
    assert [(e.event, e.zone, e.visit) for e in feed.send("gw-e", {"out": -60.0}, T0 + 12.0)] == [
        ("enter", "entrance", "v1")
    ]
    # Out again; once rejoin_s has passed, whoever is heard inside is someone inside (a new visit).
    assert [e.event for e in feed.tick(T0 + 14.5)] == ["exit"]
    assert feed.send("gw-a", {"out": -82.0}, T0 + 74.0) == []
    assert [(e.event, e.zone, e.visit) for e in feed.send("gw-a", {"out": -82.0}, T0 + 75.0)] == [
        ("enter", "aisle-a", "v3")
    ]
    # Another floor; and a hub recalling the visits that ended before it started knows where each ended.
    loud = Feed(replace(MECHANICS, rejoin_s=60.0, rejoin_inside_min_dbm=-65.0))
    loud.engine.recall("out", "v0-1", T0, "entrance")
    loud.engine.recall("in", "v0-2", T0, "aisle-b")
    assert loud.send("gw-a", {"out": -70.0}, T0 + 1.0) == []
    assert [(e.device, e.visit) for e in loud.send("gw-a", {"in": -70.0, "out": -64.0}, T0 + 2.0)] == [
        ("in", "v0-2"), ("out", "v0-1"),
    ]  # fmt: skip


def test_with_rejoin_s_zero_every_enter_is_a_new_visit() -> None:
    feed = Feed(replace(MECHANICS, rejoin_s=0.0))
    feed.send("gw-a", {"d1": -60.0}, T0)
    events = feed.send("gw-a", {"d1": -60.0}, T0 + 9.0)
    assert [(e.event, e.visit) for e in events] == [("exit", "v1"), ("enter", "v2")]


def test_a_new_engine_continues_the_visits_it_is_told_ended_just_before() -> None:
    # A hub that restarts recalls the visits that ended within rejoin_s (from its database).
    feed = Feed(replace(MECHANICS, rejoin_s=60.0))
    feed.engine.recall("d1", "v0-7", T0)
    feed.engine.recall("d2", "v0-8", T0)
    feed.engine.recall("d3", "v0-9", T0 - 30.0)
    assert [e.visit for e in feed.send("gw-a", {"d1": -60.0}, T0 + 59.0)] == ["v0-7"]
    assert [e.visit for e in feed.send("gw-a", {"d2": -60.0, "d3": -60.0}, T0 + 61.0)] == ["v1", "v2"]
    # A device already in a visit is not recalled into another one.
    feed.engine.recall("d1", "v0-1", T0 + 61.0)
    feed.tick(T0 + 70.0)
    assert [e.visit for e in feed.send("gw-a", {"d1": -60.0}, T0 + 72.0)] == ["v0-7"]


def test_dwell_is_emitted_once_per_stay() -> None:
    feed = Feed()
    feed.run(T0, T0 + 60, still(gw_a=-60.0, gw_b=-80.0))
    feed.run(T0 + 60, T0 + 70, still(gw_a=-80.0, gw_b=-60.0))  # 10 s in B: no dwell
    feed.run(T0 + 70, T0 + 75, still(gw_a=-60.0, gw_b=-80.0))  # back to A
    feed.run(T0 + 75, T0 + 100, still(gw_a=-60.0, gw_b=-80.0))
    dwells = [e for e in feed.events if e.event == "dwell"]
    assert [e.zone for e in dwells] == ["aisle-a", "aisle-a"]  # the first stay, and the stay after coming back
    assert all(e.dwell_s is not None and e.dwell_s >= 20.0 for e in dwells)
    assert dwells[0].t == pytest.approx(T0 + 20.9)  # the first tick after 20 s in the zone


def test_a_device_heard_only_by_stale_gateways_keeps_its_zone_until_exit() -> None:
    feed = Feed()
    feed.run(T0, T0 + 5, still(gw_b=-60.0))
    feed.run(T0 + 5, T0 + 12, lambda now: {"gw-a": {}})  # gw-a publishes, but nobody hears d1
    assert feed.kinds() == ["enter"]
    assert feed.engine.zone_of("d1") == "aisle-b"
    feed.tick(T0 + 13)
    assert feed.kinds() == ["enter", "exit"]


def test_a_stale_current_zone_loses_to_a_fresh_weaker_one() -> None:
    feed = Feed()
    feed.run(T0, T0 + 5, still(gw_b=-60.0, gw_a=-80.0))
    feed.run(T0 + 5, T0 + 12, still(gw_a=-80.0))  # gw-b no longer hears it: its reading goes stale
    assert feed.engine.zone_of("d1") == "aisle-a"


def test_occupancy_counts_devices_per_zone() -> None:
    feed = Feed()
    feed.send("gw-a", {"d1": -60.0, "d2": -61.0}, T0)
    feed.send("gw-e", {"d3": -60.0}, T0)
    assert feed.engine.occupancy() == {"entrance": 1, "aisle-a": 2, "aisle-b": 0}
    feed.tick(T0 + 5)  # d3 went out through the entrance
    assert feed.engine.occupancy() == {"entrance": 0, "aisle-a": 2, "aisle-b": 0}
    assert feed.engine.devices == 2


def test_events_become_journey_messages() -> None:
    event = JourneyEvent(T0, "d1", "v7", "zone", "aisle-b", "aisle-a", 12.3456)
    message = decode(Journey, encode(event.to_journey("m-42")))
    assert (message.visit, message.member, message.event, message.zone, message.prev) == (
        "v7", "m-42", "zone", "aisle-b", "aisle-a",
    )  # fmt: skip
    assert message.dwell_s == 12.346


# --- seq and clocks --------------------------------------------------------------------------------------------


def test_duplicate_out_of_order_and_gaps() -> None:
    feed = Feed()
    feed.send("gw-a", {"d1": -60.0}, T0, seq=1)
    assert feed.send("gw-b", {"d1": -70.0}, T0 + 0.1, seq=1) == []  # another gateway's seq 1 is fine
    feed.send("gw-a", {"d1": -60.0}, T0 + 1, seq=5)
    assert feed.engine.stats.gaps == 3
    assert feed.send("gw-a", {"d1": -60.0}, T0 + 1.1, seq=5) == []
    assert feed.send("gw-a", {"d1": -60.0}, T0 + 1.2, seq=3, t=T0 + 0.5) == []
    assert feed.send("gw-a", {"d1": -60.0}, T0 + 1.3, seq=3, t=T0 + 0.5) == []
    stats = feed.engine.stats
    assert (stats.batches, stats.duplicates, stats.out_of_order, stats.gaps, stats.items) == (6, 2, 1, 3, 3)


def test_a_duplicate_does_not_change_a_reading() -> None:
    feed = Feed(replace(MECHANICS, hold_s=0.0))
    feed.send("gw-a", {"d1": -60.0}, T0, seq=1)
    feed.send("gw-b", {"d1": -70.0}, T0 + 0.1, seq=1)
    feed.send("gw-b", {"d1": -40.0}, T0 + 0.2, seq=1)  # a redelivery must not carry new data in
    assert feed.engine.zone_of("d1") == "aisle-a"


@pytest.mark.parametrize("skew", [120.0, -120.0])
def test_a_skewed_gateway_clock_keeps_order_and_staleness(skew: float) -> None:
    feed = Feed(replace(MECHANICS, hold_s=0.0))
    feed.skew["gw-b"] = skew
    feed.run(T0, T0 + 5, still(gw_a=-60.0, gw_b=-80.0))
    feed.run(T0 + 5, T0 + 7, still(gw_a=-80.0, gw_b=-60.0))
    assert feed.engine.zone_of("d1") == "aisle-b"
    assert feed.engine.gateway_skew("gw-b") == pytest.approx(skew + DELAY, abs=0.01)
    stats = feed.engine.stats
    assert stats.stale == stats.duplicates == stats.out_of_order == 0
    high = feed.seq["gw-b"]
    assert feed.send("gw-b", {"d1": -99.0}, T0 + 7.5, seq=high) == []  # a duplicate still
    feed.send("gw-b", {"d1": -60.0}, T0 + 8.1, seq=high + 2)
    assert feed.send("gw-b", {"d1": -99.0}, T0 + 8.2, seq=high + 1, t=T0 + 7.1 - skew) == []  # late still
    # gw-b is cut off from T0+9 to T0+29; its spool comes in a burst with the seq and t of back then:
    for k in range(20):
        feed.send("gw-b", {"d1": -99.0}, T0 + 29 + k * 0.01, seq=high + 3 + k, t=T0 + 9 + k - skew)
    assert (stats.duplicates, stats.out_of_order, stats.stale) == (1, 1, 18)  # the last 2 are recent: taken
    assert feed.engine.zone_of("d1") == "aisle-b"


def test_a_replayed_spool_does_not_move_the_device() -> None:
    feed = Feed(replace(MECHANICS, hold_s=0.0))
    feed.run(T0, T0 + 10, still(gw_a=-60.0, gw_b=-80.0))
    # gw-b loses the broker from T0+10 to T0+70 and spools 60 batches. In the first 50, long ago, d1 was next
    # to it and d9 passed by; on reconnection they all come in a burst.
    feed.run(T0 + 10, T0 + 70, still(gw_a=-60.0))
    for k in range(60):
        items = {"d1": -40.0, "d9": -50.0} if k < 50 else {"d1": -80.0}
        feed.send("gw-b", items, T0 + 70 + k * 0.01, t=T0 + 10 + k)
    assert feed.engine.zone_of("d1") == "aisle-a"
    assert feed.engine.zone_of("d9") is None  # nobody enters from the past either
    assert feed.engine.stats.stale == 58  # the last two were made less than stale_s ago
    assert "zone" not in feed.kinds()
    feed.send("gw-b", {"d1": -40.0}, T0 + 71)  # live again
    assert feed.engine.zone_of("d1") == "aisle-b"


def test_a_replayed_spool_that_left_a_device_out_does_not_bring_it_back() -> None:
    feed = Feed()
    feed.run(T0, T0 + 10, still(gw_b=-60.0))
    feed.run(T0 + 10, T0 + 60, lambda now: {"gw-a": {}})  # gw-b is cut off: d1 is unheard and exits
    assert feed.kinds() == ["enter", "exit"]
    for k in range(40):
        feed.send("gw-b", {"d1": -60.0}, T0 + 60 + k * 0.01, t=T0 + 10 + k)
    assert feed.kinds() == ["enter", "exit"]
    assert feed.engine.devices == 0


def test_a_clock_step_inside_a_replayed_spool_keeps_it_stale() -> None:
    feed = Feed()
    feed.run(T0, T0 + 10, still(gw_a=-60.0))
    feed.run(T0 + 10, T0 + 600, lambda now: {"gw-e": {}})
    # gw-a's spool from T0+10 to T0+600; its clock stepped back by 60 s at T0+130.
    for k in range(590):
        made = T0 + 10 + k
        feed.send("gw-a", {"d1": -60.0, "d9": -60.0}, T0 + 600 + k * 0.001, t=made - (60.0 if k >= 120 else 0.0))
    stats = feed.engine.stats
    assert stats.clock_steps == 1
    assert stats.stale == 588  # all but the two made less than stale_s before they arrived
    assert feed.kinds("d9") == ["enter"]  # entered from the last batches only
    assert feed.kinds() == ["enter", "exit", "enter"]
    assert feed.engine.gateway_skew("gw-a") == pytest.approx(60.0 + DELAY, abs=0.01)


def test_a_clock_step_hidden_in_a_silence_is_caught_by_the_live_pace() -> None:
    feed = Feed()
    feed.run(T0, T0 + 5, still(gw_a=-60.0))
    feed.seq["gw-a"] += 300  # the gateway was down for a while and its clock came back 90 s behind
    feed.skew["gw-a"] = 90.0
    feed.run(T0 + 400, T0 + 440, still(gw_a=-60.0))
    stats = feed.engine.stats
    assert (stats.stale, stats.clock_steps) == (29, 1)
    assert feed.engine.zone_of("d1") == "aisle-a"


def test_a_restarted_seq_is_taken_but_resent_batches_are_not() -> None:
    feed = Feed()
    for k in range(1, 21):
        feed.send("gw-a", {"d1": -60.0}, T0 + k, seq=1000 + k)
    # The gateway restarts and resends what the broker had not acknowledged, with the old t: duplicates.
    for k in range(15, 21):
        feed.send("gw-a", {"d1": -60.0}, T0 + 22, seq=1000 + k, t=T0 + k - DELAY)
    stats = feed.engine.stats
    assert (stats.duplicates, stats.resets) == (6, 0)
    # Its seq counter was lost: numbering starts again at 1, with a current t.
    feed.send("gw-a", {"d1": -60.0}, T0 + 23, seq=1)
    feed.send("gw-a", {"d1": -60.0}, T0 + 24, seq=2)
    assert (stats.resets, stats.out_of_order, stats.items) == (1, 0, 22)
    # A batch of the old numbering, late: above the new seq, but of the old epoch.
    assert feed.send("gw-a", {"d1": -60.0}, T0 + 25, seq=1019, t=T0 + 19 - DELAY) == []
    assert (stats.out_of_order, stats.clock_steps, stats.resets) == (1, 0, 1)


def test_a_clock_that_steps_back_restarts_the_skew_estimate() -> None:
    feed = Feed()
    feed.run(T0, T0 + 5, still(gw_a=-60.0))
    feed.skew["gw-a"] = 90.0  # NTP steps the gateway's clock back by 90 s
    feed.run(T0 + 5, T0 + 20, still(gw_a=-60.0))
    stats = feed.engine.stats
    assert (stats.clock_steps, stats.stale) == (1, 0)
    assert feed.kinds() == ["enter"]


def test_a_slowly_drifting_clock_is_followed() -> None:
    feed = Feed()
    for k in range(7200):  # two hours, the gateway's clock losing 500 µs a second
        now = T0 + k
        feed.send("gw-a", {"d1": -60.0}, now, t=now - DELAY - 0.0005 * k)
    assert feed.engine.stats.stale == 0


def test_a_gateway_clock_beyond_max_skew_is_ignored_and_reported() -> None:
    feed = Feed()
    feed.skew["gw-b"] = 1000.0
    feed.send("gw-b", {"d1": -60.0}, T0)
    feed.send("gw-a", {"d2": -60.0}, T0)
    assert feed.engine.devices == 1
    assert feed.engine.stats.stale == 1
    assert feed.engine.skewed_gateways() == ["gw-b"]
    feed.engine.reset_gateway("gw-b")
    assert feed.engine.gateway_skew("gw-b") is None


def test_an_unknown_gateway_is_counted_and_ignored() -> None:
    feed = Feed()
    assert feed.send("gw-zz", {"d1": -40.0}, T0) == []
    assert (feed.engine.stats.unknown_gateway, feed.engine.stats.batches, feed.engine.devices) == (1, 1, 0)
    assert feed.engine.gateway_skew("gw-zz") is None


# --- calibration and zone rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(("apply", "zone"), [(True, "aisle-b"), (False, "aisle-a")])
def test_calibration_offsets_change_the_decision(apply: bool, zone: str) -> None:
    settings = replace(MECHANICS, hold_s=0.0, margin_db=1.0, apply_layout_offsets=apply)
    feed = Feed(settings, store(offset_b=5.0))  # gw-b reads 5 dB low: the offset adds it back
    feed.send("gw-a", {"d1": -65.0}, T0)
    feed.send("gw-b", {"d1": -68.0}, T0 + 0.1)  # -63 calibrated
    assert feed.engine.zone_of("d1") == zone


@pytest.mark.parametrize(
    ("rule", "zone"), [("best-gateway", "aisle-b"), ("zone-max", "aisle-b"), ("zone-mean-top2", "aisle-a")]
)
def test_each_zone_rule_does_what_it_says(rule: str, zone: str) -> None:
    feed = Feed(replace(MECHANICS, hold_s=0.0, margin_db=1.0, rule=rule))  # type: ignore[arg-type]
    feed.send("gw-b2", {"d1": -80.0}, T0)
    feed.send("gw-a", {"d1": -60.0}, T0 + 0.1)
    feed.send("gw-b", {"d1": -58.0}, T0 + 0.2)  # B's best is strongest; B's top-two mean is -69
    assert feed.engine.zone_of("d1") == zone


readings = st.lists(st.tuples(st.booleans(), st.floats(-100.0, -30.0)), min_size=1, max_size=8)


@given(readings, st.data())
@settings(max_examples=200, deadline=None)
def test_rules_agree_with_their_definitions(gateways: list[tuple[bool, float]], data: st.DataObject) -> None:
    zones_of = [data.draw(st.integers(0, 3)) for _ in gateways]
    current = data.draw(st.integers(-1, 3))
    rssi = [r for _, r in gateways]
    seen = [T0 if fresh else T0 - 10.0 for fresh, _ in gateways]
    per_zone: dict[int, list[float]] = defaultdict(list)
    for (fresh, r), z in zip(gateways, zones_of, strict=True):
        if fresh:
            per_zone[z].append(r)
    definitions = {
        "best-gateway": {z: max(v) for z, v in per_zone.items()},
        "zone-max": {z: max(v) for z, v in per_zone.items()},
        "zone-mean-top2": {z: sum(sorted(v)[-2:]) / len(sorted(v)[-2:]) for z, v in per_zone.items()},
    }
    for name, scores in definitions.items():
        best_zone, best, cur = make_rule(name, zones_of, 4)(rssi, seen, T0 - 3.0, current)  # type: ignore[arg-type]
        if not scores:
            assert (best_zone, best, cur) == (-1, NEG_INF, NEG_INF)
            continue
        assert best == pytest.approx(max(scores.values()))
        assert scores[best_zone] == pytest.approx(best)
        assert cur == pytest.approx(scores.get(current, NEG_INF))


# --- the state machine as a whole ------------------------------------------------------------------------------

actions = st.lists(
    st.tuples(
        st.floats(0.0, 6.0),  # time step
        st.sampled_from(["gw-e", "gw-a", "gw-b", "gw-b2", "tick"]),
        st.dictionaries(st.sampled_from(["d1", "d2", "d3"]), st.floats(-95.0, -40.0), max_size=3),
    ),
    max_size=60,
)


@given(actions)
@settings(max_examples=150, deadline=None)
def test_every_visit_follows_the_state_machine(steps: list[tuple[float, str, dict[str, float]]]) -> None:
    feed = Feed(replace(MECHANICS, hold_s=1.0, dwell_s=5.0))
    now = T0
    for dt, who, items in steps:
        now += dt
        if who == "tick":
            feed.tick(now)
        else:
            feed.send(who, items, now)
        assert sum(feed.engine.occupancy().values()) == feed.engine.devices
    assert [e.t for e in feed.events] == sorted(e.t for e in feed.events)
    visits: dict[str, list[JourneyEvent]] = defaultdict(list)
    for e in feed.events:
        visits[e.visit].append(e)
    for events in visits.values():
        # A visit is one or more stays, each an enter ... exit; a stay after the first begins within rejoin_s of
        # the exit before it (the device came back), and only the last may still be going on.
        assert len({e.device for e in events}) == 1
        zone: str | None = None
        dwelt, left_at = False, None
        for e in events:
            if e.event == "enter":
                assert zone is None
                if left_at is not None:
                    assert e.t - left_at <= MECHANICS.rejoin_s
                zone, dwelt = e.zone, False
                continue
            assert zone is not None
            if e.event == "zone":
                assert (e.prev, e.zone != e.prev) == (zone, True)
                zone, dwelt = e.zone, False
            elif e.event == "dwell":
                assert (e.zone, dwelt) == (zone, False)
                dwelt = True
            else:
                assert e.prev == zone
                zone, left_at = None, e.t
        if events[-1].event != "exit":
            assert feed.engine.zone_of(events[0].device) == zone


# --- the benchmark ---------------------------------------------------------------------------------------------


def test_the_benchmark_runs_and_its_checks_pass() -> None:
    args = ["bench/presence_engine.py", "--devices", "30", "--seconds", "3", "--runs", "1"]
    result = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_the_demo_store_works_end_to_end() -> None:
    engine = PresenceEngine(load_layout(REPO / "examples" / "stores" / "demo.toml"))
    events = engine.ingest("gw-09", 1, T0, [("d1", -60.0)], T0 + 0.05)
    assert [(e.event, e.zone) for e in events] == [("enter", "entrance")]
