"""Web Push delivery for the store hub: the VAPID identity, sending one message, and when to try again.

``vapid`` keeps the hub's key pair, ``webpush`` encrypts and posts one message and says what became of it, and
``backoff`` schedules retries. The dispatcher (which reads the outbox and calls `WebPushSender.send`) and the
HTTP API (which stores subscriptions with `Subscription.from_json`) live elsewhere. docs/web-push.md tells the
whole story, the app's side included.
"""

from edge.hub.notify.backoff import GIVE_UP_AFTER_S, MAX_ATTEMPTS, next_attempt
from edge.hub.notify.vapid import VapidKeyError, VapidKeys, load_or_create_vapid
from edge.hub.notify.webpush import (
    MAX_PAYLOAD_BYTES,
    MAX_TTL_S,
    Outcome,
    PayloadTooLargeError,
    PushArgumentError,
    SendResult,
    Subscription,
    SubscriptionError,
    Urgency,
    WebPushError,
    WebPushSender,
    check_topic,
    make_topic,
)

__all__ = [
    "GIVE_UP_AFTER_S",
    "MAX_ATTEMPTS",
    "MAX_PAYLOAD_BYTES",
    "MAX_TTL_S",
    "Outcome",
    "PayloadTooLargeError",
    "PushArgumentError",
    "SendResult",
    "Subscription",
    "SubscriptionError",
    "Urgency",
    "VapidKeyError",
    "VapidKeys",
    "WebPushError",
    "WebPushSender",
    "check_topic",
    "load_or_create_vapid",
    "make_topic",
    "next_attempt",
]
