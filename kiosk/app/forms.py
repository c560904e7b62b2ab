"""The sign-up form's rules: what the customer typed in, checked field by field, errors as text keys.

The contact rules are the hub's own (`edge.hub.contact`), so whatever the kiosk accepts the hub accepts too,
and the customer hears about a typo next to the field, before anything leaves the kiosk. Pure functions: a
mapping of strings in, a value or a dict of ``field -> i18n key`` out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from edge.hub.contact import InvalidContact, normalize_card, normalize_email, normalize_phone
from kiosk.app.i18n import DEFAULT, Language, is_language

FIELDS: Final = ("first_name", "last_name", "email", "phone", "birth_date", "language")
NAME_MAX: Final = 100
TYPED_MAX: Final = 300  # what is kept of a field to show it again; anything longer is not a real value
MIN_AGE: Final = 14  # Italy's age of digital consent (d.lgs. 196/2003, art. 2-quinquies)
_DMY: Final = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")

Errors = dict[str, str]


@dataclass(frozen=True, slots=True)
class Details:
    """The customer's details, checked and normalized."""

    first_name: str
    last_name: str
    email: str
    phone: str | None
    birth_date: date | None
    language: Language

    def as_session(self) -> dict[str, str]:
        """A plain dict for the server-side session."""
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "phone": self.phone or "",
            "birth_date": self.birth_date.isoformat() if self.birth_date else "",
            "language": self.language,
        }

    @classmethod
    def from_session(cls, data: Mapping[str, str]) -> Details:
        language = data.get("language", DEFAULT)
        return cls(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data.get("phone") or None,
            birth_date=date.fromisoformat(data["birth_date"]) if data.get("birth_date") else None,
            language=language if is_language(language) else DEFAULT,
        )


def typed(form: Mapping[str, str]) -> dict[str, str]:
    """The form's fields as typed (trimmed, capped), to show them again after an error or a language switch."""
    return {name: str(form.get(name, "")).strip()[:TYPED_MAX] for name in FIELDS}


def check_name(field: str, text: str) -> tuple[str, str | None]:
    """`text` with spaces folded, and the error key if it is not a name (the hub's rule)."""
    name = " ".join(text.split())
    if not name:
        return name, f"error.{field}.empty"
    if len(name) > NAME_MAX:
        return name, f"error.{field}.too_long"
    if not all(ch.isprintable() for ch in name):
        return name, f"error.{field}.invalid"
    return name, None


def parse_birth_date(text: str, today: date) -> tuple[date | None, str | None]:
    """An optional birth date, as Italians write it (``DD/MM/YYYY``, also with dots or dashes) or ISO."""
    text = text.strip()
    if not text:
        return None, None
    try:
        match = _DMY.fullmatch(text)
        born = date(int(match[3]), int(match[2]), int(match[1])) if match else date.fromisoformat(text)
    except ValueError:
        return None, "error.birth_date.invalid"
    if born > today:
        return None, "error.birth_date.future"
    if born.year < 1900:
        return None, "error.birth_date.invalid"
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age < MIN_AGE:
        return None, "error.birth_date.too_young"
    return born, None


def parse_details(form: Mapping[str, str], today: date) -> tuple[Details | None, Errors]:
    """The details in `form`, or None and an error key for each field at fault."""
    errors: Errors = {}
    first, error = check_name("first_name", str(form.get("first_name", "")))
    if error:
        errors["first_name"] = error
    last, error = check_name("last_name", str(form.get("last_name", "")))
    if error:
        errors["last_name"] = error
    email = phone = ""
    try:
        email = normalize_email(str(form.get("email", "")))
    except InvalidContact as exc:
        errors["email"] = f"error.email.{exc.reason}"
    raw_phone = str(form.get("phone", "")).strip()
    if raw_phone:
        try:
            phone = normalize_phone(raw_phone)
        except InvalidContact as exc:
            errors["phone"] = f"error.phone.{exc.reason}"
    born, error = parse_birth_date(str(form.get("birth_date", "")), today)
    if error:
        errors["birth_date"] = error
    language = form.get("language", DEFAULT)
    if errors:
        return None, errors
    details = Details(
        first_name=first,
        last_name=last,
        email=email,
        phone=phone or None,
        birth_date=born,
        language=language if is_language(language) else DEFAULT,
    )
    return details, {}


def parse_card(text: str) -> tuple[str | None, str | None]:
    """An old plastic card's number as typed: the number, or the error key."""
    try:
        return normalize_card(text), None
    except InvalidContact as exc:
        return None, f"error.card.{exc.reason}"
