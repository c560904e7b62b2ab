"""What the kiosk does for a customer, apart from the web: sign up (online or into the outbox), read a scan,
look a card up. The views call one of these and render the outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from kiosk.app.forms import FIELDS, Details
from kiosk.app.scans import Scan
from kiosk.hub_client import Duplicate, HubClient, HubRefused, HubUnavailable, Registration
from kiosk.outbox import Outbox
from kiosk.payloads import Payload, UnknownPayload, parse_payload

log = logging.getLogger("corsia.kiosk.app")


@dataclass(frozen=True, slots=True)
class Registered:
    """The hub made the member: the digital card and the app's one-time enrollment token."""

    member_number: str
    enrollment_token: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Provisional:
    """The hub could not be reached: the registration is in the outbox under a provisional card number."""

    number: str


@dataclass(frozen=True, slots=True)
class WelcomeBack:
    """The email, phone or card is a member's already. Which one is not said: the screen reveals nothing."""


@dataclass(frozen=True, slots=True)
class Rejected:
    """The hub refused some of the form's fields (``field -> reason``)."""

    fields: dict[str, str]


Outcome = Registered | Provisional | WelcomeBack | Rejected


def registration(details: Details, consents: dict[str, bool], card: str | None, policy_version: str) -> Registration:
    """The sign-up to send: the checked details, the optional consents as chosen, the card to link."""
    return Registration(
        first_name=details.first_name,
        last_name=details.last_name,
        email=details.email,
        phone=details.phone,
        language=details.language,
        birth_date=details.birth_date,
        marketing=consents.get("marketing", False),
        profiling=consents.get("profiling", False),
        proximity=consents.get("proximity", False),
        policy_version=policy_version,
        card=card,
    )


def register(hub: HubClient, outbox: Outbox, signup: Registration) -> Outcome:
    """Sign the customer up at the hub; with the hub away (or refusing the kiosk), keep it in the outbox."""
    try:
        signed = hub.sign_up(signup)
    except Duplicate:
        return WelcomeBack()
    except HubUnavailable:
        return Provisional(outbox.add(signup))
    except HubRefused as exc:
        fixable = {name: reason for name, reason in exc.fields.items() if name in FIELDS}
        if exc.status == 422 and fixable:
            return Rejected(fixable)
        # A wrong token or a newer hub: not the customer's doing, and their sign-up must not be lost.
        log.error("the hub refused a sign-up (%s %s); it is kept in the outbox", exc.status, exc.code)
        return Provisional(outbox.add(signup))
    return Registered(signed.member_number, signed.enrollment_token)


def read_scan(scan: Scan, url_hosts: Iterable[str] = ()) -> Payload | None:
    """What a scan means (`kiosk.payloads`), or None for anything the kiosk does not accept."""
    try:
        return parse_payload(scan.text, url_hosts=url_hosts)
    except UnknownPayload as exc:
        log.info("a %s scan was not a Corsia code: %s", scan.kind, exc.code)
        return None
