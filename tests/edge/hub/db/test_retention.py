"""Retention: presence after 30 days, co-purchase receipts after 12 months, the outbox after 24 months."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from edge.hub.db import (
    Devices,
    HubDatabase,
    Journeys,
    Member,
    Notification,
    Outbox,
    Receipts,
    SecretBox,
    enforce_retention,
)
from edge.hub.db.database import fetch_value
from edge.presence import JourneyEvent
from edge.protocol import Receipt, ReceiptItem
from tests.edge.hub.db.conftest import START, FakeClock

DAY = 86_400.0
NOW = START + 1000 * DAY


def count(db: HubDatabase, table: str) -> int:
    return int(fetch_value(db, f"SELECT COUNT(*) FROM {table}"))


def test_each_kind_goes_after_its_own_period(
    db: HubDatabase, box: SecretBox, make_member: Callable[..., Member], clock: FakeClock
) -> None:
    member = make_member(consents={"service": True, "proximity": True})
    journeys, receipts, outbox = Journeys(db, clock), Receipts(db, clock), Outbox(db, clock)
    for visit, age in (("old", 31), ("recent", 29)):
        t = NOW - age * DAY
        journeys.record(JourneyEvent(t, "d_1", visit, "enter", "entrance", None, None), member.member_id)
        journeys.record(JourneyEvent(t + 60, "d_1", visit, "exit", None, "entrance", 60.0), member.member_id)
    for receipt_id, age in (("R-old", 366), ("R-new", 364)):
        item = ReceiptItem(sku="A", qty=1, price=1.0)
        receipts.add(Receipt(t=NOW - age * DAY, receipt=receipt_id, card="x1", items=[item], total=1.0), None)
    for key, age in (("old", 731), ("new", 729)):
        outbox.enqueue(Notification(
            idempotency_key=key, channel="webpush", kind="marketing", payload={}, member_id=member.member_id,
            created=NOW - age * DAY))  # fmt: skip
    devices = Devices(db, box, clock)
    clock.t = NOW - 2 * DAY
    devices.issue_token(member.member_id, ttl_s=900)  # expired long ago
    clock.t = NOW - 0.5 * DAY
    devices.issue_token(member.member_id, ttl_s=900)  # expired, but within the grace day

    removed = enforce_retention(db, NOW)
    assert removed == {"visits": 1, "journey_events": 2, "receipts": 1, "outbox": 1, "feedback": 0,
                       "enrollment_tokens": 1}  # fmt: skip
    assert [v.visit_id for v in journeys.visits(0, NOW + DAY)] == ["recent"]
    assert [r["receipt_id"] for r in db.query("SELECT receipt_id FROM receipts")] == ["R-new"]
    assert count(db, "receipt_items") == 1
    assert [r["idempotency_key"] for r in db.query("SELECT idempotency_key FROM outbox")] == ["new"]
    assert count(db, "members") == 1
    assert count(db, "consents") == 2
    assert enforce_retention(db, NOW) == dict.fromkeys(removed, 0)


def test_shorter_periods_can_be_configured(
    db: HubDatabase, make_member: Callable[..., Member], clock: FakeClock
) -> None:
    member = make_member(consents={"service": True, "proximity": True})
    Journeys(db, clock).record(
        JourneyEvent(NOW - 8 * DAY, "d_1", "v1", "enter", "entrance", None, None), member.member_id
    )
    assert enforce_retention(db, NOW, presence_days=10)["visits"] == 0
    assert enforce_retention(db, NOW, presence_days=7)["visits"] == 1
    with pytest.raises(ValueError, match="presence_days"):
        enforce_retention(db, NOW, presence_days=0)
