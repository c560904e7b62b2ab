"""The wallet app in Chromium, used as a new member would: from the kiosk's enrollment link to deleting their data.

A real hub (`HubService` with Mosquitto and its HTTP server), the tills' receipts over MQTT, and a real push
endpoint for the member's phone (`PushService`, which decrypts what the hub sends). The card's codes are read
back from screenshots with zxing-cpp, as a till's scanner would.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from edge.hub.db import Receipts, open_database
from edge.protocol import Receipt, ReceiptItem, Topic
from kiosk.payloads import format_enrollment_link
from tests.conftest import wait_for
from tests.edge.hub.conftest import RunningHub

SCREENSHOTS = Path(__file__).resolve().parents[4] / "docs" / "img"


def snapshot(page: Page, name: str, tmp_path: Path) -> None:
    """A screenshot of the phone's screen: into docs/img only with ``CORSIA_UPDATE_SCREENSHOTS=1``."""
    folder = SCREENSHOTS if os.environ.get("CORSIA_UPDATE_SCREENSHOTS") == "1" else tmp_path
    page.evaluate("document.getElementById('toast').hidden = true")  # the passing "new message" note
    page.screenshot(path=str(folder / f"wallet-{name}.png"))


@pytest.fixture
def phone(chromium: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A phone's browser (portrait, Italian), and the script errors it met: a test fails on any."""
    context = chromium.new_context(
        locale="it-IT", timezone_id="Europe/Rome", viewport={"width": 390, "height": 844}, device_scale_factor=2,
        is_mobile=True, has_touch=True,
    )  # fmt: skip
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page, errors
    context.close()


def decode(page: Page, selector: str) -> list[tuple[str, str]]:
    """What zxing-cpp reads in a screenshot of the element."""
    path = f"/tmp/corsia-wallet-{time.monotonic_ns()}.png"
    page.locator(selector).screenshot(path=path)
    image = np.asarray(Image.open(path).convert("L"))
    return [(b.format.name, b.text) for b in zxingcpp.read_barcodes(image)]


def teach_copurchase(hub: RunningHub) -> None:
    """Past baskets: running shoes sell with socks (what the thank-you's coupon is chosen from)."""
    for n in range(4):
        basket = [ReceiptItem(sku="RUN-001", qty=1, price=89.9), ReceiptItem(sku="RUN-002", qty=1, price=9.9)]
        old = Receipt(t=time.time() - 86400 * 3, receipt=f"R-OLD-{n}", card=f"CARD{n:04d}", items=basket, total=99.8)
        hub.sender.publish(Topic.RECEIPT, old, device="till-1")
    db = open_database(hub.service.config.hub.db)
    try:
        assert wait_for(lambda: len(list(Receipts(db).baskets())) == 4, 10)
    finally:
        db.close()
    hub.service.core.facts.refresh_copurchase()


def buy(hub: RunningHub, number: str, receipt_id: str, sku: str, price: float) -> None:
    receipt = Receipt(t=time.time(), receipt=receipt_id, card=number,
                      items=[ReceiptItem(sku=sku, qty=1, price=price)], total=price)  # fmt: skip
    hub.sender.publish(Topic.RECEIPT, receipt, device="till-1")


def test_a_new_member_from_the_kiosk_link_to_deleting_their_data(
    start_hub: Callable[..., RunningHub], phone: tuple[Page, list[str]], tmp_path: Path
) -> None:
    page, errors = phone
    hub = start_hub()
    teach_copurchase(hub)
    signed = hub.join("giulia@example.it")
    member_id, number = signed["member_id"], signed["member_number"]
    assert hub.api("PUT", f"/api/v1/members/{member_id}/wishlist", json={"skus": ["RUN-001"]}).status_code == 200

    # The kiosk's QR opens the wallet, which enrolls this browser and drops the token from the address.
    page.goto(format_enrollment_link(signed["enrollment_token"], hub.url + "/app"))
    expect(page.locator("#points-balance")).to_have_text("0")
    assert page.url == hub.url + "/app/#card"
    expect(page.get_by_text("Giulia Rossi")).to_be_visible()
    token = page.evaluate("JSON.parse(localStorage.getItem('corsia.wallet')).token")
    devices = hub.api("GET", f"/api/v1/members/{member_id}").json()["devices"]
    assert len(devices) == 1
    # Opening the same link again: the token is used up, the page says so and asks for a new one.
    used = page.context.new_page()
    used.goto(format_enrollment_link(signed["enrollment_token"], hub.url + "/app"))
    expect(used.get_by_text("già stato usato o è scaduto")).to_be_visible()
    used.close()

    # The card: a QR code the kiosk reads as this member, a Code 128 the till reads as the number.
    assert decode(page, "img.qr") == [("QRCode", f"CORSIA:M:{number}")]
    assert decode(page, "img.barcode") == [("Code128", number)]
    snapshot(page, "card", tmp_path)

    # The wishlist says where the product is in this store.
    page.get_by_role("link", name="Lista").click()
    expect(page.get_by_text("Scarpe da running Veloce")).to_be_visible()
    expect(page.get_by_text("scaffale B")).to_be_visible()

    # Notifications: this headless browser has no push service, so the app says messages arrive in the app.
    page.context.grant_permissions(["notifications"], origin=hub.url)
    page.get_by_role("link", name="Messaggi").click()
    page.get_by_role("button", name="Attiva le notifiche").click()
    expect(page.locator("#push-status")).to_have_attribute("data-state", "none")
    expect(page.get_by_text("Questo browser non riceve notifiche push")).to_be_visible()
    # The member's phone also has a real push endpoint (an Android browser's): every push is decrypted there.
    endpoint = hub.push.subscribe(hub.service.vapid.application_server_key)
    subscribed = hub.api("POST", f"/api/v1/members/{member_id}/push-subscriptions", token, json=endpoint.to_json())
    assert subscribed.status_code == 201, subscribed.text

    # A purchase: the thank-you arrives live in the open inbox and on the phone, with a coupon.
    buy(hub, number, "R-1", "RUN-001", 89.9)
    [delivery] = hub.push.wait_for(1, timeout=15, endpoint=endpoint)
    title, coupon = str(delivery.payload["title"]), delivery.payload["coupon"]
    assert isinstance(coupon, dict)
    expect(page.locator(".message-title")).to_have_text(title, timeout=10_000)
    expect(page.locator("#messages code")).to_have_text(str(coupon["code"]))
    snapshot(page, "inbox", tmp_path)

    # Points after the receipt; the coupon, for the related product, ready for the till.
    page.get_by_role("link", name="Punti").click()
    expect(page.locator("#points-balance")).to_have_text("89")
    expect(page.locator("#history")).to_contain_text("Acquisto")
    page.get_by_role("link", name="Coupon").click()
    expect(page.locator(f'[data-code="{coupon["code"]}"]')).to_contain_text("Calze tecniche")
    expect(page.locator(".coupon.active .coupon-value")).to_have_text("10% di sconto")
    # The till scans the coupon's barcode: it reads back as the code.
    assert decode(page, ".coupon.active img.coupon-barcode") == [("Code128", str(coupon["code"]))]
    snapshot(page, "coupons", tmp_path)

    # Withdrawing the marketing consent stops the next thank-you; the points still count.
    page.get_by_role("link", name="Privacy").click()
    page.get_by_label("Offerte e messaggi promozionali").uncheck()
    page.get_by_role("button", name="Salva le scelte").click()
    expect(page.get_by_text("Scelte salvate.")).to_be_visible()
    consents = hub.api("GET", f"/api/v1/members/{member_id}").json()["consents"]
    assert (consents["marketing"], consents["proximity"]) == (False, True)
    buy(hub, number, "R-2", "RUN-002", 9.9)
    assert wait_for(lambda: hub.api("GET", f"/api/v1/members/{member_id}").json()["points"] == 98, 10)
    time.sleep(1.0)  # the dispatcher would have sent by now
    assert len(hub.push.deliveries(endpoint)) == 1
    page.get_by_role("link", name="Messaggi").click()
    expect(page.locator(".message")).to_have_count(1)

    # English: the app's words and the member's language (their next notifications) change together.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="Messages")).to_be_visible()
    assert wait_for(lambda: hub.api("GET", f"/api/v1/members/{member_id}").json()["language"] == "en", 5)
    page.get_by_role("button", name="Italiano").click()

    # "Delete my data": after a confirmation, the member is gone from the hub and from this browser.
    page.get_by_role("link", name="Privacy").click()
    page.get_by_role("button", name="Cancella i miei dati").click()
    page.get_by_role("button", name="Sì, cancella tutto").click()
    expect(page.locator("#erased")).to_be_visible()
    assert hub.api("GET", f"/api/v1/members/{member_id}").status_code == 404
    assert page.evaluate("localStorage.getItem('corsia.wallet')") is None
    assert hub.api("GET", f"/api/v1/members/{member_id}/wallet", token).status_code == 401
    assert errors == []


def test_the_service_worker_shows_a_push_and_puts_it_in_the_open_inbox(
    start_hub: Callable[..., RunningHub], phone: tuple[Page, list[str]]
) -> None:
    page, errors = phone
    hub = start_hub()
    signed = hub.join("marco@example.it", first_name="Marco", language="en")
    page.goto(format_enrollment_link(signed["enrollment_token"], hub.url + "/app"))
    # The member chose English at the kiosk: the app speaks it.
    expect(page.get_by_role("link", name="Messages")).to_be_visible()
    page.get_by_role("link", name="Messages").click()
    expect(page.locator("#messages-empty")).to_be_visible()
    registration = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert registration == hub.url + "/app/"
    # What the push service hands the worker after decrypting: Chromium's DevTools protocol delivers it.
    session = page.context.new_cdp_session(page)
    session.send("ServiceWorker.enable")
    versions: list[dict[str, Any]] = []
    session.on("ServiceWorker.workerVersionUpdated", lambda event: versions.extend(event["versions"]))
    for _ in range(100):  # Playwright hands over CDP events while it runs: wait through it, not with sleep
        if any(v.get("runningStatus") == "running" for v in versions):
            break
        page.wait_for_timeout(100)
    registration_id = next(v["registrationId"] for v in versions if v.get("runningStatus") == "running")
    payload = '{"notification_id": "n_test", "title": "Welcome back", "body": "Your socks are in aisle 4", "url": "/"}'
    session.send("ServiceWorker.deliverPushMessage",
                 {"origin": hub.url, "registrationId": registration_id, "data": payload})  # fmt: skip
    expect(page.locator(".message-title")).to_have_text("Welcome back", timeout=10_000)
    expect(page.locator(".message-body")).to_have_text("Your socks are in aisle 4")
    assert errors == []


def test_the_app_opens_offline_from_its_cache_and_says_the_store_is_unreachable(
    start_hub: Callable[..., RunningHub], phone: tuple[Page, list[str]]
) -> None:
    page, errors = phone
    hub = start_hub()
    signed = hub.join("luca@example.it", first_name="Luca")
    page.goto(format_enrollment_link(signed["enrollment_token"], hub.url + "/app"))
    expect(page.locator("#points-balance")).to_have_text("0")
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # now under the worker's control: it has cached the app's files
    expect(page.locator("#points-balance")).to_have_text("0")
    page.context.set_offline(True)
    page.reload()
    # The shell comes from the cache; the member's data is never cached, so the app says it cannot reach the store.
    expect(page.get_by_text("Nessuna connessione con il negozio")).to_be_visible()
    expect(page.get_by_role("link", name="Carta")).to_be_visible()
    page.context.set_offline(False)
    page.reload()
    expect(page.locator("#points-balance")).to_have_text("0")
    assert errors == []
