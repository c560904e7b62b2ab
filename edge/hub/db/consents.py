"""Consents: an append-only history per member and purpose, and the current state read from it.

A row is written only for a real change: the first explicit answer for a purpose (a refusal too, as evidence of
what the member was asked) or a value different from the last one. Each row keeps when, under which privacy
policy version and through which channel it was given, as the Garante's fidelity-card rules ask.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Literal, get_args

import sqlite_utils

from edge.hub.db.database import fetch_all, fetch_value, transaction
from edge.hub.db.errors import InvalidRecord, NotFound, UnknownPurpose

Purpose = Literal["service", "marketing", "profiling", "proximity"]
PURPOSES: Final[tuple[Purpose, ...]] = get_args(Purpose)

Source = Literal["kiosk", "app", "web", "admin", "pos"]
"""Where a member record or a consent came from."""
SOURCES: Final[tuple[Source, ...]] = get_args(Source)


@dataclass(frozen=True, slots=True)
class ConsentState:
    """What a member has granted now. `policy_version` and `t` are those of the latest change (None before any)."""

    service: bool = False
    marketing: bool = False
    profiling: bool = False
    proximity: bool = False
    policy_version: str | None = None
    t: float | None = None

    def granted(self, purpose: str) -> bool:
        """Whether `purpose` is granted; an unknown purpose raises `UnknownPurpose`."""
        if purpose not in PURPOSES:
            raise UnknownPurpose(purpose)
        return bool(getattr(self, purpose))


@dataclass(frozen=True, slots=True)
class ConsentChange:
    """One history row."""

    purpose: Purpose
    granted: bool
    t: float
    policy_version: str
    source: str


def grants_proximity(table: str) -> str:
    """An SQL condition: the latest proximity consent of `table`'s row's member is granted.

    Found through the (member_id, purpose, id) index per row; a grouped subquery over every consent would be
    evaluated again for each page of a paged read."""
    return (
        f"(SELECT c.granted FROM consents c WHERE c.member_id = {table}.member_id"
        " AND c.purpose = 'proximity' ORDER BY c.id DESC LIMIT 1) = 1"
    )


def check_source(source: str) -> Source:
    """`source` if it is one of `SOURCES`, else `InvalidRecord`."""
    if source not in SOURCES:
        raise InvalidRecord("source", "invalid", f"one of {', '.join(SOURCES)}")
    return source


class Consents:
    """The consent history of members."""

    def __init__(self, db: sqlite_utils.Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def record(self, member_id: str, changes: Mapping[str, bool], policy_version: str, source: str) -> ConsentState:
        """Record the purposes in `changes` that differ from the current state; returns the new state.

        Unknown purposes (`UnknownPurpose`), non-boolean values, an empty policy version or an unknown source
        (`InvalidRecord`) write nothing; an unknown member is `NotFound`.
        """
        for purpose, value in changes.items():
            if purpose not in PURPOSES:
                raise UnknownPurpose(purpose)
            if not isinstance(value, bool):
                raise InvalidRecord(f"consents.{purpose}", "invalid", "true or false")
        if not policy_version.strip():
            raise InvalidRecord("policy_version", "empty")
        check_source(source)
        now = self.clock()
        with transaction(self.db):
            if fetch_value(self.db, "SELECT 1 FROM members WHERE member_id = ?", [member_id]) is None:
                raise NotFound("member", member_id)
            last = self._last(member_id)
            for purpose in PURPOSES:  # a fixed order, so history reads the same however `changes` was built
                if purpose in changes and last.get(purpose) != changes[purpose]:
                    self.db.execute(
                        "INSERT INTO consents (member_id, purpose, granted, t, policy_version, source) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (member_id, purpose, int(changes[purpose]), now, policy_version.strip(), source),
                    )
            return self.current(member_id)

    def current(self, member_id: str) -> ConsentState:
        """The member's current consents (all False for an unknown member or one who never answered)."""
        rows = fetch_all(
            self.db,
            "SELECT id, purpose, granted, t, policy_version FROM consents WHERE id IN "
            "(SELECT MAX(id) FROM consents WHERE member_id = ? GROUP BY purpose)",
            [member_id],
        )
        if not rows:
            return ConsentState()
        latest = max(rows, key=lambda r: int(r["id"]))
        granted = {r["purpose"]: bool(r["granted"]) for r in rows}
        return ConsentState(
            service=granted.get("service", False),
            marketing=granted.get("marketing", False),
            profiling=granted.get("profiling", False),
            proximity=granted.get("proximity", False),
            policy_version=str(latest["policy_version"]),
            t=float(latest["t"]),
        )

    def history(self, member_id: str) -> list[ConsentChange]:
        """Every recorded change of the member, oldest first."""
        rows = fetch_all(
            self.db,
            "SELECT purpose, granted, t, policy_version, source FROM consents WHERE member_id = ? ORDER BY id",
            [member_id],
        )
        return [
            ConsentChange(r["purpose"], bool(r["granted"]), float(r["t"]), r["policy_version"], r["source"])
            for r in rows
        ]

    def members_with(self, purpose: str) -> set[str]:
        """The members who currently grant `purpose`."""
        if purpose not in PURPOSES:
            raise UnknownPurpose(purpose)
        rows = fetch_all(
            self.db,
            "SELECT member_id FROM consents WHERE granted = 1 AND id IN "
            "(SELECT MAX(id) FROM consents WHERE purpose = ? GROUP BY member_id)",
            [purpose],
        )
        return {r["member_id"] for r in rows}

    def _last(self, member_id: str) -> dict[str, bool]:
        rows = fetch_all(
            self.db,
            "SELECT purpose, granted FROM consents WHERE id IN "
            "(SELECT MAX(id) FROM consents WHERE member_id = ? GROUP BY purpose)",
            [member_id],
        )
        return {r["purpose"]: bool(r["granted"]) for r in rows}
