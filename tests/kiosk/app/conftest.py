"""Fixtures for the kiosk app's tests: the real hub API on a loopback port, the kiosk app configured to talk to
it, its test client, and helpers to read a page's CSRF token and to walk through the sign-up."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from edge.broker import free_port
from edge.config import KioskConfig, KioskSection, StoreSection
from kiosk.app import create_app, runtime_of
from kiosk.app.runtime import KioskRuntime
from tests.kiosk.app.realhub import KIOSK_TOKEN, LAYOUT, RealHub

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[RealHub]:
    running = RealHub(tmp_path).start()
    yield running
    running.stop(wait=False)


def kiosk_config(hub_url: str) -> KioskConfig:
    return KioskConfig(
        store=StoreSection(layout=str(LAYOUT)),
        kiosk=KioskSection(hub_url=hub_url, hub_token=KIOSK_TOKEN, card_reader="", camera="", idle_timeout_s=30),
    )


@pytest.fixture
def app_settings(tmp_path: Path) -> dict[str, Any]:
    """The app's test settings; a test changes them before asking for `app`."""
    return {"TESTING": True, "OUTBOX_PATH": str(tmp_path / "outbox.db"), "HUB_TIMEOUT_S": 2.0}


@pytest.fixture
def app(hub: RealHub, app_settings: dict[str, Any]) -> Iterator[Flask]:
    made = create_app(kiosk_config(hub.url), app_settings)
    yield made
    runtime_of(made).close()


@pytest.fixture
def offline_app(app_settings: dict[str, Any]) -> Iterator[Flask]:
    """The kiosk with its hub unreachable (nothing listens at its address)."""
    made = create_app(kiosk_config(f"http://127.0.0.1:{free_port()}"), app_settings)
    yield made
    runtime_of(made).close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runtime(app: Flask) -> KioskRuntime:
    return runtime_of(app)


def csrf_of(response: TestResponse) -> str:
    """The CSRF token of a rendered page."""
    found = _TOKEN.search(response.get_data(as_text=True))
    assert found, "the page has no CSRF field"
    return found.group(1)


def csrf(client: FlaskClient) -> str:
    return csrf_of(client.get("/"))


def post(client: FlaskClient, path: str, data: dict[str, str] | None = None, **kwargs: Any) -> TestResponse:
    """A POST with this session's CSRF token."""
    return client.post(path, data={"csrf_token": csrf(client), **(data or {})}, **kwargs)


def page(response: TestResponse) -> str:
    return response.get_data(as_text=True)


DETAILS: dict[str, str] = {
    "first_name": "Giulia",
    "last_name": "Rossi",
    "email": "Giulia.Rossi@Example.it",
    "phone": "333 123 4567",
    "birth_date": "",
    "language": "it",
}


def walk_signup(
    client: FlaskClient,
    details: dict[str, str] | None = None,
    consents: dict[str, bool] | None = None,
    card: str | None = None,
) -> TestResponse:
    """Fill in the whole sign-up, screen by screen, and submit it; the submit's answer (not followed)."""
    chosen = {"service": True, "marketing": False, "profiling": False, "proximity": False, **(consents or {})}
    client.get("/signup/")
    response = post(client, "/signup/details", {**DETAILS, **(details or {})})
    assert response.status_code == 303, page(response)
    for purpose in ("service", "marketing", "profiling", "proximity"):
        data = {"agree": "yes"} if chosen[purpose] else {}
        response = post(client, f"/signup/consents/{purpose}", data)
        assert response.status_code == 303, page(response)
    if card is not None:
        response = post(client, "/signup/card", {"card_number": card})
        assert response.status_code == 303, page(response)
    return post(client, "/signup/submit")
