"""The outbox dispatcher: sends what the campaign decisions wrote to the outbox, and records what happened.

Delivery is at least once with an idempotency key, which makes it once for the shopper: a notification is marked
sent right after the push service accepted it, and if the hub dies between the two, the restarted dispatcher
sends it again with the same ``Topic`` header (the push service replaces an undelivered copy) and the same
``notification_id`` in the payload (the app shows it with ``tag = notification_id``, so a copy that did arrive
replaces the first on screen instead of appearing twice). Nothing decided is ever dropped: a failure is retried
with backoff until `MAX_ATTEMPTS`, then the row is marked dead with the reason (and counted).

One thread: HTTP to push services is slow and independent of the MQTT service's thread, which only writes rows and
wakes this one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote

import msgspec

from edge.hub.db import Outbox, OutboxRow, PushSubscriptions
from edge.hub.feed import LiveFeed
from edge.hub.metrics import HubMetrics
from edge.hub.notify.backoff import MAX_ATTEMPTS, next_attempt
from edge.hub.notify.webpush import PushArgumentError, SendResult, Subscription, Urgency, make_topic
from edge.protocol import StaffAlert

if TYPE_CHECKING:
    from sqlite_utils import Database

log = logging.getLogger("corsia.hub.dispatch")

PUSH_TTL_S = 4 * 3600  # a store-entry push is useless tomorrow; a push service may drop it after this
BATCH = 50


def open_link(public_url: str, row: OutboxRow) -> str:
    """The open-tracking link of a notification: the hub counts the open, then redirects to where it points."""
    base = public_url.rstrip("/")
    target = str(row.payload.get("url") or base + "/")
    return f"{base}/t/{row.id}?u={quote(target, safe='')}"


class PushSender(Protocol):
    """What the dispatcher needs of `WebPushSender` (a test may give a sender aimed at a local push service)."""

    def send(
        self, subscription: Subscription, payload: Mapping[str, object], *, topic: str | None, ttl_s: int,
        urgency: Urgency,
    ) -> SendResult: ...  # fmt: skip


class Dispatcher:
    """Sends due outbox rows: Web Push to each of the member's subscriptions, staff alerts over MQTT."""

    def __init__(
        self,
        db: Database,
        sender: PushSender,
        publish_staff: Callable[[StaffAlert], None],
        *,
        public_url: str,
        metrics: HubMetrics | None = None,
        feed: LiveFeed | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._outbox = Outbox(db, clock=clock)
        self._subscriptions = PushSubscriptions(db, clock=clock)
        self._sender = sender
        self._publish_staff = publish_staff
        self._public_url = public_url.rstrip("/")
        self._metrics = metrics
        self._feed = feed
        self._clock = clock
        self.wake = threading.Event()
        """Set by whoever wrote to the outbox, so the dispatcher does not wait for its next poll."""

    def run_once(self) -> int:
        """Send every row due now; how many rows were handled (sent, retried or given up)."""
        handled = 0
        while True:
            rows = self._outbox.due(self._clock(), BATCH)
            for row in rows:
                self._handle(row)
            handled += len(rows)
            if len(rows) < BATCH:
                break
        if self._metrics is not None:
            self._metrics.outbox_pending.set(self._outbox.stats().get("pending", 0))
        return handled

    def run(self, stop: threading.Event, poll_s: float = 1.0) -> None:
        """Dispatch until `stop` is set: at once when woken, else every `poll_s` (retries come due by time)."""
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:  # the database busy or gone for a moment: keep the thread, try again
                log.exception("dispatch round failed")
            self.wake.wait(poll_s)
            self.wake.clear()

    # --- one row -----------------------------------------------------------------------------------------

    def _handle(self, row: OutboxRow) -> None:
        if row.channel == "staff":
            self._send_staff(row)
        else:
            self._send_push(row)

    def _send_staff(self, row: OutboxRow) -> None:
        try:
            alert = msgspec.convert({**row.payload, "v": 1, "t": self._clock()}, StaffAlert)
        except msgspec.ValidationError as exc:
            self._outbox.mark_dead(row.id, f"not a staff alert: {exc}")
            self._count("dead")
            return
        try:
            self._publish_staff(alert)
        except Exception as exc:  # the MQTT client refused (stopped, backpressure): retry later
            self._retry(row, f"staff alert not published: {exc}", None)
            return
        self._outbox.mark_sent(row.id, self._clock())
        self._count("delivered")
        self._tell(row, "sent")

    def _send_push(self, row: OutboxRow) -> None:
        subscriptions = self._subscriptions.for_member(row.member_id) if row.member_id else []
        if not subscriptions:
            # Nothing to send to (the app never subscribed, or every subscription is gone): no retry can help.
            self._outbox.mark_dead(row.id, "no push subscription")
            self._count("no_subscription")
            return
        payload = self._payload(row)
        delivered, retry_after, errors = False, None, []
        for sub in subscriptions:
            try:
                subscription = Subscription(endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth)
                result = self._sender.send(
                    subscription, payload, topic=make_topic(row.id), ttl_s=PUSH_TTL_S, urgency="normal"
                )
            except PushArgumentError as exc:  # a payload too big, a stored subscription no browser made
                errors.append(f"rejected: {exc}")
                self._count("rejected")
                continue
            self._count(result.outcome)
            if result.outcome == "delivered":
                delivered = True
            elif result.outcome == "gone":
                self._subscriptions.remove(sub.endpoint)  # the browser unsubscribed or the app was removed
            else:
                errors.append(f"{result.outcome} {result.status}: {result.detail}")
                if result.outcome == "retry" and result.retry_after_s is not None:
                    retry_after = max(retry_after or 0.0, result.retry_after_s)
        if delivered:
            # One of the member's phones has it; retrying the others would risk a copy on the ones that do.
            self._outbox.mark_sent(row.id, self._clock())
            self._tell(row, "sent")
        elif errors and any(e.startswith("retry") for e in errors):
            self._retry(row, "; ".join(errors), retry_after)
        else:
            self._outbox.mark_dead(row.id, "; ".join(errors) or "every subscription is gone")

    def _payload(self, row: OutboxRow) -> dict[str, object]:
        payload = dict(row.payload)
        payload["notification_id"] = row.id
        payload["url"] = open_link(self._public_url, row)
        return payload

    def _retry(self, row: OutboxRow, error: str, retry_after_s: float | None) -> None:
        if row.attempts + 1 >= MAX_ATTEMPTS:
            self._outbox.mark_dead(row.id, f"gave up after {row.attempts + 1} attempts: {error}")
            self._count("dead")
            return
        when = next_attempt(row.attempts + 1, self._clock(), retry_after_s=retry_after_s)
        self._outbox.mark_retry(row.id, error, when)

    def _tell(self, row: OutboxRow, state: str) -> None:
        if self._feed is not None:
            self._feed.publish("notification", {"state": state, "campaign": row.campaign_id, "kind": row.kind,
                                                "channel": row.channel, "visit": row.visit})  # fmt: skip

    def _count(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.notifications.labels(outcome=outcome).inc()
