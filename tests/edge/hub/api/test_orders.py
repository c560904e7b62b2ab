"""Click & collect orders: stored by the e-commerce system (admin), moved on, read by the member's app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from edge.hub.context import HubContext
from edge.hub.db import PickupOrders
from tests.edge.hub.api.conftest import FakeClock, Headers


def test_an_order_from_placed_to_collected(
    client: FlaskClient, admin: Headers, member: dict[str, Any], ctx: HubContext, clock: FakeClock
) -> None:
    body = {"order_id": "WEB-1001", "member_id": member["member_id"], "items": [{"sku": "RUN-42", "qty": 2}]}
    response = client.post("/api/v1/orders", json=body, headers=admin)
    assert response.status_code == 201
    assert response.json == {"order_id": "WEB-1001", "member_id": member["member_id"], "store": "demo",
                             "status": "placed", "items": [{"sku": "RUN-42", "qty": 2}],
                             "created": clock.now, "updated": clock.now}  # fmt: skip
    clock.advance(3600)
    response = client.patch("/api/v1/orders/WEB-1001", json={"status": "ready"}, headers=admin)
    assert (response.json["status"], response.json["updated"]) == ("ready", clock.now)
    orders = PickupOrders(ctx.connect())
    assert [o.order_id for o in orders.ready_for(member["member_id"], "demo")] == ["WEB-1001"]
    assert client.patch("/api/v1/orders/WEB-1001", json={"status": "collected"}, headers=admin).status_code == 200
    response = client.patch("/api/v1/orders/WEB-1001", json={"status": "ready"}, headers=admin)
    assert response.status_code == 409
    assert response.json == {"error": "invalid_transition", "message": "the order cannot change to this status",
                             "fields": {"status": "collected -> ready is not allowed"}}  # fmt: skip


def test_orders_refused(client: FlaskClient, admin: Headers, member: dict[str, Any]) -> None:
    body = {"order_id": "WEB-1", "member_id": member["member_id"]}
    assert client.post("/api/v1/orders", json=body, headers=admin).status_code == 201
    response = client.post("/api/v1/orders", json=body, headers=admin)
    assert (response.status_code, response.json["fields"]) == (409, {"order_id": "taken"})
    response = client.post("/api/v1/orders", json={**body, "order_id": "WEB-2", "member_id": "m_x"}, headers=admin)
    assert (response.status_code, response.json["fields"]) == (422, {"member_id": "unknown"})
    response = client.post("/api/v1/orders", json={**body, "order_id": "WEB 3"}, headers=admin)
    assert (response.status_code, list(response.json["fields"])) == (422, ["order_id"])
    response = client.patch("/api/v1/orders/WEB-1", json={"status": "lost"}, headers=admin)
    assert (response.status_code, list(response.json["fields"])) == (422, ["status"])
    assert client.patch("/api/v1/orders/NOPE", json={"status": "ready"}, headers=admin).status_code == 404


def test_an_app_reads_its_own_orders_only(
    client: FlaskClient, admin: Headers, app_headers: Headers, member: dict[str, Any],
    sign_up: Callable[..., dict[str, Any]],
) -> None:  # fmt: skip
    other = sign_up(email="marco@example.it", phone=None)
    for order_id, member_id in (("WEB-MINE", member["member_id"]), ("WEB-THEIRS", other["member_id"])):
        client.post("/api/v1/orders", json={"order_id": order_id, "member_id": member_id}, headers=admin)
    assert client.get("/api/v1/orders/WEB-MINE", headers=app_headers).json["member_id"] == member["member_id"]
    response = client.get("/api/v1/orders/WEB-THEIRS", headers=app_headers)
    assert response.status_code == 403
    assert other["member_id"].encode() not in response.data
    assert client.patch("/api/v1/orders/WEB-MINE", json={"status": "ready"}, headers=app_headers).status_code == 403
