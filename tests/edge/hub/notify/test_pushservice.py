"""The local push service refuses what a strict real one refuses, so a passing send test means something."""

from __future__ import annotations

import socket
import time
from collections.abc import Mapping
from pathlib import Path

import pytest
import requests
from pywebpush import WebPusher

from edge.hub.notify import VapidKeys, WebPushSender, load_or_create_vapid
from firmware_sim.devices.push_service import BrowserSubscription, PushService
from tests.edge.hub.notify.conftest import SUBJECT

MESSAGE = {"title": "Ciao", "body": "Benvenuto", "url": "https://shop.example/app", "notification_id": "n-1"}


def _body(sub: BrowserSubscription, payload: bytes = b'{"title":"x"}') -> bytes:
    body = WebPusher(sub.to_json()).encode(payload, content_encoding="aes128gcm")["body"]
    assert isinstance(body, bytes)
    return body


def _post(
    push: PushService,
    sub: BrowserSubscription,
    keys: VapidKeys,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str | None] | None = None,
) -> requests.Response:
    """A hand-made Web Push request, valid unless `headers` (None removes one) or `body` say otherwise."""
    sent: dict[str, str] = {
        "Authorization": keys.authorization(aud=push.url, sub=SUBJECT, exp=int(time.time()) + 3600),
        "Content-Encoding": "aes128gcm",
        "TTL": "60",
    }
    for name, value in (headers or {}).items():
        sent.pop(name, None)
        if value is not None:
            sent[name] = value
    return requests.post(sub.endpoint, data=_body(sub) if body is None else body, headers=sent, timeout=5)


def _refused(push: PushService, response: requests.Response, status: int, reason: str) -> None:
    assert response.status_code == status
    [rejection] = push.rejections()
    assert rejection.status == status
    assert reason in rejection.reason
    assert push.deliveries() == []


def test_a_hand_made_valid_request_is_delivered(push: PushService, vapid_keys: VapidKeys) -> None:
    sub = push.subscribe()
    response = _post(push, sub, vapid_keys)
    assert response.status_code == 201
    assert response.headers["Location"].startswith(f"{push.url}/message/")
    assert push.wait_for(1, 5.0)[0].payload == {"title": "x"}
    assert push.rejections() == []


def test_a_sender_with_another_vapid_key_is_refused(push: PushService, tmp_path: Path, vapid_keys: VapidKeys) -> None:
    sub = push.subscribe(application_server_key=vapid_keys.application_server_key)
    other = load_or_create_vapid(tmp_path / "other.pem")
    with WebPushSender(other, SUBJECT) as sender:
        result = sender.send(sub, MESSAGE, ttl_s=60)
    assert (result.outcome, result.status) == ("rejected", 403)
    [rejection] = push.rejections()
    assert "application server key" in rejection.reason
    assert push.deliveries() == []


def test_an_expired_token_is_refused(push: PushService, vapid_keys: VapidKeys) -> None:
    sub = push.subscribe()
    with WebPushSender(vapid_keys, SUBJECT, clock=lambda: time.time() - 2 * 86400) as sender:
        result = sender.send(sub, MESSAGE, ttl_s=60)
    assert (result.outcome, result.status) == ("rejected", 401)
    assert "expired" in push.rejections()[0].reason
    assert push.deliveries() == []


def test_a_token_valid_for_more_than_a_day_is_refused(push: PushService, vapid_keys: VapidKeys) -> None:
    sub = push.subscribe()
    token = vapid_keys.authorization(aud=push.url, sub=SUBJECT, exp=int(time.time()) + 25 * 3600)
    _refused(push, _post(push, sub, vapid_keys, headers={"Authorization": token}), 401, "more than 24 h")


def test_a_token_for_another_service_is_refused(push: PushService, vapid_keys: VapidKeys) -> None:
    sub = push.subscribe()
    token = vapid_keys.authorization(aud="https://fcm.googleapis.com", sub=SUBJECT, exp=int(time.time()) + 3600)
    _refused(push, _post(push, sub, vapid_keys, headers={"Authorization": token}), 401, "aud")


def test_a_token_signed_by_one_key_but_claiming_another_is_refused(
    push: PushService, vapid_keys: VapidKeys, tmp_path: Path
) -> None:
    sub = push.subscribe()
    impostor = load_or_create_vapid(tmp_path / "impostor.pem")
    token = impostor.authorization(aud=push.url, sub=SUBJECT, exp=int(time.time()) + 3600)
    forged = token.split(",k=")[0] + ",k=" + vapid_keys.application_server_key
    _refused(push, _post(push, sub, vapid_keys, headers={"Authorization": forged}), 401, "signature")


def test_the_rfc_spaced_authorization_form_is_accepted(push: PushService, vapid_keys: VapidKeys) -> None:
    sub = push.subscribe()
    spaced = vapid_keys.authorization(aud=push.url, sub=SUBJECT, exp=int(time.time()) + 3600).replace(",k=", ", k=")
    assert _post(push, sub, vapid_keys, headers={"Authorization": spaced}).status_code == 201


@pytest.mark.parametrize(
    ("headers", "status", "reason"),
    [
        ({"Authorization": None}, 401, "missing Authorization"),
        ({"Authorization": "WebPush abc"}, 401, "scheme"),
        ({"Authorization": "vapid t=a.b.c,k=BAAA"}, 401, "P-256"),
        ({"TTL": None}, 400, "TTL"),
        ({"TTL": "-1"}, 400, "TTL"),
        ({"Content-Encoding": None}, 415, "aes128gcm"),
        ({"Content-Encoding": "aesgcm"}, 415, "aes128gcm"),
        ({"Urgency": "asap"}, 400, "Urgency"),
        ({"Topic": "x" * 33}, 400, "Topic"),
    ],
)
def test_bad_headers_are_refused(
    push: PushService, vapid_keys: VapidKeys, headers: dict[str, str | None], status: int, reason: str
) -> None:
    sub = push.subscribe()
    _refused(push, _post(push, sub, vapid_keys, headers=headers), status, reason)


def test_a_tampered_body_does_not_decrypt(push: PushService, vapid_keys: VapidKeys) -> None:
    sub = push.subscribe()
    body = bytearray(_body(sub))
    body[-5] ^= 0x01
    _refused(push, _post(push, sub, vapid_keys, body=bytes(body)), 400, "cannot decrypt")


def test_a_body_encrypted_for_another_phone_does_not_decrypt(push: PushService, vapid_keys: VapidKeys) -> None:
    sub, someone_else = push.subscribe(), push.subscribe()
    _refused(push, _post(push, sub, vapid_keys, body=_body(someone_else)), 400, "cannot decrypt")


def test_a_payload_that_is_not_a_json_object_is_refused(push: PushService, vapid_keys: VapidKeys) -> None:
    sub = push.subscribe()
    _refused(push, _post(push, sub, vapid_keys, body=_body(sub, b"[1, 2]")), 400, "JSON object")


def test_more_than_4096_bytes_is_too_large(push: PushService, vapid_keys: VapidKeys) -> None:
    sub = push.subscribe()
    body = _body(sub, b'{"body":"' + b"x" * 5000 + b'"}')  # http_ece splits it into two records
    _refused(push, _post(push, sub, vapid_keys, body=body), 413, "4096")


def test_ttl_zero_is_dropped_for_an_offline_phone_and_expired_messages_are_not_delivered(
    push: PushService, sender: WebPushSender
) -> None:
    sub = push.subscribe()
    push.offline(sub)
    sender.send(sub, {**MESSAGE, "notification_id": "now-or-never"}, ttl_s=0)
    sender.send(sub, {**MESSAGE, "notification_id": "short"}, ttl_s=1)
    sender.send(sub, {**MESSAGE, "notification_id": "long"}, ttl_s=600)
    assert [h.payload["notification_id"] for h in push.held(sub)] == ["short", "long"]
    time.sleep(1.2)
    push.online(sub)
    assert [d.payload["notification_id"] for d in push.deliveries(sub)] == ["long"]


def test_wait_for_times_out_with_what_went_wrong(push: PushService, vapid_keys: VapidKeys) -> None:
    sub = push.subscribe()
    _post(push, sub, vapid_keys, headers={"TTL": None})
    with pytest.raises(AssertionError, match=r"0 of 1 deliveries.*TTL"):
        push.wait_for(1, 0.2)


def test_requests_and_connections_are_counted(push: PushService, sender: WebPushSender) -> None:
    a, b = push.subscribe(), push.subscribe()
    push.fail(a, 500)
    for sub in (a, a, b):
        sender.send(sub, MESSAGE, ttl_s=60)
    assert (push.requests(), push.requests(a), push.requests(b)) == (3, 2, 1)
    assert push.connections == 1


def test_the_service_outlives_a_sender_that_vanishes_mid_request(push: PushService, vapid_keys: VapidKeys) -> None:
    # A hub killed mid-send leaves a half-written request behind; the service must carry on serving others.
    sub = push.subscribe()
    host, port = push.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as dead:
        dead.sendall(b"POST /push/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\npartial")
    with WebPushSender(vapid_keys, SUBJECT) as sender:
        assert sender.send(sub, MESSAGE, ttl_s=60).outcome == "delivered"
    assert push.wait_for(1, 5.0)[0].payload == MESSAGE
