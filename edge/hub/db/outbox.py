"""The notification outbox, which is also the log of every notification the hub decided to send.

A campaign decision and its outbox row are written in one transaction, then a sender works through `due`
rows. Each row has an idempotency key (for example ``campaign:visit``): enqueuing the same decision twice (a
replayed event, two threads racing) stores it once. Rows are kept after sending: they are what the caps count
and what open rates are computed from. States: ``pending`` → ``sent``, or ``dead`` after giving up.

The caps count decisions, not deliveries: a pending or a dead marketing notification counts like a sent one,
so a slow or failing push service never lets more pushes be decided than the caps allow.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

import sqlite_utils

from edge.hub.campaigns.model import KINDS, Kind
from edge.hub.db.database import fetch_all, fetch_one, fetch_value, transaction
from edge.hub.db.errors import InvalidRecord

Channel = Literal["webpush", "staff"]
CHANNELS: Final[tuple[Channel, ...]] = get_args(Channel)
State = Literal["pending", "sent", "dead"]
STATES: Final[tuple[State, ...]] = get_args(State)
ERROR_MAX: Final = 500  # a push service's error body can be long; the start says what went wrong


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    """A decided notification. `member_id` is None for staff alerts; `created` None means now."""

    idempotency_key: str
    channel: Channel
    kind: Kind
    payload: Mapping[str, Any]
    member_id: str | None = None
    campaign_id: str | None = None
    visit: str | None = None
    created: float | None = None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A stored notification and where its delivery stands."""

    id: str
    idempotency_key: str
    member_id: str | None
    campaign_id: str | None
    visit: str | None
    channel: Channel
    kind: Kind
    payload: dict[str, Any] = field(hash=False)
    created: float
    state: State
    attempts: int
    next_attempt: float
    last_error: str | None
    sent: float | None
    opened: float | None


def _row(r: dict[str, Any]) -> OutboxRow:
    return OutboxRow(
        r["id"], r["idempotency_key"], r["member_id"], r["campaign_id"], r["visit"], r["channel"], r["kind"],
        json.loads(r["payload"]), float(r["created"]), r["state"], int(r["attempts"]), float(r["next_attempt"]),
        r["last_error"], r["sent"], r["opened"],
    )  # fmt: skip


class Outbox:
    """The outbox and notification log."""

    def __init__(self, db: sqlite_utils.Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def enqueue(self, notification: Notification) -> str | None:
        """Store a pending notification and return its id (uuid4 hex); None, writing nothing, when a
        notification with the same idempotency key exists."""
        n = notification
        if not n.idempotency_key:
            raise InvalidRecord("idempotency_key", "empty")
        if n.channel not in CHANNELS:
            raise InvalidRecord("channel", "invalid", ", ".join(CHANNELS))
        if n.kind not in KINDS:
            raise InvalidRecord("kind", "invalid", ", ".join(KINDS))
        if n.channel == "webpush" and n.member_id is None:
            raise InvalidRecord("member_id", "required", "a push goes to a member")
        try:
            payload = json.dumps(dict(n.payload), ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidRecord("payload", "invalid", str(exc)) from exc
        created = self.clock() if n.created is None else n.created
        row_id = uuid.uuid4().hex
        with transaction(self.db):
            cursor = self.db.execute(
                "INSERT INTO outbox (id, idempotency_key, member_id, campaign_id, visit, channel, kind, payload, "
                "created, state, attempts, next_attempt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?) "
                "ON CONFLICT (idempotency_key) DO NOTHING",
                (
                    row_id,
                    n.idempotency_key,
                    n.member_id,
                    n.campaign_id,
                    n.visit,
                    n.channel,
                    n.kind,
                    payload,
                    created,
                    created,
                ),
            )
            return row_id if cursor.rowcount > 0 else None

    def get(self, row_id: str) -> OutboxRow | None:
        """The notification with this id, or None."""
        r = fetch_one(self.db, "SELECT * FROM outbox WHERE id = ?", [row_id])
        return None if r is None else _row(r)

    def due(self, now: float, limit: int = 100) -> list[OutboxRow]:
        """Pending notifications whose next attempt is at or before `now`, the longest waiting first."""
        rows = fetch_all(
            self.db,
            "SELECT * FROM outbox WHERE state = 'pending' AND next_attempt <= ? ORDER BY next_attempt, created LIMIT ?",
            [now, limit],
        )
        return [_row(r) for r in rows]

    def mark_sent(self, row_id: str, t: float) -> bool:
        """The push service (or the broker, for staff alerts) accepted it at `t`. False unless it was pending."""
        return self._update("state = 'sent', sent = ?, attempts = attempts + 1", [t], row_id)

    def mark_retry(self, row_id: str, error: str, next_attempt_t: float) -> bool:
        """An attempt failed in a way worth retrying: try again at `next_attempt_t`. False unless pending."""
        return self._update(
            "attempts = attempts + 1, last_error = ?, next_attempt = ?", [error[:ERROR_MAX], next_attempt_t], row_id
        )

    def mark_dead(self, row_id: str, error: str) -> bool:
        """Give up on it (subscription gone, too many attempts). False unless it was pending."""
        return self._update("state = 'dead', attempts = attempts + 1, last_error = ?", [error[:ERROR_MAX]], row_id)

    def mark_opened(self, row_id: str, t: float) -> bool:
        """The member opened it at `t`. True the first time; False for a repeat open or an unknown id."""
        with transaction(self.db):
            cursor = self.db.execute("UPDATE outbox SET opened = ? WHERE id = ? AND opened IS NULL", (t, row_id))
            return cursor.rowcount > 0

    def for_member(self, member_id: str, *, after: float = 0.0, limit: int = 50) -> list[OutboxRow]:
        """The member's notifications (their inbox: every one decided for them, whatever became of the push)
        decided after `after`, newest first."""
        rows = fetch_all(
            self.db,
            "SELECT * FROM outbox WHERE member_id = ? AND channel = 'webpush' AND created > ?"
            " ORDER BY created DESC, id DESC LIMIT ?",
            [member_id, after, limit],
        )
        return [_row(r) for r in rows]

    # --- what the caps count: decisions, whatever their delivery state ---------------------------------------

    def count_since(self, member_id: str, t: float, kind: str = "marketing") -> int:
        """How many notifications of `kind` were decided for the member at or after `t`."""
        return int(
            fetch_value(
                self.db,
                "SELECT COUNT(*) FROM outbox WHERE member_id = ? AND kind = ? AND created >= ?",
                [member_id, kind, t],
            )
        )

    def last_decided_at(self, member_id: str, kind: str = "marketing") -> float | None:
        """When the member's latest notification of `kind` was decided, or None."""
        value = fetch_value(
            self.db, "SELECT MAX(created) FROM outbox WHERE member_id = ? AND kind = ?", [member_id, kind]
        )
        return None if value is None else float(value)

    def count_in_visit(self, visit: str, kind: str = "marketing") -> int:
        """How many notifications of `kind` were decided during the visit."""
        return int(fetch_value(self.db, "SELECT COUNT(*) FROM outbox WHERE visit = ? AND kind = ?", [visit, kind]))

    def campaigns_in_visit(self, visit: str) -> set[str]:
        """The campaigns that already decided a notification during the visit."""
        rows = fetch_all(
            self.db, "SELECT DISTINCT campaign_id FROM outbox WHERE visit = ? AND campaign_id IS NOT NULL", [visit]
        )
        return {r["campaign_id"] for r in rows}

    def stats(self) -> dict[str, int]:
        """How many notifications are in each state (every state is present, 0 when none)."""
        counts: dict[str, int] = {state: 0 for state in STATES}
        for r in fetch_all(self.db, "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state"):
            counts[r["state"]] = int(r["n"])
        return counts

    def _update(self, assignments: str, params: list[Any], row_id: str) -> bool:
        with transaction(self.db):
            cursor = self.db.execute(
                f"UPDATE outbox SET {assignments} WHERE id = ? AND state = 'pending'", [*params, row_id]
            )
            return cursor.rowcount > 0
