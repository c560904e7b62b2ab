"""The screenshots in docs/kiosk.md, taken from the real screens. They are checked on every run and written to
docs/img only with ``CORSIA_UPDATE_SCREENSHOTS=1`` (so a test run never changes the repository by itself)."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
from playwright.sync_api import Page, expect

from kiosk.service import KioskService
from tests.conftest import REPO
from tests.kiosk.browser.conftest import VIEWPORT


def shoot(page: Page, name: str, tmp_path: Path) -> None:
    target = REPO / "docs" / "img" / name if os.environ.get("CORSIA_UPDATE_SCREENSHOTS") == "1" else tmp_path / name
    page.screenshot(path=str(target), full_page=True)
    image = cv2.imread(str(target))
    assert image.shape[1] == VIEWPORT["width"]
    assert image.shape[0] >= VIEWPORT["height"]
    assert float(np.std(image)) > 20, "a screen with something on it"


def test_screenshots_of_the_home_and_sign_up_screens(page: Page, kiosk: KioskService, tmp_path: Path) -> None:
    page.goto(kiosk.url)
    expect(page.get_by_role("link", name="Iscriviti")).to_be_visible()
    shoot(page, "kiosk-home.png", tmp_path)
    page.get_by_role("link", name="Iscriviti").click()
    page.get_by_label("Nome", exact=True).fill("Giulia")
    page.get_by_label("Cognome").fill("Rossi")
    page.get_by_label("Email").fill("giulia.rossi@example")
    page.get_by_label("Cellulare").fill("333 123 4567")
    page.get_by_role("button", name="Avanti").click()
    expect(page.get_by_label("Email")).to_be_focused()
    page.mouse.move(0, 0)
    shoot(page, "kiosk-signup.png", tmp_path)
