"""A whole sign-up with the keyboard alone (a customer with a switch device or an external keyboard): every
control is reached with Tab, worked with Enter or Space, and the focus is always visible."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from kiosk.service import KioskService
from tests.kiosk.app.realhub import RealHub
from tests.kiosk.browser.conftest import tab_to


def focus_ring(page: Page) -> tuple[str, float]:
    """The focused element's outline: its style and width in px."""
    style, width = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    return str(style), float(width)


def test_a_sign_up_with_the_keyboard_only(page: Page, kiosk: KioskService, hub: RealHub) -> None:
    page.goto(kiosk.url)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "English", "the switch comes first"
    tab_to(page, "a.huge")
    assert focus_ring(page) == ("solid", 5.0)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("I tuoi dati")

    for selector, text in (("#first_name", "Anna"), ("#last_name", "Neri"), ("#email", "anna.neri@example.it")):
        tab_to(page, selector)
        assert focus_ring(page)[0] == "solid"
        page.keyboard.type(text)
    tab_to(page, "#phone")
    page.keyboard.type("347 000 1111")
    tab_to(page, "#language-it")
    page.keyboard.press("ArrowDown")  # radio buttons move with the arrows
    assert page.evaluate("document.activeElement.id") == "language-en"
    tab_to(page, "#details button.primary")
    page.keyboard.press("Enter")

    for agree in (True, False, False, True):
        expect(page.get_by_role("checkbox")).to_be_visible()
        tab_to(page, "#agree")
        if agree:
            page.keyboard.press("Space")
            expect(page.get_by_role("checkbox")).to_be_checked()
        tab_to(page, "form button.primary")
        page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Hai già una nostra carta fedeltà?")
    tab_to(page, "#card_number")
    page.keyboard.type("ABC123456")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Carta che termina con 3456")).to_be_visible()
    tab_to(page, "form.actions button.primary")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ti diamo il benvenuto, Anna!")

    [(language, phone)] = hub.query("SELECT language, phone FROM members WHERE email = 'anna.neri@example.it'")
    assert (language, phone) == ("en", "+393470001111")
    tab_to(page, "form.actions button.primary")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Iscriviti")).to_be_visible()
