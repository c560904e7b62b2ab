"""Signing up in a real browser, as a new customer would: in Italian, then switching to English, with the errors
next to the fields; the codes on the result screen are read back from Chromium's own drawing."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from kiosk.payloads import Enrollment, MemberCode, parse_payload
from kiosk.service import KioskService
from tests.kiosk.app.realhub import RealHub
from tests.kiosk.browser.conftest import read_codes


def fill_details(page: Page, *, first: str = "Giulia", email: str = "giulia.rossi@example.it") -> None:
    page.get_by_label("Nome", exact=True).fill(first)
    page.get_by_label("Cognome").fill("Rossi")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Cellulare").fill("333 123 4567")


def test_a_customer_signs_up_in_italian_and_leaves_with_card_and_app(
    page: Page, kiosk: KioskService, hub: RealHub
) -> None:
    page.goto(kiosk.url)
    expect(page.locator("html")).to_have_attribute("lang", "it")
    page.get_by_role("link", name="Iscriviti").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("I tuoi dati")
    fill_details(page)
    page.get_by_role("button", name="Avanti").click()

    # The consents, one screen each, with the notice and its version; none is ticked for the customer.
    for title, agree in (
        ("La carta fedeltà", True),
        ("Offerte e novità", True),
        ("Offerte su misura", False),
        ("Avvisi in negozio", True),
    ):
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        expect(page.get_by_text("Informativa privacy, versione 2025-01")).to_be_visible()
        box = page.get_by_role("checkbox")
        expect(box).not_to_be_checked()
        if agree:
            box.check()
        page.get_by_role("button", name="Avanti").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Hai già una nostra carta fedeltà?")
    page.get_by_label("Numero della carta").fill("0042 1234 5678")
    page.get_by_role("button", name="Aggiungi la carta").click()
    expect(page.get_by_text("Carta che termina con 5678")).to_be_visible()
    page.get_by_role("button", name="Completa l'iscrizione").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ti diamo il benvenuto, Giulia!")
    number = page.locator("#card-number").inner_text()
    [(member_id,)] = hub.query("SELECT member_id FROM members WHERE member_number = ?", number)
    member = hub.member(member_id)
    assert member["cards"] == ["004212345678"]
    assert [member["consents"][p] for p in ("marketing", "profiling", "proximity")] == [True, False, True]

    # What Chromium drew is what the tills and the app will read.
    card = page.get_by_role("img", name="QR della tua carta")
    assert [parse_payload(text) for _, text in read_codes(card)] == [MemberCode(number)]
    assert read_codes(page.get_by_role("img", name="Codice a barre della tua carta")) == [("EAN-13", number)]
    [(_, app_text)] = read_codes(page.get_by_role("img", name="QR per collegare la app"))
    assert app_text.startswith(hub.url + "/app/enroll#")  # the phone's camera opens the hub's wallet app
    enrollment = parse_payload(app_text)
    assert isinstance(enrollment, Enrollment)
    status, enrolled = hub.call("POST", "/api/v1/enroll", {"enrollment_token": enrollment.token, "platform": "android"})
    assert status == 201
    assert enrolled["device_id"]

    page.get_by_role("button", name="Fine").click()
    expect(page.get_by_role("link", name="Iscriviti")).to_be_visible()
    assert "Giulia" not in page.content()
    assert number not in page.content()


def test_english_is_one_touch_away_and_keeps_what_was_typed(page: Page, kiosk: KioskService) -> None:
    page.goto(kiosk.url)
    page.get_by_role("button", name="Switch to English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to Corsia Club")
    page.get_by_role("link", name="Sign up").click()
    for label in ("First name", "Last name", "Email", "Mobile", "Date of birth"):
        expect(page.get_by_label(label, exact=True)).to_be_visible()
    page.get_by_label("First name").fill("Jane")
    page.get_by_label("Email").fill("jane@example")
    page.get_by_role("button", name="Passa all'italiano").click()
    expect(page.get_by_label("Nome", exact=True)).to_have_value("Jane")
    expect(page.get_by_label("Email")).to_have_value("jane@example")
    page.get_by_role("button", name="Switch to English").click()
    page.get_by_role("button", name="Next").click()

    # Each error sits next to its field and is the field's accessible description; focus goes to the first.
    email = page.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(
        re.compile(r"Error: Check your email address: it should look like name@example.com\.")
    )
    last = page.get_by_label("Last name")
    expect(last).to_have_accessible_description("Error: Enter your last name.")
    expect(last).to_be_focused()
    expect(page.get_by_label("Mobile")).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("link", name=re.compile("^Email: Check your email"))).to_be_visible()


def test_the_service_consent_cannot_be_skipped(page: Page, kiosk: KioskService) -> None:
    page.goto(kiosk.url + "/signup/")
    fill_details(page)
    page.get_by_role("button", name="Avanti").click()
    page.get_by_role("button", name="Avanti").click()
    box = page.get_by_role("checkbox", name=re.compile("Acconsento al trattamento dei miei dati"))
    expect(box).to_be_focused()
    expect(box).to_have_accessible_description(re.compile("Errore: Senza questo consenso non possiamo attivare"))
    page.get_by_role("button", name="Annulla l'iscrizione").click()
    expect(page.get_by_role("link", name="Iscriviti")).to_be_visible()
    page.goto(kiosk.url + "/signup/details")
    expect(page.get_by_label("Nome", exact=True)).to_have_value("")
