"""Retention: deleting what the hub may no longer keep (DESIGN.md, "Identity and privacy").

Raw presence (visits and their journey events) 30 days, profiling data (the receipts behind co-purchase
statistics) 12 months, marketing data (the outbox and notification log) 24 months, by default. Enrollment
tokens are deleted a day after they expired or were used: past that they only say when a QR was shown.
Run once a day; each kind is one DELETE, so a run is short even on a Pi.
"""

from __future__ import annotations

from typing import Final

import sqlite_utils

from edge.hub.db.database import transaction

DAY_S: Final = 86_400.0
TOKEN_GRACE_S: Final = DAY_S


def enforce_retention(
    db: sqlite_utils.Database,
    now: float,
    presence_days: float = 30,
    profiling_days: float = 365,
    marketing_days: float = 730,
) -> dict[str, int]:
    """Delete what is past its retention at `now` and return how many rows of each kind went.

    Keys: ``visits`` (a visit goes when its last event is older than `presence_days`, with its
    ``journey_events``, also counted), ``receipts`` (older than `profiling_days`, with their lines),
    ``outbox`` and ``feedback`` (more than `marketing_days` ago) and ``enrollment_tokens``.
    """
    for name, days in (
        ("presence_days", presence_days),
        ("profiling_days", profiling_days),
        ("marketing_days", marketing_days),
    ):
        if not days > 0:
            raise ValueError(f"{name} must be a positive number of days, not {days!r}")
    presence_cut = now - presence_days * DAY_S
    with transaction(db):
        events = db.execute(
            "DELETE FROM journey_events WHERE visit_id IN (SELECT visit_id FROM visits WHERE last_t < ?)",
            [presence_cut],
        ).rowcount
        visits = db.execute("DELETE FROM visits WHERE last_t < ?", [presence_cut]).rowcount
        db.execute(
            "DELETE FROM receipt_items WHERE receipt_id IN (SELECT receipt_id FROM receipts WHERE t < ?)",
            [now - profiling_days * DAY_S],
        )
        receipts = db.execute("DELETE FROM receipts WHERE t < ?", [now - profiling_days * DAY_S]).rowcount
        outbox = db.execute("DELETE FROM outbox WHERE created < ?", [now - marketing_days * DAY_S]).rowcount
        feedback = db.execute("DELETE FROM feedback WHERE t < ?", [now - marketing_days * DAY_S]).rowcount
        db.execute("DELETE FROM preregistrations WHERE expires < ?", [now])
        tokens = db.execute(
            "DELETE FROM enrollment_tokens WHERE MIN(expires, COALESCE(used, expires)) < ?", [now - TOKEN_GRACE_S]
        ).rowcount
    return {
        "visits": visits,
        "journey_events": events,
        "receipts": receipts,
        "outbox": outbox,
        "feedback": feedback,
        "enrollment_tokens": tokens,
    }
