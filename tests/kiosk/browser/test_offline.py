"""The hub away: the customer signs up all the same, leaves with a card number and a kind word, and the
registration reaches the hub once it is back — once."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from kiosk.outbox import is_provisional
from tests.conftest import wait_for
from tests.kiosk.app.realhub import RealHub
from tests.kiosk.browser.conftest import MakeKiosk, read_codes


def test_a_sign_up_while_the_hub_is_away_is_kept_and_synced_when_it_is_back(
    page: Page, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    later_hub = RealHub(tmp_path / "later")  # its port is free: nothing answers there yet
    kiosk = make_kiosk(hub_url=later_hub.url, sync_every_s=0.5)
    page.goto(kiosk.url + "/signup/")
    page.get_by_label("Nome", exact=True).fill("Giulia")
    page.get_by_label("Cognome").fill("Rossi")
    page.get_by_label("Email").fill("giulia.rossi@example.it")
    page.get_by_role("button", name="Avanti").click()
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Avanti").click()
    page.get_by_role("checkbox").check()  # marketing
    for _ in range(3):
        page.get_by_role("button", name="Avanti").click()
    page.get_by_role("button", name="Completa l'iscrizione").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sei nel Corsia Club, Giulia!")
    expect(page.get_by_text("sarà pronto alla tua prossima visita")).to_be_visible()
    number = page.locator("#card-number").inner_text()
    assert is_provisional(number)
    assert read_codes(page.get_by_role("img", name="Codice a barre della tua carta")) == [("EAN-13", number)]
    assert "più tardi" not in page.content()
    assert kiosk.runtime.outbox.count() == 1
    assert kiosk.health().outbox == 1
    assert kiosk.health().hub == "unreachable"

    later_hub.start()
    try:
        assert wait_for(lambda: kiosk.runtime.outbox.count() == 0, timeout=15)
        assert later_hub.members() == 1
        holder = kiosk.runtime.hub.find(number)
        assert holder is not None
        assert holder.first_name == "Giulia"
        assert later_hub.member(holder.member_id)["consents"]["marketing"] is True
        kiosk.sync_now()
        assert later_hub.members() == 1, "synced exactly once"
    finally:
        later_hub.stop(wait=False)
