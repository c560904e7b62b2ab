"""The identifiers the hub makes up: opaque ids, printable member numbers, and one-time secrets.

None of them is derived from personal data or from each other, so knowing one tells nothing about another.
Secrets handed to a client (enrollment tokens, app tokens) are stored only as their SHA-256: a copy of the
database does not let anyone enroll a device or act as a member's app.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Final

MEMBER_NUMBER_PREFIX: Final = "29"
"""EAN-13 numbers starting 20-29 are reserved for in-store use (GS1 restricted circulation): a member number
prints as a barcode the tills read and never clashes with a product's EAN."""


def ean13_check_digit(first12: str) -> int:
    """The check digit of an EAN-13 whose first 12 digits are `first12` (weights 1, 3, 1, 3, ... from the left)."""
    if len(first12) != 12 or not first12.isascii() or not first12.isdigit():
        raise ValueError("an EAN-13 check digit is computed from exactly 12 digits")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return (10 - total % 10) % 10


def is_ean13(code: str) -> bool:
    """True when `code` is 13 digits with a correct check digit."""
    return len(code) == 13 and code.isascii() and code.isdigit() and ean13_check_digit(code[:12]) == int(code[12])


def new_member_number() -> str:
    """A random 13-digit EAN-13 in the in-store range (``29`` + 10 random digits + check digit)."""
    first12 = MEMBER_NUMBER_PREFIX + "".join(str(secrets.randbelow(10)) for _ in range(10))
    return first12 + str(ean13_check_digit(first12))


def new_member_id() -> str:
    """``m_`` + 16 random hex digits."""
    return "m_" + secrets.token_hex(8)


def new_ref() -> str:
    """The pseudonymous reference published on MQTT in place of the member: ``p_`` + 16 random hex digits."""
    return "p_" + secrets.token_hex(8)


def new_device_id() -> str:
    """``d_`` + 16 random hex digits."""
    return "d_" + secrets.token_hex(8)


def new_token() -> str:
    """A URL-safe random secret (256 bits) for a client to present later."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored of a token: its SHA-256 in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
