"""Website pre-registrations: stored by the shop's backend (admin), read back by the kiosk, used up at sign-up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.edge.hub.api.conftest import SIGN_UP, FakeClock, Headers

TYPED = {"first_name": "  Marco ", "last_name": "Bianchi", "email": "Marco.Bianchi@Example.it", "phone": "347 765 4321",
         "language": "en"}  # fmt: skip


def test_the_kiosk_reads_back_what_was_typed_online(client: FlaskClient, admin: Headers, kiosk: Headers) -> None:
    created = client.post("/api/v1/preregistrations", json=TYPED, headers=admin)
    assert created.status_code == 201, created.json
    body: dict[str, Any] = created.json  # type: ignore[assignment]
    assert body["qr"] == "CORSIA:P:" + body["token"]
    found = client.get(f"/api/v1/preregistrations/{body['token']}", headers=kiosk)
    assert found.status_code == 200
    assert found.json == {"first_name": "Marco", "last_name": "Bianchi", "email": "marco.bianchi@example.it",
                          "phone": "+393477654321", "language": "en"}  # fmt: skip


def test_only_the_shop_backend_creates_them_and_only_kiosks_and_admins_read_them(
    client: FlaskClient, admin: Headers, kiosk: Headers
) -> None:
    assert client.post("/api/v1/preregistrations", json=TYPED, headers=kiosk).status_code == 403
    assert client.post("/api/v1/preregistrations", json=TYPED).status_code == 401
    token = client.post("/api/v1/preregistrations", json=TYPED, headers=admin).json["token"]  # type: ignore[index]
    assert client.get(f"/api/v1/preregistrations/{token}").status_code == 401
    assert client.get("/api/v1/preregistrations/nope", headers=kiosk).status_code == 404


def test_it_expires_and_signing_up_uses_it_up(
    client: FlaskClient, admin: Headers, kiosk: Headers, clock: FakeClock, sign_up: Callable[..., dict[str, Any]]
) -> None:
    short = client.post("/api/v1/preregistrations", json={**TYPED, "ttl_s": 3600}, headers=admin).json
    clock.advance(3601)
    assert client.get(f"/api/v1/preregistrations/{short['token']}", headers=kiosk).status_code == 410  # type: ignore[index]
    token = client.post("/api/v1/preregistrations", json=TYPED, headers=admin).json["token"]  # type: ignore[index]
    sign_up(email="marco.bianchi@example.it", phone=None, first_name="Marco", preregistration=token)
    assert client.get(f"/api/v1/preregistrations/{token}", headers=kiosk).status_code == 404


def test_a_sign_up_may_carry_a_birth_date(client: FlaskClient, kiosk: Headers, admin: Headers) -> None:
    created = client.post("/api/v1/members", json={**SIGN_UP, "birth_date": "1990-05-17"}, headers=kiosk)
    assert created.status_code == 201, created.json
    bad = client.post("/api/v1/members", json={**SIGN_UP, "email": "x@example.it", "phone": None,
                                               "birth_date": "17/05/1990"}, headers=kiosk)  # fmt: skip
    assert bad.status_code == 422
    assert "birth_date" in bad.json["fields"]  # type: ignore[index]
