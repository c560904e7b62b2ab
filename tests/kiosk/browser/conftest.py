"""Fixtures for the kiosk's browser tests: Debian's Chromium driven by Playwright (one browser for the session, a
fresh context per test), the real hub API on a loopback port, and the whole ``corsia kiosk`` service — its
web app, the card reader reading a virtual reader on a pty, the camera (a virtual one when a test wants it),
the outbox sync and MQTT to a real Mosquitto."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import zxingcpp
from playwright.sync_api import Browser, Locator, Page, sync_playwright

from edge.config import KioskConfig, KioskSection, MqttSection, StoreSection
from firmware_sim.devices.card_reader import VirtualCardReader
from kiosk.scanner import FrameSource
from kiosk.service import KioskService
from tests.kiosk.app.realhub import KIOSK_TOKEN, LAYOUT, RealHub

CHROMIUM = shutil.which("chromium")
if CHROMIUM is None:  # make test installs it; say so rather than fail obscurely
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

VIEWPORT = {"width": 1280, "height": 800}  # a typical kiosk screen in landscape


# Per module, not per session: while Playwright's sync API is open it keeps an event loop running in this
# thread, and later tests elsewhere that call asyncio.run (bleak's) would fail.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT, locale="it-IT", timezone_id="Europe/Rome")
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[RealHub]:
    running = RealHub(tmp_path / "hub").start()
    yield running
    running.stop(wait=False)


@pytest.fixture
def card_reader(tmp_path: Path) -> Iterator[VirtualCardReader]:
    with VirtualCardReader(tmp_path, protocol="rdm6300") as device:
        yield device


MakeKiosk = Callable[..., KioskService]


@pytest.fixture
def make_kiosk(
    tmp_path: Path, hub: RealHub, card_reader: VirtualCardReader, mqtt_settings: MqttSection
) -> Iterator[MakeKiosk]:
    """Start `corsia kiosk` (the service) for this test; `hub_url` and `camera` may be changed."""
    started: list[KioskService] = []

    def make(*, hub_url: str | None = None, camera: FrameSource | None = None, **options: Any) -> KioskService:
        config = KioskConfig(
            store=StoreSection(layout=str(LAYOUT)),
            mqtt=mqtt_settings,
            kiosk=KioskSection(
                http="127.0.0.1:0", hub_url=hub_url or hub.url, hub_token=KIOSK_TOKEN, card_reader=card_reader.port,
                card_protocol="rdm6300", camera="", idle_timeout_s=30,
            ),
        )  # fmt: skip
        service = KioskService(
            config, app_config={"OUTBOX_PATH": str(tmp_path / "outbox.db")}, camera=camera, **options
        )
        service.start()
        started.append(service)
        return service

    yield make
    for service in started:
        service.stop()


@pytest.fixture
def kiosk(make_kiosk: MakeKiosk) -> KioskService:
    return make_kiosk()


def read_codes(element: Locator) -> list[tuple[str, str]]:
    """The codes Chromium drew in `element`, read back from a screenshot: (format, text) pairs."""
    png = element.screenshot()
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    return [(str(code.format), code.text) for code in zxingcpp.read_barcodes(image)]


def tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching `selector` has the focus (keyboard only)."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")
