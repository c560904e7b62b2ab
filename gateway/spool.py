"""The gateway's spool: every sightings batch is written here before it is published, and removed when the
broker acknowledges it.

So a broker outage, a restart or a power cut loses no batch: what is here is replayed in `seq` order on the
next connection. The same transaction that stores a batch advances the persisted `seq`, so numbering
continues across restarts and never repeats (the hub dedupes and detects gaps by it). SQLite runs with
``synchronous=FULL``: at one batch a second the fsync is cheap, and a committed `seq` survives a power cut.
The spool is bounded by size and by age; what is dropped to stay inside the bounds is counted, persistently.

The stdlib `sqlite3` is enough for two tiny tables and keeps the gateway install small.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from edge.errors import CorsiaError

log = logging.getLogger("corsia.gateway.spool")

SCHEMA = """
CREATE TABLE IF NOT EXISTS batch (seq INTEGER PRIMARY KEY, t REAL NOT NULL, payload BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('next_seq', 1), ('dropped', 0);
"""


class SpoolError(CorsiaError):
    """The spool file cannot be opened or is not a spool."""


@dataclass(frozen=True, slots=True)
class SpoolLimits:
    max_bytes: int = 50 * 1024 * 1024  # a day of a busy gateway's batches, far below an SD card's size
    max_age_s: float = 24 * 3600.0  # older sightings are of no use to the hub's presence engine


class Spool:
    """A durable FIFO of encoded batches keyed by `seq`. Thread-safe; every method is a short transaction."""

    def __init__(self, path: str | Path, limits: SpoolLimits | None = None) -> None:
        self.path = Path(path)
        self.limits = limits or SpoolLimits()
        self.write_errors = 0  # writes that failed (full disk, I/O error): those batches are counted as dropped
        self._lock = threading.Lock()
        try:
            if str(path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
            self._bytes = int(self._db.execute("SELECT COALESCE(SUM(LENGTH(payload)), 0) FROM batch").fetchone()[0])
            self._count = int(self._db.execute("SELECT COUNT(*) FROM batch").fetchone()[0])
        except (sqlite3.Error, OSError) as exc:
            raise SpoolError(f"cannot open the spool {path}: {exc}") from exc
        self._dropped_before = int(self._db.execute("SELECT value FROM meta WHERE key='dropped'").fetchone()[0])
        self._dropped_now = 0  # this process's drops; persisted too, when the disk lets us
        self._unsaved_drops = 0  # drops counted while the disk refused the count: saved with the next write

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __len__(self) -> int:
        return self._count

    @property
    def size_bytes(self) -> int:
        return self._bytes

    @property
    def dropped(self) -> int:
        """Batches dropped since the spool was created: over the bounds, or not writable."""
        return self._dropped_before + self._dropped_now

    def next_seq(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT value FROM meta WHERE key='next_seq'").fetchone()[0])

    def append(self, t: float, encode: Callable[[int], bytes]) -> tuple[int, bytes] | None:
        """Allocate the next `seq`, encode the batch with it and store both in one transaction.

        Returns ``(seq, payload)``, or None when the write failed (counted as a drop; the gateway goes on).
        """
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                seq = int(self._db.execute("SELECT value FROM meta WHERE key='next_seq'").fetchone()[0])
                payload = encode(seq)
                self._db.execute("INSERT INTO batch (seq, t, payload) VALUES (?, ?, ?)", (seq, t, payload))
                self._db.execute("UPDATE meta SET value = value + 1 WHERE key='next_seq'")
                unsaved = self._unsaved_drops
                if unsaved:
                    self._db.execute("UPDATE meta SET value = value + ? WHERE key='dropped'", (unsaved,))
                self._db.execute("COMMIT")
                self._unsaved_drops -= unsaved
            except sqlite3.Error as exc:
                self._rollback()
                self.write_errors += 1
                self._count_drops(1)
                log.error("spool write failed, batch dropped: %s", exc)
                return None
            self._count += 1
            self._bytes += len(payload)
        self.enforce_limits(t)
        return seq, payload

    def pending(self, after_seq: int = 0, limit: int = 100) -> list[tuple[int, bytes]]:
        """Stored batches with `seq` greater than `after_seq`, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, payload FROM batch WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, limit)
            ).fetchall()
        return [(int(seq), bytes(payload)) for seq, payload in rows]

    def ack(self, seq: int) -> None:
        """The broker has the batch: forget it."""
        self.ack_many([seq])

    def ack_many(self, seqs: list[int]) -> None:
        """Forget several acknowledged batches in one transaction (one fsync, not one per batch)."""
        if not seqs:
            return
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                removed = 0
                freed = 0
                for seq in seqs:
                    row = self._db.execute(
                        "DELETE FROM batch WHERE seq = ? RETURNING LENGTH(payload)", (seq,)
                    ).fetchone()
                    if row is not None:
                        removed += 1
                        freed += int(row[0])
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                log.error("spool delete failed (batches may be sent twice; the hub dedupes by seq): %s", exc)
                return
            self._count -= removed
            self._bytes -= freed

    def enforce_limits(self, now: float) -> int:
        """Drop the oldest batches beyond the size or age bound; returns how many were dropped."""
        dropped = 0
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                cur = self._db.execute(
                    "DELETE FROM batch WHERE t < ? RETURNING LENGTH(payload)", (now - self.limits.max_age_s,)
                )
                for (size,) in cur.fetchall():
                    dropped += 1
                    self._bytes -= int(size)
                while self._bytes > self.limits.max_bytes:
                    row = self._db.execute(
                        "DELETE FROM batch WHERE seq = (SELECT MIN(seq) FROM batch) RETURNING LENGTH(payload)"
                    ).fetchone()
                    if row is None:
                        break
                    dropped += 1
                    self._bytes -= int(row[0])
                if dropped:
                    self._db.execute("UPDATE meta SET value = value + ? WHERE key='dropped'", (dropped,))
                self._db.execute("COMMIT")
                self._dropped_now += dropped
            except sqlite3.Error as exc:
                self._rollback()
                log.error("spool clean-up failed: %s", exc)
                return 0
            self._count -= dropped
        if dropped:
            log.warning("spool over its bounds: dropped %d oldest batches", dropped)
        return dropped

    def _count_drops(self, n: int) -> None:
        self._dropped_now += n
        self._unsaved_drops += n
        try:
            self._db.execute("UPDATE meta SET value = value + ? WHERE key='dropped'", (self._unsaved_drops,))
        except sqlite3.Error:  # a full disk: kept in memory and saved with the next write that succeeds
            return
        self._unsaved_drops = 0

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("ROLLBACK")
