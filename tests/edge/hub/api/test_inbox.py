"""The inbox routes and the digital card: what a member's app reads, live, and only its own."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from flask.testing import FlaskClient

from edge.hub.context import HubContext
from edge.hub.db import Notification, Outbox
from tests.edge.hub.api.conftest import PUBLIC_URL, FakeClock, Headers


def decide(ctx: HubContext, member_id: str | None, key: str, title: str, **payload: Any) -> str:
    """Write a decided notification to the outbox, as the hub's core does."""
    db = ctx.connect()
    try:
        row_id = Outbox(db, ctx.clock).enqueue(Notification(
            idempotency_key=key, channel="webpush" if member_id else "staff", kind="marketing",
            payload={"title": title, "body": f"{title}, corpo", "url": f"{PUBLIC_URL}/x", **payload},
            member_id=member_id,
        ))  # fmt: skip
    finally:
        db.close()
    assert row_id is not None
    return row_id


def events(text: str) -> list[tuple[str, dict[str, Any]]]:
    """The (event, data) pairs of a server-sent event stream."""
    found = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if line and not line.startswith(":"))
        if "event" in fields:
            found.append((fields["event"], json.loads(fields["data"])))
    return found


def test_the_inbox_lists_the_members_own_notifications_newest_first(
    ctx: HubContext, clock: FakeClock, client: FlaskClient, app_headers: Headers, admin: Headers,
    member: dict[str, Any], sign_up: Any,
) -> None:  # fmt: skip
    member_id = member["member_id"]
    other = sign_up(email="marco@example.it", phone=None, first_name="Marco")
    first = decide(ctx, member_id, "a", "Benvenuta")
    clock.advance(60)
    second = decide(ctx, member_id, "b", "Grazie", coupon={"code": "7KQ2-M9XD", "skus": ["SOCK-1"]})
    decide(ctx, other["member_id"], "c", "Per Marco")
    decide(ctx, None, "d", "Staff")
    response = client.get(f"/api/v1/members/{member_id}/inbox", headers=app_headers)
    assert response.status_code == 200, response.json
    body = response.json
    assert body is not None
    assert [(n["notification_id"], n["title"], n["coupon_code"]) for n in body["notifications"]] == [
        (second, "Grazie", "7KQ2-M9XD"), (first, "Benvenuta", None),
    ]  # fmt: skip
    # The link counts the open before going where the message points, as the push's does.
    assert body["notifications"][1]["url"] == f"{PUBLIC_URL}/t/{first}?u=https%3A%2F%2Fhub.store.example%2Fx"
    assert client.get(f"/api/v1/members/{other['member_id']}/inbox", headers=app_headers).status_code == 403
    assert client.get(f"/api/v1/members/{member_id}/inbox").status_code == 401
    assert client.get("/api/v1/members/m_nobody/inbox", headers=admin).status_code == 404


def test_the_live_inbox_sends_what_came_since_and_what_comes_while_open(
    ctx: HubContext, clock: FakeClock, client: FlaskClient, app_headers: Headers, member: dict[str, Any]
) -> None:
    member_id = member["member_id"]
    seen = decide(ctx, member_id, "a", "Già letto")
    after = clock.now
    clock.advance(5)
    missed = decide(ctx, member_id, "b", "Arrivato prima")

    def later() -> None:
        time.sleep(0.08)
        clock.advance(5)
        decide(ctx, member_id, "c", "Arrivato dopo")

    writer = threading.Thread(target=later)
    writer.start()
    response = client.get(f"/api/v1/members/{member_id}/inbox/events?after={after}", headers=app_headers)
    writer.join()
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-store"
    got = events(response.get_data(as_text=True))
    assert [(e, d["title"]) for e, d in got] == [("notification", "Arrivato prima"), ("notification", "Arrivato dopo")]
    assert got[0][1]["notification_id"] == missed
    assert seen not in {d["notification_id"] for _, d in got}


def test_the_live_inbox_says_gone_when_the_member_is_erased(
    ctx: HubContext, client: FlaskClient, admin: Headers, app_headers: Headers, member: dict[str, Any]
) -> None:
    member_id = member["member_id"]
    other_client = client.application.test_client()  # a request of its own, on another thread
    erased = threading.Timer(0.05, lambda: other_client.delete(f"/api/v1/members/{member_id}", headers=admin))
    erased.start()
    response = client.get(f"/api/v1/members/{member_id}/inbox/events", headers=app_headers)
    erased.join()
    assert events(response.get_data(as_text=True)) == [("gone", {})]


def test_too_many_live_inboxes_are_refused_not_queued(
    ctx: HubContext, client: FlaskClient, app_headers: Headers, member: dict[str, Any]
) -> None:
    client.application.config.update(INBOX_MAX_STREAMS=1, INBOX_STREAM_S=0.6)
    path = f"/api/v1/members/{member['member_id']}/inbox/events"
    opened, done = threading.Event(), threading.Event()

    def hold_the_slot() -> None:
        with client.application.test_client() as phone:  # another phone, on its own thread
            response = phone.get(path, headers=app_headers, buffered=False)
            for _ in response.response:
                opened.set()
            response.close()
        done.set()

    threading.Thread(target=hold_the_slot, daemon=True).start()
    assert opened.wait(5)
    refused = client.get(path, headers=app_headers)
    assert refused.status_code == 503
    assert refused.json is not None
    assert refused.json["error"] == "busy"
    assert done.wait(5)
    assert client.get(path, headers=app_headers).status_code == 200  # the slot is free again


def test_the_digital_card_holds_the_member_number(
    client: FlaskClient, app_headers: Headers, member: dict[str, Any], sign_up: Any
) -> None:
    response = client.get(f"/api/v1/members/{member['member_id']}/card", headers=app_headers)
    assert response.status_code == 200, response.json
    card = response.json
    assert card is not None
    number = member["member_number"]
    assert (card["member_number"], card["qr_text"], card["barcode_format"]) == (number, f"CORSIA:M:{number}", "Code128")
    for svg in (card["qr_svg"], card["barcode_svg"]):
        # Whole documents an <img> can show: the namespace, a viewBox, no prologue.
        assert svg.startswith("<svg viewBox=")
        assert svg.endswith("</svg>")
        assert 'xmlns="http://www.w3.org/2000/svg"' in svg
    other = sign_up(email="marco@example.it", phone=None, first_name="Marco")
    assert client.get(f"/api/v1/members/{other['member_id']}/card", headers=app_headers).status_code == 403
