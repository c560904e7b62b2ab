"""The page's data from the hub's context: counts for every zone, gateway states from the live service or the
feed's alerts, feed items cut to the fields a page may show, and today's statistics."""

from __future__ import annotations

import dataclasses

from edge.hub.context import HubContext
from edge.hub.dashboard.board import Board, public
from tests.edge.hub.dashboard import seed
from tests.edge.hub.dashboard.conftest import Clock


def test_occupancy_has_every_zone_of_the_layout_and_nothing_else(ctx: HubContext, live_counts: dict[str, int]) -> None:
    live_counts.update({"aisle-4": 3, "entrance": 1, "stockroom": 9})  # a zone the layout no longer has
    occupancy = Board(ctx).occupancy()
    assert list(occupancy["zones"]) == [z.id for z in ctx.layout.zones]
    assert (occupancy["zones"]["aisle-4"], occupancy["zones"]["aisle-1"], occupancy["total"]) == (3, 0, 4)
    assert Board(dataclasses.replace(ctx, occupancy=None)).occupancy()["total"] == 0


def test_gateway_states_come_from_the_live_service_when_there_is_one(ctx: HubContext) -> None:
    ctx.feed.publish("alert", {"kind": "gateway_offline", "source": "gw-03", "active": True})
    from_alerts = Board(ctx).gateway_states().snapshot()
    assert from_alerts["gw-03"] == "offline"
    assert from_alerts["gw-01"] == "online"
    fleet = {gw.id: "online" for gw in ctx.layout.gateways} | {"gw-07": "offline"}
    live = Board(dataclasses.replace(ctx, fleet=lambda: fleet)).gateway_states().snapshot()
    assert {gw for gw, state in live.items() if state == "offline"} == {"gw-07"}


def test_feed_items_reach_the_page_with_their_listed_fields_only() -> None:
    journey = {"event": "enter", "zone": "entrance", "prev": None, "member": "p_1", "visit": "v1", "again": True,
               "member_id": "m_secret", "device": "d_secret"}  # fmt: skip
    assert public("journey", 5.0, journey) == {"t": 5.0, "event": "enter", "zone": "entrance", "prev": None,
                                               "member": "p_1", "visit": "v1", "again": True}  # fmt: skip
    sent = {"state": "sent", "campaign": "c", "kind": "marketing", "channel": "webpush", "visit": "v1", "title": "x"}
    assert "title" not in (public("notification", 1.0, sent) or {})
    assert public("occupancy", 1.0, {"zones": {}}) is None


def test_statistics_are_todays_in_the_stores_time_zone(ctx: HubContext, clock: Clock) -> None:
    db = ctx.connect()
    shopper = seed.member(db)
    seed.visit(db, shopper, [(clock.now - 9 * 3600 - 60, "aisle-1")])  # 00:59 in Rome: today
    seed.visit(db, shopper, [(clock.now - 10 * 3600 - 60, "aisle-1")])  # 23:59 yesterday
    db.conn.close()
    stats = Board(ctx).stats()
    assert stats["day"] == "2026-01-01"
    assert stats["funnel"] == {"entered": 1, "engaged": 1, "bought": 0}
    assert [z["zone"] for z in stats["dwell"]] == [z.id for z in ctx.layout.zones]
    assert [c["id"] for c in stats["campaigns"]] == []
