"""Sending one Web Push message (RFC 8030 delivery, RFC 8291 aes128gcm encryption, RFC 8292 VAPID).

`WebPushSender.send` turns every HTTP or network problem into a `SendResult` whose `outcome` tells the caller
what to do next; it raises only for arguments that no push service could ever accept (a malformed subscription,
a bad topic, a payload that does not fit one record). The encryption is pywebpush's (``WebPusher.encode``, which
uses http_ece); `VapidKeys.authorization` signs the VAPID token. The HTTP request is ours, so that redirects are
not followed (``requests`` would turn a redirected POST into a GET) and every header is the one the RFCs name.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Final, Literal, get_args
from urllib.parse import urlsplit

import http_ece
import requests
from cryptography.hazmat.primitives.asymmetric import ec
from pywebpush import WebPusher, WebPushException

from edge import __version__
from edge.config.checks import mailto_or_https
from edge.errors import CorsiaError
from edge.hub.notify.vapid import VapidKeys, b64url, b64url_decode

log = logging.getLogger("corsia.hub.notify")

Urgency = Literal["very-low", "low", "normal", "high"]
Outcome = Literal["delivered", "gone", "retry", "rejected"]
URGENCIES: Final = frozenset(get_args(Urgency))

# RFC 8291 §4: a push message is one aes128gcm record of at most 4096 octets, header included. The header is the
# salt (16), the record size (4), the key id length (1) and the sender's public key (65); the record adds a
# one-byte padding delimiter and the 16-byte AEAD tag.
PUSH_MESSAGE_BYTES: Final = 4096
MAX_PAYLOAD_BYTES: Final = PUSH_MESSAGE_BYTES - (16 + 4 + 1 + 65) - (1 + 16)  # 3993
MAX_TTL_S: Final = 28 * 86400  # the longest any major push service keeps a message; more is a unit mistake
MAX_TOPIC_CHARS: Final = 32  # RFC 8030 §5.4
JWT_LIFETIME_S: Final = 12 * 3600  # RFC 8292 allows 24 h; half leaves room for a push service's clock skew
JWT_REFRESH_MARGIN_S: Final = 3600  # sign anew an hour before expiry, never send a token about to lapse
_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")
_DELAY = re.compile(r"\d{1,9}(\.\d+)?")
_DETAIL_CHARS = 200


class WebPushError(CorsiaError):
    """Root of the Web Push sender's errors."""


class PushArgumentError(WebPushError, ValueError):
    """An argument no push service could accept: a programming or data error, not a delivery problem.

    `field` names the argument (``"topic"``, ``"payload"``, ``"keys.p256dh"``), `reason` what is wrong.
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class SubscriptionError(PushArgumentError):
    """A push subscription that is not a browser's: bad endpoint URL, or keys of the wrong kind or size."""


class PayloadTooLargeError(PushArgumentError):
    """The payload's JSON is `size` bytes, more than the `limit` that fits one push message record."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__("payload", f"{size} bytes of JSON, more than the {limit} that fit one push message")


@dataclass(frozen=True, slots=True)
class Subscription:
    """A browser's push subscription: where to POST, and the keys to encrypt for (both URL-safe base64).

    Validated on creation, so a stored subscription is always one the sender can encrypt for. Plain ``http``
    endpoints are accepted only on loopback addresses (local tests and development).
    """

    endpoint: str
    p256dh: str
    """The user agent's P-256 public key (uncompressed point, 65 bytes)."""
    auth: str
    """The 16-byte authentication secret."""

    def __post_init__(self) -> None:
        _check_endpoint(self.endpoint)
        try:
            point = b64url_decode(self.p256dh)
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        except (TypeError, ValueError):
            raise SubscriptionError("keys.p256dh", "not a URL-safe base64 P-256 public key") from None
        if len(point) != 65:  # compressed points load too, but RFC 8291 sends the uncompressed form
            raise SubscriptionError("keys.p256dh", "not an uncompressed P-256 point (65 bytes)")
        try:
            secret = b64url_decode(self.auth)
        except (TypeError, ValueError):
            raise SubscriptionError("keys.auth", "not URL-safe base64") from None
        if len(secret) != 16:
            raise SubscriptionError("keys.auth", f"the auth secret must be 16 bytes, got {len(secret)}")

    @classmethod
    def from_json(cls, data: object) -> Subscription:
        """Read the browser's ``PushSubscription.toJSON()``: ``{"endpoint", "keys": {"p256dh", "auth"}}``.

        Other members (``expirationTime``) are ignored. Raises `SubscriptionError` naming the bad field.
        """
        if not isinstance(data, Mapping):
            raise SubscriptionError("", "a push subscription must be a JSON object")
        endpoint, keys = data.get("endpoint"), data.get("keys")
        if not isinstance(endpoint, str):
            raise SubscriptionError("endpoint", "missing, or not a string")
        if not isinstance(keys, Mapping):
            raise SubscriptionError("keys", "missing, or not an object")
        p256dh, auth = keys.get("p256dh"), keys.get("auth")
        if not isinstance(p256dh, str):
            raise SubscriptionError("keys.p256dh", "missing, or not a string")
        if not isinstance(auth, str):
            raise SubscriptionError("keys.auth", "missing, or not a string")
        return cls(endpoint=endpoint, p256dh=p256dh, auth=auth)

    def to_json(self) -> dict[str, object]:
        """The browser's PushSubscription JSON."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}

    @property
    def origin(self) -> str:
        """The push service's origin (``https://fcm.googleapis.com``): the VAPID token's audience."""
        return _origin(self.endpoint)


@dataclass(frozen=True, slots=True)
class SendResult:
    """What became of one send, and so what the caller does next.

    * ``delivered``: the push service accepted the message (2xx).
    * ``gone``: the subscription no longer exists (404, 410): remove it, never send to it again.
    * ``retry``: a temporary failure (408, 429, 5xx, timeout, network error): send again later, no sooner
      than `retry_after_s` when the service said so.
    * ``rejected``: the service refused this message for good (other 4xx such as 400, 401, 403, 413, or an
      unexpected redirect): retrying the same request cannot help.
    """

    outcome: Outcome
    status: int | None = None
    """The HTTP status, or None when no answer came (timeout, network error)."""
    retry_after_s: float | None = None
    """Seconds the service asked to wait (its Retry-After header), for ``retry`` outcomes only."""
    detail: str = ""
    """A short reason for logs: the status and the start of the service's answer, or the network error."""


def check_topic(topic: str) -> str:
    """Return `topic` if it is a valid RFC 8030 Topic (1-32 URL-safe base64 characters); else raise."""
    if not isinstance(topic, str) or _TOPIC.fullmatch(topic) is None:
        raise PushArgumentError("topic", f"must be 1-{MAX_TOPIC_CHARS} URL-safe base64 characters, got {topic!r}")
    return topic


def make_topic(key: str) -> str:
    """A valid Topic derived from any string (a notification id): the same key always gives the same topic.

    Its 32 characters carry 192 bits of SHA-256, so two different notifications never share a topic.
    """
    return b64url(hashlib.sha256(key.encode("utf-8")).digest())[:MAX_TOPIC_CHARS]


def encode_payload(payload: Mapping[str, object]) -> bytes:
    """The payload as compact UTF-8 JSON, refused with `PayloadTooLargeError` when it does not fit one record."""
    if not isinstance(payload, Mapping):
        raise PushArgumentError("payload", f"must be a mapping, got {type(payload).__name__}")
    try:
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise PushArgumentError("payload", f"cannot be encoded as JSON: {exc}") from exc
    if len(data) > MAX_PAYLOAD_BYTES:
        raise PayloadTooLargeError(len(data), MAX_PAYLOAD_BYTES)
    return data


class WebPushSender:
    """Sends Web Push messages as the hub, over one keep-alive HTTP session.

    `subject` is the VAPID ``sub`` (``mailto:`` or ``https:``), how a push service's operator reaches the store's
    IT; `timeout_s` bounds connecting and each wait for the service's answer. `clock` gives Unix time (tests
    move it). One sender per thread: ``requests.Session`` is not documented as thread-safe.
    """

    def __init__(
        self,
        vapid: VapidKeys,
        subject: str,
        timeout_s: float = 10.0,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 0 < timeout_s <= 300:
            raise PushArgumentError("timeout_s", f"must be in (0, 300] seconds, got {timeout_s}")
        self.vapid = vapid
        self.subject = subject
        self.timeout_s = timeout_s
        self._clock = clock
        problem = mailto_or_https(subject) if isinstance(subject, str) else "must be a string"
        if problem:
            raise PushArgumentError("subject", problem)
        self._tokens: dict[str, tuple[str, int]] = {}  # origin -> (Authorization header, exp)
        self._session = requests.Session()  # one per sender: keep-alive to each push service
        self._session.headers["User-Agent"] = f"corsia-hub/{__version__}"

    def send(
        self,
        subscription: Subscription,
        payload: Mapping[str, object],
        *,
        topic: str | None = None,
        ttl_s: int,
        urgency: Urgency = "normal",
    ) -> SendResult:
        """Encrypt `payload` (JSON) for `subscription` and POST it to its push service.

        `topic` (see `check_topic`, `make_topic`) lets a resend replace a copy the service still holds instead
        of showing twice; `ttl_s` is how long the service keeps the message for an offline phone (0: deliver
        now or never); `urgency` tells a phone on battery saver whether to wake. Never raises for HTTP or
        network problems; raises `PushArgumentError` for bad arguments.
        """
        if not isinstance(subscription, Subscription):
            raise PushArgumentError("subscription", f"must be a Subscription, got {type(subscription).__name__}")
        if topic is not None:
            check_topic(topic)
        if isinstance(ttl_s, bool) or not isinstance(ttl_s, int) or not 0 <= ttl_s <= MAX_TTL_S:
            raise PushArgumentError("ttl_s", f"must be an integer of 0..{MAX_TTL_S} seconds, got {ttl_s!r}")
        if urgency not in URGENCIES:
            raise PushArgumentError("urgency", f"must be one of {sorted(URGENCIES)}, got {urgency!r}")
        body = self._encrypt(subscription, encode_payload(payload))
        headers = {
            "Authorization": self._authorization(subscription.origin),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(ttl_s),
            "Urgency": urgency,
        }
        if topic is not None:
            headers["Topic"] = topic
        result = self._post(subscription.endpoint, body, headers)
        log.debug("push to %s: %s %s", subscription.origin, result.outcome, result.detail)
        return result

    def close(self) -> None:
        """Close the kept-alive connections."""
        self._session.close()

    def __enter__(self) -> WebPushSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals -------------------------------------------------------------------------------------------

    def _encrypt(self, subscription: Subscription, data: bytes) -> bytes:
        try:
            encoded = WebPusher(subscription.to_json()).encode(data, content_encoding="aes128gcm")
        except (WebPushException, http_ece.ECEException, ValueError) as exc:
            raise SubscriptionError("keys", f"cannot encrypt for this subscription: {exc}") from exc
        body = encoded["body"]
        assert isinstance(body, bytes)
        assert len(body) <= PUSH_MESSAGE_BYTES, "one record, as MAX_PAYLOAD_BYTES promises"
        return body

    def _authorization(self, origin: str) -> str:
        now = int(self._clock())
        cached = self._tokens.get(origin)
        # Reuse a token while it has an hour left (and the clock has not been set back past its issue time).
        if cached is not None and JWT_REFRESH_MARGIN_S < cached[1] - now <= JWT_LIFETIME_S:
            return cached[0]
        exp = now + JWT_LIFETIME_S
        header = self.vapid.authorization(aud=origin, sub=self.subject, exp=exp)
        self._tokens[origin] = (header, exp)
        return header

    def _post(self, endpoint: str, body: bytes, headers: dict[str, str]) -> SendResult:
        try:
            response = self._session.post(
                endpoint, data=body, headers=headers, timeout=self.timeout_s, allow_redirects=False
            )
        except requests.Timeout as exc:
            return SendResult("retry", detail=f"no answer within {self.timeout_s:g} s ({type(exc).__name__})")
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as exc:
            return SendResult("rejected", detail=f"unusable endpoint: {exc}")
        except requests.RequestException as exc:  # refused, reset, DNS, TLS: the network, not the message
            return SendResult("retry", detail=f"{type(exc).__name__}: {_short(str(exc))}")
        return classify(response.status_code, response.headers.get("Retry-After"), response.text, self._clock())


def classify(status: int, retry_after: str | None = None, text: str = "", now: float | None = None) -> SendResult:
    """Map a push service's answer to a `SendResult` (see its outcomes)."""
    detail = f"HTTP {status}" + (f": {_short(text)}" if text.strip() else "")
    if 200 <= status < 300:
        return SendResult("delivered", status, detail=detail)
    if status in (404, 410):
        return SendResult("gone", status, detail=detail)
    if status in (408, 429) or status >= 500:
        delay = parse_retry_after(retry_after, time.time() if now is None else now)
        return SendResult("retry", status, retry_after_s=delay, detail=detail)
    return SendResult("rejected", status, detail=detail)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delay seconds or an HTTP date); None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if _DELAY.fullmatch(value):  # RFC 9110 says whole seconds; a fraction is read rather than ignored
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT: one without a zone is unreadable, not a guess
        return None
    return max(0.0, when.timestamp() - now)


def _check_endpoint(endpoint: str) -> None:
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > 2048:
        raise SubscriptionError("endpoint", "must be a URL of at most 2048 characters")
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise SubscriptionError("endpoint", "not a valid URL") from None
    if not host or parts.username is not None or parts.password is not None or parts.fragment:
        raise SubscriptionError("endpoint", "must be a URL with a host and no credentials or fragment")
    if parts.scheme == "http" and not _is_loopback(host):
        raise SubscriptionError("endpoint", "must be https (plain http only on a loopback address)")
    if parts.scheme not in ("http", "https"):
        raise SubscriptionError("endpoint", "must be an https URL")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _origin(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 1] + "…"
