"""The kiosk's side of the hub's HTTP API v1: sign-ups, card look-ups, consents and enrollment tokens.

    hub = HubClient("http://127.0.0.1:8000", token="...")
    signed = hub.sign_up(registration)        # SignedUp(member_id, member_number, enrollment_token)
    holder = hub.find("0012345678")           # Holder(...) or None

Plain HTTP with the standard library (no extra dependency on a kiosk), JSON decoded into strict msgspec
Structs that keep only what the kiosk shows: a member's email or phone never reaches the kiosk's memory from a
look-up. Errors are this module's own: `HubUnavailable` (no answer, a 5xx, a timeout: the caller falls back
to its outbox), `Duplicate` (the 409 of a sign-up or card link, naming only the submitted fields that are
taken) and `HubRefused` (any other 4xx: a bad token, a rule the kiosk did not check). Personal data is never
logged.
"""

from __future__ import annotations

import http.client
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import date
from typing import Any, Final, Literal, TypeVar
from urllib.parse import quote

import msgspec

from edge.errors import CorsiaError

log = logging.getLogger("corsia.kiosk.hub")

API: Final = "/api/v1"
TIMEOUT_S: Final = 4.0  # a customer waits at most this long before the outbox takes the registration
MAX_ANSWER: Final = 256 * 1024
Language = Literal["it", "en"]
T = TypeVar("T")


class HubError(CorsiaError):
    """Base class of the hub client's errors."""


class HubUnavailable(HubError):
    """The hub did not answer, or answered that it cannot serve now (5xx). `reason` says which, for the log."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"the hub is unavailable: {reason}")


class HubRefused(HubError):
    """The hub refused the call (a 4xx other than a duplicate): `status`, its error `code` and the `fields`."""

    def __init__(self, status: int, code: str, fields: Mapping[str, str] | None = None) -> None:
        self.status = status
        self.code = code
        self.fields = dict(fields or {})
        super().__init__(f"the hub refused the call: {status} {code} {sorted(self.fields)}")


class Duplicate(HubError):
    """A sign-up or card link clashes with another member: `fields` names the submitted fields that are taken
    (``email``, ``phone``, ``card``) and nothing else."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        super().__init__(f"already registered: {', '.join(sorted(self.fields)) or 'unknown field'}")


class Registration(msgspec.Struct, frozen=True, kw_only=True):
    """A sign-up as the customer made it at the kiosk (also what the outbox keeps while the hub is away)."""

    first_name: str
    last_name: str
    email: str
    phone: str | None = None
    language: Language = "it"
    birth_date: date | None = None
    marketing: bool = False
    profiling: bool = False
    proximity: bool = False
    policy_version: str
    card: str | None = None
    """An old plastic card to link."""

    def body(self, card: str | None) -> dict[str, Any]:
        """The hub's sign-up body, linking `card` (which may differ from `self.card`: see kiosk.outbox)."""
        body: dict[str, Any] = {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "language": self.language,
            "consents": self.consents(),
            "policy_version": self.policy_version,
            "source": "kiosk",
        }
        if self.phone:
            body["phone"] = self.phone
        if self.birth_date is not None:
            body["birth_date"] = self.birth_date.isoformat()
        if card:
            body["card"] = card
        return body

    def consents(self) -> dict[str, bool]:
        """The four purposes; service is always granted (there is no membership without it)."""
        return {"service": True, "marketing": self.marketing, "profiling": self.profiling, "proximity": self.proximity}


class SignedUp(msgspec.Struct, frozen=True):
    member_id: str
    member_number: str
    enrollment_token: str


class Merged(msgspec.Struct, frozen=True):
    member_id: str
    member_number: str


class Holder(msgspec.Struct, frozen=True):
    """The member a card belongs to, as the hub tells a kiosk: enough to greet them, nothing more."""

    member_id: str
    member_number: str
    first_name: str
    points: int


class Consents(msgspec.Struct, frozen=True):
    service: bool
    marketing: bool
    profiling: bool
    proximity: bool
    policy_version: str | None = None
    t: float | None = None


class _MemberConsents(msgspec.Struct, frozen=True):
    # A member's full view holds their email and phone: only the consents are decoded, the rest is dropped.
    consents: Consents


class EnrollmentToken(msgspec.Struct, frozen=True):
    enrollment_token: str
    expires: float


class PreRegistered(msgspec.Struct, frozen=True):
    """What a customer typed on the website before coming to the store."""

    first_name: str
    last_name: str
    email: str
    phone: str | None = None
    language: Language = "it"


class _ErrorBody(msgspec.Struct):
    error: str = ""
    message: str = ""
    fields: dict[str, str] = msgspec.field(default_factory=dict)


def _error_of(data: bytes) -> _ErrorBody:
    try:
        return msgspec.json.decode(data, type=_ErrorBody)
    except msgspec.DecodeError:
        return _ErrorBody()


class HubClient:
    """Calls the hub at `base_url` with the kiosk's bearer `token`. Thread-safe (each call is its own request).

    `reachable` is what the last call found (None before the first), for the kiosk's health report.
    """

    def __init__(self, base_url: str, token: str, *, timeout_s: float = TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._token = token
        # The hub is on the store's network: never go through a proxy from the environment.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._lock = threading.Lock()
        self._reachable: bool | None = None

    @property
    def reachable(self) -> bool | None:
        with self._lock:
            return self._reachable

    def _seen(self, reachable: bool) -> None:
        with self._lock:
            self._reachable = reachable

    # --- the calls -------------------------------------------------------------------------------------------

    def sign_up(self, registration: Registration, *, card: str | None = None) -> SignedUp:
        """Create the member, linking `card` (default: the registration's own). `Duplicate` on a 409."""
        linked = registration.card if card is None else card
        return self._json("POST", "/members", SignedUp, registration.body(linked))

    def merge(self, registration: Registration, *, card: str | None = None) -> Merged | None:
        """Fold a sign-up that clashed on its email or phone into the member it is (same full name); record its
        consents and link `card`. None when no member matches all of it."""
        linked = registration.card if card is None else card
        try:
            return self._json("POST", "/members/merge", Merged, registration.body(linked))
        except HubRefused as exc:
            if exc.status == 404:
                return None
            raise

    def find(self, code: str) -> Holder | None:
        """The member a card number or member number belongs to, or None."""
        if not code.strip():
            return None
        try:
            return self._json("GET", f"/cards/{quote(code.strip(), safe='')}", Holder)
        except HubRefused as exc:
            if exc.status == 404:
                return None
            raise

    def consents(self, member_id: str) -> Consents:
        """A member's current consents."""
        return self._json("GET", f"/members/{quote(member_id, safe='')}", _MemberConsents).consents

    def set_consents(self, member_id: str, choices: Mapping[str, bool], policy_version: str) -> Consents:
        """Record consent changes (``marketing``, ``profiling``, ``proximity``) under `policy_version`."""
        body = {**choices, "policy_version": policy_version, "source": "kiosk"}
        return self._json("PATCH", f"/members/{quote(member_id, safe='')}/consents", Consents, body)

    def link_card(self, member_id: str, card: str) -> None:
        """Link an old plastic card to a member (again: no change). `Duplicate` when it is someone else's."""
        self._call("POST", f"/members/{quote(member_id, safe='')}/cards", {"card": card})

    def new_enrollment(self, member_id: str) -> EnrollmentToken:
        """A new one-time token to enroll one of the member's phones."""
        return self._json("POST", f"/members/{quote(member_id, safe='')}/enrollment-tokens", EnrollmentToken, {})

    def preregistration(self, token: str) -> PreRegistered | None:
        """The website pre-registration behind `token`, or None when the hub has none (or no such route)."""
        try:
            return self._json("GET", f"/preregistrations/{quote(token, safe='')}", PreRegistered)
        except HubRefused as exc:
            if exc.status in (404, 405, 410):
                return None
            raise

    def healthy(self) -> bool:
        """Whether the hub answers its health check."""
        try:
            status, _ = self._send("GET", "/healthz", None)
        except HubUnavailable:
            return False
        return status == 200

    # --- HTTP ------------------------------------------------------------------------------------------------

    def _json(self, method: str, path: str, answer: type[T], body: object = None) -> T:
        data = self._call(method, path, body)
        try:
            return msgspec.json.decode(data, type=answer)
        except msgspec.DecodeError as exc:
            # The hub answered 2xx with something else: a wrong URL (a proxy page) or a newer, changed API.
            raise HubUnavailable(f"{method} {path.split('/')[1]}: unexpected answer ({exc})") from exc

    def _call(self, method: str, path: str, body: object) -> bytes:
        status, data = self._send(method, API + path, body)
        if status < 300:
            return data
        error = _error_of(data)
        if status == 409 and error.error == "duplicate":
            raise Duplicate(error.fields)
        if status >= 500:
            raise HubUnavailable(f"the hub answered {status}")
        raise HubRefused(status, error.error or f"http_{status}", error.fields)

    def _send(self, method: str, path: str, body: object) -> tuple[int, bytes]:
        headers = {"Accept": "application/json", "Authorization": f"Bearer {self._token}"}
        payload = None
        if body is not None:
            payload = msgspec.json.encode(body)
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base_url + path, data=payload, headers=headers, method=method)
        try:
            with self._opener.open(request, timeout=self.timeout_s) as response:
                status, data = int(response.status), response.read(MAX_ANSWER)
        except urllib.error.HTTPError as exc:
            with exc:
                status, data = int(exc.code), exc.read(MAX_ANSWER)
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            self._seen(False)
            reason = getattr(exc, "reason", exc)
            log.debug("hub call %s %s failed: %s", method, path.split("/")[3:4], reason)
            raise HubUnavailable(str(reason)) from exc
        self._seen(status < 500)
        return status, data
