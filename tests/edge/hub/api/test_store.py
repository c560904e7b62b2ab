"""The floor for store managers: occupancy per zone now, and visits with dwell per zone."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask.testing import FlaskClient

from edge.hub.api.app import create_app
from edge.hub.context import HubContext
from edge.hub.db import Journeys
from edge.presence import JourneyEvent
from edge.presence.offset_learning import MIN_SAMPLES, OffsetEstimate
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


def test_gateway_offsets_suggest_the_layouts_offset_plus_what_was_learned(
    ctx: HubContext, layout: StoreLayout, admin: Headers, clock: FakeClock
) -> None:
    learned = [
        OffsetEstimate("gw-04", -0.73, 40_000, 3.9, -2.1),  # the layout says 1.5; it changed lately
        OffsetEstimate("gw-10", None, 1_200, 4.4),  # not enough readings yet
        OffsetEstimate("gw-99", 2.0, 40_000, 3.0),  # not in this layout: not shown
    ]
    since = {"gw-04": T0 - 86400.0}  # kept across a restart; the others' learning began at the hub's start
    app = create_app(replace(ctx, offsets=lambda: (since | {"gw-10": T0}, learned)), {"TESTING": True})
    body = app.test_client().get("/api/v1/stores/demo/gateways/offsets", headers=admin).json
    assert (body["since"], body["min_samples"]) == (T0 - 86400.0, MIN_SAMPLES)
    rows = {g["gateway"]: g for g in body["gateways"]}
    assert list(rows) == [g.id for g in layout.gateways]
    assert rows["gw-04"] == {
        "gateway": "gw-04", "offset_db": 1.5, "correction_db": -0.73, "suggested_db": 0.8, "samples": 40_000,
        "rms_db": 3.9, "since": T0 - 86400.0, "recent_db": -2.1,
    }  # fmt: skip
    assert rows["gw-10"]["correction_db"] is None
    assert rows["gw-10"]["suggested_db"] is None
    assert rows["gw-10"]["samples"] == 1_200
    assert rows["gw-10"]["since"] == T0
    assert rows["gw-01"] == {"gateway": "gw-01", "offset_db": 0.5, "correction_db": None, "suggested_db": None,
                             "samples": 0, "rms_db": None, "since": clock(), "recent_db": None}  # fmt: skip


def test_gateway_offsets_without_a_live_service_have_no_readings(client: FlaskClient, admin: Headers) -> None:
    body = client.get("/api/v1/stores/demo/gateways/offsets", headers=admin).json
    assert all(g["samples"] == 0 and g["correction_db"] is None for g in body["gateways"])
