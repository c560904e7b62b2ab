"""WebPushSender against the local push service: real encryption, real VAPID, every outcome."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from edge.hub.notify import (
    MAX_PAYLOAD_BYTES,
    PayloadTooLargeError,
    PushArgumentError,
    SendResult,
    Subscription,
    SubscriptionError,
    VapidKeys,
    WebPushSender,
    check_topic,
    make_topic,
)
from edge.hub.notify.webpush import classify, parse_retry_after
from firmware_sim.devices.push_service import PushService
from tests.edge.hub.notify.conftest import SUBJECT

MESSAGE = {
    "title": "Le tue scarpe da corsa sono qui",
    "body": "Corsia 4 — Running, scaffale B: 3 paia nella tua taglia.",
    "url": "https://shop.example/app/p/RUN-123",
    "notification_id": "n-2f6c1a",
}


def test_a_message_arrives_decrypted_with_its_headers(push: PushService, sender: WebPushSender) -> None:
    sub = push.subscribe()
    result = sender.send(sub, MESSAGE, topic=make_topic("n-2f6c1a"), ttl_s=3600, urgency="high")
    assert result == SendResult("delivered", 201, detail="HTTP 201")
    [delivery] = push.wait_for(1, 5.0)
    assert delivery.payload == MESSAGE
    assert delivery.endpoint == sub.endpoint
    assert delivery.topic == make_topic("n-2f6c1a")
    assert delivery.urgency == "high"
    assert delivery.ttl == 3600


def test_vapid_claims_name_the_service_the_subject_and_a_near_expiry(
    push: PushService, sender: WebPushSender, vapid_keys: VapidKeys
) -> None:
    sub = push.subscribe(application_server_key=vapid_keys.application_server_key)
    before = time.time()
    assert sender.send(sub, MESSAGE, ttl_s=60).outcome == "delivered"
    [delivery] = push.deliveries(sub)
    assert delivery.claims["aud"] == push.url
    assert delivery.claims["sub"] == SUBJECT
    assert before < delivery.claims["exp"] <= before + 24 * 3600
    assert delivery.vapid_key == vapid_keys.application_server_key
    assert delivery.urgency == "normal"
    assert delivery.topic is None


def test_the_token_is_reused_then_renewed_before_it_expires(push: PushService, vapid_keys: VapidKeys) -> None:
    offset = [0.0]
    sub = push.subscribe()
    with WebPushSender(vapid_keys, SUBJECT, clock=lambda: time.time() + offset[0]) as sender:
        sender.send(sub, MESSAGE, ttl_s=0)
        sender.send(sub, MESSAGE, ttl_s=0)
        offset[0] = 11.5 * 3600  # less than an hour left on the first token: sign a new one
        sender.send(sub, MESSAGE, ttl_s=0)
    first, second, third = (d.claims["exp"] for d in push.wait_for(3, 5.0))
    assert first == second
    assert third > first + 11 * 3600


def test_one_connection_is_kept_alive_for_many_messages(push: PushService, sender: WebPushSender) -> None:
    subs = [push.subscribe() for _ in range(3)]
    for i in range(9):
        assert sender.send(subs[i % 3], {**MESSAGE, "notification_id": f"n-{i}"}, ttl_s=60).outcome == "delivered"
    assert [d.payload["notification_id"] for d in push.wait_for(9, 5.0)] == [f"n-{i}" for i in range(9)]
    assert push.connections == 1


def test_unicode_payload_survives_encryption(push: PushService, sender: WebPushSender) -> None:
    sub = push.subscribe()
    payload = {**MESSAGE, "body": "Sconto del 20 % sulle scarpe ✓ — grazie! 🏃", "extra": {"n": [1, 2.5, None]}}
    sender.send(sub, payload, ttl_s=60)
    assert push.wait_for(1, 5.0)[0].payload == payload


@pytest.mark.parametrize("status", [404, 410])
def test_not_found_and_gone_mean_gone(push: PushService, sender: WebPushSender, status: int) -> None:
    sub = push.subscribe()
    push.fail(sub, status)
    result = sender.send(sub, MESSAGE, ttl_s=60)
    assert result.outcome == "gone"
    assert result.status == status


def test_an_unsubscribed_endpoint_is_gone_for_good(push: PushService, sender: WebPushSender) -> None:
    sub = push.subscribe()
    push.unsubscribe(sub)
    assert [sender.send(sub, MESSAGE, ttl_s=60).status for _ in range(2)] == [410, 410]
    assert push.deliveries() == []


def test_an_endpoint_the_service_never_issued_is_gone(push: PushService, sender: WebPushSender) -> None:
    issued = push.subscribe()
    unknown = Subscription(f"{push.url}/push/never-issued", issued.p256dh, issued.auth)
    result = sender.send(unknown, MESSAGE, ttl_s=60)
    assert (result.outcome, result.status) == ("gone", 404)


def test_too_many_requests_is_retry_with_the_services_delay(push: PushService, sender: WebPushSender) -> None:
    sub = push.subscribe()
    push.fail(sub, 429, retry_after=120)
    result = sender.send(sub, MESSAGE, ttl_s=60)
    assert (result.outcome, result.status, result.retry_after_s) == ("retry", 429, 120.0)
    # The failure was for the next request only: the resend goes through.
    assert sender.send(sub, MESSAGE, ttl_s=60).outcome == "delivered"


def test_retry_after_as_an_http_date(push: PushService, sender: WebPushSender) -> None:
    sub = push.subscribe()
    push.fail(sub, 503, retry_after=formatdate(time.time() + 90, usegmt=True))
    result = sender.send(sub, MESSAGE, ttl_s=60)
    assert result.outcome == "retry"
    assert result.retry_after_s is not None
    assert 85 <= result.retry_after_s <= 91


def test_server_error_is_retry_without_a_delay(push: PushService, sender: WebPushSender) -> None:
    sub = push.subscribe()
    push.fail(sub, 500, times=2)
    results = [sender.send(sub, MESSAGE, ttl_s=60) for _ in range(3)]
    assert [(r.outcome, r.status, r.retry_after_s) for r in results] == [
        ("retry", 500, None),
        ("retry", 500, None),
        ("delivered", 201, None),
    ]
    assert len(push.deliveries(sub)) == 1


def test_always_failing_until_healed(push: PushService, sender: WebPushSender) -> None:
    sub = push.subscribe()
    push.fail(sub, 502, times=None)
    assert {sender.send(sub, MESSAGE, ttl_s=60).outcome for _ in range(3)} == {"retry"}
    push.heal(sub)
    assert sender.send(sub, MESSAGE, ttl_s=60).outcome == "delivered"


@pytest.mark.parametrize("status", [400, 401, 403, 413])
def test_other_client_errors_are_rejected(push: PushService, sender: WebPushSender, status: int) -> None:
    sub = push.subscribe()
    push.fail(sub, status)
    result = sender.send(sub, MESSAGE, ttl_s=60)
    assert (result.outcome, result.status) == ("rejected", status)
    assert "scripted failure" in result.detail


def test_a_stalled_service_is_retry_within_the_timeout(push: PushService, vapid_keys: VapidKeys) -> None:
    sub = push.subscribe()
    push.stall(sub, 10.0)
    with WebPushSender(vapid_keys, SUBJECT, timeout_s=0.5) as sender:
        started = time.monotonic()
        result = sender.send(sub, MESSAGE, ttl_s=60)
        elapsed = time.monotonic() - started
        assert result.outcome == "retry"
        assert result.status is None
        assert "0.5 s" in result.detail
        assert elapsed < 3.0
        # The sender recovers: the next message goes over a fresh connection.
        assert sender.send(sub, MESSAGE, ttl_s=60).outcome == "delivered"


def test_an_unreachable_service_is_retry(vapid_keys: VapidKeys, sender: WebPushSender) -> None:
    with PushService() as gone_service:
        sub = gone_service.subscribe()
    result = sender.send(sub, MESSAGE, ttl_s=60)
    assert result.outcome == "retry"
    assert result.status is None


def test_a_resend_with_the_same_topic_replaces_the_copy_held_for_an_offline_phone(
    push: PushService, sender: WebPushSender
) -> None:
    sub, other = push.subscribe(), push.subscribe()
    push.offline(sub)
    topic = make_topic("n-2f6c1a")
    assert sender.send(sub, {**MESSAGE, "attempt": 1}, topic=topic, ttl_s=600).outcome == "delivered"
    assert sender.send(sub, {**MESSAGE, "attempt": 2}, topic=topic, ttl_s=600).outcome == "delivered"
    assert sender.send(sub, {**MESSAGE, "notification_id": "n-other"}, ttl_s=600).outcome == "delivered"
    assert len(push.held(sub)) == 2
    push.online(sub)
    got = [(d.payload["notification_id"], d.payload.get("attempt")) for d in push.deliveries(sub)]
    assert got == [("n-2f6c1a", 2), ("n-other", None)]
    assert push.deliveries(other) == []


def test_largest_payload_that_fits_is_delivered_and_one_byte_more_is_refused(
    push: PushService, sender: WebPushSender
) -> None:
    sub = push.subscribe()
    overhead = len('{"body":""}')
    fits = {"body": "x" * (MAX_PAYLOAD_BYTES - overhead)}
    assert sender.send(sub, fits, ttl_s=60).outcome == "delivered"
    assert push.wait_for(1, 5.0)[0].payload == fits
    with pytest.raises(PayloadTooLargeError) as caught:
        sender.send(sub, {"body": "x" * (MAX_PAYLOAD_BYTES - overhead + 1)}, ttl_s=60)
    assert (caught.value.size, caught.value.limit) == (MAX_PAYLOAD_BYTES + 1, MAX_PAYLOAD_BYTES)
    assert push.requests() == 1  # refused before sending


def test_multibyte_text_counts_in_bytes(push: PushService, sender: WebPushSender) -> None:
    sub = push.subscribe()
    with pytest.raises(PayloadTooLargeError):
        sender.send(sub, {"body": "è" * 2000}, ttl_s=60)  # 2000 characters, 4000 bytes
    assert push.requests() == 0


@pytest.mark.parametrize("topic", ["a", "n-2f6c1a", "A" * 32, "abc_DEF-123"])
def test_valid_topics_are_sent(push: PushService, sender: WebPushSender, topic: str) -> None:
    sub = push.subscribe()
    assert check_topic(topic) == topic
    assert sender.send(sub, MESSAGE, topic=topic, ttl_s=60).outcome == "delivered"
    assert push.deliveries(sub)[0].topic == topic


@pytest.mark.parametrize("topic", ["", "A" * 33, "has space", "a+b", "a/b", "pad==", "caffè"])
def test_invalid_topics_are_refused_before_sending(push: PushService, sender: WebPushSender, topic: str) -> None:
    sub = push.subscribe()
    with pytest.raises(PushArgumentError) as caught:
        sender.send(sub, MESSAGE, topic=topic, ttl_s=60)
    assert caught.value.field == "topic"
    assert push.requests() == 0


def test_make_topic_is_stable_valid_and_distinct() -> None:
    topics = {make_topic(f"n-{i}") for i in range(1000)}
    assert len(topics) == 1000
    assert make_topic("n-1") == make_topic("n-1")
    assert all(check_topic(t) == t and len(t) == 32 for t in topics)
    assert check_topic(make_topic("x" * 500 + " è/+=")) == make_topic("x" * 500 + " è/+=")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"ttl_s": -1}, "ttl_s"),
        ({"ttl_s": 29 * 86400}, "ttl_s"),
        ({"ttl_s": True}, "ttl_s"),
        ({"ttl_s": 60.0}, "ttl_s"),
        ({"ttl_s": 60, "urgency": "urgent"}, "urgency"),
        ({"ttl_s": 60, "payload": {"t": {1, 2}}}, "payload"),
        ({"ttl_s": 60, "payload": {"x": float("nan")}}, "payload"),
        ({"ttl_s": 60, "payload": ["not", "an", "object"]}, "payload"),
    ],
)
def test_bad_arguments_raise_before_sending(
    push: PushService, sender: WebPushSender, kwargs: dict[str, object], field: str
) -> None:
    sub = push.subscribe()
    payload = kwargs.pop("payload", MESSAGE)
    with pytest.raises(PushArgumentError) as caught:
        sender.send(sub, payload, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)
    assert push.requests() == 0


@pytest.mark.parametrize("subject", ["it@corsia.example", "http://corsia.example", "mailto:", ""])
def test_a_bad_subject_is_refused_at_construction(vapid_keys: VapidKeys, subject: str) -> None:
    with pytest.raises(PushArgumentError) as caught:
        WebPushSender(vapid_keys, subject)
    assert caught.value.field == "subject"


def test_https_subject_is_accepted(push: PushService, vapid_keys: VapidKeys) -> None:
    sub = push.subscribe()
    with WebPushSender(vapid_keys, "https://corsia.example/contact") as sender:
        assert sender.send(sub, MESSAGE, ttl_s=60).outcome == "delivered"
    assert push.deliveries()[0].claims["sub"] == "https://corsia.example/contact"


# --- subscriptions ---------------------------------------------------------------------------------------------


def test_subscription_json_round_trip(push: PushService) -> None:
    browser = push.subscribe()
    data = browser.to_json()
    assert data == {"endpoint": browser.endpoint, "keys": {"p256dh": browser.p256dh, "auth": browser.auth}}
    stored = Subscription.from_json({**data, "expirationTime": None})  # browsers add it; it is ignored
    assert stored == Subscription(browser.endpoint, browser.p256dh, browser.auth)
    assert stored.to_json() == data
    assert stored.origin == push.url


def test_an_https_endpoint_is_accepted(push: PushService) -> None:
    browser = push.subscribe()
    sub = Subscription("https://fcm.googleapis.com/fcm/send/abc:APA91b", browser.p256dh, browser.auth)
    assert sub.origin == "https://fcm.googleapis.com"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": "http://push.example.net/x"}, "endpoint"),
        ({"endpoint": "ftp://push.example.net/x"}, "endpoint"),
        ({"endpoint": "https:///nohost"}, "endpoint"),
        ({"endpoint": "https://user:pw@push.example.net/x"}, "endpoint"),
        ({"endpoint": "https://push.example.net:99999/x"}, "endpoint"),
        ({"endpoint": 42}, "endpoint"),
        ({"p256dh": "BAAA"}, "keys.p256dh"),
        ({"p256dh": "not base64!"}, "keys.p256dh"),
        ({"p256dh": None}, "keys.p256dh"),
        ({"auth": "AAAA"}, "keys.auth"),
        ({"auth": "a+b/"}, "keys.auth"),
        ({"auth": None}, "keys.auth"),
    ],
)
def test_malformed_subscriptions_are_refused(push: PushService, change: dict[str, object], field: str) -> None:
    good = push.subscribe().to_json()
    keys = dict(good["keys"])  # type: ignore[call-overload]
    data: dict[str, object] = {"endpoint": good["endpoint"], "keys": keys}
    for name, value in change.items():
        if name == "endpoint":
            data["endpoint"] = value
        else:
            keys[name] = value
    with pytest.raises(SubscriptionError) as caught:
        Subscription.from_json(data)
    assert caught.value.field == field


def test_a_point_not_on_the_curve_is_refused(push: PushService) -> None:
    browser = push.subscribe()
    bogus = "BA" + "A" * 85  # 0x04 then zeros: 65 bytes, but not a P-256 point
    with pytest.raises(SubscriptionError, match="P-256"):
        Subscription(browser.endpoint, bogus, browser.auth)


@pytest.mark.parametrize("data", [None, [], "x", {"keys": {}}, {"endpoint": "https://a.example/x"}])
def test_json_that_is_not_a_subscription_is_refused(data: object) -> None:
    with pytest.raises(SubscriptionError):
        Subscription.from_json(data)


# --- pure mapping ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, "delivered"),
        (201, "delivered"),
        (202, "delivered"),
        (301, "rejected"),
        (400, "rejected"),
        (404, "gone"),
        (408, "retry"),
        (410, "gone"),
        (413, "rejected"),
        (429, "retry"),
        (500, "retry"),
        (503, "retry"),
    ],
)
def test_status_codes_map_to_outcomes(status: int, outcome: str) -> None:
    assert classify(status).outcome == outcome


def test_retry_after_parsing() -> None:
    now = 1_795_392_000.0
    assert parse_retry_after("30", now) == 30.0
    assert parse_retry_after(" 2.5 ", now) == 2.5
    assert parse_retry_after(formatdate(now + 60, usegmt=True), now) == pytest.approx(60.0)
    assert parse_retry_after(formatdate(now - 60, usegmt=True), now) == 0.0
    for bad in (None, "", "soon", "-5", "1e3"):
        assert parse_retry_after(bad, now) is None
    assert classify(200, "30").retry_after_s is None  # only retries carry a delay
