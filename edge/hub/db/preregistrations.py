"""Pre-registrations from the website: what a customer typed online, kept until they finish signing up at the
kiosk by showing the QR (``CORSIA:P:<token>``) the website gave them.

Only the token's SHA-256 is stored. A pre-registration expires after `ttl_s` (30 days by default) and is used up
when the member signs up (with its token, or with its email): it is then deleted, since the member record now
holds the data.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Final

import sqlite_utils

from edge.hub.contact import normalize_email, normalize_phone
from edge.hub.db.database import fetch_one, transaction
from edge.hub.db.errors import InvalidRecord, TokenGone, TokenUnknown
from edge.hub.db.ids import new_token, token_hash

TTL_S: Final = 30 * 86400
NAME_MAX: Final = 100


@dataclass(frozen=True, slots=True)
class PreRegistration:
    """What the customer typed online (normalized, checked like a sign-up)."""

    first_name: str
    last_name: str
    email: str
    phone: str | None = None
    language: str = "it"


class Preregistrations:
    """Website pre-registrations waiting for the customer at the kiosk."""

    def __init__(self, db: sqlite_utils.Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def create(self, data: PreRegistration, ttl_s: float = TTL_S) -> tuple[str, float]:
        """Store `data`; returns the token for the customer's QR and when it expires."""
        for field_name in ("first_name", "last_name"):
            value = " ".join(getattr(data, field_name).split())
            if not value or len(value) > NAME_MAX or not value.isprintable():
                raise InvalidRecord(field_name, "invalid")
        if data.language not in ("it", "en"):
            raise InvalidRecord("language", "invalid", "it or en")
        clean = PreRegistration(
            " ".join(data.first_name.split()), " ".join(data.last_name.split()), normalize_email(data.email),
            normalize_phone(data.phone) if data.phone else None, data.language,
        )  # fmt: skip
        token, now = new_token(), self.clock()
        expires = now + ttl_s
        with transaction(self.db):
            self.db.execute("DELETE FROM preregistrations WHERE expires < ?", [now])
            self.db.execute(
                "INSERT INTO preregistrations (token_hash, email, data, created, expires) VALUES (?, ?, ?, ?, ?)",
                [token_hash(token), clean.email, json.dumps(asdict(clean), ensure_ascii=False), now, expires],
            )
        return token, expires

    def get(self, token: str) -> PreRegistration:
        """The pre-registration behind `token`; `TokenUnknown`, or `TokenGone("expired")`."""
        row = fetch_one(self.db, "SELECT data, expires FROM preregistrations WHERE token_hash = ?", [token_hash(token)])
        if row is None:
            raise TokenUnknown()
        if self.clock() >= float(row["expires"]):
            raise TokenGone("expired")
        return PreRegistration(**json.loads(row["data"]))

    def use(self, *, token: str | None = None, email: str | None = None) -> int:
        """The customer signed up: forget their pre-registration(s), by token or by email. How many went."""
        with transaction(self.db):
            removed = 0
            if token is not None:
                removed += self.db.execute(
                    "DELETE FROM preregistrations WHERE token_hash = ?", [token_hash(token)]
                ).rowcount
            if email is not None:
                removed += self.db.execute("DELETE FROM preregistrations WHERE email = ?", [email]).rowcount
            return int(removed)
