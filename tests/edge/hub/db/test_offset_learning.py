"""The gateways' learned offset sums kept across restarts: saved whole, and loaded only for the gateways whose
offset is still the one they were learned against."""

from __future__ import annotations

from edge.hub.db import HubDatabase
from edge.hub.db.offset_learning import OffsetLearning
from edge.presence.offset_learning import GatewaySums
from tests.edge.hub.db.conftest import FakeClock

SUMS = [GatewaySums("gw-01", -120.5, 9_800.0, 700), GatewaySums("gw-02", 80.0, 5_100.0, 650)]


def test_sums_come_back_for_the_offsets_they_were_learned_against(db: HubDatabase, clock: FakeClock) -> None:
    kept = OffsetLearning(db, clock)
    kept.save(SUMS, {"gw-01": 0.5, "gw-02": -1.0}, {"gw-01": 1000.0})
    back = {k.sums.gateway: k for k in kept.load({"gw-01": 0.5, "gw-02": -1.0, "gw-03": 0.0})}
    assert [back[g].sums for g in ("gw-01", "gw-02")] == SUMS
    assert (back["gw-01"].offset_db, back["gw-01"].since) == (0.5, 1000.0)
    assert back["gw-02"].since == clock()  # no start given: learning began now
    assert "gw-03" not in back  # nothing kept for it


def test_a_gateway_whose_offset_changed_or_that_left_the_layout_starts_afresh(
    db: HubDatabase, clock: FakeClock
) -> None:
    kept = OffsetLearning(db, clock)
    kept.save(SUMS, {"gw-01": 0.5, "gw-02": -1.0}, {})
    assert [k.sums.gateway for k in kept.load({"gw-01": 0.3, "gw-02": -1.0})] == ["gw-02"]
    assert [k.sums.gateway for k in kept.load({"gw-01": 0.5})] == ["gw-01"]


def test_each_save_replaces_the_last(db: HubDatabase, clock: FakeClock) -> None:
    kept = OffsetLearning(db, clock)
    kept.save(SUMS, {"gw-01": 0.5, "gw-02": -1.0}, {})
    later = [GatewaySums("gw-01", -200.0, 15_000.0, 1_100)]
    kept.save(later, {"gw-01": 0.5}, {})
    assert [k.sums for k in kept.load({"gw-01": 0.5, "gw-02": -1.0})] == later
