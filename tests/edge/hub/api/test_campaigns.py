"""A store's campaigns: checked when written, listed, replaced, deleted, and switched off by the kill switch."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from edge.hub.campaigns.model import Campaign, Message, Schedule
from edge.hub.context import HubContext
from edge.hub.db import CampaignStore
from tests.edge.hub.api.conftest import TEXTS, Headers

BASE = "/api/v1/stores/demo/campaigns"
DWELL: dict[str, Any] = {
    "id": "running-week",
    "name": "Running week",
    "trigger": "zone_dwell",
    "zone": "aisle-4",
    "dwell_s": 45,
    "sku": "RUN-42",
    "url": "https://hub.store.example/p/RUN-42",
    "priority": 5,
    "texts": {"it": {"title": "{first_name}, {product} è qui", "body": "Scaffale {shelf}"},
              "en": {"title": "{first_name}, {product} is here", "body": "Shelf {shelf}"}},
    "schedule": {"starts": "2025-06-01T00:00:00+02:00", "ends": "2025-06-30T23:59:00+02:00", "weekdays": [6, 7],
                 "daily_from": "09:30", "daily_until": "20:00"},
}  # fmt: skip


def test_create_read_and_store_a_campaign(client: FlaskClient, admin: Headers, ctx: HubContext) -> None:
    response = client.post(BASE, json=DWELL, headers=admin)
    assert response.status_code == 201
    view = response.json
    assert view["schedule"] == {"starts": "2025-06-01T00:00:00+02:00", "ends": "2025-06-30T23:59:00+02:00",
                                "weekdays": [6, 7], "daily_from": "09:30", "daily_until": "20:00"}  # fmt: skip
    assert (view["kind"], view["enabled"], view["dwell_s"]) == ("marketing", True, 45.0)
    assert client.get(f"{BASE}/running-week", headers=admin).json == view
    assert client.get(BASE, headers=admin).json == {"campaigns": [view]}
    stored = CampaignStore(ctx.connect()).get("demo", "running-week")
    assert stored is not None
    assert stored.texts["en"] == Message("{first_name}, {product} is here", "Shelf {shelf}")
    assert stored.schedule.daily_from is not None
    assert stored.schedule.daily_from.isoformat() == "09:30:00"
    assert client.post(BASE, json=DWELL, headers=admin).status_code == 409


def test_a_post_without_an_id_gets_one(client: FlaskClient, admin: Headers) -> None:
    body = {"name": "Welcome", "trigger": "store_enter", "texts": TEXTS}
    response = client.post(BASE, json=body, headers=admin)
    assert response.status_code == 201
    assert response.json["id"].startswith("c-")
    assert client.get(f"{BASE}/{response.json['id']}", headers=admin).json["name"] == "Welcome"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"texts": {"it": TEXTS["it"]}}, "texts.en"),
        ({"texts": {**TEXTS, "en": {"title": "Hi {nickname}", "body": "x"}}}, "texts.en.title"),
        ({"texts": {**TEXTS, "it": {"title": "Ciao {first_name.__class__}", "body": "x"}}}, "texts.it.title"),
        ({"zone": "aisle-99"}, "zone"),
        ({"trigger": "birthday"}, "trigger"),
        ({"schedule": {"starts": "2025-06-01T00:00:00"}}, "schedule.starts"),
        ({"schedule": {"starts": "2025-06-02T00:00:00Z", "ends": "2025-06-01T00:00:00Z"}}, "schedule.ends"),
        ({"schedule": {"daily_from": "9:30"}}, "schedule.daily_from"),
        ({"schedule": {"weekdays": [0]}}, "schedule.weekdays[0]"),
        ({"dwell_s": -1}, "dwell_s"),
        ({"url": "javascript:alert(1)"}, "url"),
    ],
)
def test_a_bad_campaign_is_422_naming_the_field(
    client: FlaskClient, admin: Headers, change: dict[str, Any], field: str
) -> None:
    response = client.post(BASE, json={**DWELL, **change}, headers=admin)
    assert response.status_code == 422, response.json
    assert field in response.json["fields"], response.json


def test_put_replaces_and_delete_removes(client: FlaskClient, admin: Headers) -> None:
    body = {key: value for key, value in DWELL.items() if key != "id"}
    response = client.put(f"{BASE}/running-week", json=body, headers=admin)
    assert (response.status_code, response.json["priority"]) == (200, 5)
    response = client.put(f"{BASE}/running-week", json={**body, "priority": 9, "zone": "aisle-3"}, headers=admin)
    assert (response.json["priority"], response.json["zone"]) == (9, "aisle-3")
    response = client.put(f"{BASE}/running-week", json={**body, "id": "other"}, headers=admin)
    assert (response.status_code, response.json["fields"]) == (422, {"id": "must match the path"})
    response = client.put(f"{BASE}/Bad_Id", json=body, headers=admin)
    assert (response.status_code, response.json["fields"]) == (422, {"campaign_id": "invalid"})
    assert client.delete(f"{BASE}/running-week", headers=admin).status_code == 204
    assert client.get(f"{BASE}/running-week", headers=admin).status_code == 404
    assert client.delete(f"{BASE}/running-week", headers=admin).status_code == 404


def test_the_kill_switch(client: FlaskClient, admin: Headers, ctx: HubContext) -> None:
    client.post(BASE, json=DWELL, headers=admin)
    response = client.post(f"{BASE}/running-week/disable", headers=admin)
    assert (response.status_code, response.json["enabled"]) == (200, False)
    store = CampaignStore(ctx.connect())
    assert store.list("demo", enabled_only=True) == []  # what the live service plans with
    assert client.get(f"{BASE}/running-week", headers=admin).json["enabled"] is False
    assert client.post(f"{BASE}/running-week/enable", headers=admin).json["enabled"] is True
    assert [c.id for c in store.list("demo", enabled_only=True)] == ["running-week"]
    assert client.post(f"{BASE}/nope/disable", headers=admin).status_code == 404


def test_campaigns_are_per_store(client: FlaskClient, admin: Headers, kiosk: Headers, ctx: HubContext) -> None:
    CampaignStore(ctx.connect()).put("other-store", Campaign("theirs", "Theirs", "store_enter",
                                                             {"it": Message("a", "b"), "en": Message("a", "b")},
                                                             schedule=Schedule()))  # fmt: skip
    assert client.get(BASE, headers=admin).json == {"campaigns": []}
    assert client.get("/api/v1/stores/other-store/campaigns", headers=admin).status_code == 404
    assert client.get(BASE, headers=kiosk).status_code == 403
