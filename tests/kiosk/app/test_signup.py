"""The sign-up screens through the app's test client, against the real hub API: validation next to the fields,
consents one by one, the result, the "welcome back" path, the outbox when the hub is away, CSRF, rate limits."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from kiosk.app import create_app
from kiosk.app.limits import DEFAULT_LIMITS, Limit
from kiosk.app.runtime import runtime_of
from kiosk.outbox import is_provisional
from tests.kiosk.app.conftest import DETAILS, kiosk_config, page, post, walk_signup
from tests.kiosk.app.realhub import RealHub


def field_error(html: str, name: str) -> str | None:
    """The error shown next to field `name`, checked to be named by the input's aria-describedby."""
    error = re.search(rf'<p class="error" id="{name}-error">(.*?)</p>', html, re.DOTALL)
    if error is None:
        return None
    described = re.search(rf'<input id="{name}"[^>]*aria-describedby="([^"]*)"[^>]*aria-invalid="true"', html)
    assert described is not None, f"{name}'s input does not point at its error"
    assert f"{name}-error" in described.group(1).split()
    return unescape(re.sub(r"<[^>]+>", "", error.group(1))).strip()


def checkbox(html: str, name: str) -> str:
    """The `<input>` tag of checkbox `name`."""
    found = re.search(rf'<input type="checkbox" id="{name}"[^>]*>', html)
    assert found is not None, f"no checkbox {name}"
    return found.group(0)


def test_errors_are_shown_next_to_their_fields_in_italian(client: FlaskClient) -> None:
    response = post(client, "/signup/details", {**DETAILS, "first_name": " ", "email": "giulia@", "phone": "12"})
    assert response.status_code == 422
    html = page(response)
    assert field_error(html, "first_name") == "Errore: Scrivi il tuo nome."
    assert field_error(html, "email") == "Errore: Controlla l'indirizzo email: deve essere come nome@esempio.it."
    assert "un cellulare italiano ha 9 o 10 cifre" in (field_error(html, "phone") or "")
    assert field_error(html, "last_name") is None
    # The first field at fault takes the focus; the summary links to each field.
    assert re.search(r'<input id="first_name"[^>]*autofocus', html)
    assert '<a href="#email">Email:' in html
    # What was typed is shown again.
    assert 'value="Rossi"' in html
    assert 'value="giulia@"' in html


def test_errors_follow_the_language_switch_and_the_typed_values_survive_it(client: FlaskClient) -> None:
    response = post(client, "/signup/details", {**DETAILS, "email": "giulia@", "switch_language": "en"})
    assert response.status_code == 303, "the switch saves what was typed without checking it"
    html = page(client.get("/signup/details"))
    assert '<html lang="en">' in html
    assert '<label for="first_name">First name</label>' in html
    assert '<label for="phone">Mobile</label>' in html
    assert 'value="giulia@"' in html
    html = page(post(client, "/signup/details", {**DETAILS, "email": "giulia@"}))
    assert field_error(html, "email") == "Error: Check your email address: it should look like name@example.com."


def test_consents_come_one_by_one_unticked_and_the_service_one_is_needed(client: FlaskClient) -> None:
    assert post(client, "/signup/details", DETAILS).location == "/signup/consents/service"
    html = page(client.get("/signup/consents/service"))
    assert "Informativa privacy, versione 2025-01" in html
    assert "checked" not in checkbox(html, "agree")
    refused = post(client, "/signup/consents/service", {})
    assert refused.status_code == 422
    assert "Senza questo consenso non possiamo attivare la carta" in page(refused)
    assert 'aria-describedby="agree-note agree-error"' in page(refused)
    for purpose, after in (
        ("service", "/signup/consents/marketing"),
        ("marketing", "/signup/consents/profiling"),
        ("profiling", "/signup/consents/proximity"),
        ("proximity", "/signup/card"),
    ):
        html = page(client.get(f"/signup/consents/{purpose}"))
        assert "checked" not in checkbox(html, "agree"), f"{purpose} is pre-ticked"
        response = post(client, f"/signup/consents/{purpose}", {"agree": "yes"} if purpose == "service" else {})
        assert response.location == after
    assert client.get("/signup/consents/unknown").status_code == 404


def test_screens_reached_out_of_order_lead_back_to_the_missing_step(client: FlaskClient) -> None:
    assert client.get("/signup/consents/marketing").location == "/signup/details"
    assert client.get("/signup/card").location == "/signup/details"
    post(client, "/signup/details", DETAILS)
    assert client.get("/signup/card").location == "/signup/consents/service"
    assert post(client, "/signup/submit").location == "/signup/consents/service"
    assert client.get("/signup/done").location == "/"


def test_a_sign_up_makes_the_member_at_the_hub_and_shows_the_card_and_the_app_qr(
    client: FlaskClient, hub: RealHub
) -> None:
    response = walk_signup(client, consents={"marketing": True, "proximity": True}, card="0042 1234 5678")
    assert response.location == "/signup/done"
    html = page(client.get("/signup/done"))
    number = re.search(r'<strong id="card-number">(\d{13})</strong>', html)
    assert number is not None
    [(member_id, email, phone, source)] = hub.query(
        "SELECT member_id, email, phone, source FROM members WHERE member_number = ?", number.group(1)
    )
    assert (email, phone, source) == ("giulia.rossi@example.it", "+393331234567", "kiosk")
    member = hub.member(member_id)
    assert member["cards"] == ["004212345678"]
    consents = member["consents"]
    assert (consents["service"], consents["marketing"], consents["profiling"], consents["proximity"]) == (
        True, True, False, True,
    )  # fmt: skip
    assert consents["policy_version"] == "2025-01"
    assert "Ti diamo il benvenuto, Giulia!" in html
    assert html.count('class="qr" role="img"') == 2
    assert 'class="barcode" role="img"' in html
    assert 'aria-label="QR per collegare la app"' in html
    # The result screen keeps only what it shows: the details and consents have left the session.
    assert "giulia.rossi" not in page(client.get("/signup/details"))


def test_a_duplicate_is_welcomed_back_without_revealing_anything(client: FlaskClient, hub: RealHub) -> None:
    other = hub.sign_up(first_name="Marta", last_name="Bianchi", email="marta@example.it", phone="347 765 4321")
    hub.set_points(other["member_id"], 420)
    response = walk_signup(client, details={"first_name": "Luca", "email": "luca@example.it", "phone": "347 765 4321"})
    assert response.location == "/signup/welcome-back"
    html = page(client.get("/signup/welcome-back"))
    assert "Che bello rivederti!" in html
    for secret in ("Marta", "Bianchi", "marta@", other["member_number"], other["member_id"], "420", "3477654321"):
        assert secret not in html
    assert "Cellulare" not in html, "nor which field matched"
    assert "email" not in html.lower()
    assert hub.members() == 1
    # The customer's own typing is still there to correct.
    assert 'value="Luca"' in page(client.get("/signup/details"))


def test_with_the_hub_away_the_sign_up_is_kept_and_the_customer_gets_a_number(offline_app: Flask) -> None:
    client = offline_app.test_client()
    response = walk_signup(client, card="0012345678")
    assert response.location == "/signup/done"
    html = page(client.get("/signup/done"))
    number = re.search(r'<strong id="card-number">(\d{13})</strong>', html)
    assert number is not None
    assert is_provisional(number.group(1))
    assert "Sei nel Corsia Club, Giulia!" in html
    assert "sarà pronto alla tua prossima visita" in html
    assert "per email" in html
    assert "più tardi" not in html
    assert "riprova" not in html.lower()
    assert html.count('class="qr" role="img"') == 1, "no app QR without the hub"
    [item] = runtime_of(offline_app).outbox.items()
    assert item.provisional == number.group(1)
    assert item.registration.card == "0012345678"
    assert item.registration.email == "giulia.rossi@example.it"


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(client: FlaskClient, hub: RealHub) -> None:
    walk_signup(client)
    members = hub.members()
    response = client.post("/signup/details", data=DETAILS)
    assert response.status_code == 400
    assert "Questa pagina è scaduta" in page(response)
    forged = client.post("/signup/submit", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    assert hub.members() == members


def limited_app(hub: RealHub, settings: dict[str, Any], limit: Limit) -> Flask:
    return create_app(kiosk_config(hub.url), {**settings, "RATE_LIMITS": {**DEFAULT_LIMITS, "signup": limit}})


def test_sign_ups_are_rate_limited_per_session(app_settings: dict[str, Any], hub: RealHub) -> None:
    app = limited_app(hub, app_settings, Limit(per_session=1, overall=100, window_s=600.0))
    client = app.test_client()
    assert walk_signup(client).location == "/signup/done"
    refused = walk_signup(client, details={"email": "other@example.it", "phone": ""})
    assert refused.status_code == 429
    assert "Un attimo di pausa" in page(refused)
    assert hub.members() == 1
    runtime_of(app).close()


def test_sign_ups_are_rate_limited_across_sessions(app_settings: dict[str, Any], hub: RealHub) -> None:
    app = limited_app(hub, app_settings, Limit(per_session=5, overall=1, window_s=600.0))
    assert walk_signup(app.test_client()).location == "/signup/done"
    # A reset (a new session) does not buy another try.
    refused = walk_signup(app.test_client(), details={"email": "other@example.it", "phone": ""})
    assert refused.status_code == 429
    assert hub.members() == 1
    runtime_of(app).close()
