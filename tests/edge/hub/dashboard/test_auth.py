"""Signing in to the dashboard: the admin token once, then a signed HttpOnly, SameSite=Strict session cookie that
every page and data endpoint requires."""

from __future__ import annotations

import dataclasses
import logging
import re
import time
import types
from collections.abc import Callable

import itsdangerous.timed
import pytest
import requests
from flask.testing import FlaskClient

from edge.hub.context import HubContext
from edge.hub.dashboard.auth import COOKIE, SESSION_HOURS
from tests.conftest import wait_for
from tests.edge.hub.dashboard.conftest import ADMIN_TOKEN, make_app

DATA_ENDPOINTS = ("/dashboard/state", "/dashboard/events")


def session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(COOKIE, path="/dashboard")
    return None if cookie is None else cookie.value


def test_without_a_session_the_page_leads_to_sign_in_and_the_data_is_refused(client: FlaskClient) -> None:
    answer = client.get("/dashboard/")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/dashboard/signin")
    form = client.get("/dashboard/signin")
    assert form.status_code == 200
    assert 'name="token"' in form.text
    assert "Accedi al cruscotto" in form.text  # Italian first
    for path in DATA_ENDPOINTS:
        refused = client.get(path)
        assert refused.status_code == 401, path
        assert refused.json == {"error": "unauthorized", "message": "sign in to the dashboard first"}


def test_a_wrong_token_is_refused_and_gets_no_cookie(client: FlaskClient) -> None:
    for token in ("wrong", ADMIN_TOKEN + "x", ADMIN_TOKEN[:-1], ""):
        answer = client.post("/dashboard/signin", data={"token": token})
        assert answer.status_code == 401
        assert "Il token non è valido." in answer.text
        assert session_cookie(client) is None
    by_link = client.get("/dashboard/", query_string={"token": "wrong"})
    assert by_link.status_code == 401
    assert session_cookie(client) is None
    assert client.get("/dashboard/state").status_code == 401


def test_the_admin_token_gives_a_strict_httponly_cookie_for_the_dashboard_only(client: FlaskClient) -> None:
    answer = client.post("/dashboard/signin", data={"token": ADMIN_TOKEN})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/dashboard/")
    header = answer.headers["Set-Cookie"]
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in header.split(";")}
    assert flags["samesite"] == "SameSite=Strict"
    assert "httponly" in flags
    assert flags["path"] == "Path=/dashboard"
    assert "secure" not in flags  # plain HTTP: a Secure cookie would never come back
    value = session_cookie(client)
    assert value is not None
    assert ADMIN_TOKEN not in value
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert 'id="map"' in page.text
    assert client.get("/dashboard/state").status_code == 200


def test_over_https_the_cookie_is_secure(client: FlaskClient) -> None:
    answer = client.post("/dashboard/signin", data={"token": ADMIN_TOKEN}, base_url="https://hub.store.example")
    assert answer.status_code == 303
    assert "Secure" in answer.headers["Set-Cookie"].split("; ")


def test_a_token_in_the_link_signs_in_and_leaves_the_address_bar(client: FlaskClient) -> None:
    answer = client.get("/dashboard/", query_string={"token": ADMIN_TOKEN})
    assert answer.status_code == 303
    assert "token" not in answer.headers["Location"]
    assert client.get(answer.headers["Location"]).status_code == 200


def test_a_forged_or_foreign_cookie_is_refused(client: FlaskClient, ctx: HubContext) -> None:
    client.post("/dashboard/signin", data={"token": ADMIN_TOKEN})
    value = session_cookie(client)
    assert value is not None
    payload, _, signature = value.rpartition(".")
    client.set_cookie(COOKIE, payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:], path="/dashboard")
    assert client.get("/dashboard/state").status_code == 401
    # The same hub after its admin token changed: every dashboard is signed out.
    changed = dataclasses.replace(ctx.config, hub=dataclasses.replace(ctx.config.hub, admin_token="a-new-token-0123"))
    other = make_app(dataclasses.replace(ctx, config=changed)).test_client()
    other.set_cookie(COOKIE, value, path="/dashboard")
    assert other.get("/dashboard/state").status_code == 401


def test_a_session_ends_after_its_hours(signed_in: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    assert signed_in.get("/dashboard/state").status_code == 200
    real = time.time()
    later = types.SimpleNamespace(time=lambda: real + SESSION_HOURS * 3600 + 60)
    monkeypatch.setattr(itsdangerous.timed, "time", later)  # the clock the cookie's signature is checked against
    assert signed_in.get("/dashboard/state").status_code == 401
    assert signed_in.get("/dashboard/").headers["Location"].endswith("/dashboard/signin")


def test_signing_out_ends_the_session(signed_in: FlaskClient) -> None:
    answer = signed_in.post("/dashboard/signout")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/dashboard/signin")
    assert session_cookie(signed_in) is None
    assert signed_in.get("/dashboard/state").status_code == 401


def test_a_hub_without_an_admin_token_lets_nobody_in(ctx: HubContext) -> None:
    closed = dataclasses.replace(ctx.config, hub=dataclasses.replace(ctx.config.hub, admin_token=""))
    client = make_app(dataclasses.replace(ctx, config=closed)).test_client()
    form = client.get("/dashboard/signin")
    assert "admin_token" in form.text
    assert client.post("/dashboard/signin", data={"token": ""}).status_code == 401
    assert session_cookie(client) is None


def test_pages_forbid_framing_and_outside_resources(signed_in: FlaskClient) -> None:
    page = signed_in.get("/dashboard/")
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    assert "<script>" not in page.text  # nothing inline runs: the data block is JSON, not script
    assert 'type="application/json"' in page.text


def test_the_language_follows_the_link_and_is_remembered(client: FlaskClient) -> None:
    english = client.get("/dashboard/signin", query_string={"lang": "en"})
    assert "Sign in to the dashboard" in english.text
    assert '<html lang="en">' in english.text
    assert "Sign in to the dashboard" in client.get("/dashboard/signin").text
    assert "Accedi al cruscotto" in client.get("/dashboard/signin", query_string={"lang": "it"}).text
    assert "Accedi al cruscotto" in client.get("/dashboard/signin", query_string={"lang": "xx"}).text


def test_dashboard_requests_are_counted_by_route_in_the_hubs_metrics(signed_in: FlaskClient) -> None:
    signed_in.get("/dashboard/state")
    metrics = signed_in.get("/metrics").text
    counted = r'corsia_hub_http_requests_total\{endpoint="/dashboard/state",status="200"\} 1\.0'
    assert re.search(counted, metrics), metrics
    assert 'endpoint="/dashboard/signin",status="303"' in metrics


def test_a_sign_in_link_leaves_no_token_in_the_access_log(
    serve: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    url = serve()
    with caplog.at_level(logging.INFO, logger="corsia.hub.http"), requests.Session() as browser:
        assert browser.get(url + "/dashboard/?lang=en&token=" + ADMIN_TOKEN, timeout=5).status_code == 200
        # The server logs a request once it has answered it: wait for the page's own line.
        assert wait_for(lambda: any("GET /dashboard/ 200" in r.getMessage() for r in caplog.records), 5.0)
    assert any("GET /dashboard/ 303" in r.getMessage() for r in caplog.records)  # the sign-in link's request
    assert ADMIN_TOKEN not in caplog.text
