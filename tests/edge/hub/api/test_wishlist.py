"""The wishlist: replaced whole by the app, read back in the member's order."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.edge.hub.api.conftest import Headers


def test_replace_and_read(
    client: FlaskClient, app_headers: Headers, member: dict[str, Any], stocked: dict[str, Any]
) -> None:
    path = f"/api/v1/members/{member['member_id']}/wishlist"
    assert client.get(path, headers=app_headers).json == {"member_id": member["member_id"], "skus": []}
    response = client.put(path, json={"skus": ["TENT-2", "RUN-42", "TENT-2"]}, headers=app_headers)
    assert response.status_code == 200
    assert response.json["skus"] == ["TENT-2", "RUN-42"]
    assert client.get(path, headers=app_headers).json["skus"] == ["TENT-2", "RUN-42"]


def test_unknown_products_are_refused_and_the_list_kept(
    client: FlaskClient, admin: Headers, member: dict[str, Any], stocked: dict[str, Any]
) -> None:
    path = f"/api/v1/members/{member['member_id']}/wishlist"
    client.put(path, json={"skus": ["RUN-42"]}, headers=admin)
    response = client.put(path, json={"skus": ["SOCK-1", "NOPE"]}, headers=admin)
    assert (response.status_code, response.json["fields"]) == (422, {"sku": "unknown"})
    assert client.get(path, headers=admin).json["skus"] == ["RUN-42"]
    response = client.put(path, json={"skus": [f"S-{n}" for n in range(201)]}, headers=admin)
    assert (response.status_code, list(response.json["fields"])) == (422, ["skus"])


def test_unknown_member(client: FlaskClient, admin: Headers, kiosk: Headers) -> None:
    assert client.get("/api/v1/members/m_nobody/wishlist", headers=admin).status_code == 404
    assert client.put("/api/v1/members/m_nobody/wishlist", json={"skus": []}, headers=admin).status_code == 404
    assert client.get("/api/v1/members/m_nobody/wishlist", headers=kiosk).status_code == 403
