"""Bearer tokens and scopes: who may call what, and an app token that speaks for one member only."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from flask.testing import FlaskClient

from edge.config import HubConfig, HubSection
from edge.hub.api import create_app
from edge.hub.api.auth import Principal, Scope, bearer_token, identify, token_matches
from edge.hub.context import HubContext
from tests.edge.hub.api.conftest import ADMIN_TOKEN, KIOSK_TOKEN, Headers

HUB = HubSection(admin_token="a" * 24, kiosk_token="k" * 24)


def no_app(token: str) -> str | None:
    return None


def test_token_matching() -> None:
    assert token_matches("s3cret", "s3cret")
    assert not token_matches("s3cret", "s3cre")
    assert not token_matches("", "")  # an unset token matches nothing, not even an empty one
    assert not token_matches("anything", "")
    assert token_matches("pässword", "pässword")  # not only ASCII


@pytest.mark.parametrize(
    ("header", "token"),
    [("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("Basic abc", None), ("Bearer", None), ("", None), (None, None)],
)
def test_bearer_token(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


def test_identify_by_scope() -> None:
    assert identify("a" * 24, HUB, no_app) == Principal(Scope.ADMIN)
    assert identify("k" * 24, HUB, no_app) == Principal(Scope.KIOSK)
    assert identify("app-1", HUB, {"app-1": "m_1"}.get) == Principal(Scope.APP, "m_1")
    assert identify("nobody", HUB, no_app) is None


def test_without_or_with_a_bad_token_it_is_401(client: FlaskClient, member: dict[str, Any]) -> None:
    path = f"/api/v1/members/{member['member_id']}"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {ADMIN_TOKEN}"}):
        response = client.get(path, headers=headers)
        assert response.status_code == 401
        assert response.json["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unset_kiosk_token_grants_nothing(ctx: HubContext) -> None:
    config = HubConfig(hub=dataclasses.replace(ctx.config.hub, kiosk_token=""))
    client = create_app(dataclasses.replace(ctx, config=config)).test_client()
    for header in ("Bearer ", "Bearer  ", f"Bearer {KIOSK_TOKEN}"):
        assert client.get("/api/v1/cards/004212345678", headers={"Authorization": header}).status_code == 401


def test_scopes_of_admin_routes(client: FlaskClient, kiosk: Headers, app_headers: Headers) -> None:
    for headers in (kiosk, app_headers):
        response = client.get("/api/v1/stores/demo/occupancy", headers=headers)
        assert response.status_code == 403
        assert response.json["error"] == "forbidden"


def test_a_kiosk_cannot_erase_a_member(client: FlaskClient, kiosk: Headers, member: dict[str, Any]) -> None:
    response = client.delete(f"/api/v1/members/{member['member_id']}", headers=kiosk)
    assert response.status_code == 403
    assert client.get(f"/api/v1/members/{member['member_id']}", headers=kiosk).status_code == 200


def test_an_app_token_acts_for_its_own_member_only(
    client: FlaskClient, app_headers: Headers, member: dict[str, Any], sign_up: Any
) -> None:
    other = sign_up(first_name="Marco", email="marco@example.it", phone="333 765 4321")
    assert client.get(f"/api/v1/members/{member['member_id']}", headers=app_headers).status_code == 200
    for method, suffix in [("get", ""), ("patch", ""), ("delete", ""), ("get", "/wishlist"),
                           ("post", "/enrollment-tokens")]:  # fmt: skip
        response = client.open(f"/api/v1/members/{other['member_id']}{suffix}", method=method, headers=app_headers,
                               json={} if method == "patch" else None)  # fmt: skip
        assert response.status_code == 403, (method, suffix)
    # Someone who does not exist is still "not yours": an app cannot probe for member ids.
    assert client.get("/api/v1/members/m_0000000000000000", headers=app_headers).status_code == 403


def test_an_erased_members_app_token_stops_working(
    client: FlaskClient, app_headers: Headers, member: dict[str, Any]
) -> None:
    assert client.delete(f"/api/v1/members/{member['member_id']}", headers=app_headers).status_code == 204
    assert client.get(f"/api/v1/members/{member['member_id']}", headers=app_headers).status_code == 401


def test_public_routes_need_no_token(client: FlaskClient) -> None:
    for path in ("/healthz", "/metrics", "/api/v1/openapi.json", "/api/v1/push/key"):
        assert client.get(path).status_code == 200, path
