"""Sessions on the server: a random id in the cookie, data in memory, gone on reset or after the idle time."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from kiosk.app.runtime import KioskRuntime
from kiosk.app.sessions import COOKIE, SessionStore
from tests.kiosk.app.conftest import DETAILS, post


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_session_expires_after_its_lifetime_without_activity() -> None:
    clock = Clock()
    dropped: list[str] = []
    store = SessionStore(60.0, clock=clock, on_drop=dropped.append)
    store.save("a", {"typed": {"first_name": "Giulia"}})
    store.save("b", {})
    clock.now = 50.0
    store.save("a", None)  # activity on a, none on b
    clock.now = 70.0
    assert store.load("a") == {"typed": {"first_name": "Giulia"}}
    assert store.load("b") is None
    assert dropped == ["b"]
    clock.now = 111.0
    assert store.sweep() == ["a"]
    assert len(store) == 0


def test_a_passive_save_keeps_the_last_activity() -> None:
    clock = Clock()
    store = SessionStore(60.0, clock=clock)
    store.save("a", {"x": 1})
    clock.now = 59.0
    store.save("a", {"x": 2}, touch=False)
    clock.now = 61.0
    assert store.load("a") is None


def test_what_is_loaded_is_a_copy() -> None:
    store = SessionStore(60.0)
    store.save("a", {"typed": {"first_name": "Giulia"}})
    loaded = store.load("a")
    assert loaded is not None
    loaded["typed"]["first_name"] = "changed"
    assert store.load("a") == {"typed": {"first_name": "Giulia"}}


def test_the_cookie_holds_only_an_id_and_the_data_stays_on_the_kiosk(client: FlaskClient) -> None:
    response = post(client, "/signup/details", {**DETAILS, "email": "not an email"})
    assert response.status_code == 422
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    assert "Giulia" not in cookie.value
    assert len(cookie.value) == 43
    assert client.get_cookie("session") is None


def test_the_reset_forgets_the_session_and_issues_a_new_id(
    app: Flask, client: FlaskClient, runtime: KioskRuntime
) -> None:
    post(client, "/signup/details", {**DETAILS, "email": "not an email"})
    old = client.get_cookie(COOKIE)
    assert old is not None
    assert runtime.sessions.load(old.value) is not None
    response = post(client, "/reset")
    assert response.status_code == 303
    assert response.location == "/"
    new = client.get_cookie(COOKIE)
    assert new is not None
    assert new.value != old.value
    assert runtime.sessions.load(old.value) is None
    assert "Giulia" not in client.get("/signup/details").get_data(as_text=True)
    assert app is not None
