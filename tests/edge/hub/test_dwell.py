"""DwellWatch: each zone's dwell thresholds cross once per stay, and not after leaving the zone."""

from __future__ import annotations

from edge.hub.dwell import DwellWatch


def test_each_threshold_crosses_once_per_stay() -> None:
    watch = DwellWatch({"aisle-4": [60.0, 20.0, 20.0]})
    watch.on_zone("p1", "v1", "aisle-4", since=100.0)
    assert watch.due(119.9) == []
    first = watch.due(121.0)
    assert [(c.device, c.visit, c.zone, c.threshold_s, c.dwell_s) for c in first] == [
        ("p1", "v1", "aisle-4", 20.0, 21.0)
    ]
    assert watch.due(150.0) == []
    assert [c.threshold_s for c in watch.due(200.0)] == [60.0]
    assert watch.due(1000.0) == []


def test_leaving_the_zone_or_the_store_cancels_and_coming_back_starts_again() -> None:
    watch = DwellWatch({"aisle-4": [20.0], "aisle-5": [30.0]})
    watch.on_zone("p1", "v1", "aisle-4", since=0.0)
    watch.on_zone("p1", "v1", "aisle-5", since=10.0)
    assert watch.due(25.0) == []  # left aisle-4 before 20 s
    watch.on_zone("p1", "v1", "aisle-4", since=30.0)
    assert watch.due(45.0) == []  # aisle-5's 30 s never came: the device left it at 30
    assert [(c.zone, c.dwell_s) for c in watch.due(50.0)] == [("aisle-4", 20.0)]
    watch.on_zone("p2", "v2", "aisle-5", since=100.0)
    watch.on_exit("p2")
    assert watch.due(200.0) == []
    assert len(watch) == 1


def test_zones_without_thresholds_cost_nothing_and_new_thresholds_apply_to_new_stays() -> None:
    watch = DwellWatch({})
    watch.on_zone("p1", "v1", "aisle-1", since=0.0)
    assert watch.due(1e9) == []
    watch.set_thresholds({"aisle-1": [5.0]})
    watch.on_zone("p1", "v1", "aisle-1", since=10.0)
    assert [c.threshold_s for c in watch.due(15.0)] == [5.0]


def test_the_zone_of_a_device_is_known_until_its_visit_ends() -> None:
    watch = DwellWatch({})
    assert watch.zone_of("p1") is None
    watch.on_zone("p1", "v1", "entrance", since=0.0)
    watch.on_zone("p1", "v1", "aisle-4", since=5.0)
    assert watch.zone_of("p1") == "aisle-4"
    watch.on_exit("p1")
    assert watch.zone_of("p1") is None
