"""The outbox: idempotent enqueue, due rows and delivery states, opens, and the counters the caps use."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from edge.hub.db import HubDatabase, InvalidRecord, Member, Notification, Outbox
from tests.edge.hub.db.conftest import START, FakeClock


@pytest.fixture
def outbox(db: HubDatabase, clock: FakeClock) -> Outbox:
    return Outbox(db, clock)


def push(key: str, member: Member | None, **overrides: object) -> Notification:
    fields: dict[str, object] = {
        "idempotency_key": key, "channel": "webpush", "kind": "marketing",
        "payload": {"title": "Ciao", "body": "Le tue scarpe sono in corsia 4"},
        "member_id": None if member is None else member.member_id,
    }  # fmt: skip
    fields.update(overrides)
    return Notification(**fields)  # type: ignore[arg-type]


def test_enqueue_is_idempotent(outbox: Outbox, make_member: Callable[..., Member]) -> None:
    member = make_member()
    row_id = outbox.enqueue(push("wishlist:v1", member, campaign_id="wishlist", visit="v1"))
    assert row_id is not None
    assert re.fullmatch(r"[0-9a-f]{32}", row_id)
    assert outbox.enqueue(push("wishlist:v1", member, payload={"title": "other"})) is None
    row = outbox.get(row_id)
    assert row is not None
    assert (row.state, row.attempts, row.created, row.next_attempt, row.campaign_id, row.visit) == (
        "pending", 0, START, START, "wishlist", "v1")  # fmt: skip
    assert row.payload == {"title": "Ciao", "body": "Le tue scarpe sono in corsia 4"}
    assert outbox.stats() == {"pending": 1, "sent": 0, "dead": 0}


def test_delivery_states(outbox: Outbox, make_member: Callable[..., Member], clock: FakeClock) -> None:
    member = make_member()
    first = outbox.enqueue(push("a", member))
    clock.advance(1)
    second = outbox.enqueue(push("b", member))
    staff = outbox.enqueue(push("c", None, channel="staff", kind="service", payload={"order": "W-1"}))
    assert first
    assert second
    assert staff
    assert [r.id for r in outbox.due(START + 1)] == [first, second, staff]
    assert [r.id for r in outbox.due(START + 1, limit=1)] == [first]
    assert outbox.mark_retry(first, "503 from the push service", START + 60)
    assert [r.id for r in outbox.due(START + 59)] == [second, staff]
    assert [r.id for r in outbox.due(START + 60)] == [second, staff, first]
    assert outbox.mark_sent(second, START + 2)
    assert not outbox.mark_sent(second, START + 3)  # only a pending row changes
    assert outbox.mark_dead(first, "410 Gone: " + "x" * 1000)
    dead = outbox.get(first)
    assert dead is not None
    assert (dead.state, dead.attempts) == ("dead", 2)
    assert len(dead.last_error or "") == 500
    sent = outbox.get(second)
    assert sent is not None
    assert (sent.state, sent.sent, sent.attempts) == ("sent", START + 2, 1)
    assert outbox.stats() == {"pending": 1, "sent": 1, "dead": 1}
    assert outbox.mark_opened(second, START + 100)
    assert not outbox.mark_opened(second, START + 200)
    assert not outbox.mark_opened("0" * 32, START)
    opened = outbox.get(second)
    assert opened is not None
    assert opened.opened == START + 100


def test_counters_count_every_decision(outbox: Outbox, make_member: Callable[..., Member], clock: FakeClock) -> None:
    giulia, marco = make_member(), make_member()
    assert outbox.last_decided_at(giulia.member_id) is None
    a = outbox.enqueue(push("a", giulia, campaign_id="entry", visit="v1"))
    clock.advance(600)
    b = outbox.enqueue(push("b", giulia, campaign_id="dwell-4", visit="v1"))
    outbox.enqueue(push("c", giulia, kind="service", campaign_id="pickup", visit="v1"))
    outbox.enqueue(push("d", marco, campaign_id="entry", visit="v2"))
    clock.advance(600)
    outbox.enqueue(push("e", giulia, campaign_id="entry", visit="v3", created=START + 1200))
    assert a
    assert b
    outbox.mark_sent(a, START + 1)
    outbox.mark_dead(b, "gone")  # decided, never delivered: still counts against the caps
    assert outbox.count_since(giulia.member_id, START) == 3
    assert outbox.count_since(giulia.member_id, START + 1) == 2
    assert outbox.count_since(giulia.member_id, START, kind="service") == 1
    assert outbox.last_decided_at(giulia.member_id) == START + 1200
    assert outbox.last_decided_at(giulia.member_id, kind="service") == START + 600
    assert outbox.count_in_visit("v1") == 2
    assert outbox.count_in_visit("v1", kind="service") == 1
    assert outbox.campaigns_in_visit("v1") == {"entry", "dwell-4", "pickup"}
    assert outbox.campaigns_in_visit("v9") == set()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"channel": "sms"}, "channel"),
        ({"kind": "spam"}, "kind"),
        ({"member_id": None}, "member_id"),
        ({"payload": {"t": float("nan")}}, "payload"),
        ({"payload": {"when": object()}}, "payload"),
    ],
)
def test_bad_notifications(
    outbox: Outbox, make_member: Callable[..., Member], overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidRecord) as caught:
        outbox.enqueue(push("k", make_member(), **overrides))
    assert caught.value.field == field
    assert outbox.stats()["pending"] == 0
