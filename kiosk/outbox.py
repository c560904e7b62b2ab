"""The offline outbox: sign-ups made while the hub is unreachable, kept on the kiosk's disk and synced later.

    outbox = Outbox("var/kiosk-outbox.db")
    number = outbox.add(registration)        # the provisional card number shown to the customer
    report = sync(outbox, hub)               # later, from the kiosk's sync thread

The customer is never sent away: the kiosk shows a provisional card number at once. That number is an EAN-13 in
the in-store range with its own prefix (``28``; member numbers start ``29``), so a till reads its barcode,
and at sync it is linked to the member as a card: the provisional card keeps working afterwards.

Syncing is idempotent, so each registration becomes exactly one member, or none:

1. A registration with an old plastic card that already belongs to a member is that member coming back: the
   registration is merged (the provisional number linked, the consents recorded), no new member is made.
2. Otherwise the member is created with the provisional number as its card. The number is unique, so if an
   earlier attempt reached the hub but its answer was lost, the hub's 409 on ``card`` says so, and the
   member it names is ours (checked by first name against a clash with someone else's card).
3. A 409 on email or phone is, most often, a member coming back: the hub merges the registration into the
   member with that email or phone only if the first and last names match too (the kiosk cannot look members up
   by email). Otherwise it is held, never dropped and never made a second member, retried hourly, and counted in
   the kiosk's health for staff to look at.
4. Then the old card is linked, and the row is deleted: nothing personal stays on the kiosk once synced.

Rows survive restarts and power cuts (SQLite, WAL, synchronous FULL); the file is readable by its owner only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

import msgspec

from edge.errors import CorsiaError
from kiosk.hub_client import Duplicate, HubClient, HubRefused, HubUnavailable, Registration
from kiosk.payloads import ean13_check_digit

log = logging.getLogger("corsia.kiosk.outbox")

PROVISIONAL_PREFIX: Final = "28"
HELD_RETRY_S: Final = 3600.0
State = Literal["pending", "created", "held"]

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS registrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provisional TEXT NOT NULL UNIQUE,
    body BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    member_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    tried REAL,
    note TEXT NOT NULL DEFAULT ''
)
"""


class OutboxError(CorsiaError):
    """The outbox's file cannot be used: `path` and the `reason`."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"outbox {path}: {reason}")


def new_provisional_number() -> str:
    """``28`` + 10 random digits + the EAN-13 check digit."""
    first12 = PROVISIONAL_PREFIX + "".join(str(secrets.randbelow(10)) for _ in range(10))
    return first12 + str(ean13_check_digit(first12))


def is_provisional(number: str) -> bool:
    return (
        len(number) == 13
        and number.isascii()
        and number.isdigit()
        and number.startswith(PROVISIONAL_PREFIX)
        and ean13_check_digit(number[:12]) == int(number[12])
    )


@dataclass(frozen=True, slots=True)
class Pending:
    """One registration waiting for the hub."""

    id: int
    provisional: str
    registration: Registration
    state: State
    member_id: str | None
    """Set once the member exists at the hub (state ``created``) and only the card link is left."""
    attempts: int
    created: float
    note: str
    """Why a held registration is held (``duplicate``, ``refused:<code>``); never personal data."""


@dataclass(frozen=True, slots=True)
class SyncReport:
    created: int = 0
    """New members made from the outbox."""
    merged: int = 0
    """Registrations merged into a member who already existed."""
    held: int = 0
    """Registrations the hub would not take now (kept, retried later)."""
    waiting: int = 0
    """Registrations not tried because the hub became unreachable."""


class Outbox:
    """The registrations waiting for the hub, in a SQLite file at `path` (``":memory:"`` for tests)."""

    def __init__(self, path: str | os.PathLike[str], *, clock: Callable[[], float] = time.time) -> None:
        self.path = str(path)
        self._clock = clock
        self._lock = threading.Lock()
        self.syncing = threading.Lock()
        """Held while a sync runs, so two syncs never send one registration twice."""
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                # Owner-only from the start: it holds names and contact details until they are synced.
                os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # the customer was told they are registered
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise OutboxError(self.path, str(exc)) from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise

    def add(self, registration: Registration) -> str:
        """Keep `registration` for later; returns its provisional card number."""
        body = msgspec.json.encode(registration)
        for _ in range(5):
            number = new_provisional_number()
            try:
                with self._write() as db:
                    db.execute(
                        "INSERT INTO registrations (provisional, body, created) VALUES (?, ?, ?)",
                        (number, body, self._clock()),
                    )
            except sqlite3.IntegrityError:
                continue  # the same random number twice: draw again
            except sqlite3.Error as exc:
                raise OutboxError(self.path, str(exc)) from exc
            log.info("registration kept in the outbox (the hub is unreachable)")
            return number
        raise OutboxError(self.path, "could not draw a free provisional number")

    def count(self) -> int:
        """Registrations not yet at the hub (held ones included)."""
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM registrations").fetchone()
        return int(row[0])

    def items(self) -> list[Pending]:
        """Every registration in the outbox, oldest first."""
        return self._select("1", ())

    def due(self, now: float | None = None, *, held_retry_s: float = HELD_RETRY_S) -> list[Pending]:
        """The registrations to try now: all but the held ones tried within `held_retry_s`."""
        at = self._clock() if now is None else now
        return self._select("state != 'held' OR tried IS NULL OR tried <= ?", (at - held_retry_s,))

    def _select(self, where: str, params: tuple[object, ...]) -> list[Pending]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, provisional, body, state, member_id, attempts, created, note FROM registrations "
                f"WHERE {where} ORDER BY id",
                params,
            ).fetchall()
        return [
            Pending(
                id=row[0],
                provisional=row[1],
                registration=msgspec.json.decode(row[2], type=Registration),
                state=row[3],
                member_id=row[4],
                attempts=row[5],
                created=row[6],
                note=row[7],
            )
            for row in rows
        ]

    def mark(self, item_id: int, state: State, *, member_id: str | None = None, note: str = "") -> None:
        """Record an attempt: the row's new `state` (and the member it made, once made)."""
        with self._write() as db:
            db.execute(
                "UPDATE registrations SET state = ?, member_id = COALESCE(?, member_id), note = ?, "
                "attempts = attempts + 1, tried = ? WHERE id = ?",
                (state, member_id, note, self._clock(), item_id),
            )

    def done(self, item_id: int) -> None:
        """The registration is at the hub: forget it (and everything personal in it)."""
        with self._write() as db:
            db.execute("DELETE FROM registrations WHERE id = ?", (item_id,))


def sync(outbox: Outbox, hub: HubClient, *, now: float | None = None) -> SyncReport:
    """Send what the outbox holds to the hub, oldest first, stopping at the first sign the hub is away."""
    if not outbox.syncing.acquire(blocking=False):
        return SyncReport()
    try:
        items = outbox.due(now)
        counts = {"created": 0, "merged": 0, "held": 0}
        for index, item in enumerate(items):
            try:
                counts[_sync_one(outbox, hub, item)] += 1
            except HubUnavailable:
                return SyncReport(**counts, waiting=len(items) - index)
            except HubRefused as exc:
                # The kiosk checks what the hub checks, so this is a version or token problem: keep it for later.
                log.warning("the hub refused a registration from the outbox: %s %s", exc.status, exc.code)
                outbox.mark(item.id, "held", note=f"refused:{exc.code}")
                counts["held"] += 1
        return SyncReport(**counts)
    finally:
        outbox.syncing.release()


def _sync_one(outbox: Outbox, hub: HubClient, item: Pending) -> Literal["created", "merged", "held"]:
    reg = item.registration
    member_id = item.member_id
    if member_id is None:
        owner = hub.find(reg.card) if reg.card else None
        if owner is not None:
            _merge(hub, item, owner.member_id)
            outbox.done(item.id)
            return "merged"
        try:
            member_id = hub.sign_up(reg, card=item.provisional).member_id
        except Duplicate as exc:
            member_id = _our_earlier_member(hub, item) if "card" in exc.fields else None
            if member_id is None:
                # An existing member's email or phone: the same person (full name too) is merged into it.
                merged = hub.merge(reg, card=item.provisional)
                if merged is None:
                    log.warning("a registration in the outbox clashes with a member it is not; held for staff")
                    outbox.mark(item.id, "held", note="duplicate")
                    return "held"
                if reg.card:
                    with contextlib.suppress(Duplicate):
                        hub.link_card(merged.member_id, reg.card)
                outbox.done(item.id)
                return "merged"
        outbox.mark(item.id, "created", member_id=member_id)
    if reg.card:
        try:
            hub.link_card(member_id, reg.card)
        except Duplicate:
            log.warning("an outbox registration's old card was linked to another member meanwhile; not linked")
    outbox.done(item.id)
    return "created"


def _our_earlier_member(hub: HubClient, item: Pending) -> str | None:
    """The member an earlier attempt made with this provisional number, if the hub's clash is that."""
    holder = hub.find(item.provisional)
    if holder is None:
        return None
    if " ".join(holder.first_name.split()).casefold() != " ".join(item.registration.first_name.split()).casefold():
        return None  # the number is someone else's card after all: never merge two people
    return holder.member_id


def _merge(hub: HubClient, item: Pending, member_id: str) -> None:
    """Fold a registration into the member who already has its card: the provisional number becomes one of
    their cards (so what the customer was shown keeps working) and their consents are the ones just given."""
    try:
        hub.link_card(member_id, item.provisional)
    except Duplicate:
        log.warning("a provisional number is another member's card; the merge goes on without it")
    reg = item.registration
    choices = {"marketing": reg.marketing, "profiling": reg.profiling, "proximity": reg.proximity}
    hub.set_consents(member_id, choices, reg.policy_version)
