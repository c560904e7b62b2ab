"""Scanner input reaching the page: a card swiped on the virtual pty reader (read by the real CardReader) and
codes shown to the virtual camera (read by the real Camera), routed by server-sent events to the session on
screen."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from firmware_sim.devices.camera import VirtualCamera
from firmware_sim.devices.card_reader import VirtualCardReader
from kiosk.app.sessions import COOKIE
from kiosk.payloads import format_member_qr
from kiosk.reader import rdm6300_printed
from kiosk.service import KioskService
from tests.conftest import wait_for
from tests.kiosk.app.realhub import RealHub
from tests.kiosk.browser.conftest import MakeKiosk

TAG = "62E3086CED"
PRINTED = rdm6300_printed(TAG)  # the number on the card's face, which the member's account knows


def wait_for_stream(kiosk: KioskService) -> None:
    """Until the page's event stream has attached its session (the page is ready for scans)."""
    assert wait_for(lambda: kiosk.runtime.bus.current is not None, timeout=10)


def test_a_card_swipe_on_the_home_screen_opens_the_members_page(
    page: Page, kiosk: KioskService, hub: RealHub, card_reader: VirtualCardReader
) -> None:
    member = hub.sign_up(card=PRINTED)
    hub.set_points(member["member_id"], 250)
    page.goto(kiosk.url)
    wait_for_stream(kiosk)
    assert card_reader.swipe(TAG)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ciao, Giulia!")
    expect(page.get_by_text("Hai 250 punti.")).to_be_visible()
    assert "Rossi" not in page.content()


def test_a_swipe_reaches_only_the_session_on_screen(
    browser: Browser, page: Page, kiosk: KioskService, hub: RealHub, card_reader: VirtualCardReader
) -> None:
    hub.sign_up(card=PRINTED)
    page.goto(kiosk.url)
    wait_for_stream(kiosk)
    other = browser.new_context(locale="it-IT")
    try:
        second = other.new_page()
        second.goto(kiosk.url)
        expect(second.get_by_role("link", name="Iscriviti")).to_be_visible()
        [second_sid] = [c["value"] for c in other.cookies() if c["name"] == COOKIE]
        # The second screen opened its stream last: the swipe is its customer's.
        assert wait_for(lambda: kiosk.runtime.bus.current == second_sid, timeout=10)
        card_reader.swipe(TAG)
        expect(second.get_by_role("heading", level=1)).to_have_text("Ciao, Giulia!")
        expect(page.get_by_role("link", name="Iscriviti")).to_be_visible()
        assert "Giulia" not in page.content()
    finally:
        other.close()


def test_a_card_swiped_during_sign_up_is_linked_to_the_new_member(
    page: Page, kiosk: KioskService, hub: RealHub, card_reader: VirtualCardReader
) -> None:
    page.goto(kiosk.url + "/signup/")
    page.get_by_label("Nome", exact=True).fill("Luca")
    page.get_by_label("Cognome").fill("Verdi")
    page.get_by_label("Email").fill("luca.verdi@example.it")
    page.get_by_role("button", name="Avanti").click()
    page.get_by_role("checkbox").check()
    for _ in range(4):
        page.get_by_role("button", name="Avanti").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hai già una nostra carta fedeltà?")
    wait_for_stream(kiosk)
    card_reader.swipe(TAG)
    expect(page.get_by_text(f"Carta che termina con {PRINTED[-4:]}")).to_be_visible()
    page.get_by_role("button", name="Completa l'iscrizione").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ti diamo il benvenuto, Luca!")
    holder = kiosk.runtime.hub.find(PRINTED)
    assert holder is not None
    assert holder.first_name == "Luca"


def test_codes_shown_to_the_camera_open_a_member_or_a_pre_registration(
    page: Page, make_kiosk: MakeKiosk, hub: RealHub
) -> None:
    member = hub.sign_up()
    camera = VirtualCamera(seed=3)
    kiosk = make_kiosk(camera=camera)
    page.goto(kiosk.url)
    wait_for_stream(kiosk)
    camera.show(format_member_qr(member["member_number"]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ciao, Giulia!")
    camera.hide()
    page.get_by_role("button", name="Fine").click()
    expect(page.get_by_role("link", name="Iscriviti")).to_be_visible()
    wait_for_stream(kiosk)
    # The hub has no pre-registration for this token: the customer is offered the sign-up.
    camera.show("CORSIA:P:" + "Q" * 43)
    expect(page.get_by_role("heading", level=1)).to_have_text("Non troviamo la tua pre-registrazione")
    expect(page.get_by_role("link", name="Iscriviti")).to_be_visible()


def test_a_qr_from_the_website_shown_to_the_camera_completes_the_pre_registration(
    page: Page, make_kiosk: MakeKiosk, hub: RealHub
) -> None:
    typed = {"first_name": "Marco", "last_name": "Bianchi", "email": "marco.bianchi@example.it"}
    status, stored = hub.call("POST", "/api/v1/preregistrations", typed)
    assert status == 201
    camera = VirtualCamera(seed=5)
    kiosk = make_kiosk(camera=camera)
    page.goto(kiosk.url)
    wait_for_stream(kiosk)
    camera.show(stored["qr"])
    expect(page.get_by_label("Nome", exact=True)).to_have_value("Marco")
    expect(page.get_by_label("Email")).to_have_value("marco.bianchi@example.it")
    camera.hide()
    page.get_by_role("button", name="Avanti").click()
    page.get_by_role("checkbox").check()
    for _ in range(4):
        page.get_by_role("button", name="Avanti").click()
    page.get_by_role("button", name="Completa l'iscrizione").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ti diamo il benvenuto, Marco!")
    # Finished: the pre-registration is used up, so its QR cannot start a second sign-up.
    status, _ = hub.call("GET", f"/api/v1/preregistrations/{stored['token']}")
    assert status == 404
