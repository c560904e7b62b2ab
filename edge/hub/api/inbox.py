"""A member's inbox: every notification the hub decided for them, and a live stream of the new ones.

The inbox is the in-app channel beside Web Push: a browser without a push service (or a member who never allowed
notifications) still sees each message while the wallet app is open, through the stream. The stream is
server-sent events read with ``fetch`` (so the app token travels in the ``Authorization`` header, never in a
URL); it ends after `STREAM_S` and the app reconnects, so an open phone never holds a server thread for good.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Annotated, Final

import msgspec
from flask import Response, current_app, stream_with_context

from edge.hub.api import repos
from edge.hub.api.database import hub_context
from edge.hub.api.errors import ApiError
from edge.hub.api.routing import ADMIN, APP, Answer, ApiBlueprint, reply
from edge.hub.db import OutboxRow
from edge.hub.notify.dispatcher import open_link

api = ApiBlueprint("inbox", __name__)

SHOWN: Final = 50
EVENT_STREAM: Final = "text/event-stream"
STREAM_S_KEY: Final = "INBOX_STREAM_S"
POLL_S_KEY: Final = "INBOX_POLL_S"
MAX_STREAMS_KEY: Final = "INBOX_MAX_STREAMS"
STREAM_S: Final = 300.0
POLL_S: Final = 1.0
MAX_STREAMS: Final = 64
"""Each open stream holds one of the HTTP server's threads; past this many, a phone is told to come back."""
KEEPALIVE_S: Final = 15.0  # a comment line now and then keeps proxies and the phone's network from closing it
_LIMIT_KEY: Final = "corsia_inbox_streams"
_limit_lock = threading.Lock()  # two first streams at once must not make two semaphores


class InboxItem(msgspec.Struct):
    """One notification as the member received it (`title` and `body` in their language)."""

    notification_id: str
    kind: str
    title: str
    body: str
    url: str
    """The open-tracking link: opening it counts the open and goes where the message points."""
    created: float
    coupon_code: str | None = None


class InboxView(msgspec.Struct):
    """The member's notifications, newest first."""

    member_id: str
    notifications: list[InboxItem]


class Since(msgspec.Struct, forbid_unknown_fields=True):
    """Where the stream starts."""

    after: Annotated[float, msgspec.Meta(ge=0)] | None = None
    """The `created` of the newest notification the app already has: later ones are sent first. Default: now."""


class Busy(ApiError):
    """Too many streams are open; come back after ``Retry-After``."""

    status = 503
    code = "busy"


def _item(row: OutboxRow, public_url: str) -> InboxItem:
    payload = row.payload
    coupon = payload.get("coupon")
    code = coupon.get("code") if isinstance(coupon, dict) else None
    return InboxItem(
        notification_id=row.id, kind=row.kind, title=str(payload.get("title", "")), body=str(payload.get("body", "")),
        url=open_link(public_url, row), created=row.created, coupon_code=str(code) if code else None,
    )  # fmt: skip


@api.route(
    "GET", "/members/<member_id>/inbox",
    scopes=(ADMIN, APP), answers={200: Answer("The member's notifications, newest first", InboxView)},
)  # fmt: skip
def get_inbox(member_id: str) -> Response:
    """The member's latest notifications."""
    repos.member(member_id)
    public_url = hub_context().config.hub.public_url
    rows = repos.outbox().for_member(member_id, limit=SHOWN)
    return reply(InboxView(member_id=member_id, notifications=[_item(r, public_url) for r in rows]))


def _limit() -> threading.BoundedSemaphore:
    """The semaphore counting this app's open streams, made on first use with the app's configured size."""
    with _limit_lock:
        limit: threading.BoundedSemaphore = current_app.extensions.setdefault(
            _LIMIT_KEY, threading.BoundedSemaphore(int(current_app.config.get(MAX_STREAMS_KEY, MAX_STREAMS)))
        )
        return limit


@api.route(
    "GET", "/members/<member_id>/inbox/events",
    scopes=(ADMIN, APP), query=Since, errors=(503,),
    answers={200: Answer("Server-sent events: one `notification` event (an InboxItem as JSON) per new message",
                         str, media=EVENT_STREAM)},
)  # fmt: skip
def inbox_events(member_id: str, query: Since) -> Response:
    """The member's new notifications, live (server-sent events)."""
    repos.member(member_id)
    limit = _limit()
    if not limit.acquire(blocking=False):
        raise Busy("too many live inboxes are open; the app falls back to reloading the inbox")
    lasts = float(current_app.config.get(STREAM_S_KEY, STREAM_S))
    poll = float(current_app.config.get(POLL_S_KEY, POLL_S))
    public_url = hub_context().config.hub.public_url
    since = hub_context().clock() if query.after is None else query.after

    def events() -> Iterator[str]:
        try:
            yield f"retry: {int(poll * 1000) + 1000}\n: open\n\n"
            seen, ends, quiet = since, time.monotonic() + lasts, time.monotonic()
            while time.monotonic() < ends:
                if repos.members().get(member_id) is None:
                    yield "event: gone\ndata: {}\n\n"  # erased while the app was open
                    return
                rows = repos.outbox().for_member(member_id, after=seen, limit=SHOWN)
                for row in reversed(rows):
                    data = msgspec.json.encode(_item(row, public_url)).decode()
                    yield f"id: {row.id}\nevent: notification\ndata: {data}\n\n"
                    seen = max(seen, row.created)
                    quiet = time.monotonic()
                if time.monotonic() - quiet >= KEEPALIVE_S:
                    yield ": keepalive\n\n"
                    quiet = time.monotonic()
                time.sleep(poll)
        finally:
            limit.release()

    response = Response(stream_with_context(events()), mimetype=EVENT_STREAM)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # a reverse proxy must pass each event on at once
    return response
