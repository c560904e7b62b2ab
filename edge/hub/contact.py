"""Contact details as typed at a kiosk or in the app, normalized so one person's address is one key.

    >>> normalize_email("  Giulia.Rossi@Example.IT ")
    'giulia.rossi@example.it'
    >>> normalize_phone("333 123 4567")
    '+393331234567'
    >>> normalize_card("0042-1234 5678")
    '004212345678'

Pure functions, no I/O: the hub stores what they return (its uniqueness checks depend on it) and the kiosk uses
them to answer on the form before anything is sent. The checks are pragmatic, not RFC-complete: they catch the
typos people make (no ``@``, a missing domain, a digit too many) and accept what real addresses look like.
A bad value raises `InvalidContact` with the field and a short reason code the UI turns into a message.
"""

from __future__ import annotations

import re
from typing import Final

from edge.errors import CorsiaError

EMAIL_MAX: Final = 254
_LOCAL: Final = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*\Z")
_LABEL: Final = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\Z")
_TLD: Final = re.compile(r"([a-z]{2,63}|xn--[a-z0-9-]{1,59})\Z")

# What people type between digits: spaces, dots, dashes, slashes, brackets.
_PHONE_NOISE: Final = re.compile(r"[\s.\-/()]")
E164_MAX_DIGITS: Final = 15
E164_MIN_DIGITS: Final = 8
ITALY: Final = "39"

_CARD_NOISE: Final = re.compile(r"[\s-]")
_CARD: Final = re.compile(r"[A-Z0-9]{6,20}\Z")


class InvalidContact(CorsiaError):
    """A contact value that cannot be used: `field` (``email``, ``phone``, ``card``) and a `reason` code:
    ``empty``, ``too_long``, ``invalid``, ``country`` (a national number of a country we cannot place)."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


def normalize_email(text: str) -> str:
    """`text` trimmed and lowercased, if it looks like a deliverable address (``local@domain.tld``)."""
    email = text.strip().lower()
    if not email:
        raise InvalidContact("email", "empty")
    if len(email) > EMAIL_MAX:
        raise InvalidContact("email", "too_long")
    local, at, domain = email.rpartition("@")
    if not at or not local or len(local) > 64 or not _LOCAL.match(local):
        raise InvalidContact("email", "invalid")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels) or not _TLD.match(labels[-1]):
        raise InvalidContact("email", "invalid")
    return email


def normalize_phone(text: str, default_country: str = "IT") -> str:
    """The E.164 form (``+393331234567``) of a phone number.

    Italian numbers may be written nationally (``333 123 4567``, ``02 1234 5678``) or with ``+39`` / ``0039``;
    they must be a mobile (3…, 9 or 10 digits) or a landline (0…, 6 to 11 digits, the 0 kept as E.164 wants).
    Numbers of other countries need their ``+`` or ``00`` prefix and are checked for length only. Only ``IT``
    is known as a `default_country`; with any other, a number without a prefix is refused (``country``).
    """
    raw = text.strip()
    if not raw:
        raise InvalidContact("phone", "empty")
    digits = _PHONE_NOISE.sub("", raw)
    if digits.startswith("+"):
        digits = digits[1:]
        international = True
    elif digits.startswith("00"):
        digits = digits[2:]
        international = True
    else:
        international = False
    if not digits.isascii() or not digits.isdigit():
        raise InvalidContact("phone", "invalid")
    if not international:
        if default_country.upper() != "IT":
            raise InvalidContact("phone", "country")
        # "39 333 1234567" without the plus: a national Italian number is never 11 or 12 digits starting 393.
        if digits.startswith(ITALY + "3") and len(digits) in (11, 12):
            digits = digits[len(ITALY) :]
        return "+" + ITALY + _italian(digits)
    if len(digits) > E164_MAX_DIGITS:
        raise InvalidContact("phone", "too_long")
    if digits.startswith(ITALY):
        return "+" + ITALY + _italian(digits[len(ITALY) :])
    if len(digits) < E164_MIN_DIGITS or digits[0] == "0":
        raise InvalidContact("phone", "invalid")
    return "+" + digits


def _italian(national: str) -> str:
    """An Italian national number (mobile or landline) as it follows ``+39``."""
    if national.startswith("3") and len(national) in (9, 10):
        return national
    if national.startswith("0") and 6 <= len(national) <= 11:
        return national
    raise InvalidContact("phone", "invalid")


def normalize_card(text: str) -> str:
    """An old plastic card's number: digits and letters only (uppercased), 6 to 20 of them."""
    card = _CARD_NOISE.sub("", text).upper()
    if not card:
        raise InvalidContact("card", "empty")
    if len(card) > 20:
        raise InvalidContact("card", "too_long")
    if not _CARD.match(card):
        raise InvalidContact("card", "invalid")
    return card
