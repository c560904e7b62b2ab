"""Every error is the one JSON shape with the fitting status; bad input is never a 500; a real failure is a 500
that says nothing about its cause."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import msgspec
import pytest
from flask.testing import FlaskClient

from edge.hub.api import create_app
from edge.hub.api.errors import validation_fields
from edge.hub.api.schemas import SignUp
from edge.hub.context import HubContext
from tests.edge.hub.api.conftest import SIGN_UP, Headers


def error_of(response: Any) -> dict[str, Any]:
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.json
    assert set(body) == {"error", "message", "fields"}
    return body


def decode_error(data: dict[str, Any]) -> msgspec.ValidationError:
    with pytest.raises(msgspec.ValidationError) as caught:
        msgspec.convert(data, type=SignUp)
    return caught.value


def test_validation_fields_name_the_field_itself() -> None:
    assert validation_fields(decode_error({**SIGN_UP, "consents": {"service": 1}})) == {
        "consents.service": "Expected `bool`, got `int`"
    }
    assert validation_fields(decode_error({**SIGN_UP, "consents": {"service": True, "marketting": True}})) == {
        "consents.marketting": "unknown field"
    }
    missing = {k: v for k, v in SIGN_UP.items() if k != "email"}
    assert validation_fields(decode_error(missing)) == {"email": "required"}
    assert validation_fields(decode_error({**SIGN_UP, "language": "fr"}), prefix="body") == {
        "body.language": "Invalid enum value 'fr'"
    }


def test_unknown_path_and_method_are_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert error_of(response)["error"] == "not_found"
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert error_of(response)["error"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_malformed_json_is_400_and_an_empty_body_too(client: FlaskClient, kiosk: Headers) -> None:
    response = client.post("/api/v1/members", data=b'{"first_name": ', headers=kiosk, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["error"] == "malformed"
    response = client.post("/api/v1/members", data=b"", headers=kiosk, content_type="application/json")
    assert response.status_code == 400


def test_a_body_that_is_not_json_is_415(client: FlaskClient, kiosk: Headers) -> None:
    response = client.post("/api/v1/members", data="first_name=Giulia", headers=kiosk,
                           content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 415
    assert error_of(response)["error"] == "unsupported_media_type"


def test_unknown_and_missing_fields_are_422_naming_them(client: FlaskClient, kiosk: Headers) -> None:
    response = client.post("/api/v1/members", json={**SIGN_UP, "nickname": "Giuli"}, headers=kiosk)
    assert response.status_code == 422
    assert error_of(response) == {"error": "invalid", "message": "the body is not valid",
                                  "fields": {"nickname": "unknown field"}}  # fmt: skip
    response = client.post("/api/v1/members", json={"first_name": "Giulia"}, headers=kiosk)
    assert response.status_code == 422
    assert list(error_of(response)["fields"]) == ["last_name"]
    response = client.post("/api/v1/members", json=[1, 2], headers=kiosk)
    assert response.status_code == 422


def test_a_body_over_the_route_limit_is_413(client: FlaskClient, kiosk: Headers, admin: Headers) -> None:
    big = {**SIGN_UP, "first_name": "x" * 70_000}
    response = client.post("/api/v1/members", json=big, headers=kiosk)
    assert response.status_code == 413
    assert error_of(response)["error"] == "too_large"
    # The catalog takes more than a member does, but not without limit.
    products = [{"sku": f"SKU-{n}", "name": "n" * 40, "category": "c", "price": 1.0} for n in range(1000, 1900)]
    response = client.post("/api/v1/catalog", json={"products": products}, headers=admin)
    assert response.status_code == 200
    response = client.post("/api/v1/catalog", data=b"x" * (2 * 1024 * 1024 + 1), headers=admin,
                           content_type="text/csv")  # fmt: skip
    assert response.status_code == 413


def test_an_unexpected_failure_is_a_bare_500(ctx: HubContext, kiosk: Headers, caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> Any:
        raise RuntimeError("the disk at /secret/path is on fire")

    app = create_app(dataclasses.replace(ctx, connect=broken))
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/api/v1/cards/004212345678", headers=kiosk)
    assert response.status_code == 500
    assert error_of(response) == {"error": "internal", "message": "the hub could not answer this request", "fields": {}}
    assert b"secret" not in response.data
    assert b"RuntimeError" not in response.data
    assert "the disk at /secret/path is on fire" in caplog.text  # the log has what the client does not
