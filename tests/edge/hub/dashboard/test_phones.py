"""The demo's phones view: with ``[hub] phones_url`` the signed-in dashboard shows what each phone of a real push
service received and decrypted, newest first and escaped; without it there is no view at all; a push service that
does not answer is a clear message, never a server error."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from playwright.sync_api import expect

from edge.broker import free_port
from edge.hub.context import HubContext
from edge.hub.notify.vapid import load_or_create_vapid
from edge.hub.notify.webpush import Subscription, WebPushSender
from firmware_sim.devices.push_service import PushService
from tests.edge.hub.dashboard.conftest import ADMIN_TOKEN, Tab

SECONDS = 1000  # Playwright counts milliseconds
NOBODY_LISTENS = f"http://127.0.0.1:{free_port()}/phones"
HOSTILE = "<img src=x onerror=alert(1)>"


@dataclass
class Phones:
    """A real push service with two labelled phones, and the hub's real sender to push to them."""

    service: PushService
    giulia: Subscription
    emily: Subscription
    sender: WebPushSender

    def push(self, to: Subscription, title: str, body: str, lang: str, trigger: str = "store_enter") -> None:
        payload = {"title": title, "body": body, "lang": lang, "kind": "marketing", "trigger": trigger,
                   "campaign": "wishlist-entry", "url": "http://127.0.0.1:8000/t/n1",
                   "notification_id": "n1"}  # fmt: skip
        assert self.sender.send(to, payload, ttl_s=60).outcome == "delivered"


@pytest.fixture
def phones(tmp_path: Path) -> Iterator[Phones]:
    vapid = load_or_create_vapid(tmp_path / "vapid.pem")
    with PushService() as service, WebPushSender(vapid, "mailto:it@example.it") as sender:
        giulia = service.subscribe(vapid.application_server_key, label="Giulia R.", language="it")
        emily = service.subscribe(vapid.application_server_key, label="Emily S.", language="en")
        service.subscribe(vapid.application_server_key, label="Marco B.", language="it")  # gets nothing
        yield Phones(service, giulia, emily, sender)


@pytest.fixture
def phones_path() -> str:
    return "/phones"


@pytest.fixture
def phones_url(phones: Phones, phones_path: str) -> str:
    return phones.service.url + phones_path


@pytest.fixture
def ctx(ctx: HubContext, phones_url: str) -> HubContext:
    hub = dataclasses.replace(ctx.config.hub, phones_url=phones_url)
    return dataclasses.replace(ctx, config=dataclasses.replace(ctx.config, hub=hub))


def test_the_phones_view_shows_each_phones_decrypted_messages_newest_first(
    phones: Phones, signed_in: FlaskClient
) -> None:
    phones.push(phones.giulia, "Ecco dove trovare Scarpe Veloce", "Ciao Giulia! Corsia 4, scaffale B.", "it")
    phones.push(phones.emily, "Here is where to find Calze", f"Hi Emily! {HOSTILE}", "en", "pickup_arrival")
    phones.service.wait_for(2)

    board = signed_in.get("/dashboard/")
    assert 'id="nav-phones" href="/dashboard/phones"' in board.text  # the header's link

    page = signed_in.get("/dashboard/phones")
    assert page.status_code == 200
    html = page.text
    assert "Telefoni dei clienti" in html
    assert "Solo nella demo" in html
    assert html.index("Emily S.") < html.index("Giulia R.")  # the newest message first
    assert "Ecco dove trovare Scarpe Veloce" in html
    assert "Ciao Giulia! Corsia 4, scaffale B." in html
    assert "Lingua scelta: italiano" in html
    assert "Lingua scelta: inglese" in html
    assert "all&#39;ingresso" in html  # the trigger, in the page's words
    assert HOSTILE not in html
    assert "Hi Emily! &lt;img src=x onerror=alert(1)&gt;" in html
    assert "Marco B." not in html  # a phone that received nothing is not listed
    assert "http://127.0.0.1:8000/t/n1" not in html  # nor anything of a payload but its texts
    assert "Shoppers&#39; phones" in signed_in.get("/dashboard/phones?lang=en").text

    data = signed_in.get("/dashboard/phones/data")
    assert data.status_code == 200
    assert data.headers["Cache-Control"] == "no-store"
    body = data.get_json()
    assert [(p["label"], p["language"]) for p in body["phones"]] == [("Emily S.", "en"), ("Giulia R.", "it")]
    [message] = body["phones"][0]["messages"]
    assert message["body"] == f"Hi Emily! {HOSTILE}"  # JSON as received; the page's script sets it as text
    assert (message["lang"], message["trigger"], message["kind"]) == ("en", "pickup_arrival", "marketing")

    phones.push(phones.giulia, "Solo in negozio: Casco", "Ciao Giulia, 15% di sconto.", "it", "zone_dwell")
    phones.service.wait_for(3)
    first = signed_in.get("/dashboard/phones/data").get_json()["phones"][0]
    assert first["label"] == "Giulia R."
    assert [m["title"] for m in first["messages"]] == ["Solo in negozio: Casco", "Ecco dove trovare Scarpe Veloce"]


@pytest.mark.parametrize("phones_url", [""])
def test_without_phones_url_there_is_no_phones_view(signed_in: FlaskClient) -> None:
    assert signed_in.get("/dashboard/phones").status_code == 404
    assert signed_in.get("/dashboard/phones/data").status_code == 404
    board = signed_in.get("/dashboard/")
    assert board.status_code == 200
    assert "/dashboard/phones" not in board.text
    assert "nav-phones" not in board.text  # the link; the words are in the script's texts all the same


@pytest.mark.parametrize("phones_url", [NOBODY_LISTENS], ids=["nobody-listens"])
def test_a_phones_service_that_does_not_answer_is_a_clear_message(signed_in: FlaskClient) -> None:
    page = signed_in.get("/dashboard/phones")
    assert page.status_code == 200
    assert "Il servizio push dei telefoni non risponde" in page.text
    assert 'id="phones-unreachable" class="phones-problem" role="status" data-t="phones_unreachable">' in page.text
    data = signed_in.get("/dashboard/phones/data")
    assert data.status_code == 502
    assert data.get_json()["error"] == "phones_unreachable"


@pytest.mark.parametrize("phones_path", ["/elsewhere"])
def test_a_phones_service_that_answers_something_else_is_a_clear_message(signed_in: FlaskClient) -> None:
    data = signed_in.get("/dashboard/phones/data")  # the push service answers 404 there, not a phones list
    assert data.status_code == 502
    assert "HTTP 404" in data.get_json()["message"]
    assert "non risponde" in signed_in.get("/dashboard/phones").text


def test_without_a_session_the_phones_view_is_refused(phones: Phones, client: FlaskClient) -> None:
    phones.push(phones.giulia, "Ecco dove trovare Scarpe Veloce", "Ciao Giulia!", "it")
    page = client.get("/dashboard/phones")
    assert page.status_code == 303
    assert page.headers["Location"].endswith("/dashboard/signin")
    data = client.get("/dashboard/phones/data")
    assert data.status_code == 401
    assert "Scarpe" not in data.text


def test_the_page_follows_new_messages_live(phones: Phones, serve: Callable[..., str], tab: Tab) -> None:
    phones.push(phones.giulia, "Ecco dove trovare Scarpe Veloce", "Ciao Giulia!", "it")
    page = tab.page
    page.goto(serve() + "/dashboard?token=" + ADMIN_TOKEN)
    page.get_by_role("link", name="Telefoni").click()
    expect(page.locator(".phone-name").first).to_have_text("Giulia R.")
    expect(page.locator(".message-title").first).to_have_text("Ecco dove trovare Scarpe Veloce")
    page.evaluate("window.sameDocument = true")

    phones.push(phones.emily, "Here is where to find Calze", f"Hi Emily! {HOSTILE}", "en")
    expect(page.locator(".phone-name").first).to_have_text("Emily S.", timeout=5 * SECONDS)
    expect(page.locator(".message-body").first).to_have_text(f"Hi Emily! {HOSTILE}")  # as text, not as markup
    assert page.locator(".phone img").count() == 0
    assert page.evaluate("window.sameDocument") is True

    page.get_by_role("button", name="Switch to English").click()
    expect(page.locator(".title")).to_have_text("Shoppers' phones")
    expect(page.locator(".phone-meta").first).to_have_text("Chosen language: English · 1 notification")
    time.sleep(0.1)
    assert tab.errors == []
