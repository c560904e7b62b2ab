"""What a scanned code means: the few payload schemes the kiosk accepts, and nothing else.

Anything in front of the camera can be a QR code, so a payload is untrusted input. `parse_payload` accepts
only these, and rejects everything else with `UnknownPayload` (a stable `code` for the screen's message, a
`reason` in English for the log) — it never lets another exception out:

* ``CORSIA:M:<member number>`` — the member QR of the app and the digital card; the member number is an
  EAN-13 starting ``29`` (the in-store range) with a valid check digit. The bare 13 digits (the digital
  card's EAN-13 barcode) mean the same;
* ``CORSIA:P:<token>`` — a pre-registration from the website, or the same as a link
  ``https://<host>/r/<token>`` when `host` is on the kiosk's allow-list (any other host is refused: a code
  from a stranger's site is not followed);
* ``<wallet app>/enroll#<token>`` (the kiosk's enrollment QR, any host) or ``CORSIA:E:<token>`` — an
  enrollment token: the kiosk shows it for the phone to scan, and recognises it only to say so (the link is
  never followed, so its host does not matter);
* an old plastic card's number: 6-20 digits or upper-case letters and digits (its Code 128 or EAN barcode).

The ``CORSIA:`` prefix and the kind letter may come in any case; tokens are case-sensitive, 22-64 URL-safe
base64 characters (the hub's are 43). Surrounding spaces and line breaks are trimmed; control and invisible
formatting characters anywhere else are refused, as is anything longer than `MAX_PAYLOAD_CHARS`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from edge.errors import CorsiaError

MAX_PAYLOAD_CHARS: Final = 512
MEMBER_PREFIX: Final = "29"
PREFIX: Final = "CORSIA:"
TRIMMED: Final = " \t\r\n"
_TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{22,64}")
_CARD: Final = re.compile(r"[0-9A-Z]{6,20}")
_LINK_PATH: Final = re.compile(r"/r/([^/]*)/?")
ENROLL_PATH: Final = "enroll"
# Control, invisible formatting (e.g. a right-to-left override), surrogate, private-use and unassigned.
_REFUSED_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


@dataclass(frozen=True, slots=True)
class MemberCode:
    """A member's QR or digital card: `number` is the 13-digit member number."""

    number: str


@dataclass(frozen=True, slots=True)
class PreRegistration:
    """A pre-registration made on the website; `host` is the link's host, None for ``CORSIA:P:``."""

    token: str
    host: str | None = None


@dataclass(frozen=True, slots=True)
class Enrollment:
    """An enrollment token, meant for the phone rather than the kiosk."""

    token: str


@dataclass(frozen=True, slots=True)
class CardNumber:
    """An old plastic loyalty card's number, to be linked to a member."""

    number: str


Payload = MemberCode | PreRegistration | Enrollment | CardNumber


class PayloadError(CorsiaError):
    """A payload, or a value to put in one, is not acceptable.

    `code` is stable for programs (``"check_digit"``, ``"host_not_allowed"``, ...), `reason` says it in
    English. Neither repeats the payload: it is untrusted and may be long or personal.
    """

    def __init__(self, reason: str, *, code: str) -> None:
        self.reason = reason
        self.code = code
        super().__init__(reason)


class UnknownPayload(PayloadError):
    """A scanned text that is not one of the kiosk's schemes, or is one with a bad value."""


def parse_payload(text: str, *, url_hosts: Iterable[str] = ()) -> Payload:
    """What `text` (a scanned code's content) means; raises `UnknownPayload` with the reason otherwise.

    `url_hosts` are the hosts whose ``https://<host>/r/<token>`` links are accepted (case does not matter).
    """
    try:
        return _parse(text, url_hosts)
    except UnknownPayload:
        raise
    except Exception as exc:  # untrusted input: whatever slipped through is still just a refusal
        raise UnknownPayload("the code cannot be read as a Corsia code", code="unreadable") from exc


def format_member_qr(number: str) -> str:
    """The member QR's content for `number`; `PayloadError` if it is not a member number."""
    if not is_member_number(number):
        raise PayloadError("not a member number (13 digits starting 29, valid check digit)", code="bad_member_number")
    return f"{PREFIX}M:{number}"


def format_enrollment_qr(token: str) -> str:
    """The bare enrollment code for `token` (for an app that scans it itself); `PayloadError` if it is not a
    well-formed token."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise PayloadError("a token is 22-64 URL-safe base64 characters", code="bad_token")
    return f"{PREFIX}E:{token}"


def format_enrollment_link(token: str, app_url: str) -> str:
    """The wallet app's enrollment link for `token`: the phone's camera opens it, the app enrolls the phone.

    The token is in the fragment, which a browser never sends: it reaches no server log and no ``Referer``.
    """
    format_enrollment_qr(token)  # the same checks
    if not app_url.lower().startswith(("https://", "http://")):
        raise PayloadError("the wallet app's address is an http(s) URL", code="bad_url")
    return f"{app_url.rstrip('/')}/{ENROLL_PATH}#{token}"


def ean13_check_digit(first12: str) -> int:
    """The EAN-13 check digit of 12 digits (weights 1, 3, 1, 3, ... from the left)."""
    if len(first12) != 12 or not first12.isascii() or not first12.isdigit():
        raise ValueError("an EAN-13 check digit is computed from exactly 12 digits")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return (10 - total % 10) % 10


def is_member_number(number: str) -> bool:
    """True for 13 digits starting ``29`` with a correct EAN-13 check digit."""
    return (
        isinstance(number, str)
        and len(number) == 13
        and number.isascii()
        and number.isdigit()
        and number.startswith(MEMBER_PREFIX)
        and ean13_check_digit(number[:12]) == int(number[12])
    )


def _parse(text: str, url_hosts: Iterable[str]) -> Payload:
    if not isinstance(text, str):
        raise UnknownPayload("the code holds no text", code="not_text")
    if len(text) > MAX_PAYLOAD_CHARS:
        raise UnknownPayload(f"longer than {MAX_PAYLOAD_CHARS} characters", code="too_long")
    text = text.strip(TRIMMED)
    if not text:
        raise UnknownPayload("the code is empty", code="empty")
    if any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in text):
        raise UnknownPayload("the code holds control or invisible characters", code="control_chars")
    if not text.isascii():
        raise UnknownPayload("not a Corsia code (characters outside ASCII)", code="unknown_scheme")
    upper = text.upper()
    if upper.startswith(PREFIX):
        return _corsia(text[len(PREFIX) :])
    if upper.startswith(("HTTPS://", "HTTP://")):
        return _link(text, url_hosts)
    if text.isdigit() and len(text) == 13 and text.startswith(MEMBER_PREFIX):
        return MemberCode(_member_number(text))
    if _CARD.fullmatch(text):
        return CardNumber(text)
    if text.isalnum() and not any(ch.islower() for ch in text):
        raise UnknownPayload("a card number has 6 to 20 characters", code="bad_card_number")
    raise UnknownPayload("not a Corsia code or a loyalty card number", code="unknown_scheme")


def _corsia(rest: str) -> Payload:
    kind, sep, value = rest.partition(":")
    if not sep:
        raise UnknownPayload("a Corsia code is CORSIA:<kind>:<value>", code="unknown_scheme")
    kind = kind.upper()
    if kind == "M":
        return MemberCode(_member_number(value))
    if kind == "P":
        return PreRegistration(_token(value))
    if kind == "E":
        return Enrollment(_token(value))
    raise UnknownPayload("an unknown kind of Corsia code", code="unknown_scheme")


def _member_number(value: str) -> str:
    if len(value) != 13 or not value.isdigit() or not value.startswith(MEMBER_PREFIX):
        raise UnknownPayload("a member number is 13 digits starting 29", code="bad_member_number")
    if not is_member_number(value):
        raise UnknownPayload("the member number's check digit is wrong", code="check_digit")
    return value


def _token(value: str) -> str:
    if not _TOKEN.fullmatch(value):
        raise UnknownPayload("a token is 22-64 URL-safe base64 characters", code="bad_token")
    return value


def _link(text: str, url_hosts: Iterable[str]) -> PreRegistration | Enrollment:
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise UnknownPayload("a malformed link", code="bad_url") from exc
    if parts.path.rstrip("/").endswith("/" + ENROLL_PATH) and parts.fragment:
        return Enrollment(_token(parts.fragment))  # recognised only to say "scan it with your phone"
    if parts.scheme.lower() != "https":
        raise UnknownPayload("only https links are accepted", code="bad_url")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        # https://trusted.example@evil.example/ points at evil.example: never accept user info.
        raise UnknownPayload("a link with user information is not accepted", code="bad_url")
    if port not in (None, 443):
        raise UnknownPayload("a link to another port is not accepted", code="bad_url")
    host = (parts.hostname or "").rstrip(".")
    allowed = {h.strip().lower().rstrip(".") for h in url_hosts}
    if not host or host not in allowed:
        raise UnknownPayload("a link to a site this kiosk does not trust", code="host_not_allowed")
    match = _LINK_PATH.fullmatch(parts.path)
    if match is None:
        raise UnknownPayload("not a pre-registration link (/r/<token>)", code="bad_url")
    return PreRegistration(_token(match.group(1)), host)
