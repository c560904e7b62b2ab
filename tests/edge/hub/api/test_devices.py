"""Enrollment (tokens, redeeming them once, expiry), push subscriptions and the push key."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from edge.hub.context import HubContext
from edge.hub.db import Devices, PushSubscriptions, SecretBox
from edge.identity import DEFAULT_K
from tests.edge.hub.api.conftest import VAPID_PUBLIC_KEY, FakeClock, Headers, RecordingListener

Enroll = Callable[[str], dict[str, Any]]
P256DH = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"


def test_enroll_gives_the_key_once_and_tells_the_service(
    client: FlaskClient, member: dict[str, Any], enroll: Enroll, ctx: HubContext, listener: RecordingListener
) -> None:
    enrolled = enroll(member["enrollment_token"])
    assert set(enrolled) == {"device_id", "identity_key", "k", "app_token", "member_id"}
    assert enrolled["member_id"] == member["member_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", enrolled["identity_key"])
    assert enrolled["k"] == DEFAULT_K
    key = bytes.fromhex(enrolled["identity_key"])
    assert listener.calls == [("device_enrolled", (enrolled["device_id"], key, DEFAULT_K))]
    devices = Devices(ctx.connect(), SecretBox(ctx.secret_key))
    assert list(devices.identities()) == [(enrolled["device_id"], key, DEFAULT_K)]
    assert devices.member_for_app_token(enrolled["app_token"]) == member["member_id"]
    headers = {"Authorization": f"Bearer {enrolled['app_token']}"}
    got = client.get(f"/api/v1/members/{member['member_id']}", headers=headers).json
    assert got["devices"] == [enrolled["device_id"]]  # ids only: no key, no token
    assert enrolled["identity_key"] not in str(got)


def test_the_wallet_web_app_enrolls_but_never_enters_the_eid_table(
    client: FlaskClient, member: dict[str, Any], ctx: HubContext, listener: RecordingListener
) -> None:
    response = client.post("/api/v1/enroll", json={"enrollment_token": member["enrollment_token"], "platform": "web"})
    assert response.status_code == 201, response.json
    enrolled = response.json
    assert listener.calls == []  # a browser advertises nothing: no EID to resolve
    devices = Devices(ctx.connect(), SecretBox(ctx.secret_key))
    assert list(devices.identities()) == []
    assert list(devices.keyring()) == []
    assert devices.member_for_app_token(enrolled["app_token"]) == member["member_id"]
    headers = {"Authorization": f"Bearer {enrolled['app_token']}"}
    assert client.get(f"/api/v1/members/{member['member_id']}/wallet", headers=headers).status_code == 200


def test_a_used_token_is_gone(client: FlaskClient, member: dict[str, Any], enroll: Enroll) -> None:
    enroll(member["enrollment_token"])
    response = client.post("/api/v1/enroll", json={"enrollment_token": member["enrollment_token"], "platform": "ios"})
    assert response.status_code == 410
    assert response.json == {"error": "gone", "message": "the enrollment token was used",
                             "fields": {"enrollment_token": "used"}}  # fmt: skip


def test_an_expired_token_is_gone(
    client: FlaskClient, member: dict[str, Any], clock: FakeClock, ctx: HubContext, listener: RecordingListener
) -> None:
    clock.advance(ctx.config.hub.enrollment_ttl_s)
    response = client.post("/api/v1/enroll", json={"enrollment_token": member["enrollment_token"], "platform": "tag"})
    assert response.status_code == 410
    assert response.json["fields"] == {"enrollment_token": "expired"}
    assert listener.calls == []


def test_an_unknown_token_or_platform(client: FlaskClient, member: dict[str, Any]) -> None:
    response = client.post("/api/v1/enroll", json={"enrollment_token": "made-up", "platform": "android"})
    assert (response.status_code, response.json["error"]) == (404, "unknown_token")
    response = client.post("/api/v1/enroll", json={"enrollment_token": member["enrollment_token"], "platform": "pc"})
    assert (response.status_code, list(response.json["fields"])) == (422, ["platform"])
    # A refused request did not use the token up.
    response = client.post("/api/v1/enroll", json={"enrollment_token": member["enrollment_token"], "platform": "ios"})
    assert response.status_code == 201


def test_new_enrollment_tokens(
    client: FlaskClient, member: dict[str, Any], app_headers: Headers, kiosk: Headers, clock: FakeClock,
    ctx: HubContext, enroll: Enroll,
) -> None:  # fmt: skip
    path = f"/api/v1/members/{member['member_id']}/enrollment-tokens"
    response = client.post(path, headers=app_headers)
    assert response.status_code == 201
    assert response.json["expires"] == clock.now + ctx.config.hub.enrollment_ttl_s
    second_phone = enroll(response.json["enrollment_token"])
    assert second_phone["app_token"] not in app_headers["Authorization"]
    assert client.post(path, headers=kiosk).status_code == 201
    assert client.post("/api/v1/members/m_nobody/enrollment-tokens", headers=kiosk).status_code == 404


def test_push_subscription(client: FlaskClient, member: dict[str, Any], app_headers: Headers, ctx: HubContext) -> None:
    keys = {"p256dh": P256DH, "auth": "tBHItJI5svbpez7KI4CCXg"}
    subscription = {"endpoint": "https://push.example.net/send/abc", "expirationTime": None, "keys": keys}
    path = f"/api/v1/members/{member['member_id']}/push-subscriptions"
    response = client.post(path, json=subscription, headers=app_headers)
    assert response.status_code == 201
    assert response.json == {"member_id": member["member_id"], "endpoint": subscription["endpoint"]}
    stored = PushSubscriptions(ctx.connect()).for_member(member["member_id"])
    assert [s.subscription_info() for s in stored] == [{"endpoint": subscription["endpoint"],
                                                         "keys": subscription["keys"]}]  # fmt: skip
    for endpoint in ("ftp://push.example.net/x", "http://0[", "https://push.example.net:99999/"):
        response = client.post(path, json={**subscription, "endpoint": endpoint}, headers=app_headers)
        assert (response.status_code, list(response.json["fields"])) == (422, ["endpoint"]), endpoint


def test_push_key_is_public(client: FlaskClient) -> None:
    assert client.get("/api/v1/push/key").json == {"application_server_key": VAPID_PUBLIC_KEY}
