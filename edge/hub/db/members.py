"""Members of the loyalty programme: sign-up, look-ups by every key they are known by, updates, points, erasure.

A member has three made-up identifiers, none derived from personal data: `member_id` (opaque, for the API),
`member_number` (an EAN-13 in the in-store range, printed as a barcode and typed at tills) and `ref` (the
pseudonym published on MQTT). Contact details are normalized (`edge.hub.contact`) before they are compared, so
``Giulia@Example.it`` and ``giulia@example.it`` are one address.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import sqlite_utils

from edge.hub.campaigns.model import LANGUAGES, Language
from edge.hub.contact import InvalidContact, normalize_card, normalize_email, normalize_phone
from edge.hub.db.consents import Consents, Source, check_source
from edge.hub.db.database import fetch_all, fetch_one, fetch_value, transaction
from edge.hub.db.errors import DuplicateMember, InvalidRecord, NotFound
from edge.hub.db.ids import MEMBER_NUMBER_PREFIX, is_ean13, new_member_id, new_member_number, new_ref

NAME_MAX: Final = 100
TAKEN: Final = "taken"
_PERSONAL_TABLES: Final = (  # what erasure deletes, children before parents; see docs/hub-storage.md
    "journey_events WHERE visit_id IN (SELECT visit_id FROM visits WHERE member_id = ?)",
    "visits WHERE member_id = ?",
    "outbox WHERE member_id = ?",
    "wishlist WHERE member_id = ?",
    "push_subscriptions WHERE member_id = ?",
    "devices WHERE member_id = ?",
    "beacon_tags WHERE member_id = ?",
    "enrollment_tokens WHERE member_id = ?",
    "pickup_orders WHERE member_id = ?",
    "consents WHERE member_id = ?",
    "cards WHERE member_id = ?",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewMember:
    """A sign-up as the kiosk, the app or an admin submits it. `consents` must grant ``service`` (the card
    itself); purposes left out are not granted. Contact fields are normalized on the way in."""

    first_name: str
    last_name: str
    email: str
    phone: str | None = None
    language: Language = "it"
    birth_date: date | None = None
    card: str | None = None
    source: Source = "kiosk"
    consents: Mapping[str, bool] = field(default_factory=dict)
    policy_version: str


@dataclass(frozen=True, slots=True)
class Member:
    """A stored member."""

    member_id: str
    member_number: str
    ref: str
    first_name: str
    last_name: str
    email: str
    phone: str | None
    language: Language
    birth_date: date | None
    source: str
    cards: tuple[str, ...]
    points: int
    created: float
    updated: float


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()


def _name(field_name: str, value: str) -> str:
    name = " ".join(value.split())  # trims and folds runs of spaces, tabs, newlines
    if not name:
        raise InvalidRecord(field_name, "empty")
    if len(name) > NAME_MAX:
        raise InvalidRecord(field_name, "too_long")
    if not all(ch.isprintable() for ch in name):
        raise InvalidRecord(field_name, "invalid")
    return name


def _language(value: str) -> Language:
    if value not in LANGUAGES:
        raise InvalidRecord("language", "invalid", "it or en")
    return value


class Members:
    """The member register."""

    def __init__(self, db: sqlite_utils.Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def create(self, new: NewMember) -> Member:
        """Store a new member with their initial consents, atomically.

        Raises `InvalidContact` or `InvalidRecord` for a bad value and `DuplicateMember` naming the submitted
        fields (``email``, ``phone``, ``card``) that belong to someone else.
        """
        first, last = _name("first_name", new.first_name), _name("last_name", new.last_name)
        email = normalize_email(new.email)
        phone = normalize_phone(new.phone) if new.phone and new.phone.strip() else None
        card = normalize_card(new.card) if new.card and new.card.strip() else None
        language = _language(new.language)
        source = check_source(new.source)
        if new.birth_date is not None and not isinstance(new.birth_date, date):
            raise InvalidRecord("birth_date", "invalid")
        if new.consents.get("service") is not True:
            raise InvalidRecord("consents.service", "required")
        now = self.clock()
        with transaction(self.db):
            clashes = self._clashes(email=email, phone=phone, card=card)
            if clashes:
                raise DuplicateMember(clashes)
            member_id = new_member_id()
            self.db.execute(
                "INSERT INTO members (member_id, member_number, ref, first_name, last_name, email, phone, language, "
                "birth_date, source, points, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                (
                    member_id, self._free_number(), new_ref(), first, last, email, phone, language,
                    None if new.birth_date is None else new.birth_date.isoformat(), source, now, now,
                ),
            )  # fmt: skip
            if card is not None:
                self.db.execute("INSERT INTO cards (card, member_id, linked) VALUES (?, ?, ?)", (card, member_id, now))
            Consents(self.db, self.clock).record(member_id, new.consents, new.policy_version, source)
            member = self.get(member_id)
        assert member is not None
        return member

    def get(self, member_id: str) -> Member | None:
        """The member with this id, or None."""
        return self._one("member_id = ?", member_id)

    def by_number(self, member_number: str) -> Member | None:
        """The member with this member number (the barcode on their card or in the app), or None."""
        return self._one("member_number = ?", member_number.strip())

    def by_card(self, card: str) -> Member | None:
        """The member an old plastic card is linked to, or None (also for text that is not a card number)."""
        try:
            normalized = normalize_card(card)
        except InvalidContact:
            return None
        return self._one("member_id = (SELECT member_id FROM cards WHERE card = ?)", normalized)

    def by_ref(self, ref: str) -> Member | None:
        """The member behind a pseudonymous MQTT reference, or None."""
        return self._one("ref = ?", ref)

    def match(self, first_name: str, last_name: str, email: str, phone: str | None = None) -> Member | None:
        """The member with this email (or else this phone) whose first and last names are also these, or None.

        For a sign-up that clashed on its email or phone: only someone who knows the person's full name as well
        finds them, so the match cannot be used to look members up by email."""
        try:
            candidates = [self._one("email = ?", normalize_email(email))]
        except InvalidContact:
            candidates = []
        if phone:
            with contextlib.suppress(InvalidContact):
                candidates.append(self._one("phone = ?", normalize_phone(phone)))
        wanted = (_folded(first_name), _folded(last_name))
        for member in candidates:
            if member is not None and (_folded(member.first_name), _folded(member.last_name)) == wanted:
                return member
        return None

    def resolve_card(self, text: str) -> Member | None:
        """The member a till or a card reader scanned: a member number, or else a linked card."""
        code = text.strip()
        if is_ean13(code) and code.startswith(MEMBER_NUMBER_PREFIX):
            member = self.by_number(code)
            if member is not None:
                return member
        return self.by_card(code)

    def link_card(self, member_id: str, card: str) -> Member:
        """Link an old plastic card to a member (a no-op when it already is); `DuplicateMember` when the card
        belongs to someone else, `NotFound` for an unknown member."""
        normalized = normalize_card(card)
        with transaction(self.db):
            if self.get(member_id) is None:
                raise NotFound("member", member_id)
            owner = fetch_value(self.db, "SELECT member_id FROM cards WHERE card = ?", [normalized])
            if owner != member_id:
                if owner is not None or self._clashes(card=normalized):
                    raise DuplicateMember({"card": TAKEN})
                self.db.execute(
                    "INSERT INTO cards (card, member_id, linked) VALUES (?, ?, ?)",
                    (normalized, member_id, self.clock()),
                )
            member = self.get(member_id)
        assert member is not None
        return member

    def update(
        self,
        member_id: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        language: str | None = None,
    ) -> Member:
        """Change some of a member's details; None leaves a field as it is, ``phone=""`` removes the phone.

        `DuplicateMember` names the new email or phone if another member has it; `NotFound` for an unknown member.
        """
        changes: dict[str, Any] = {}
        if first_name is not None:
            changes["first_name"] = _name("first_name", first_name)
        if last_name is not None:
            changes["last_name"] = _name("last_name", last_name)
        if email is not None:
            changes["email"] = normalize_email(email)
        if phone is not None:
            changes["phone"] = normalize_phone(phone) if phone.strip() else None
        if language is not None:
            changes["language"] = _language(language)
        with transaction(self.db):
            if self.get(member_id) is None:
                raise NotFound("member", member_id)
            clashes = self._clashes(email=changes.get("email"), phone=changes.get("phone"), exclude=member_id)
            if clashes:
                raise DuplicateMember(clashes)
            if changes:
                changes["updated"] = self.clock()
                assignments = ", ".join(f"{column} = ?" for column in changes)
                self.db.execute(f"UPDATE members SET {assignments} WHERE member_id = ?", [*changes.values(), member_id])
            member = self.get(member_id)
        assert member is not None
        return member

    def erase(self, member_id: str) -> bool:
        """GDPR erasure: delete the member and everything personal linked to them, in one transaction.

        Receipts stay, without the link, for the store's sales figures. Returns False for an unknown member.
        """
        with transaction(self.db):
            if fetch_value(self.db, "SELECT 1 FROM members WHERE member_id = ?", [member_id]) is None:
                return False
            for table_where in _PERSONAL_TABLES:
                self.db.execute(f"DELETE FROM {table_where}", [member_id])
            self.db.execute("UPDATE receipts SET member_id = NULL WHERE member_id = ?", [member_id])
            self.db.execute("DELETE FROM members WHERE member_id = ?", [member_id])
        return True

    def count(self) -> int:
        """How many members there are."""
        return int(fetch_value(self.db, "SELECT COUNT(*) FROM members"))

    def points(self, member_id: str) -> int:
        """The member's loyalty points; `NotFound` for an unknown member."""
        value = fetch_value(self.db, "SELECT points FROM members WHERE member_id = ?", [member_id])
        if value is None:
            raise NotFound("member", member_id)
        return int(value)

    def add_points(self, member_id: str, n: int) -> int:
        """Add `n` points (negative to redeem) and return the new balance. A balance never goes below zero:
        redeeming more than there is raises `InvalidRecord` (``points``, ``insufficient``) and changes nothing."""
        with transaction(self.db):
            balance = self.points(member_id) + n
            if balance < 0:
                raise InvalidRecord("points", "insufficient")
            self.db.execute(
                "UPDATE members SET points = ?, updated = ? WHERE member_id = ?", (balance, self.clock(), member_id)
            )
        return balance

    # --- helpers -----------------------------------------------------------------------------------------------

    def _one(self, where: str, value: str) -> Member | None:
        row = fetch_one(self.db, f"SELECT * FROM members WHERE {where}", [value])
        if row is None:
            return None
        cards = fetch_all(
            self.db, "SELECT card FROM cards WHERE member_id = ? ORDER BY linked, card", [row["member_id"]]
        )
        return Member(
            member_id=row["member_id"],
            member_number=row["member_number"],
            ref=row["ref"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            email=row["email"],
            phone=row["phone"],
            language=row["language"],
            birth_date=None if row["birth_date"] is None else date.fromisoformat(row["birth_date"]),
            source=row["source"],
            cards=tuple(r["card"] for r in cards),
            points=int(row["points"]),
            created=float(row["created"]),
            updated=float(row["updated"]),
        )

    def _clashes(
        self, *, email: str | None = None, phone: str | None = None, card: str | None = None, exclude: str = ""
    ) -> dict[str, str]:
        """The given fields that another member (not `exclude`) already has; a card also clashes with a member
        number, so what a till scans always means one member."""
        checks = {
            "email": (email, "SELECT 1 FROM members WHERE email = ? AND member_id != ?"),
            "phone": (phone, "SELECT 1 FROM members WHERE phone = ? AND member_id != ?"),
            "card": (
                card,
                "SELECT 1 FROM cards WHERE card = ?1 AND member_id != ?2 "
                "UNION ALL SELECT 1 FROM members WHERE member_number = ?1 AND member_id != ?2",
            ),
        }
        return {
            name: TAKEN
            for name, (value, sql) in checks.items()
            if value is not None and fetch_value(self.db, sql, [value, exclude]) is not None
        }

    def _free_number(self) -> str:
        """A member number no member and no linked card has (10 random digits: a clash is rare, not impossible)."""
        while True:
            number = new_member_number()
            taken = fetch_value(
                self.db,
                "SELECT 1 FROM members WHERE member_number = ?1 UNION ALL SELECT 1 FROM cards WHERE card = ?1",
                [number],
            )
            if taken is None:
                return number
