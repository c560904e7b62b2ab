"""The dashboard in headless Chromium: signing in, and a real hub's shopper walking in while the page watches."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.edge.hub.conftest import ADMIN_TOKEN as HUB_ADMIN_TOKEN
from tests.edge.hub.conftest import RunningHub
from tests.edge.hub.dashboard.conftest import ADMIN_TOKEN, Heard, Tab

SECONDS = 1000  # Playwright counts milliseconds


def test_signing_in_and_out_through_the_form(tab: Tab, serve: Callable[..., str]) -> None:
    page = tab.page
    page.goto(serve() + "/dashboard")
    expect(page.locator("h1")).to_have_text("Accedi al cruscotto")
    page.fill("#token", "sbagliato")
    page.click("button[type=submit]")
    expect(page.locator("#signin-error")).to_have_text("Il token non è valido.")

    page.fill("#token", ADMIN_TOKEN)
    page.click("button[type=submit]")
    expect(page.locator("#live")).to_have_attribute("data-state", "open")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "corsia_dashboard"]
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/dashboard")
    assert "corsia_dashboard" not in page.evaluate("document.cookie")  # out of any script's reach

    page.get_by_role("button", name="Esci").click()
    expect(page.locator("h1")).to_have_text("Accedi al cruscotto")
    page.goto(page.url.replace("/signin", "/"))
    expect(page.locator("h1")).to_have_text("Accedi al cruscotto")  # the session is really gone
    assert tab.errors == []


def test_the_map_and_the_feed_follow_a_shopper_live_in_both_languages(
    start_hub: Callable[..., RunningHub], heard: Heard, tab: Tab
) -> None:
    hub = start_hub()
    later = hub.api("POST", "/api/v1/stores/demo/campaigns", json={
        "id": "welcome-later", "name": "Benvenuto", "trigger": "store_enter", "dwell_s": 60,
        "texts": {"it": {"title": "Ciao {first_name}", "body": "Buona spesa"},
                  "en": {"title": "Hi {first_name}", "body": "Enjoy"}},
    })  # fmt: skip
    assert later.status_code == 201, later.text
    giulia = hub.sign_up("giulia@example.it", wishlist=("RUN-001",))
    page = tab.page
    page.goto(hub.url + "/dashboard?token=" + HUB_ADMIN_TOKEN)
    waiting = page.locator("th.campaign-name", has_text="Benvenuto")
    expect(waiting).to_contain_text("all'ingresso · dopo 60 s")
    expect(page.locator("th.campaign-name", has_text="Lista desideri")).not_to_contain_text("dopo")
    expect(page.locator("#live")).to_have_attribute("data-state", "open")
    expect(page.locator("#map .zone")).to_have_count(12)
    expect(page.locator("#map .gateway[data-state=online]")).to_have_count(12)
    entrance = page.locator('[data-count="entrance"]')
    expect(entrance).to_have_text("0")
    expect(page.locator("#kpi-visits")).to_have_text("0")
    page.evaluate("window.sameDocument = true")  # gone if anything reloads the page

    heard(hub, [("gw-09", giulia)])  # she stays in the doorway: unheard, she would leave after a few seconds
    expect(entrance).to_have_text("1", timeout=10 * SECONDS)
    expect(page.locator("#kpi-in-store")).to_have_text("1")
    entered = page.locator("#feed li.ev-enter").first
    expect(entered).to_contain_text("entra · Ingresso")
    expect(entered).to_contain_text("Cliente p_")
    # The push about her saved product: decided, then sent (the same line).
    expect(page.locator("#feed li.ev-notification").first).to_contain_text(
        "Notifica inviata · Lista desideri all'ingresso", timeout=10 * SECONDS
    )
    expect(page.locator("#kpi-visits")).to_have_text("1", timeout=10 * SECONDS)
    assert page.evaluate("window.sameDocument") is True
    shown = page.locator("body").inner_text()
    assert giulia.member_id not in shown
    assert "Giulia" not in shown
    assert "giulia@example.it" not in shown

    page.get_by_role("button", name="Switch to English").click()
    expect(page.locator("#map-title")).to_have_text("Store map")
    expect(page.locator('#map [data-zone="entrance"] .zone-label')).to_have_text("Entrance")
    expect(entered).to_contain_text("entered · Entrance")
    expect(waiting).to_contain_text("on entry · after 60 s")
    expect(page.locator("#live-text")).to_have_text("Live")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.reload()  # the choice is remembered
    expect(page.locator("#map-title")).to_have_text("Store map")
    page.get_by_role("button", name="Passa all'italiano").click()
    expect(page.locator("#map-title")).to_have_text("Mappa del negozio")
    expect(page.locator('#map [data-zone="aisle-4"] .zone-label')).to_have_text("Corsia 4 — Running")
    assert tab.errors == []


def test_a_shopper_who_steps_out_and_back_is_shown_coming_back(start_hub: Callable[..., RunningHub], tab: Tab) -> None:
    hub = start_hub()
    giulia = hub.sign_up("giulia@example.it")
    page = tab.page
    page.goto(hub.url + "/dashboard?token=" + HUB_ADMIN_TOKEN)
    expect(page.locator("#live")).to_have_attribute("data-state", "open")
    hub.sight("gw-09", [(giulia, -55.0)])  # heard once in the doorway, then gone for the shop front's 2.5 s
    expect(page.locator("#feed li.ev-exit")).to_have_count(1, timeout=15 * SECONDS)
    hub.sight("gw-09", [(giulia, -55.0)])
    back = page.locator("#feed li.ev-return")
    expect(back).to_contain_text("rientra · Ingresso", timeout=10 * SECONDS)
    expect(page.locator("#feed li.ev-enter")).to_have_count(1)  # one entry: the same visit goes on
    page.get_by_role("button", name="Switch to English").click()
    expect(back).to_contain_text("came back · Entrance")
    assert tab.errors == []
