"""Fixtures for the hub API's tests: a real hub database in tmp_path, a `HubContext` with a clock the test moves
and a listener that records what the API told the live service, the app, its test client, and tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from edge.config import HubConfig, HubSection
from edge.hub.api import create_app
from edge.hub.context import HubContext
from edge.hub.db import open_database
from edge.store import StoreLayout, load_layout
from tests.conftest import REPO

ADMIN_TOKEN = "admin-token-for-tests"
KIOSK_TOKEN = "kiosk-token-for-tests"
PUBLIC_URL = "https://hub.store.example"
VAPID_PUBLIC_KEY = "BOr5QW1Mpr3TTTs2ai8kVD6p8vNqS6Sm7x3A0JqmmVb0d2QtOtL8NaWq9r6ZCkXEYRSxvA1LI0AEX7CSgZb7pGc"

Headers = dict[str, str]


@dataclass
class FakeClock:
    """The hub's clock, moved by the test."""

    now: float = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class RecordingListener:
    """A `ChangeListener` that remembers every call, in order."""

    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def device_enrolled(self, device_id: str, identity_key: bytes, k: int) -> None:
        self.calls.append(("device_enrolled", (device_id, identity_key, k)))

    def member_changed(self, member_id: str) -> None:
        self.calls.append(("member_changed", (member_id,)))


@pytest.fixture(scope="session")
def layout() -> StoreLayout:
    return load_layout(REPO / "examples" / "stores" / "demo.toml")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def listener() -> RecordingListener:
    return RecordingListener()


@pytest.fixture
def live_counts() -> dict[str, int]:
    """What the live service's presence engine reports per zone; tests fill it."""
    return {}


@pytest.fixture
def ctx(
    tmp_path: Path, layout: StoreLayout, clock: FakeClock, listener: RecordingListener, live_counts: dict[str, int]
) -> HubContext:
    db_path = tmp_path / "hub.db"
    config = HubConfig(
        hub=HubSection(db=str(db_path), admin_token=ADMIN_TOKEN, kiosk_token=KIOSK_TOKEN, public_url=PUBLIC_URL)
    )
    return HubContext(
        config=config,
        layout=layout,
        connect=lambda: open_database(db_path),
        secret_key=bytes(range(32)),
        vapid_public_key=VAPID_PUBLIC_KEY,
        listener=listener,
        occupancy=lambda: dict(live_counts),
        clock=clock,
    )


@pytest.fixture
def app(ctx: HubContext) -> Flask:
    # Live inbox streams end at once here: the tests read them whole.
    return create_app(ctx, {"TESTING": True, "REDIRECT_ORIGINS": ["https://shop.example.com"], "INBOX_STREAM_S": 0.2,
                            "INBOX_POLL_S": 0.05})  # fmt: skip


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture
def admin() -> Headers:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def kiosk() -> Headers:
    return {"Authorization": f"Bearer {KIOSK_TOKEN}"}


SIGN_UP: dict[str, Any] = {
    "first_name": "Giulia",
    "last_name": "Rossi",
    "email": "giulia.rossi@example.it",
    "phone": "333 123 4567",
    "language": "it",
    "consents": {"service": True, "marketing": True, "profiling": False, "proximity": True},
    "policy_version": "2025-01",
    "source": "kiosk",
}

TEXTS: dict[str, dict[str, str]] = {
    "it": {"title": "Ciao {first_name}", "body": "Benvenuta da {store}"},
    "en": {"title": "Hi {first_name}", "body": "Welcome to {store}"},
}


@pytest.fixture
def sign_up(client: FlaskClient, kiosk: Headers) -> Callable[..., dict[str, Any]]:
    """Sign a member up through the API (Giulia unless told otherwise); returns the 201 answer."""

    def make(**changes: Any) -> dict[str, Any]:
        response = client.post("/api/v1/members", json={**SIGN_UP, **changes}, headers=kiosk)
        assert response.status_code == 201, response.json
        body: dict[str, Any] = response.json  # type: ignore[assignment]
        return body

    return make


@pytest.fixture
def member(sign_up: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """Giulia, signed up at the kiosk."""
    return sign_up()


@pytest.fixture
def enroll(client: FlaskClient) -> Callable[[str], dict[str, Any]]:
    """Redeem an enrollment token as an Android phone; returns the 201 answer."""

    def redeem(token: str) -> dict[str, Any]:
        response = client.post("/api/v1/enroll", json={"enrollment_token": token, "platform": "android"})
        assert response.status_code == 201, response.json
        body: dict[str, Any] = response.json  # type: ignore[assignment]
        return body

    return redeem


@pytest.fixture
def app_headers(member: dict[str, Any], enroll: Callable[[str], dict[str, Any]]) -> Headers:
    """The bearer header of Giulia's enrolled phone."""
    return {"Authorization": f"Bearer {enroll(member['enrollment_token'])['app_token']}"}


CATALOG: dict[str, Any] = {
    "products": [
        {"sku": "RUN-42", "name": "Scarpa da corsa", "category": "running", "price": 89.9},
        {"sku": "SOCK-1", "name": "Calze tecniche", "category": "running", "price": 9.5},
        {"sku": "TENT-2", "name": "Tenda 2 posti", "category": "camping", "price": 149.0},
    ],
    "locations": [
        {"store": "demo", "sku": "RUN-42", "zone": "aisle-4", "shelf": "B", "stock": 3},
        {"store": "demo", "sku": "SOCK-1", "zone": "aisle-4", "shelf": "C", "stock": 0},
        {"store": "other-store", "sku": "TENT-2", "zone": "aisle-1", "shelf": "A", "stock": 5},
    ],
}


@pytest.fixture
def stocked(client: FlaskClient, admin: Headers) -> dict[str, Any]:
    """The catalog above, imported."""
    response = client.post("/api/v1/catalog", json=CATALOG, headers=admin)
    assert response.json == {"products": 3, "locations": 3}
    return CATALOG
