"""Touch targets measured in Chromium: every button, link, input and disclosure on every screen is at least
44 x 44 CSS pixels (WCAG 2.2 target size, enhanced), and the type is large."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from kiosk.service import KioskService
from tests.kiosk.app.realhub import RealHub

MIN_PX = 44
MEASURE = """() => Array.from(document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]'))
  .filter(e => e.getClientRects().length > 0)
  .map(e => { const r = e.getBoundingClientRect();
              return {what: e.outerHTML.slice(0, 80), w: r.width, h: r.height}; })"""


def small_targets(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(MEASURE)
    assert found, "nothing to measure"
    return [t for t in found if t["w"] < MIN_PX or t["h"] < MIN_PX]


def check(page: Page, screens: list[str], name: str) -> None:
    page.wait_for_load_state("load")  # the stylesheet is what makes them large: measure once it applies
    small = small_targets(page)
    assert small == [], f"{name}: {small}"
    body_px = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body_px >= 20
    screens.append(name)


def test_every_target_on_every_screen_is_large_enough(page: Page, kiosk: KioskService, hub: RealHub) -> None:
    screens: list[str] = []
    page.goto(kiosk.url)
    check(page, screens, "home")
    page.evaluate("document.getElementById('idle').showModal()")
    check(page, screens, "idle warning")
    page.reload()

    page.get_by_role("link", name="Iscriviti").click()
    page.get_by_role("button", name="Avanti").click()  # empty: the errors and the summary's links
    check(page, screens, "details with errors")
    page.get_by_label("Nome", exact=True).fill("Giulia")
    page.get_by_label("Cognome").fill("Rossi")
    page.get_by_label("Email").fill("giulia.rossi@example.it")
    page.get_by_role("button", name="Avanti").click()
    page.get_by_role("button", name="Avanti").click()
    check(page, screens, "consent with error")
    page.get_by_role("checkbox").check()
    for _ in range(4):
        page.get_by_role("button", name="Avanti").click()
    check(page, screens, "card")
    page.get_by_label("Numero della carta").fill("0012345678")
    page.get_by_role("button", name="Aggiungi la carta").click()
    check(page, screens, "card linked")
    page.get_by_role("button", name="Completa l'iscrizione").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Giulia")
    check(page, screens, "result")
    page.get_by_role("button", name="Fine").click()

    page.goto(kiosk.url + "/signup/")
    page.get_by_label("Nome", exact=True).fill("Marta")
    page.get_by_label("Cognome").fill("Bianchi")
    page.get_by_label("Email").fill("giulia.rossi@example.it")
    page.get_by_role("button", name="Avanti").click()
    page.get_by_role("checkbox").check()
    for _ in range(4):
        page.get_by_role("button", name="Avanti").click()
    page.get_by_role("button", name="Completa l'iscrizione").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Che bello rivederti!")
    check(page, screens, "welcome back")

    page.goto(kiosk.url + "/preregistration")
    check(page, screens, "pre-registration missing")
    page.goto(kiosk.url + "/nowhere")
    check(page, screens, "not found")

    # A member's screens, opened by the card just linked.
    page.goto(kiosk.url + "/signup/")
    page.get_by_label("Nome", exact=True).fill("X")
    page.get_by_label("Cognome").fill("Y")
    page.get_by_label("Email").fill("x.y@example.it")
    page.get_by_role("button", name="Avanti").click()
    page.get_by_role("checkbox").check()
    for _ in range(4):
        page.get_by_role("button", name="Avanti").click()
    page.get_by_label("Numero della carta").fill("0012345678")
    page.get_by_role("button", name="Aggiungi la carta").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ciao, Giulia!")
    check(page, screens, "member")
    page.get_by_role("link", name="Le mie scelte sulla privacy").click()
    page.locator("summary").first.click()
    check(page, screens, "member consents")
    page.get_by_role("link", name="Indietro").click()
    page.get_by_role("button", name="Collega un nuovo telefono").click()
    check(page, screens, "new phone")
    assert len(screens) == 13
