"""The open-tracking link: counts the open and redirects, but only to the store's own sites."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from edge.hub.api.tracking import safe_destination
from edge.hub.context import HubContext
from edge.hub.db import Notification, Outbox
from tests.edge.hub.api.conftest import PUBLIC_URL, FakeClock

ALLOWED = ["https://shop.example.com"]


@pytest.mark.parametrize(
    ("target", "destination"),
    [
        ("https://hub.store.example/p/RUN-42?x=1", "https://hub.store.example/p/RUN-42?x=1"),
        ("https://HUB.store.example:443/app", "https://HUB.store.example:443/app"),
        ("/p/RUN-42", "https://hub.store.example/p/RUN-42"),
        ("https://shop.example.com/offerte", "https://shop.example.com/offerte"),
        ("https://evil.example/", None),
        ("//evil.example/", None),
        ("https://hub.store.example@evil.example/", None),
        ("https://hub.store.example.evil.example/", None),
        ("http://hub.store.example/", None),  # another scheme is another origin
        ("https://hub.store.example:8443/", None),
        ("/\\evil.example", None),
        ("https:/\\evil.example", None),
        ("javascript:alert(1)", None),
        ("data:text/html,hi", None),
        ("https://shop.example.com\t.evil.example/", None),
        ("https://[::1/", None),
        ("https://@evil.example/", None),
    ],
)
def test_safe_destination(target: str, destination: str | None) -> None:
    assert safe_destination(target, PUBLIC_URL, ALLOWED) == destination


def test_a_public_url_with_a_path_allows_only_what_is_under_it() -> None:
    base = "https://store.example/corsia"
    assert safe_destination("https://store.example/corsia/p/1", base, []) == "https://store.example/corsia/p/1"
    assert safe_destination("https://store.example/corsia", base, []) == "https://store.example/corsia"
    assert safe_destination("https://store.example/corsiax", base, []) is None
    assert safe_destination("https://store.example/admin", base, []) is None
    assert safe_destination("https://store.example/corsia/../admin", base, []) is None
    assert safe_destination("https://store.example/corsia/%2E%2e/admin", base, []) is None


def test_the_link_marks_the_open_and_redirects(
    client: FlaskClient, member: dict[str, Any], ctx: HubContext, clock: FakeClock
) -> None:
    outbox = Outbox(ctx.connect(), clock)
    push = Notification(idempotency_key="welcome:v-1", channel="webpush", kind="marketing", payload={"title": "Ciao"},
                        member_id=member["member_id"])  # fmt: skip
    notification_id = outbox.enqueue(push)
    assert notification_id is not None
    clock.advance(120)
    target = "https://hub.store.example/p/RUN-42"
    response = client.get(f"/t/{notification_id}?u={quote(target, safe='')}")
    assert (response.status_code, response.headers["Location"]) == (302, target)
    row = outbox.get(notification_id)
    assert row is not None
    assert row.opened == clock.now
    clock.advance(60)
    assert client.get(f"/t/{notification_id}?u={quote(target, safe='')}").status_code == 302
    row = outbox.get(notification_id)
    assert row is not None
    assert row.opened == clock.now - 60  # the first open counts


def test_no_open_redirect(client: FlaskClient, member: dict[str, Any], ctx: HubContext) -> None:
    outbox = Outbox(ctx.connect())
    notification_id = outbox.enqueue(Notification(idempotency_key="k", channel="webpush", kind="marketing",
                                                  payload={}, member_id=member["member_id"]))  # fmt: skip
    assert notification_id is not None
    response = client.get(f"/t/{notification_id}?u={quote('https://evil.example/login', safe='')}")
    assert response.status_code == 422
    assert "Location" not in response.headers
    assert response.json["fields"] == {"u": "not an allowed destination"}
    row = outbox.get(notification_id)
    assert row is not None
    assert row.opened is None
    assert client.get(f"/t/{notification_id}").status_code == 422  # no destination at all


def test_an_unknown_notification_still_redirects(client: FlaskClient) -> None:
    response = client.get("/t/0123?u=/p/RUN-42")
    assert (response.status_code, response.headers["Location"]) == (302, "https://hub.store.example/p/RUN-42")
