"""The home screen and what every screen shares: Italian first, the language switch, the reset, the headers that
keep the kiosk closed, and the error screens."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from kiosk.app.runtime import KioskRuntime
from kiosk.app.scans import Scan
from kiosk.app.sessions import COOKIE
from tests.kiosk.app.conftest import DETAILS, csrf, page, post, walk_signup

PAGES = ("/", "/signup/details", "/preregistration", "/does-not-exist")


def test_the_home_screen_is_italian_with_an_english_switch(client: FlaskClient) -> None:
    html = page(client.get("/"))
    assert '<html lang="it">' in html
    assert ">Iscriviti</a>" in html
    assert re.search(r'<button type="submit" name="lang" value="en" lang="en"[^>]*>English</button>', html)


def test_the_switch_changes_the_language_and_stays_on_the_same_screen(client: FlaskClient) -> None:
    response = post(client, "/language", {"lang": "en", "next": "/preregistration"})
    assert response.status_code == 303
    assert response.location == "/preregistration"
    html = page(client.get("/"))
    assert '<html lang="en">' in html
    assert ">Sign up</a>" in html
    assert ">Italiano</button>" in html
    post(client, "/language", {"lang": "it", "next": "/"})
    assert ">Iscriviti</a>" in page(client.get("/"))


def test_the_switch_never_leads_out_of_the_kiosk(client: FlaskClient) -> None:
    for target in ("https://example.com/", "//example.com/x", "/nowhere", "javascript:alert(1)", "/reset", ""):
        response = post(client, "/language", {"lang": "en", "next": target})
        assert response.location == "/", target
    assert post(client, "/language", {"lang": "de", "next": "/"}).status_code == 303
    assert '<html lang="en">' in page(client.get("/")), "an unknown language changes nothing"


def test_every_screen_is_closed_to_the_outside(client: FlaskClient) -> None:
    for path in PAGES:
        response = client.get(path)
        headers = response.headers
        assert headers["Cache-Control"] == "no-store", path
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        html = page(response)
        assert not re.search(r'(href|src|action)="(https?:)?//', html), f"{path} leads outside"
        assert 'target="_blank"' not in html
        assert "<script>" not in html, "the policy forbids inline code"
        assert "style=" not in html, "the policy forbids inline styles"


def test_an_unknown_page_is_a_kind_screen_with_the_way_back(client: FlaskClient) -> None:
    response = client.get("/does-not-exist")
    assert response.status_code == 404
    html = page(response)
    assert "Pagina non trovata" in html
    assert 'href="/"' in html
    assert "Torna all&#39;inizio" in html


def test_the_reset_clears_everything_personal(client: FlaskClient, runtime: KioskRuntime) -> None:
    post(client, "/language", {"lang": "en", "next": "/"})
    walk_signup(client)
    assert "Giulia" in page(client.get("/signup/done"))
    sid = client.get_cookie(COOKIE)
    assert sid is not None
    post(client, "/reset")
    assert runtime.sessions.load(sid.value) is None
    assert client.get("/signup/done").location == "/", "no result left to show"
    html = page(client.get("/signup/details"))
    assert "Giulia" not in html
    assert "Rossi" not in html
    assert '<html lang="it">' in html, "the next customer starts in Italian"


def test_the_reset_drops_scans_meant_for_the_customer_who_left(client: FlaskClient, runtime: KioskRuntime) -> None:
    client.get("/")
    sid = client.get_cookie(COOKIE)
    assert sid is not None
    runtime.bus.attach(sid.value)
    scan_id = runtime.bus.publish(Scan("card", "0012345678"))
    assert scan_id is not None
    post(client, "/reset")
    assert runtime.bus.current is None
    assert runtime.bus.take(sid.value, scan_id) is None


def test_the_keep_alive_needs_the_token_in_its_header(client: FlaskClient) -> None:
    token = csrf(client)
    assert client.post("/alive").status_code == 400
    assert client.post("/alive", headers={"X-CSRF-Token": token}).status_code == 204


def test_a_stale_token_changes_nothing(client: FlaskClient, runtime: KioskRuntime) -> None:
    post(client, "/signup/details", {**DETAILS, "email": "x"})
    sid = client.get_cookie(COOKIE)
    assert sid is not None
    response = client.post("/signup/details", data={**DETAILS, "first_name": "Mallory", "csrf_token": "stale"})
    assert response.status_code == 400
    assert "Questa pagina è scaduta" in page(response)
    stored = runtime.sessions.load(sid.value)
    assert stored is not None
    assert stored["typed"]["first_name"] == "Giulia"
