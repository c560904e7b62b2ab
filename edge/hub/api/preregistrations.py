"""Website pre-registrations: the e-commerce site stores what the customer typed and gives them a QR; the kiosk
reads it back to finish the sign-up in the store (issue: "pre-registered online")."""

from __future__ import annotations

from typing import Annotated

import msgspec
from flask import Response
from msgspec import Meta

from edge.hub.api import repos
from edge.hub.api.routing import ADMIN, KIOSK, Answer, ApiBlueprint, reply
from edge.hub.api.schemas import Email, Language, Name, Phone
from edge.hub.db import PreRegistration

api = ApiBlueprint("preregistrations", __name__)

QR_PREFIX = "CORSIA:P:"


class PreRegistrationBody(msgspec.Struct, forbid_unknown_fields=True):
    """What the customer typed on the website."""

    first_name: Name
    last_name: Name
    email: Email
    phone: Phone | None = None
    language: Language = "it"
    ttl_s: Annotated[int, Meta(ge=3600, le=90 * 86400)] = 30 * 86400
    """How long the QR stays valid."""


class PreRegistered(msgspec.Struct):
    token: str
    expires: float
    qr: str
    """What the website shows as a QR code: the kiosk accepts it as a pre-registration."""


class PreRegistrationView(msgspec.Struct):
    first_name: str
    last_name: str
    email: str
    phone: str | None
    language: str


@api.route(
    "POST", "/preregistrations",
    scopes=(ADMIN,), body=PreRegistrationBody, answers={201: Answer("Stored: the token for the QR", PreRegistered)},
)  # fmt: skip
def create_preregistration(body: PreRegistrationBody) -> Response:
    """Store a website pre-registration and return the token for the customer's QR."""
    data = PreRegistration(body.first_name, body.last_name, body.email, body.phone, body.language)
    token, expires = repos.preregistrations().create(data, body.ttl_s)
    return reply(PreRegistered(token, expires, QR_PREFIX + token), 201)


@api.route(
    "GET", "/preregistrations/<token>",
    scopes=(ADMIN, KIOSK), errors=(410,), answers={200: Answer("What the customer typed", PreRegistrationView)},
)  # fmt: skip
def get_preregistration(token: str) -> Response:
    """Read a pre-registration back, to fill in the kiosk's sign-up form."""
    found = repos.preregistrations().get(token)
    return reply(PreRegistrationView(found.first_name, found.last_name, found.email, found.phone, found.language))
