"""What members, kiosks and apps send and get back: msgspec Structs, strict on the way in.

Every request Struct forbids unknown fields (a typo such as ``"marketting"`` is a 422 naming it, not a consent
silently left out) and bounds every string, so nothing a client sends can grow the database without limit. The
OpenAPI document's schemas are generated from these classes.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

Name = Annotated[str, Meta(min_length=1, max_length=100)]
Email = Annotated[str, Meta(min_length=1, max_length=254)]
Phone = Annotated[str, Meta(min_length=1, max_length=32)]
Card = Annotated[str, Meta(min_length=1, max_length=32, description="A plastic card's number, or a member number")]
PolicyVersion = Annotated[str, Meta(min_length=1, max_length=32, pattern=r"\S")]
Sku = Annotated[str, Meta(min_length=1, max_length=64)]
Token = Annotated[str, Meta(min_length=1, max_length=256)]
Language = Literal["it", "en"]
Source = Literal["kiosk", "app", "web", "admin", "pos"]
Platform = Literal["android", "ios", "tag", "web"]


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """A request body: unknown fields are refused."""


# --- members ---------------------------------------------------------------------------------------------------


class SignUpConsents(Strict):
    """The consents given at sign-up. `service` (the card itself) must be true; the others are the member's choice."""

    service: bool
    marketing: bool = False
    profiling: bool = False
    proximity: bool = False


class SignUp(Strict):
    """A sign-up from the kiosk (or an admin tool)."""

    first_name: Name
    last_name: Name
    email: Email
    consents: SignUpConsents
    policy_version: PolicyVersion
    source: Source
    phone: Phone | None = None
    language: Language = "it"
    card: Card | None = None
    """An old plastic card to link at once."""
    birth_date: date | None = None
    """Optional, ``YYYY-MM-DD``."""
    preregistration: Token | None = None
    """The website pre-registration this sign-up finishes (it is used up; so is any with the same email)."""


class MemberCreated(msgspec.Struct):
    """A new member, and the token for their phone."""

    member_id: str
    member_number: str
    """The 13-digit EAN-13 printed on the member's digital card."""
    enrollment_token: str
    """One-time: the kiosk shows it as a QR code for the app to enroll the member's phone."""


class MemberMerged(msgspec.Struct):
    """The existing member a clashing sign-up was folded into."""

    member_id: str
    member_number: str


class ConsentsView(msgspec.Struct):
    """A member's current consents; `policy_version` and `t` are those of the latest change."""

    service: bool
    marketing: bool
    profiling: bool
    proximity: bool
    policy_version: str | None
    t: float | None


class MemberView(msgspec.Struct):
    """A member as the API shows them."""

    member_id: str
    member_number: str
    first_name: str
    last_name: str
    email: str
    phone: str | None
    language: Language
    points: int
    consents: ConsentsView
    cards: list[str]
    devices: list[str]
    """Enrolled device ids only: never a key or a token."""


class MemberPatch(Strict):
    """The fields to change; a field left out stays as it is, ``"phone": null`` removes the phone."""

    first_name: Name | UnsetType = UNSET
    last_name: Name | UnsetType = UNSET
    email: Email | UnsetType = UNSET
    phone: Phone | UnsetType | None = UNSET
    language: Language | UnsetType = UNSET


class ConsentPatch(Strict):
    """The purposes to change, under the privacy policy version the member saw. `source` defaults to the
    caller's scope (``kiosk``, ``app``, ``admin``)."""

    policy_version: PolicyVersion
    service: bool | UnsetType = UNSET
    marketing: bool | UnsetType = UNSET
    profiling: bool | UnsetType = UNSET
    proximity: bool | UnsetType = UNSET
    source: Source | UnsetType = UNSET


class CardLink(Strict):
    """An old plastic card to link."""

    card: Card


class CardsView(msgspec.Struct):
    """The member's linked cards."""

    member_id: str
    cards: list[str]


class CardHolder(msgspec.Struct):
    """What a kiosk shows after scanning a card: enough to greet the member, nothing more."""

    member_id: str
    member_number: str
    first_name: str
    points: int


# --- enrollment and the app --------------------------------------------------------------------------------------


class EnrollmentToken(msgspec.Struct):
    """A one-time enrollment token."""

    enrollment_token: str
    expires: float
    """Unix seconds after which it is refused (410)."""


class Enroll(Strict):
    """A device redeeming its enrollment token (no bearer token: this token is the credential)."""

    enrollment_token: Token
    platform: Platform


class Enrolled(msgspec.Struct):
    """A newly enrolled device's secrets, shown only in this answer."""

    device_id: str
    identity_key: str
    """The Eddystone-EID identity key, 32 hex digits: shown once, kept sealed by the hub."""
    k: int
    """The EID rotation exponent: a new EID every 2**k seconds."""
    app_token: str
    """The app's bearer token from now on (scope ``app``, this member only)."""
    member_id: str
    """The member the device now speaks for."""


class PushKeys(Strict):
    """A push subscription's keys (base64url, as the browser gives them)."""

    p256dh: Annotated[str, Meta(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9_-]+=*$")]
    auth: Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+=*$")]


class PushSubscription(Strict):
    """The browser's ``PushSubscription.toJSON()``."""

    endpoint: Annotated[str, Meta(min_length=9, max_length=1024, pattern=r"^https?://")]
    keys: PushKeys
    expirationTime: float | None = None  # the browser's own name for it


class PushSubscribed(msgspec.Struct):
    """The stored subscription."""

    member_id: str
    endpoint: str


class PushKey(msgspec.Struct):
    """The Web Push application server key."""

    application_server_key: str
    """The VAPID public key (URL-safe base64) for ``pushManager.subscribe``."""


class Wishlist(Strict):
    """The whole wishlist: it replaces the stored one."""

    skus: Annotated[list[Sku], Meta(max_length=200)]


class WishlistView(msgspec.Struct):
    """A member's wishlist, in their order."""

    member_id: str
    skus: list[str]
