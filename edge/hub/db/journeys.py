"""Journeys: the visits of members who grant the proximity consent, and the presence events of each visit.

A visit row sums a visit up (start, end, last zone, zones in the order first entered); ``journey_events`` keeps
each step as the presence engine decided it. Nothing is stored for a member without the proximity consent: the
hub should not have resolved them, and this is the last line that keeps their presence out of the database.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from edge.hub.db.consents import Consents
from edge.hub.db.database import fetch_all, fetch_one, transaction
from edge.hub.db.errors import InvalidRecord
from edge.presence import JourneyEvent


@dataclass(frozen=True, slots=True)
class Visit:
    """One visit of one member. `ended` is None while it goes on; `last_t` is the time of its latest event."""

    visit_id: str
    member_id: str
    device_id: str
    started: float
    ended: float | None
    last_t: float
    last_zone: str | None
    zones: tuple[str, ...]


def _visit(row: dict[str, Any]) -> Visit:
    return Visit(
        row["visit_id"], row["member_id"], row["device_id"], float(row["started"]),
        None if row["ended"] is None else float(row["ended"]), float(row["last_t"]), row["last_zone"],
        tuple(json.loads(row["zones"])),
    )  # fmt: skip


class Journeys:
    """Visits and their journey events."""

    def __init__(self, db: sqlite_utils.Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def record(self, event: JourneyEvent, member_id: str) -> bool:
        """Store one presence event of `member_id`'s visit; False (nothing stored) without proximity consent.

        An event of a visit not seen yet (the hub restarted in the middle of it) opens the visit at that event; an
        ``enter`` of a visit that has ended (the shopper came back within the engine's `rejoin_s`) opens it again.
        An ``enter`` for a visit id that belongs to another member is refused (`InvalidRecord`): the presence
        engine's visit ids must be unique across restarts.
        """
        with transaction(self.db):
            if not Consents(self.db, self.clock).current(member_id).proximity:
                return False
            row = fetch_one(self.db, "SELECT * FROM visits WHERE visit_id = ?", [event.visit])
            if row is not None and row["member_id"] != member_id:
                raise InvalidRecord("visit", "taken", "a visit id of another member")
            if row is None:
                zones = [event.zone] if event.zone is not None else []
                self.db.execute(
                    "INSERT INTO visits (visit_id, member_id, device_id, started, ended, last_t, last_zone, zones) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        event.visit, member_id, event.device, event.t, event.t if event.event == "exit" else None,
                        event.t, event.zone if event.zone is not None else event.prev, json.dumps(zones),
                    ),
                )  # fmt: skip
            else:
                zones = json.loads(row["zones"])
                if event.zone is not None and event.zone not in zones:
                    zones.append(event.zone)
                self.db.execute(
                    "UPDATE visits SET last_t = MAX(last_t, ?), last_zone = COALESCE(?, last_zone), zones = ?, "
                    "ended = CASE WHEN ? THEN ? WHEN ? THEN NULL ELSE ended END WHERE visit_id = ?",
                    (
                        event.t, event.zone, json.dumps(zones), event.event == "exit", event.t,
                        event.event == "enter", event.visit,
                    ),
                )  # fmt: skip
            self.db.execute(
                "INSERT INTO journey_events (visit_id, t, event, zone, prev, dwell_s) VALUES (?, ?, ?, ?, ?, ?)",
                (event.visit, event.t, event.event, event.zone, event.prev, event.dwell_s),
            )
        return True

    def exists(self, visit_id: str) -> bool:
        """Whether the visit has been recorded (an ``enter`` for it then continues it)."""
        return fetch_one(self.db, "SELECT 1 FROM visits WHERE visit_id = ?", [visit_id]) is not None

    def open_visit(self, member_id: str) -> Visit | None:
        """The member's visit going on now (the latest one without an end), or None."""
        row = fetch_one(
            self.db,
            "SELECT * FROM visits WHERE member_id = ? AND ended IS NULL ORDER BY started DESC LIMIT 1",
            [member_id],
        )
        return None if row is None else _visit(row)

    def visit_at(self, member_id: str, t: float, grace_s: float) -> Visit | None:
        """The member's visit going on at `t`, or that ended at most `grace_s` before it (the latest started)."""
        row = fetch_one(
            self.db,
            "SELECT * FROM visits WHERE member_id = ? AND started <= ? AND (ended IS NULL OR ended >= ?) "
            "ORDER BY started DESC LIMIT 1",
            [member_id, t + grace_s, t - grace_s],
        )
        return None if row is None else _visit(row)

    def ended_since(self, t: float) -> list[tuple[str, str, float, str | None]]:
        """(device id, visit id, end, the zone it ended in) of the visits that ended at `t` or later, in the order
        they ended."""
        rows = fetch_all(
            self.db,
            "SELECT device_id, visit_id, ended, last_zone FROM visits WHERE ended >= ? ORDER BY ended, visit_id",
            [t],
        )
        return [(r["device_id"], r["visit_id"], float(r["ended"]), r["last_zone"]) for r in rows]

    def close_stale(self, before_t: float) -> int:
        """End the visits still open whose last event is older than `before_t`, at that last event: the hub was
        down when they ended. How many were closed."""
        with transaction(self.db):
            cursor = self.db.execute("UPDATE visits SET ended = last_t WHERE ended IS NULL AND last_t < ?", [before_t])
            return int(cursor.rowcount)

    def get(self, visit_id: str) -> Visit | None:
        """The visit with this id, or None."""
        row = fetch_one(self.db, "SELECT * FROM visits WHERE visit_id = ?", [visit_id])
        return None if row is None else _visit(row)

    def visits(self, since: float, until: float, member_id: str | None = None) -> list[Visit]:
        """Visits that overlap ``[since, until)``, oldest first; only `member_id`'s when given."""
        sql = "SELECT * FROM visits WHERE started < ? AND COALESCE(ended, last_t) >= ?"
        params: list[Any] = [until, since]
        if member_id is not None:
            sql += " AND member_id = ?"
            params.append(member_id)
        return [_visit(r) for r in fetch_all(self.db, sql + " ORDER BY started, visit_id", params)]

    def events(self, visit_id: str) -> list[JourneyEvent]:
        """The steps of one visit in the order they were recorded."""
        visit = self.get(visit_id)
        if visit is None:
            return []
        rows = fetch_all(
            self.db,
            "SELECT t, event, zone, prev, dwell_s FROM journey_events WHERE visit_id = ? ORDER BY id",
            [visit_id],
        )
        return [
            JourneyEvent(
                t=float(r["t"]), device=visit.device_id, visit=visit_id, event=r["event"], zone=r["zone"],
                prev=r["prev"], dwell_s=None if r["dwell_s"] is None else float(r["dwell_s"]),
            )
            for r in rows
        ]  # fmt: skip

    def dwell_by_zone(self, since: float, until: float) -> dict[str, float]:
        """Seconds spent in each zone by all members, from the zone changes and exits in ``[since, until)``.

        A ``zone`` event carries the time spent in the zone it left and an ``exit`` the time in the last zone;
        ``dwell`` events are running totals of a stay still going on and are not added.
        """
        rows = fetch_all(
            self.db,
            "SELECT prev AS zone, SUM(dwell_s) AS seconds FROM journey_events "
            "WHERE event IN ('zone', 'exit') AND prev IS NOT NULL AND dwell_s IS NOT NULL AND t >= ? AND t < ? "
            "GROUP BY prev ORDER BY prev",
            [since, until],
        )
        return {r["zone"]: float(r["seconds"]) for r in rows}
