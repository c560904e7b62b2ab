"""Push subscriptions: upsert by endpoint, per member, removal."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from edge.hub.db import HubDatabase, InvalidRecord, Member, NotFound, PushSubscriptions
from tests.edge.hub.db.conftest import START, FakeClock

ENDPOINT = "https://fcm.googleapis.com/fcm/send/abc123"


@pytest.fixture
def push(db: HubDatabase, clock: FakeClock) -> PushSubscriptions:
    return PushSubscriptions(db, clock)


def test_add_is_an_upsert_by_endpoint(
    push: PushSubscriptions, make_member: Callable[..., Member], clock: FakeClock
) -> None:
    giulia, marco = make_member(), make_member()
    first = push.add(giulia.member_id, ENDPOINT, "key-1", "auth-1")
    clock.advance(5)
    assert push.add(marco.member_id, ENDPOINT, "key-2", "auth-2") == first  # the browser is now Marco's
    assert push.for_member(giulia.member_id) == []
    [sub] = push.for_member(marco.member_id)
    assert (sub.id, sub.p256dh, sub.auth, sub.created, sub.updated) == (first, "key-2", "auth-2", START, START + 5)
    assert sub.subscription_info() == {"endpoint": ENDPOINT, "keys": {"p256dh": "key-2", "auth": "auth-2"}}
    assert "auth-2" not in repr(sub)


def test_several_subscriptions_and_removal(push: PushSubscriptions, make_member: Callable[..., Member]) -> None:
    member = make_member()
    push.add(member.member_id, ENDPOINT, "k", "a")
    push.add(member.member_id, "http://127.0.0.1:8765/push/1", "k", "a")  # a local push service, for tests
    assert len(push.for_member(member.member_id)) == 2
    assert push.remove(ENDPOINT)
    assert not push.remove(ENDPOINT)
    assert [s.endpoint for s in push.for_member(member.member_id)] == ["http://127.0.0.1:8765/push/1"]


@pytest.mark.parametrize(
    ("endpoint", "p256dh", "auth", "field"),
    [
        ("http://push.example.com/x", "k", "a", "endpoint"),
        ("not a url", "k", "a", "endpoint"),
        (ENDPOINT, "", "a", "keys.p256dh"),
        (ENDPOINT, "k", "", "keys.auth"),
    ],
)
def test_bad_subscriptions(
    push: PushSubscriptions, make_member: Callable[..., Member], endpoint: str, p256dh: str, auth: str, field: str
) -> None:
    with pytest.raises(InvalidRecord) as caught:
        push.add(make_member().member_id, endpoint, p256dh, auth)
    assert caught.value.field == field


def test_an_unknown_member(push: PushSubscriptions) -> None:
    with pytest.raises(NotFound):
        push.add("m_nobody", ENDPOINT, "k", "a")


def test_an_endpoint_that_is_not_a_url_is_an_invalid_record(
    push: PushSubscriptions, make_member: Callable[..., Member]
) -> None:
    member = make_member()
    with pytest.raises(InvalidRecord) as caught:
        push.add(member.member_id, "http://0[", "k", "a")
    assert caught.value.field == "endpoint"
