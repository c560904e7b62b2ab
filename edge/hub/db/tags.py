"""Loyalty key-fob tags with a fixed identifier: an iBeacon (``ib:<uuid>:<major>:<minor>``), an Eddystone-UID or an
AltBeacon id, registered to a member when the store hands the tag over.

A fixed id can be followed by anyone who hears it, which is why the store gives these tags only to members who want
one, and the hub keeps them in the same consent rules as phones: a tag resolves only while its member grants the
proximity consent. Erasing the member deletes their tags.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from edge.hub.db.consents import grants_proximity
from edge.hub.db.database import fetch_all, fetch_one, transaction
from edge.hub.db.errors import DuplicateMember, InvalidRecord, NotFound
from edge.hub.db.ids import new_device_id
from edge.protocol.ids import is_beacon_id


@dataclass(frozen=True, slots=True)
class BeaconTag:
    tag_id: str
    member_id: str
    wire_id: str
    created: float


class BeaconTags:
    """Fixed-id tags and their members."""

    def __init__(self, db: sqlite_utils.Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def register(self, member_id: str, wire_id: str) -> BeaconTag:
        """Give the tag advertising `wire_id` to the member; `DuplicateMember` when it is someone else's,
        `InvalidRecord` for an EID (rotating: those are enrolled, not registered) or a malformed id."""
        wire = wire_id.strip().lower()
        if not is_beacon_id(wire) or wire.startswith("eid:"):
            raise InvalidRecord("beacon_id", "invalid", "ib:<uuid>:<major>:<minor>, uid:… or alt:…")
        with transaction(self.db):
            if fetch_one(self.db, "SELECT 1 FROM members WHERE member_id = ?", [member_id]) is None:
                raise NotFound("member", member_id)
            row = fetch_one(self.db, "SELECT * FROM beacon_tags WHERE wire_id = ?", [wire])
            if row is not None:
                if row["member_id"] != member_id:
                    raise DuplicateMember({"beacon_id": "taken"})
                return _tag(row)
            tag = BeaconTag(new_device_id(), member_id, wire, self.clock())
            self.db.execute(
                "INSERT INTO beacon_tags (tag_id, member_id, wire_id, created) VALUES (?, ?, ?, ?)",
                [tag.tag_id, tag.member_id, tag.wire_id, tag.created],
            )
        return tag

    def for_member(self, member_id: str) -> list[BeaconTag]:
        rows = fetch_all(self.db, "SELECT * FROM beacon_tags WHERE member_id = ? ORDER BY created", [member_id])
        return [_tag(r) for r in rows]

    def all(self, *, member_id: str | None = None, consenting_only: bool = False) -> Iterator[BeaconTag]:
        """The registered tags (of one member; of members granting proximity now, with `consenting_only`)."""
        sql = "SELECT * FROM beacon_tags WHERE 1 = 1"
        params: list[object] = []
        if member_id is not None:
            sql += " AND member_id = ?"
            params.append(member_id)
        if consenting_only:
            sql += " AND " + grants_proximity("beacon_tags")
        yield from (_tag(r) for r in fetch_all(self.db, sql + " ORDER BY tag_id", params))

    def remove(self, tag_id: str) -> bool:
        """The tag was returned or lost: it stops resolving."""
        with transaction(self.db):
            return self.db.execute("DELETE FROM beacon_tags WHERE tag_id = ?", [tag_id]).rowcount > 0


def _tag(row: dict[str, Any]) -> BeaconTag:
    return BeaconTag(str(row["tag_id"]), str(row["member_id"]), str(row["wire_id"]), float(row["created"]))
