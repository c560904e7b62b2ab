"""Members: sign-up, reading, changing, erasure, consents and cards, through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from edge.hub.context import HubContext
from edge.hub.db import Consents, Members, is_ean13
from tests.edge.hub.api.conftest import SIGN_UP, FakeClock, Headers, RecordingListener

SignUp = Callable[..., dict[str, Any]]


def test_sign_up_answers_ids_and_a_token(
    client: FlaskClient, member: dict[str, Any], admin: Headers, listener: RecordingListener
) -> None:
    assert set(member) == {"member_id", "member_number", "enrollment_token"}
    assert is_ean13(member["member_number"])
    got = client.get(f"/api/v1/members/{member['member_id']}", headers=admin).json
    assert got == {
        "member_id": member["member_id"], "member_number": member["member_number"],
        "first_name": "Giulia", "last_name": "Rossi", "email": "giulia.rossi@example.it", "phone": "+393331234567",
        "language": "it", "points": 0,
        "consents": {"service": True, "marketing": True, "profiling": False, "proximity": True,
                     "policy_version": "2025-01", "t": 1_750_000_000.0},
        "cards": [], "devices": [],
    }  # fmt: skip
    assert listener.calls == []  # no device yet: nothing for the live service


def test_a_duplicate_reveals_nothing_about_the_other_member(
    client: FlaskClient, kiosk: Headers, member: dict[str, Any]
) -> None:
    response = client.post(
        "/api/v1/members",
        json={**SIGN_UP, "first_name": "Mallory", "email": " Giulia.Rossi@Example.IT", "phone": None},
        headers=kiosk,
    )
    assert response.status_code == 409
    assert response.json == {"error": "duplicate", "message": "already registered", "fields": {"email": "taken"}}
    for secret in (member["member_id"], member["member_number"], "Giulia", "Rossi", "+39333"):
        assert secret.encode() not in response.data
    # The phone too, written another way; each submitted clash is named, nothing more.
    response = client.post("/api/v1/members", json={**SIGN_UP, "email": "other@example.it", "phone": "+39 333 1234567"},
                           headers=kiosk)  # fmt: skip
    assert response.json["fields"] == {"phone": "taken"}


def test_sign_up_needs_the_service_consent_and_valid_contacts(client: FlaskClient, kiosk: Headers) -> None:
    response = client.post("/api/v1/members", json={**SIGN_UP, "consents": {"service": False}}, headers=kiosk)
    assert response.status_code == 422
    assert response.json["fields"] == {"consents.service": "required"}
    response = client.post("/api/v1/members", json={**SIGN_UP, "email": "giulia@"}, headers=kiosk)
    assert (response.status_code, response.json["fields"]) == (422, {"email": "invalid"})
    response = client.post("/api/v1/members", json={**SIGN_UP, "phone": "12"}, headers=kiosk)
    assert (response.status_code, response.json["fields"]) == (422, {"phone": "invalid"})
    response = client.post("/api/v1/members", json={**SIGN_UP, "consents": {"service": True, "location": True}},
                           headers=kiosk)  # fmt: skip
    assert response.json["fields"] == {"consents.location": "unknown field"}


def test_sign_up_with_a_card_then_look_it_up(client: FlaskClient, kiosk: Headers, sign_up: SignUp) -> None:
    member = sign_up(card="0042-1234 5678")
    expected = {"member_id": member["member_id"], "member_number": member["member_number"], "first_name": "Giulia",
                "points": 0}  # fmt: skip
    assert client.get("/api/v1/cards/004212345678", headers=kiosk).json == expected
    assert client.get(f"/api/v1/cards/{member['member_number']}", headers=kiosk).json == expected
    response = client.get("/api/v1/cards/999999999", headers=kiosk)
    assert (response.status_code, response.json["error"]) == (404, "not_found")


def test_link_a_card_and_refuse_someone_elses(
    client: FlaskClient, kiosk: Headers, member: dict[str, Any], sign_up: SignUp
) -> None:
    path = f"/api/v1/members/{member['member_id']}/cards"
    response = client.post(path, json={"card": "ab-123456"}, headers=kiosk)
    assert response.status_code == 201
    assert response.json == {"member_id": member["member_id"], "cards": ["AB123456"]}
    assert client.post(path, json={"card": "AB123456"}, headers=kiosk).json["cards"] == ["AB123456"]
    other = sign_up(email="marco@example.it", phone=None)
    response = client.post(f"/api/v1/members/{other['member_id']}/cards", json={"card": "AB 123456"}, headers=kiosk)
    assert response.status_code == 409
    assert response.json["fields"] == {"card": "taken"}
    assert member["member_id"].encode() not in response.data
    response = client.post("/api/v1/members/m_nobody/cards", json={"card": "CD123456"}, headers=kiosk)
    assert response.status_code == 404


def test_change_details(client: FlaskClient, app_headers: Headers, member: dict[str, Any], sign_up: SignUp) -> None:
    path = f"/api/v1/members/{member['member_id']}"
    response = client.patch(path, json={"first_name": "  Giulia  Maria ", "language": "en", "phone": None},
                            headers=app_headers)  # fmt: skip
    assert response.status_code == 200
    assert (response.json["first_name"], response.json["language"], response.json["phone"]) == (
        "Giulia Maria",
        "en",
        None,
    )
    assert response.json["last_name"] == "Rossi"  # left out: unchanged
    sign_up(email="marco@example.it", phone="333 765 4321")
    response = client.patch(path, json={"email": "MARCO@example.it"}, headers=app_headers)
    assert (response.status_code, response.json["fields"]) == (409, {"email": "taken"})
    response = client.patch(path, json={"member_number": "2900000000000"}, headers=app_headers)
    assert (response.status_code, response.json["fields"]) == (422, {"member_number": "unknown field"})


def test_erasure(
    client: FlaskClient, admin: Headers, member: dict[str, Any], ctx: HubContext, listener: RecordingListener
) -> None:
    path = f"/api/v1/members/{member['member_id']}"
    assert client.delete(path, headers=admin).status_code == 204
    assert listener.calls == [("member_changed", (member["member_id"],))]
    assert client.get(path, headers=admin).status_code == 404
    assert client.delete(path, headers=admin).status_code == 404
    db = ctx.connect()
    assert Members(db).get(member["member_id"]) is None
    assert Consents(db).history(member["member_id"]) == []


def test_consents(
    client: FlaskClient, kiosk: Headers, app_headers: Headers, member: dict[str, Any], ctx: HubContext,
    clock: FakeClock, listener: RecordingListener,
) -> None:  # fmt: skip
    path = f"/api/v1/members/{member['member_id']}/consents"
    clock.advance(60)
    response = client.patch(path, json={"marketing": False, "profiling": True, "policy_version": "2025-02"},
                            headers=app_headers)  # fmt: skip
    assert response.status_code == 200
    assert response.json == {"service": True, "marketing": False, "profiling": True, "proximity": True,
                             "policy_version": "2025-02", "t": 1_750_000_060.0}  # fmt: skip
    assert ("member_changed", (member["member_id"],)) in listener.calls
    history = Consents(ctx.connect()).history(member["member_id"])
    assert [(c.purpose, c.granted, c.source) for c in history[-2:]] == [("marketing", False, "app"),
                                                                        ("profiling", True, "app")]  # fmt: skip
    response = client.patch(path, json={"proximity": False, "policy_version": "2025-02", "source": "web"},
                            headers=kiosk)  # fmt: skip
    assert response.json["proximity"] is False
    assert Consents(ctx.connect()).history(member["member_id"])[-1].source == "web"


def test_consent_changes_that_are_refused(client: FlaskClient, admin: Headers, member: dict[str, Any]) -> None:
    path = f"/api/v1/members/{member['member_id']}/consents"
    response = client.patch(path, json={"service": False, "policy_version": "2025-02"}, headers=admin)
    assert (response.status_code, list(response.json["fields"])) == (422, ["service"])
    response = client.patch(path, json={"marketing": True}, headers=admin)
    assert (response.status_code, response.json["fields"]) == (422, {"policy_version": "required"})
    response = client.patch(path, json={"marketing": "yes", "policy_version": "2025-02"}, headers=admin)
    assert (response.status_code, list(response.json["fields"])) == (422, ["marketing"])
    response = client.patch("/api/v1/members/m_nobody/consents", json={"policy_version": "x"}, headers=admin)
    assert response.status_code == 404
