"""Health, metrics and the OpenAPI document, which must describe exactly the routes the app serves."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path
from typing import Any

import schemathesis
from flask import Flask
from flask.testing import FlaskClient

from edge.hub.api import create_app, routes_of
from edge.hub.context import HubContext
from edge.hub.db import open_database
from tests.edge.hub.api.conftest import Headers

IMPLICIT = {"HEAD", "OPTIONS"}  # Flask answers these itself


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.json) == (200, {"status": "ok", "db": "ok"})


def test_healthz_is_503_when_the_database_cannot_be_read(ctx: HubContext, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE someone_elses (x)")
    app = create_app(dataclasses.replace(ctx, connect=lambda: open_database(other)))
    response = app.test_client().get("/healthz")
    assert (response.status_code, response.json) == (503, {"status": "unavailable", "db": "error"})


def test_metrics_count_requests_by_route_not_by_url(
    client: FlaskClient, admin: Headers, member: dict[str, Any]
) -> None:
    client.get(f"/api/v1/members/{member['member_id']}", headers=admin)
    client.get("/api/v1/members/m_nobody", headers=admin)
    client.get("/nowhere")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert 'corsia_hub_http_requests_total{endpoint="/api/v1/members/<member_id>",status="200"} 1.0' in text
    assert 'corsia_hub_http_requests_total{endpoint="/api/v1/members/<member_id>",status="404"} 1.0' in text
    assert 'corsia_hub_http_requests_total{endpoint="/api/v1/members",status="201"} 1.0' in text
    assert 'corsia_hub_http_requests_total{endpoint="unmatched",status="404"} 1.0' in text
    assert member["member_id"] not in text


def document(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json
    return body


def test_the_document_is_valid_openapi_3_1(client: FlaskClient) -> None:
    doc = document(client)
    assert doc["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(doc).validate()  # raises on a document the OpenAPI 3.1 schema refuses


def test_the_document_has_every_route_and_only_them(app: Flask, client: FlaskClient) -> None:
    served = {(method, rule.rule) for rule in app.url_map.iter_rules() for method in (rule.methods or set()) - IMPLICIT}
    declared = {(r.method, r.path) for r in routes_of(app)}
    assert served == declared
    paths = document(client)["paths"]
    documented = {(method.upper(), path) for path, operations in paths.items() for method in operations}
    assert documented == {(r.method, r.openapi_path) for r in routes_of(app)}
    assert len(documented) == len(served)


def test_the_document_states_security_and_errors(app: Flask, client: FlaskClient) -> None:
    doc = document(client)
    assert doc["openapi"].startswith("3.1")
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    for route in routes_of(app):
        operation = doc["paths"][route.openapi_path][route.method.lower()]
        responses = operation["responses"]
        if route.scopes:
            assert operation["security"] == [{"bearer": [str(s) for s in route.scopes]}]
            assert {"401", "403"} <= set(responses)
        else:
            assert operation["security"] == []
        if route.body is not None:
            assert {"400", "413", "415", "422"} <= set(responses)
        for status, response in responses.items():
            if int(status) >= 400 and status != "503" and int(status) not in route.answers:
                assert response["content"]["application/json"]["schema"] == error_ref, (route.path, status)


def test_request_schemas_refuse_unknown_fields(client: FlaskClient) -> None:
    schemas = document(client)["components"]["schemas"]
    for name in ("SignUp", "ConsentPatch", "Enroll", "PushSubscription", "CatalogImport", "CampaignBody", "NewOrder"):
        assert schemas[name]["additionalProperties"] is False, name
    assert schemas["SignUp"]["required"] == ["first_name", "last_name", "email", "consents", "policy_version", "source"]


def test_store_parameters_accept_only_this_store(client: FlaskClient) -> None:
    operation = document(client)["paths"]["/api/v1/stores/{store}/occupancy"]["get"]
    assert operation["parameters"][0] == {"name": "store", "in": "path", "required": True,
                                          "schema": {"type": "string", "enum": ["demo"]}}  # fmt: skip
