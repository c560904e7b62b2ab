"""A member's phones and browsers: enrollment tokens, enrolling a device, and Web Push subscriptions.

Enrollment is the one call without a bearer token: the one-time enrollment token in the body is the credential.
What it answers (the identity key and the app token) is shown once and never again.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response

from edge.hub.api import repos
from edge.hub.api.database import hub_context
from edge.hub.api.errors import Invalid
from edge.hub.api.routing import ADMIN, APP, KIOSK, Answer, ApiBlueprint, reply
from edge.hub.api.schemas import Enroll, Enrolled, EnrollmentToken, PushKey, PushSubscribed, PushSubscription
from edge.hub.db.devices import SILENT

api = ApiBlueprint("devices", __name__)


@api.route(
    "POST", "/members/<member_id>/enrollment-tokens",
    scopes=(ADMIN, KIOSK, APP), answers={201: Answer("Issued", EnrollmentToken)},
)  # fmt: skip
def issue_enrollment_token(member_id: str) -> Response:
    """A new one-time token to enroll one of the member's devices."""
    ctx = hub_context()
    ttl_s = ctx.config.hub.enrollment_ttl_s
    expires = ctx.clock() + ttl_s
    token = repos.devices().issue_token(member_id, ttl_s)
    return reply(EnrollmentToken(enrollment_token=token, expires=expires), 201)


@api.route(
    "POST", "/enroll",
    scopes=(), body=Enroll, errors=(404, 410),
    answers={201: Answer("Enrolled: the device's identity key and app token, shown only now", Enrolled)},
)  # fmt: skip
def enroll(body: Enroll) -> Response:
    """Enroll a phone or tag with a one-time enrollment token."""
    enrollment = repos.devices().redeem(body.enrollment_token, body.platform)
    if body.platform != SILENT:  # the wallet web app advertises nothing: its key stays out of the EID table
        hub_context().listener.device_enrolled(enrollment.device_id, enrollment.identity_key, enrollment.k)
    answer = Enrolled(
        device_id=enrollment.device_id,
        identity_key=enrollment.identity_key.hex(),
        k=enrollment.k,
        app_token=enrollment.app_token,
        member_id=enrollment.member_id,
    )
    return reply(answer, 201)


@api.route(
    "POST", "/members/<member_id>/push-subscriptions",
    scopes=(ADMIN, APP), body=PushSubscription, answers={201: Answer("Subscribed", PushSubscribed)},
)  # fmt: skip
def subscribe(member_id: str, body: PushSubscription) -> Response:
    """Store the browser's Web Push subscription."""
    try:
        urlsplit(body.endpoint).port  # noqa: B018 -- raises ValueError for a malformed host or port
    except ValueError:
        raise Invalid("the endpoint is not a URL", {"endpoint": "invalid"}) from None
    repos.push_subscriptions().add(member_id, body.endpoint, body.keys.p256dh, body.keys.auth)
    return reply(PushSubscribed(member_id=member_id, endpoint=body.endpoint), 201)


@api.route(
    "GET", "/push/key",
    scopes=(), answers={200: Answer("The key", PushKey)},
)  # fmt: skip
def push_key() -> Response:
    """The Web Push application server key (VAPID public key)."""
    return reply(PushKey(application_server_key=hub_context().vapid_public_key))
