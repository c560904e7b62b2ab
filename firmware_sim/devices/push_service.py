"""The simulated phones' Web Push service, for the tests and the demo: it checks every request like a strict real
one and decrypts what it gets.

`PushService` listens on 127.0.0.1 (a free port) and hands out browser-like subscriptions (`subscribe`). Each
POST to a subscription's endpoint is checked for RFC 8292 VAPID (ES256 signature valid for the key it names,
``aud`` equal to this service's origin, ``exp`` in the future and at most 24 h ahead, a ``sub``; the key pinned
by the subscription, when it has one), RFC 8030 headers (TTL, Urgency, Topic) and RFC 8291 content
(``Content-Encoding: aes128gcm``, one record of at most 4096 bytes). The body is decrypted with http_ece using
the subscription's own private key and auth secret, so an encryption mistake shows up as a refusal here, not as
a silent pass. What arrives intact is recorded as a `Delivery`; what is refused, as a `Rejection` with the reason.

Each subscription may carry a label and a language (the demo's shopper's name and chosen language); ``GET
/phones`` on the service answers, as JSON, what each phone got and decrypted, newest first (`phones`): the
store dashboard of ``corsia demo`` shows it. The service listens on loopback only.

Tests script the service per endpoint: answer an HTTP status for the next N requests or always (`fail`), stall
(`stall`), forget the subscription (`unsubscribe`: 410 from then on), or hold messages while the phone is
offline (`offline`/`online`), when a message with the same Topic replaces the one held, as RFC 8030 §5.4 says.

All state lives in this object, in the process that runs it, so the service keeps going while a hub process that
sends to it is killed and restarted.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
import secrets
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from edge.hub.notify.webpush import Subscription

MAX_MESSAGE_BYTES = 4096  # RFC 8291 §4
PHONE_MESSAGES = 50
"""The latest messages per phone that ``GET /phones`` shows."""
SHOWN_FIELDS = ("title", "body", "lang", "kind", "trigger", "campaign")
"""The payload fields ``GET /phones`` passes on, when they are strings; nothing else of a push leaves."""
MAX_JWT_LIFETIME_S = 86_400  # RFC 8292 §2
URGENCIES = ("very-low", "low", "normal", "high")
_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*=*", text):
        raise ValueError("not URL-safe base64")
    text = text.rstrip("=")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class BrowserSubscription(Subscription):
    """What a browser's ``pushManager.subscribe`` makes: a `Subscription` plus the secrets only the phone holds."""

    private_key: ec.EllipticCurvePrivateKey = field(repr=False, compare=False)
    auth_secret: bytes = field(repr=False)
    application_server_key: str | None = None
    """The key passed to ``subscribe``: when set, the service accepts only VAPID tokens made with it."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """A message that reached the phone: decrypted, parsed and checked."""

    endpoint: str
    topic: str | None
    urgency: str
    ttl: int
    payload: dict[str, Any]
    t: float
    """When the phone got it (Unix seconds); held messages keep their acceptance time until then."""
    claims: dict[str, Any] = field(default_factory=dict)
    """The VAPID token's claims (``aud``, ``exp``, ``sub``)."""
    vapid_key: str = ""
    """The application server key the token was made with (URL-safe base64)."""


@dataclass(frozen=True, slots=True)
class Rejection:
    """A request the service refused, and why."""

    endpoint: str
    status: int
    reason: str
    t: float


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    retry_after: str | None = None


@dataclass
class _Endpoint:
    sub: BrowserSubscription
    label: str | None = None
    language: str | None = None
    gone: bool = False
    online: bool = True
    held: list[Delivery] = field(default_factory=list)
    answers: deque[_Answer] = field(default_factory=deque)
    always: _Answer | None = None
    stalls: deque[float] = field(default_factory=deque)
    stall_always: float | None = None
    requests: int = 0


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class PushService:
    """A Web Push service on 127.0.0.1 for tests; use as a context manager (or `start` and `close`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._closing = threading.Event()
        self._endpoints: dict[str, _Endpoint] = {}
        self._deliveries: list[Delivery] = []
        self._rejections: list[Rejection] = []
        self._requests = 0
        self._connections = 0
        self._open: set[socket.socket] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> PushService:
        """Listen on a free loopback port and serve in a background thread."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        # A short poll interval: shutdown() waits for it, once per test.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="push-service", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, wake stalled requests and drop open connections."""
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> PushService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        """The service's origin, ``http://127.0.0.1:PORT`` (what a VAPID token's ``aud`` must be)."""
        if self._server is None:
            raise RuntimeError("the push service is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # --- subscriptions and scripting -------------------------------------------------------------------------

    def subscribe(
        self, application_server_key: str | None = None, *, label: str | None = None, language: str | None = None
    ) -> BrowserSubscription:
        """A new subscription, as a browser makes one; pinned to `application_server_key` when given.

        `label` and `language` name the phone's owner and the language they chose, for `phones`.
        """
        private_key = ec.generate_private_key(ec.SECP256R1())
        public = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        auth_secret = secrets.token_bytes(16)
        sub = BrowserSubscription(
            endpoint=f"{self.url}/push/{secrets.token_urlsafe(16)}",
            p256dh=_b64(public),
            auth=_b64(auth_secret),
            private_key=private_key,
            auth_secret=auth_secret,
            application_server_key=application_server_key,
        )
        with self._lock:
            self._endpoints[sub.endpoint] = _Endpoint(sub, label, language)
        return sub

    def fail(
        self, target: Subscription | str, status: int, *, times: int | None = 1, retry_after: float | str | None = None
    ) -> None:
        """Answer `status` (with Retry-After when given) to the next `times` valid requests, or always (None)."""
        answer = _Answer(status, None if retry_after is None else str(retry_after))
        with self._lock:
            ep = self._endpoint(target)
            if times is None:
                ep.always = answer
            else:
                ep.answers.extend([answer] * times)

    def stall(self, target: Subscription | str, seconds: float, *, times: int | None = 1) -> None:
        """Hold the next `times` requests (or all) for `seconds` before handling them, as an overloaded service."""
        with self._lock:
            ep = self._endpoint(target)
            if times is None:
                ep.stall_always = seconds
            else:
                ep.stalls.extend([seconds] * times)

    def heal(self, target: Subscription | str) -> None:
        """Forget every scripted failure and stall of this endpoint."""
        with self._lock:
            ep = self._endpoint(target)
            ep.answers.clear()
            ep.stalls.clear()
            ep.always = None
            ep.stall_always = None

    def unsubscribe(self, target: Subscription | str) -> None:
        """The user revoked permission: the endpoint answers 410 Gone from now on."""
        with self._lock:
            self._endpoint(target).gone = True

    def offline(self, target: Subscription | str) -> None:
        """The phone is unreachable: accepted messages are held (a new one with the same Topic replaces one held)."""
        with self._lock:
            self._endpoint(target).online = False

    def online(self, target: Subscription | str) -> None:
        """The phone is back: held messages whose TTL has not run out are delivered now."""
        now = time.time()
        with self._changed:
            ep = self._endpoint(target)
            ep.online = True
            self._deliveries.extend(replace(held, t=now) for held in ep.held if held.t + held.ttl >= now)
            ep.held.clear()
            self._changed.notify_all()

    # --- what happened ---------------------------------------------------------------------------------------

    def deliveries(self, endpoint: Subscription | str | None = None) -> list[Delivery]:
        """Messages the phones got, oldest first; those of one endpoint when given."""
        with self._lock:
            return self._select(self._deliveries, endpoint)

    def rejections(self, endpoint: Subscription | str | None = None) -> list[Rejection]:
        """Requests refused by the checks, oldest first (scripted failures are not rejections)."""
        with self._lock:
            return self._select(self._rejections, endpoint)

    def phones(self) -> list[dict[str, Any]]:
        """What each phone got and decrypted, as ``GET /phones`` serves it: one entry per subscription with its
        ``label``, ``language``, ``gone`` and its latest `PHONE_MESSAGES` ``messages`` (newest first, each ``t``
        and the payload's `SHOWN_FIELDS`); the phones with the newest message first, those with none last."""
        with self._lock:
            got: dict[str, list[Delivery]] = {}
            for delivery in self._deliveries:
                got.setdefault(delivery.endpoint, []).append(delivery)
            phones: list[dict[str, Any]] = [
                {
                    "label": ep.label,
                    "language": ep.language,
                    "gone": ep.gone,
                    "messages": [_shown(d) for d in reversed(got.get(endpoint, [])[-PHONE_MESSAGES:])],
                }
                for endpoint, ep in self._endpoints.items()
            ]
        phones.sort(key=lambda phone: phone["messages"][0]["t"] if phone["messages"] else 0.0, reverse=True)
        return phones

    def held(self, target: Subscription | str) -> list[Delivery]:
        """Messages accepted for an offline phone and not yet delivered."""
        with self._lock:
            return list(self._endpoint(target).held)

    def requests(self, endpoint: Subscription | str | None = None) -> int:
        """POST requests received (all of them, or one endpoint's)."""
        with self._lock:
            if endpoint is None:
                return self._requests
            return self._endpoint(endpoint).requests

    @property
    def connections(self) -> int:
        """TCP connections accepted so far (a sender with keep-alive opens one)."""
        with self._lock:
            return self._connections

    def wait_for(self, count: int, timeout: float = 10.0, endpoint: Subscription | str | None = None) -> list[Delivery]:
        """Wait until at least `count` deliveries (of `endpoint`, when given) arrived; return them all.

        Raises AssertionError on timeout, listing what arrived and what was refused.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                got = self._select(self._deliveries, endpoint)
                if len(got) >= count:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{len(got)} of {count} deliveries after {timeout} s; "
                        f"refused: {[(r.status, r.reason) for r in self._rejections]}"
                    )
                self._changed.wait(left)

    # --- internals -------------------------------------------------------------------------------------------

    def _endpoint(self, target: Subscription | str) -> _Endpoint:
        key = target.endpoint if isinstance(target, Subscription) else target
        try:
            return self._endpoints[key]
        except KeyError:
            raise KeyError(f"not a subscription of this push service: {key}") from None

    @staticmethod
    def _select(items: list[Any], endpoint: Subscription | str | None) -> list[Any]:
        if endpoint is None:
            return list(items)
        key = endpoint.endpoint if isinstance(endpoint, Subscription) else endpoint
        return [item for item in items if item.endpoint == key]

    def _connected(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections += 1
            self._open.add(sock)

    def _disconnected(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)

    def _handle(self, endpoint: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Process one POST; return the status, extra headers and body of the answer."""
        with self._lock:
            self._requests += 1
            ep = self._endpoints.get(endpoint)
            if ep is None:
                return 404, {}, b"no such subscription"
            ep.requests += 1
            stall = ep.stalls.popleft() if ep.stalls else ep.stall_always
        if stall:
            self._closing.wait(stall)
            if self._closing.is_set():
                return 503, {}, b"shutting down"
        with self._lock:
            if ep.gone:
                return 410, {}, b"subscription expired or unsubscribed"
        try:
            delivery = self._check(ep.sub, headers, body)
        except _Refused as refused:
            with self._changed:
                self._rejections.append(Rejection(endpoint, refused.status, refused.reason, time.time()))
                self._changed.notify_all()
            return refused.status, {}, refused.reason.encode()
        with self._changed:
            answer = ep.answers.popleft() if ep.answers else ep.always
            if answer is not None:
                extra = {"Retry-After": answer.retry_after} if answer.retry_after is not None else {}
                return answer.status, extra, b"scripted failure"
            if ep.online:
                self._deliveries.append(delivery)
            elif delivery.ttl > 0:  # RFC 8030 §5.2: TTL 0 means now or never
                ep.held[:] = [h for h in ep.held if delivery.topic is None or h.topic != delivery.topic]
                ep.held.append(delivery)
            self._changed.notify_all()
        return 201, {"Location": f"{self.url}/message/{secrets.token_urlsafe(12)}"}, b""

    def _check(self, sub: BrowserSubscription, headers: dict[str, str], body: bytes) -> Delivery:
        if len(body) > MAX_MESSAGE_BYTES:
            raise _Refused(413, f"body is {len(body)} bytes, more than {MAX_MESSAGE_BYTES}")
        ttl_text = headers.get("ttl")
        if ttl_text is None or not ttl_text.isdigit():
            raise _Refused(400, f"missing or bad TTL header: {ttl_text!r}")
        urgency = headers.get("urgency", "normal")
        if urgency not in URGENCIES:
            raise _Refused(400, f"bad Urgency header: {urgency!r}")
        topic = headers.get("topic")
        if topic is not None and not _TOPIC.fullmatch(topic):
            raise _Refused(400, f"bad Topic header: {topic!r}")
        claims, key = self._check_vapid(sub, headers.get("authorization"))
        if headers.get("content-encoding") != "aes128gcm":
            raise _Refused(415, f"Content-Encoding must be aes128gcm, got {headers.get('content-encoding')!r}")
        payload = _decrypt(sub, body)
        return Delivery(sub.endpoint, topic, urgency, int(ttl_text), payload, time.time(), claims, key)

    def _check_vapid(self, sub: BrowserSubscription, value: str | None) -> tuple[dict[str, Any], str]:
        if not value:
            raise _Refused(401, "missing Authorization")
        scheme, _, rest = value.partition(" ")
        if scheme.lower() != "vapid":
            raise _Refused(401, f"Authorization scheme must be vapid, got {scheme!r}")
        params = dict(part.strip().partition("=")[::2] for part in rest.split(","))
        token, key = params.get("t", ""), params.get("k", "")
        try:
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64(key))
        except ValueError:
            raise _Refused(401, "k is not a P-256 public key") from None
        if sub.application_server_key is not None and _unb64(key) != _unb64(sub.application_server_key):
            raise _Refused(403, "VAPID key differs from the subscription's application server key")
        try:
            header_b64, claims_b64, signature_b64 = token.split(".")
            header = json.loads(_unb64(header_b64))
            claims = json.loads(_unb64(claims_b64))
            signature = _unb64(signature_b64)
        except (ValueError, binascii.Error):
            raise _Refused(401, "t is not a JWT") from None
        if not isinstance(header, dict) or header.get("alg") != "ES256" or not isinstance(claims, dict):
            raise _Refused(401, f"JWT must be ES256 with claims, got header {header!r}")
        if len(signature) != 64:
            raise _Refused(401, "ES256 signature must be 64 bytes")
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        try:
            public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise _Refused(401, "JWT signature is not valid for k") from None
        if claims.get("aud") != self.url:
            raise _Refused(401, f"JWT aud must be {self.url}, got {claims.get('aud')!r}")
        exp, now = claims.get("exp"), time.time()
        if not isinstance(exp, int) or isinstance(exp, bool):
            raise _Refused(401, f"JWT exp must be an integer, got {exp!r}")
        if exp <= now:
            raise _Refused(401, f"JWT expired {now - exp:.0f} s ago")
        if exp > now + MAX_JWT_LIFETIME_S:
            raise _Refused(401, f"JWT exp is {exp - now:.0f} s ahead, more than 24 h")
        sub_claim = claims.get("sub")
        if not isinstance(sub_claim, str) or not sub_claim.startswith(("mailto:", "https://")):
            raise _Refused(401, f"JWT sub must be a mailto: or https: contact, got {sub_claim!r}")
        return claims, _b64(_unb64(key))


def _shown(delivery: Delivery) -> dict[str, Any]:
    shown: dict[str, Any] = {"t": delivery.t}
    for name in SHOWN_FIELDS:
        value = delivery.payload.get(name)
        shown[name] = value if isinstance(value, str) else None
    return shown


def _decrypt(sub: BrowserSubscription, body: bytes) -> dict[str, Any]:
    if len(body) < 21 or len(body) < 21 + body[20]:
        raise _Refused(400, "body too short for an aes128gcm header")
    record_size, key_id_len = int.from_bytes(body[16:20], "big"), body[20]
    if key_id_len != 65:  # RFC 8291 §4: the key id is the sender's ephemeral public key
        raise _Refused(400, f"aes128gcm key id must be a 65-byte P-256 key, got {key_id_len} bytes")
    if len(body) - 21 - key_id_len > record_size:
        raise _Refused(400, "a push message must be a single aes128gcm record")
    try:
        plain = http_ece.decrypt(body, private_key=sub.private_key, auth_secret=sub.auth_secret, version="aes128gcm")
    except http_ece.ECEException as exc:
        raise _Refused(400, f"cannot decrypt: {exc}") from None
    try:
        payload = json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _Refused(400, f"decrypted payload is not UTF-8 JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise _Refused(400, "decrypted payload is not a JSON object")
    return payload


def _handler_for(service: PushService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real push services
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
        timeout = 30  # an idle connection (a killed sender's) is dropped, not kept for ever

        def setup(self) -> None:
            super().setup()
            service._connected(self.connection)

        def finish(self) -> None:
            service._disconnected(self.connection)
            super().finish()

        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != "/phones":
                self._answer(404, {}, b"not found")
                return
            body = json.dumps({"phones": service.phones()}, ensure_ascii=False).encode("utf-8")
            self._answer(200, {}, body, "application/json")

        def do_POST(self) -> None:
            length = self.headers.get("Content-Length")
            if length is None or not length.isdigit():
                self._answer(411, {}, b"Content-Length required")
                return
            try:
                body = self.rfile.read(int(length))
            except OSError:  # the sender died or stalled mid-body
                body = b""
            if len(body) != int(length):
                self.close_connection = True
                return
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, extra, text = service._handle(self._endpoint_url(), headers, body)
            self._answer(status, extra, text)

        def _endpoint_url(self) -> str:
            return f"{service.url}{self.path}"

        def _answer(self, status: int, extra: dict[str, str], body: bytes, kind: str = "text/plain") -> None:
            try:
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the sender gave up (timed out, or was killed): nobody is left to answer
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the tests read deliveries and rejections, not an access log

    return Handler
