"""The gateways' offset learning kept across hub restarts: per gateway, the running sums of the presence engine's
`OffsetLearner` (`edge.presence.offset_learning`), the `rssi_offset` they were learned against, and since when.

Only sums over many shoppers' readings: nothing of any member or device. A gateway whose offset has changed since
(the store accepted a suggestion, or edited the layout) starts afresh: its sums measured the old offset.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sqlite_utils

from edge.hub.db.database import fetch_all, transaction
from edge.presence.offset_learning import GatewaySums


@dataclass(frozen=True, slots=True)
class KeptSums:
    """One gateway's sums as kept: learned against `offset_db` since `since`."""

    sums: GatewaySums
    offset_db: float
    since: float


class OffsetLearning:
    """The ``offset_learning`` table: one row per gateway, rewritten whole at each save."""

    def __init__(self, db: sqlite_utils.Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def save(self, sums: Sequence[GatewaySums], offsets: Mapping[str, float], since: Mapping[str, float]) -> None:
        """Keep `sums` (each gateway's, learned against `offsets` since `since`), replacing what was kept."""
        now = self.clock()
        with transaction(self.db):
            self.db.execute("DELETE FROM offset_learning")
            for s in sums:
                if s.gateway in offsets:
                    self.db.execute(
                        "INSERT INTO offset_learning (gateway, offset_db, total_db, squares_db2, samples, since, saved)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [s.gateway, offsets[s.gateway], s.total_db, s.squares_db2, s.samples,
                         since.get(s.gateway, now), now],
                    )  # fmt: skip

    def load(self, offsets: Mapping[str, float]) -> list[KeptSums]:
        """The sums kept for the gateways of `offsets` whose offset is still the one they were learned against."""
        rows = fetch_all(self.db, "SELECT * FROM offset_learning ORDER BY gateway")
        return [
            KeptSums(
                GatewaySums(r["gateway"], r["total_db"], r["squares_db2"], r["samples"]), r["offset_db"], r["since"]
            )
            for r in rows
            if r["gateway"] in offsets and abs(offsets[r["gateway"]] - r["offset_db"]) < 1e-9
        ]
