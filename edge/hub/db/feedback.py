"""Feedback from the purchase push's link: a rating (1-5) and an optional comment per link.

The link's token is a keyed hash of the notification's idempotency key (`edge.hub.campaigns.keys.feedback_token`):
it names no member, and the row keeps nothing but the token, the answer and its time. Answering again replaces the
answer. Deleted after the marketing retention with the notification log.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import sqlite_utils

from edge.hub.db.database import fetch_all, fetch_one, transaction
from edge.hub.db.errors import InvalidRecord

TOKEN: Final = re.compile(r"[0-9a-f]{32}")
COMMENT_MAX: Final = 500


@dataclass(frozen=True, slots=True)
class FeedbackAnswer:
    token: str
    rating: int
    comment: str
    t: float


class Feedback:
    """Answers to feedback links, and the notification each link came with."""

    def __init__(self, db: sqlite_utils.Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def link(self, token: str) -> dict[str, object] | None:
        """The payload of the notification whose feedback link carries `token`, or None (unknown, or expired)."""
        if not TOKEN.fullmatch(token):
            return None
        # A scan of the notification log: feedback links are opened a few times a day, not worth an index.
        row = fetch_one(self.db, "SELECT payload FROM outbox WHERE payload LIKE ? LIMIT 1", [f"%/feedback/{token}%"])
        return None if row is None else dict(json.loads(row["payload"]))

    def answer(self, token: str, rating: int, comment: str = "") -> FeedbackAnswer:
        """Record (or replace) the answer to one link."""
        if not TOKEN.fullmatch(token):
            raise InvalidRecord("token", "invalid")
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise InvalidRecord("rating", "invalid", "1 to 5")
        text = " ".join(comment.split())
        if len(text) > COMMENT_MAX or not text.isprintable():
            raise InvalidRecord("comment", "invalid", f"at most {COMMENT_MAX} printable characters")
        answer = FeedbackAnswer(token, rating, text, self.clock())
        with transaction(self.db):
            self.db.execute(
                "INSERT INTO feedback (token, rating, comment, t) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (token) DO UPDATE SET"
                " rating = excluded.rating, comment = excluded.comment, t = excluded.t",
                [answer.token, answer.rating, answer.comment, answer.t],
            )
        return answer

    def get(self, token: str) -> FeedbackAnswer | None:
        row = fetch_one(self.db, "SELECT * FROM feedback WHERE token = ?", [token])
        return None if row is None else FeedbackAnswer(row["token"], int(row["rating"]), row["comment"], row["t"])

    def summary(self, since: float, until: float) -> dict[str, float]:
        """Answers and the average rating in ``[since, until)``."""
        rows = fetch_all(self.db, "SELECT COUNT(*) AS n, AVG(rating) AS avg FROM feedback WHERE t >= ? AND t < ?",
                         [since, until])  # fmt: skip
        n = int(rows[0]["n"]) if rows else 0
        return {"answers": n, "average": float(rows[0]["avg"]) if n else 0.0}
