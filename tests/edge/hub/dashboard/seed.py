"""Fill a hub database through its repositories, as the live hub would: members, visits step by step,
receipts, and pushes with their delivery and opening."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import sqlite_utils

from edge.hub.db import Journeys, Members, NewMember, Notification, Outbox, Receipts
from edge.presence import JourneyEvent
from edge.protocol import Receipt, ReceiptItem

_numbers = itertools.count(1)


def member(db: sqlite_utils.Database, *, proximity: bool = True) -> str:
    """A new member with the service, marketing and (unless told) proximity consents; their member id."""
    n = next(_numbers)
    created = Members(db).create(
        NewMember(
            first_name="Giulia", last_name="Rossi", email=f"socio{n}@example.it", policy_version="2026-01",
            consents={"service": True, "marketing": True, "proximity": proximity},
        )
    )  # fmt: skip
    return created.member_id


def visit(
    db: sqlite_utils.Database, member_id: str, stops: Sequence[tuple[float, str]], *, left: float | None = None
) -> str:
    """A visit through `stops` (``(time, zone)``: the entry, then each zone change), ending at `left` if given.
    Each zone change and the exit carry the time spent in the zone left, as the presence engine's do."""
    visit_id = f"v{next(_numbers)}"
    journeys = Journeys(db)
    (t0, first), rest = stops[0], stops[1:]
    journeys.record(JourneyEvent(t0, "dev-" + member_id, visit_id, "enter", first, None, None), member_id)
    here, since = first, t0
    for t, zone in rest:
        journeys.record(JourneyEvent(t, "dev-" + member_id, visit_id, "zone", zone, here, t - since), member_id)
        here, since = zone, t
    if left is not None:
        journeys.record(JourneyEvent(left, "dev-" + member_id, visit_id, "exit", None, here, left - since), member_id)
    return visit_id


def receipt(
    db: sqlite_utils.Database, member_id: str | None, t: float, total: float = 49.9, skus: Sequence[str] = ("RUN-002",)
) -> str:
    """A purchase at `t` of one of each of `skus`, linked to the member (None: without a loyalty card)."""
    receipt_id = f"R-{next(_numbers)}"
    items = [ReceiptItem(sku=sku, qty=1, price=round(total / len(skus), 2)) for sku in skus]
    Receipts(db).add(Receipt(t=t, receipt=receipt_id, card="0000", items=items, total=total), member_id)
    return receipt_id


def push(
    db: sqlite_utils.Database,
    member_id: str,
    campaign: str,
    t: float,
    *,
    visit_id: str | None = None,
    sent: float | None = None,
    opened: float | None = None,
    channel: str = "webpush",
) -> str:
    """A push decided at `t` for the member, sent and opened when given."""
    outbox = Outbox(db)
    row = outbox.enqueue(
        Notification(
            idempotency_key=f"{campaign}:{next(_numbers)}", channel=channel, kind="marketing",  # type: ignore[arg-type]
            payload={"title": "Ciao"}, member_id=member_id, campaign_id=campaign, visit=visit_id, created=t,
        )
    )  # fmt: skip
    assert row is not None
    if sent is not None:
        outbox.mark_sent(row, sent)
    if opened is not None:
        outbox.mark_opened(row, opened)
    return row
