"""A real hub for the hub's end-to-end tests: `HubService` on a temporary database, talking to the test's Mosquitto,
serving its API on a free port, and sending Web Push to a local push service that decrypts what it gets."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from playwright.sync_api import Browser, sync_playwright

from edge.config import HubConfig, HubSection, MqttSection, StoreSection
from edge.hub.http import HttpServer
from edge.hub.service import HubService
from edge.identity import eid
from edge.mqtt import MqttClient
from edge.protocol import Sighting, Sightings, Topic
from firmware_sim.devices.push_service import BrowserSubscription, PushService
from tests.conftest import REPO

ADMIN_TOKEN = "admin-token-for-tests-0123456789"
KIOSK_TOKEN = "kiosk-token-for-tests-0123456789"
LAYOUT = str(REPO / "examples" / "stores" / "demo.toml")


def hub_config(tmp_path: Path, mqtt: MqttSection, **hub: Any) -> HubConfig:
    state = tmp_path / "hub"
    settings: dict[str, Any] = {
        "db": str(state / "hub.db"), "http": "127.0.0.1:0", "admin_token": ADMIN_TOKEN, "kiosk_token": KIOSK_TOKEN,
        "vapid_private_key_file": str(state / "vapid.pem"), "secret_key_file": str(state / "secret.key"),
        "public_url": "http://127.0.0.1:8000",
    }  # fmt: skip
    settings.update(hub)
    return HubConfig(store=StoreSection(id="demo", layout=LAYOUT), mqtt=mqtt, hub=HubSection(**settings))


@dataclass
class Shopper:
    """A member signed up, enrolled and subscribed to push through the real API."""

    member_id: str
    member_number: str
    identity_key: bytes
    app_token: str
    subscription: BrowserSubscription

    def eid(self, t: float) -> str:
        return "eid:" + eid(self.identity_key, 10, int(t)).hex()


@dataclass
class RunningHub:
    service: HubService
    push: PushService
    sender: MqttClient
    seqs: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.service.http.url

    def api(self, method: str, path: str, token: str = ADMIN_TOKEN, **kwargs: Any) -> requests.Response:
        return requests.request(
            method, self.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=10, **kwargs
        )

    def join(self, email: str, *, first_name: str = "Giulia", marketing: bool = True, proximity: bool = True,
             language: str = "it") -> dict[str, Any]:  # fmt: skip
        """Sign a member up at the kiosk: the answer (member id and number, the one-time enrollment token)."""
        created = self.api("POST", "/api/v1/members", KIOSK_TOKEN, json={
            "first_name": first_name, "last_name": "Rossi", "email": email, "language": language,
            "consents": {"service": True, "marketing": marketing, "profiling": True, "proximity": proximity},
            "policy_version": "2026-01", "source": "kiosk",
        })  # fmt: skip
        assert created.status_code == 201, created.text
        body: dict[str, Any] = created.json()
        return body

    def sign_up(self, email: str, *, marketing: bool = True, proximity: bool = True, language: str = "it",
                wishlist: tuple[str, ...] = ()) -> Shopper:  # fmt: skip
        body = self.join(email, marketing=marketing, proximity=proximity, language=language)
        enrolled = self.api("POST", "/api/v1/enroll", json={"enrollment_token": body["enrollment_token"],
                                                            "platform": "android"})  # fmt: skip
        assert enrolled.status_code == 201, enrolled.text
        device = enrolled.json()
        subscription = self.push.subscribe(self.service.vapid.application_server_key)
        subscribed = self.api("POST", f"/api/v1/members/{body['member_id']}/push-subscriptions", device["app_token"],
                              json=subscription.to_json())  # fmt: skip
        assert subscribed.status_code == 201, subscribed.text
        if wishlist:
            put = self.api("PUT", f"/api/v1/members/{body['member_id']}/wishlist", json={"skus": list(wishlist)})
            assert put.status_code == 200, put.text
        return Shopper(body["member_id"], body["member_number"], bytes.fromhex(device["identity_key"]),
                       device["app_token"], subscription)  # fmt: skip

    def sight(self, gw: str, shoppers: list[tuple[Shopper, float]], t: float | None = None) -> None:
        """One sightings batch from `gw`, as a gateway would publish it."""
        t = time.time() if t is None else t
        seq = self.seqs.get(gw, 0) + 1
        self.seqs[gw] = seq
        items = [Sighting(id=s.eid(t), rssi=rssi, raw=round(rssi), n=5, tx=-59, dist=1.0) for s, rssi in shoppers]
        self.sender.publish(Topic.SIGHTINGS, Sightings(gw=gw, seq=seq, t=t, interval=1.0, items=items), device=gw)


CATALOG = {
    "products": [
        {"sku": "RUN-001", "name": "Scarpe da running Veloce", "category": "running", "price": 89.9},
        {"sku": "RUN-002", "name": "Calze tecniche", "category": "running", "price": 9.9},
        {"sku": "SWM-001", "name": "Occhialini", "category": "swim", "price": 19.9},
    ],
    "locations": [
        {"store": "demo", "sku": "RUN-001", "zone": "aisle-4", "shelf": "B", "stock": 7},
        {"store": "demo", "sku": "RUN-002", "zone": "aisle-4", "shelf": "C", "stock": 40},
        {"store": "demo", "sku": "SWM-001", "zone": "aisle-7", "shelf": "A", "stock": 3},
    ],
}


@pytest.fixture
def serve_app() -> Iterator[Callable[[Flask], str]]:
    """Serve a hub app on a free port (werkzeug, as the hub does) until the test ends; returns its URL."""
    servers: list[HttpServer] = []

    def start(app: Flask) -> str:
        server = HttpServer(app, "127.0.0.1:0")
        server.start()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def push_service() -> Iterator[PushService]:
    with PushService() as service:
        yield service


@pytest.fixture
def start_hub(
    tmp_path: Path, mqtt_settings: MqttSection, push_service: PushService, make_client: Callable[..., MqttClient]
) -> Iterator[Callable[..., RunningHub]]:
    """Start the hub (and return a handle); every hub started is stopped at the end of the test."""
    started: list[HubService] = []

    def start(**hub: Any) -> RunningHub:
        service = HubService(hub_config(tmp_path, mqtt_settings, **hub))
        service.start()
        started.append(service)
        assert service.client.wait_connected(10)
        assert service.client.wait_subscribed(10)
        running = RunningHub(service, push_service, make_client("pos"))
        assert running.api("POST", "/api/v1/catalog", json=CATALOG).status_code == 200
        return running

    yield start
    for service in started:
        service.stop()


# Per module, not per session: while Playwright's sync API is open it keeps an event loop running in this
# thread, and later tests elsewhere that call asyncio.run (bleak's) would fail.
@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Headless Chromium (the Debian package) driven by Playwright, shared by a module's tests (the dashboard's,
    the wallet app's)."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        yield browser
        browser.close()
