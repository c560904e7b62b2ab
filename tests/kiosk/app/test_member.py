"""Scans on the home and card screens, and an existing member's screens, against the real hub API.

The scans are put on the app's scan bus for the client's session, as the card reader and the camera do in
``corsia kiosk``; the page's part (the event stream and posting the id back) is in the browser tests.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from kiosk.app import create_app, runtime_of
from kiosk.app.limits import DEFAULT_LIMITS, Limit
from kiosk.app.runtime import KioskRuntime
from kiosk.app.scans import Scan
from kiosk.app.sessions import COOKIE
from kiosk.payloads import format_enrollment_qr, format_member_qr
from tests.kiosk.app.conftest import kiosk_config, page, post, walk_signup
from tests.kiosk.app.realhub import RealHub

TOKEN = "A" * 43


def scan(client: FlaskClient, runtime: KioskRuntime, found: Scan, path: str = "/scan") -> TestResponse:
    """`found` read by a device while this client's page is on screen, and posted back by the page."""
    client.get("/")
    sid = client.get_cookie(COOKIE)
    assert sid is not None
    runtime.bus.attach(sid.value)
    scan_id = runtime.bus.publish(found)
    assert scan_id is not None
    return post(client, path, {"scan": scan_id})


def test_a_linked_card_opens_its_members_page_with_only_name_and_points(
    client: FlaskClient, runtime: KioskRuntime, hub: RealHub
) -> None:
    member = hub.sign_up(card="0012345678")
    hub.set_points(member["member_id"], 120)
    response = scan(client, runtime, Scan("card", "0012345678", "barcode"))
    assert response.location == "/member/"
    html = page(client.get("/member/"))
    assert "Ciao, Giulia!" in html
    assert "Hai 120 punti." in html
    assert member["member_number"] in html
    for private in ("Rossi", "giulia.rossi", "3331234567", member["member_id"]):
        assert private not in html


def test_the_apps_member_qr_opens_the_members_page(client: FlaskClient, runtime: KioskRuntime, hub: RealHub) -> None:
    member = hub.sign_up()
    response = scan(client, runtime, Scan("code", format_member_qr(member["member_number"]), "QRCode"))
    assert response.location == "/member/"
    assert "Hai 0 punti." in page(client.get("/member/"))


def test_scans_that_open_nothing_say_why_on_the_home_screen(
    client: FlaskClient, runtime: KioskRuntime, hub: RealHub
) -> None:
    cases = [
        (Scan("card", "0099887766"), "non è ancora collegata a un&#39;iscrizione"),
        (Scan("code", format_member_qr("2900000000001")), "Non troviamo questa iscrizione"),
        (Scan("code", format_enrollment_qr(TOKEN)), "va inquadrato con la app sul telefono"),
        (Scan("code", "https://evil.example/phish"), "Non riconosciamo questo codice"),
    ]
    for found, message in cases:
        response = scan(client, runtime, found)
        assert response.location == "/"
        assert message in page(client.get("/")), found.text
        assert message not in page(client.get("/")), "a notice is shown once"
    assert hub.members() == 0


def test_a_scan_id_from_another_session_does_nothing(client: FlaskClient, runtime: KioskRuntime, hub: RealHub) -> None:
    hub.sign_up(card="0012345678")
    runtime.bus.attach("somebody-else")
    scan_id = runtime.bus.publish(Scan("card", "0012345678"))
    assert scan_id is not None
    response = post(client, "/scan", {"scan": scan_id})
    assert response.location == "/"
    assert client.get("/member/").location == "/"


def test_a_pre_registration_the_hub_does_not_have_offers_the_sign_up(
    client: FlaskClient, runtime: KioskRuntime
) -> None:
    response = scan(client, runtime, Scan("code", f"CORSIA:P:{TOKEN}", "QRCode"))
    assert response.location == "/preregistration"
    html = page(client.get("/preregistration"))
    assert "Non troviamo la tua pre-registrazione" in html
    assert 'href="/signup/"' in html


def test_a_card_swiped_on_the_card_screen_is_linked_at_sign_up(
    client: FlaskClient, runtime: KioskRuntime, hub: RealHub
) -> None:
    walk_signup(client)  # a first member, so the session has a finished sign-up to start over from
    client.get("/signup/")
    post(client, "/signup/details", {"first_name": "Luca", "last_name": "Verdi", "email": "luca@example.it"})
    post(client, "/signup/consents/service", {"agree": "yes"})
    response = scan(client, runtime, Scan("card", "0055667788", "rdm6300"), "/signup/card/scan")
    assert response.location == "/signup/card"
    assert "Carta che termina con 7788" in page(client.get("/signup/card"))
    assert post(client, "/signup/submit").location == "/signup/done"
    [(member_id,)] = hub.query("SELECT member_id FROM members WHERE email = 'luca@example.it'")
    assert hub.member(member_id)["cards"] == ["0055667788"]


def test_a_card_already_linked_on_the_card_screen_is_a_member_coming_back(
    client: FlaskClient, runtime: KioskRuntime, hub: RealHub
) -> None:
    hub.sign_up(card="0012345678")
    client.get("/signup/")
    post(client, "/signup/details", {"first_name": "Giulia", "last_name": "Rossi", "email": "g2@example.it"})
    post(client, "/signup/consents/service", {"agree": "yes"})
    response = scan(client, runtime, Scan("card", "0012345678"), "/signup/card/scan")
    assert response.location == "/member/"
    assert "Questa carta è già collegata" in page(client.get("/member/"))
    assert client.get("/signup/card").location == "/signup/details", "the half-made sign-up is gone"
    assert hub.members() == 1


def test_a_member_changes_consents_at_the_kiosk(client: FlaskClient, runtime: KioskRuntime, hub: RealHub) -> None:
    member = hub.sign_up(card="0012345678")  # marketing and proximity granted, profiling not
    scan(client, runtime, Scan("card", "0012345678"))
    html = page(client.get("/member/consents"))
    boxes = dict(re.findall(r'<input type="checkbox" id="(\w+)"[^>]*?( checked)?\s*aria', html))
    assert boxes == {"marketing": " checked", "profiling": "", "proximity": " checked"}
    assert "Informativa privacy, versione 2025-01" in html
    response = post(client, "/member/consents", {"profiling": "yes"})
    assert response.location == "/member/"
    assert "Le tue scelte sono salvate." in page(client.get("/member/"))
    consents = hub.member(member["member_id"])["consents"]
    assert (consents["marketing"], consents["profiling"], consents["proximity"]) == (False, True, False)
    [(source,)] = hub.query(
        "SELECT source FROM consents WHERE member_id = ? ORDER BY rowid DESC LIMIT 1", member["member_id"]
    )
    assert source == "kiosk"


def test_a_member_gets_a_qr_to_enroll_a_new_phone(client: FlaskClient, runtime: KioskRuntime, hub: RealHub) -> None:
    hub.sign_up(card="0012345678")
    scan(client, runtime, Scan("card", "0012345678"))
    assert post(client, "/member/enroll").location == "/member/enroll"
    html = page(client.get("/member/enroll"))
    assert 'aria-label="QR per collegare la app"' in html
    assert re.search(r"Vale una sola volta, fino alle \d\d:\d\d\.", html)


def test_member_screens_need_a_scanned_card(client: FlaskClient) -> None:
    for path in ("/member/", "/member/consents", "/member/enroll"):
        assert client.get(path).location == "/"
    assert post(client, "/member/enroll").location == "/"


def test_with_the_hub_away_a_scan_says_so_kindly(offline_app: Flask) -> None:
    client = offline_app.test_client()
    response = scan(client, runtime_of(offline_app), Scan("card", "0012345678"))
    assert response.location == "/"
    assert "La tua carta funziona comunque alla cassa." in page(client.get("/"))


def test_look_ups_are_rate_limited(app_settings: dict[str, Any], hub: RealHub) -> None:
    limits = {**DEFAULT_LIMITS, "lookup": Limit(per_session=2, overall=100, window_s=60.0)}
    app = create_app(kiosk_config(hub.url), {**app_settings, "RATE_LIMITS": limits})
    client, runtime = app.test_client(), runtime_of(app)
    answers = [scan(client, runtime, Scan("card", f"00111111{i:02d}")).status_code for i in range(3)]
    assert answers == [303, 303, 429]
    runtime.close()


def test_the_next_customers_card_replaces_a_members_page(
    client: FlaskClient, runtime: KioskRuntime, hub: RealHub
) -> None:
    hub.sign_up(card="0012345678")
    hub.sign_up(first_name="Marta", email="marta@example.it", phone=None, card="0087654321")
    scan(client, runtime, Scan("card", "0012345678"))
    assert 'id="scan-form"' in page(client.get("/member/"))
    scan(client, runtime, Scan("card", "0087654321"))
    html = page(client.get("/member/"))
    assert "Ciao, Marta!" in html
    assert "Giulia" not in html


def test_a_pre_registration_from_the_website_fills_in_the_sign_up(
    client: FlaskClient, runtime: KioskRuntime, hub: RealHub
) -> None:
    typed = {"first_name": "Marco", "last_name": "Bianchi", "email": "marco.bianchi@example.it"}
    status, stored = hub.call("POST", "/api/v1/preregistrations", typed)
    assert status == 201
    response = scan(client, runtime, Scan("code", stored["qr"], "QRCode"))
    assert response.location == "/signup/details"
    html = page(client.get("/signup/details"))
    assert 'value="Marco"' in html
    assert 'value="marco.bianchi@example.it"' in html
