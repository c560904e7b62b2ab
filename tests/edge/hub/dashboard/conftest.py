"""Fixtures of the dashboard's tests: a hub context on a temporary database (with a clock and live counts the
test sets), the API app with the dashboard mounted, a signed-in test client, and headless Chromium."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, ConsoleMessage, Page

from edge.config import HubConfig, HubSection
from edge.hub.api import create_app
from edge.hub.context import HubContext
from edge.hub.dashboard import DashboardSettings
from edge.hub.dashboard.site import SETTINGS_KEY
from edge.hub.dashboard.stream import StreamSettings
from edge.hub.db import open_database
from edge.store import StoreLayout, load_layout
from tests.conftest import REPO
from tests.edge.hub.conftest import RunningHub, Shopper

ADMIN_TOKEN = "admin-token-for-dashboard-tests"
FAST = DashboardSettings(stream=StreamSettings(heartbeat_s=0.2, poll_s=0.05, stats_min_gap_s=0.1, stats_every_s=1.0))
"""Streams that beat quickly, so a test sees a gone client, new counts and new statistics in a fraction of a
second."""


@dataclass
class Clock:
    """The hub's clock, moved by the test."""

    now: float

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="session")
def layout() -> StoreLayout:
    return load_layout(REPO / "examples" / "stores" / "demo.toml")


@pytest.fixture
def live_counts() -> dict[str, int]:
    """Devices per zone as the live service would report them; tests fill it."""
    return {}


@pytest.fixture
def clock() -> Clock:
    return Clock(1_767_258_000.0)  # 2026-01-01 10:00 in Rome


@pytest.fixture
def ctx(tmp_path: Path, layout: StoreLayout, live_counts: dict[str, int], clock: Clock) -> HubContext:
    db_path = tmp_path / "hub.db"
    open_database(db_path).close()
    config = HubConfig(hub=HubSection(db=str(db_path), admin_token=ADMIN_TOKEN, timezone="Europe/Rome"))
    return HubContext(
        config=config, layout=layout, connect=lambda: open_database(db_path), secret_key=bytes(range(32)),
        vapid_public_key="", occupancy=lambda: dict(live_counts), clock=clock,
    )  # fmt: skip


def make_app(ctx: HubContext, **config: Any) -> Flask:
    return create_app(ctx, {"TESTING": True, SETTINGS_KEY: FAST, **config})


@pytest.fixture
def app(ctx: HubContext) -> Flask:
    return make_app(ctx)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture
def signed_in(client: FlaskClient) -> FlaskClient:
    answer = client.post("/dashboard/signin", data={"token": ADMIN_TOKEN})
    assert answer.status_code == 303
    return client


@pytest.fixture
def serve(ctx: HubContext, serve_app: Callable[[Flask], str]) -> Callable[..., str]:
    """Serve the API with the dashboard on a free port; returns its URL."""

    def start(settings: DashboardSettings = FAST) -> str:
        return serve_app(make_app(ctx, **{SETTINGS_KEY: settings}))

    return start


@dataclass
class Tab:
    """A browser tab on a store manager's tablet (landscape, Italian, the store's time zone), and the script
    errors it met: a test fails on any."""

    page: Page
    errors: list[str]


@pytest.fixture
def tab(chromium: Browser) -> Iterator[Tab]:
    context = chromium.new_context(locale="it-IT", timezone_id="Europe/Rome", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    found = Tab(page, [])
    page.on("pageerror", lambda error: found.errors.append(str(error)))

    def console(message: ConsoleMessage) -> None:
        # A refused request (a wrong token's 401) is the page working; a script error is not.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            found.errors.append(message.text)

    page.on("console", console)
    yield found
    context.close()


Heard = Callable[[RunningHub, list[tuple[str, Shopper]]], None]
"""The `heard` fixture: keep these (gateway, shopper) pairs heard."""


@pytest.fixture
def heard(start_hub: Callable[..., RunningHub]) -> Iterator[Heard]:
    """Keep shoppers heard by their gateways (twice a second) until the test ends: a visit ends when its
    shopper goes unheard."""
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def keep(hub: RunningHub, where: list[tuple[str, Shopper]]) -> None:
        def loop() -> None:
            while not stop.is_set():
                for gw in dict.fromkeys(g for g, _ in where):
                    hub.sight(gw, [(s, -55.0) for g, s in where if g == gw])
                stop.wait(0.5)

        thread = threading.Thread(target=loop, name="shoppers", daemon=True)
        thread.start()
        threads.append(thread)

    yield keep
    stop.set()
    for thread in threads:
        thread.join(timeout=5.0)
