"""Inactivity: after ``idle_timeout_s`` a warning with a 20 s countdown, "Continua" keeps everything, and at zero
a full reset that clears the screen and the session. The page's clock is Playwright's, moved by the test."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from kiosk.app.sessions import COOKIE
from kiosk.service import KioskService


def test_the_warning_gives_20_seconds_and_then_everything_personal_is_gone(page: Page, kiosk: KioskService) -> None:
    page.clock.install()
    page.goto(kiosk.url + "/signup/")
    page.get_by_label("Nome", exact=True).fill("Giulia")
    page.get_by_label("Email").fill("giulia.rossi@example.it")
    warning = page.get_by_role("dialog", name="Ci sei ancora?")
    expect(warning).to_be_hidden()

    page.clock.run_for(29_000)
    expect(warning).to_be_hidden()
    page.clock.run_for(1_500)
    expect(warning).to_be_visible()
    expect(page.locator("#idle-count")).to_have_text("20")
    expect(page.get_by_role("button", name="Continua")).to_be_focused()
    page.clock.run_for(5_000)
    expect(page.locator("#idle-count")).to_have_text("15")

    page.get_by_role("button", name="Continua").click()
    expect(warning).to_be_hidden()
    expect(page.get_by_label("Nome", exact=True)).to_have_value("Giulia")

    # Left alone again: the warning, the countdown, and the reset at zero.
    page.clock.run_for(31_000)
    expect(warning).to_be_visible()
    page.clock.run_for(17_000)  # 48 s alone: 2 s left
    expect(page.locator("#idle-count")).to_have_text("2")
    before = [c["value"] for c in page.context.cookies() if c["name"] == COOKIE]
    with page.expect_navigation():
        page.clock.run_for(3_000)
    expect(page.get_by_role("link", name="Iscriviti")).to_be_visible()
    assert "Giulia" not in page.content()
    after = [c["value"] for c in page.context.cookies() if c["name"] == COOKIE]
    assert before, "a session before"
    assert after, "a session after"
    assert before != after, "a new session for the next customer"
    assert kiosk.runtime.sessions.load(before[0]) is None
    # Nothing of the sign-up is left on the server either.
    page.goto(kiosk.url + "/signup/details")
    expect(page.get_by_label("Nome", exact=True)).to_have_value("")
    expect(page.get_by_label("Email")).to_have_value("")


def test_escape_on_the_warning_means_still_here(page: Page, kiosk: KioskService) -> None:
    page.clock.install()
    page.goto(kiosk.url)
    page.clock.run_for(31_000)
    warning = page.get_by_role("dialog", name="Ci sei ancora?")
    expect(warning).to_be_visible()
    page.keyboard.press("Escape")
    expect(warning).to_be_hidden()
    page.clock.run_for(25_000)
    expect(warning).to_be_hidden()
    expect(page.get_by_role("link", name="Iscriviti")).to_be_visible()
