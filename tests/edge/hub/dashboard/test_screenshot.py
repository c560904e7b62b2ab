"""The README's picture of the dashboard: a real hub with a morning of visits behind it, six shoppers in the store
now, each heard by the gateway of their zone, pushes going out, a purchase, and one
gateway that has gone offline. Headless Chromium takes the picture once the page shows all of it; it replaces
docs/img/dashboard.png only with ``CORSIA_UPDATE_SCREENSHOTS=1``, so a test run never changes the tree by itself."""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from edge.hub.dashboard.stats import day_bounds
from edge.hub.db import open_database
from edge.mqtt import MqttClient
from edge.protocol import Receipt, ReceiptItem, Status, Topic
from tests.conftest import REPO
from tests.edge.hub.conftest import ADMIN_TOKEN, RunningHub
from tests.edge.hub.dashboard import seed
from tests.edge.hub.dashboard.conftest import Heard, Tab

SCREENSHOT = REPO / "docs" / "img" / "dashboard.png"
SECONDS = 1000

# Where the shoppers are now: the gateway that hears each of them.
NOW_AT = ("gw-04", "gw-04", "gw-12", "gw-07", "gw-09", "gw-10")
AISLES = ("aisle-4", "aisle-1", "aisle-7", "aisle-5", "aisle-2", "aisle-6", "aisle-4", "aisle-8", "aisle-3")


def morning(hub: RunningHub) -> None:
    """Visits since the store opened: through the entrance to an aisle or two and out past the tills, some
    with the entry push (most opened), some with a purchase and its thank-you."""
    now = time.time()
    since, _ = day_bounds(now, ZoneInfo(hub.service.config.hub.timezone))
    span = (now - since) * 0.85  # everything before the last part of the day, which the live shoppers fill
    db = open_database(hub.service.config.hub.db)
    try:
        for n in range(18):
            t = since + span * (n + 1) / 20
            shopper = seed.member(db)
            aisle, other = AISLES[n % len(AISLES)], AISLES[(n + 4) % len(AISLES)]
            stops = [(t, "entrance"), (t + 25 + n % 4 * 10, aisle)]
            if n % 3 != 2:
                stops.append((stops[-1][0] + 180 + n * 17 % 240, other))
            stops.append((stops[-1][0] + 150 + n * 29 % 300, "checkout" if n % 2 == 0 else "walkway"))
            left = stops[-1][0] + 90 + n * 13 % 120
            visit = seed.visit(db, shopper, stops, left=left)
            if n % 9 == 8:
                continue  # looked in from the doors: no push, no purchase
            if n % 2 == 0:
                seed.push(db, shopper, "store-enter-wishlist", t + 1, visit_id=visit, sent=t + 2,
                          opened=t + 40 if n % 6 != 4 else None)  # fmt: skip
            if n % 3 == 0:
                paid = left - 60
                seed.receipt(db, shopper, paid, total=99.8, skus=("RUN-001", "RUN-002"))
                seed.push(db, shopper, "purchase-thank-you", paid + 1, sent=paid + 2,
                          opened=paid + 600 if n % 2 == 0 else None)  # fmt: skip
    finally:
        db.close()
    hub.service.core.facts.refresh_copurchase()  # the hub does it hourly: shoes sell with socks


def test_the_readme_screenshot_shows_a_busy_store(
    start_hub: Callable[..., RunningHub],
    make_client: Callable[..., MqttClient],
    heard: Heard,
    tab: Tab,
    tmp_path: Path,
) -> None:
    # The repository's copy is rewritten only on request, so a test run never changes the tree by itself.
    target = SCREENSHOT if os.environ.get("CORSIA_UPDATE_SCREENSHOTS") == "1" else tmp_path / SCREENSHOT.name
    hub = start_hub()
    morning(hub)
    shoppers = [hub.sign_up(f"cliente{n}@example.it", wishlist=("RUN-001",) if n % 2 == 0 else ())
                for n in range(len(NOW_AT))]  # fmt: skip
    page = tab.page
    page.goto(hub.url + "/dashboard?token=" + ADMIN_TOKEN)
    expect(page.locator("#live")).to_have_attribute("data-state", "open")

    heard(hub, list(zip(NOW_AT, shoppers, strict=True)))
    gateway = make_client("gw-08")
    gateway.publish(Topic.GATEWAY_STATUS, Status(state="offline", t=time.time(), version="1.0", started=0.0),
                    device="gw-08")  # fmt: skip
    expect(page.locator("#kpi-in-store")).to_have_text("6", timeout=15 * SECONDS)
    paid = Receipt(t=time.time(), receipt="R-NOW-1", card=shoppers[5].member_number,
                   items=[ReceiptItem(sku="RUN-001", qty=1, price=89.9)], total=89.9)  # fmt: skip
    hub.sender.publish(Topic.RECEIPT, paid, device="till-1")

    expect(page.locator('[data-count="aisle-4"]')).to_have_text("2")
    expect(page.locator('#map .gateway[data-gateway="gw-08"]')).to_have_attribute("data-state", "offline",
                                                                                  timeout=10 * SECONDS)  # fmt: skip
    expect(page.locator("#feed")).to_contain_text("gw-08: non raggiungibile")
    expect(page.locator("#feed li.ev-sent")).to_have_count(4, timeout=15 * SECONDS)  # 3 entry pushes, 1 thank-you
    visits = page.locator("#kpi-visits")
    expect(visits).to_have_text("24", timeout=10 * SECONDS)  # 18 this morning, 6 now
    expect(page.locator("#funnel")).to_contain_text("Hanno acquistato")
    page.wait_for_timeout(800)  # let the last bars and colours finish their transitions

    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    png = target.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width == 1366
    assert 900 <= height <= 1600
    assert tab.errors == []
