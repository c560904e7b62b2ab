"""The floor for store managers: occupancy per zone now, and visits with dwell per zone."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from edge.hub.context import HubContext
from edge.hub.db import Journeys
from edge.presence import JourneyEvent
from edge.store import StoreLayout
from tests.edge.hub.api.conftest import FakeClock, Headers

T0 = 1_750_000_000.0


def test_occupancy_lists_every_zone(
    client: FlaskClient, admin: Headers, layout: StoreLayout, live_counts: dict[str, int]
) -> None:
    response = client.get("/api/v1/stores/demo/occupancy", headers=admin)
    assert response.json == {"zones": {zone.id: 0 for zone in layout.zones}, "total": 0}
    live_counts.update({"aisle-4": 3, "checkout": 1, "not-a-zone": 7})
    body = client.get("/api/v1/stores/demo/occupancy", headers=admin).json
    assert list(body["zones"]) == [zone.id for zone in layout.zones]
    assert (body["zones"]["aisle-4"], body["zones"]["checkout"], body["total"]) == (3, 1, 4)
    assert "not-a-zone" not in body["zones"]


def test_visits_and_dwell(
    client: FlaskClient, admin: Headers, member: dict[str, Any], ctx: HubContext, clock: FakeClock
) -> None:
    journeys = Journeys(ctx.connect())
    steps = [
        JourneyEvent(T0 + 10, "d_1", "v-1", "enter", "entrance", None, None),
        JourneyEvent(T0 + 40, "d_1", "v-1", "zone", "aisle-4", "entrance", 30.0),
        JourneyEvent(T0 + 160, "d_1", "v-1", "exit", None, "aisle-4", 120.0),
    ]
    for step in steps:
        assert journeys.record(step, member["member_id"])
    clock.now = T0 + 1000
    response = client.get(f"/api/v1/stores/demo/visits?since={T0}", headers=admin)
    assert response.status_code == 200
    assert response.json == {
        "since": T0, "until": T0 + 1000,
        "visits": [{"visit_id": "v-1", "started": T0 + 10, "ended": T0 + 160, "last_zone": "aisle-4",
                    "zones": ["entrance", "aisle-4"]}],
        "dwell_by_zone": {"aisle-4": 120.0, "entrance": 30.0},
    }  # fmt: skip
    later = client.get(f"/api/v1/stores/demo/visits?since={T0 + 500}&until={T0 + 900}", headers=admin).json
    assert (later["visits"], later["dwell_by_zone"]) == ([], {})
    query = f"since={T0}&member_id={member['member_id']}"
    assert len(client.get(f"/api/v1/stores/demo/visits?{query}", headers=admin).json["visits"]) == 1
    query = f"since={T0}&member_id=m_other"
    assert client.get(f"/api/v1/stores/demo/visits?{query}", headers=admin).json["visits"] == []


def test_visits_query_is_checked(client: FlaskClient, admin: Headers) -> None:
    for query, field in (("", "since"), ("since=yesterday", "since"), ("since=10&until=5", "until"),
                         ("since=1&colour=red", "colour")):  # fmt: skip
        response = client.get(f"/api/v1/stores/demo/visits?{query}", headers=admin)
        assert (response.status_code, list(response.json["fields"])) == (422, [field]), query
