"""Consents: history rows only for real changes, the current state, unknown purposes refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from edge.hub.db import Consents, HubDatabase, InvalidRecord, Member, NotFound, UnknownPurpose
from tests.edge.hub.db.conftest import START, FakeClock


@pytest.fixture
def consents(db: HubDatabase, clock: FakeClock) -> Consents:
    return Consents(db, clock)


def test_history_grows_only_for_real_changes(
    consents: Consents, make_member: Callable[..., Member], clock: FakeClock
) -> None:
    member = make_member(consents={"service": True, "marketing": False}, policy_version="v1")
    assert [(c.purpose, c.granted) for c in consents.history(member.member_id)] == [
        ("service", True),
        ("marketing", False),
    ]
    clock.advance(10)
    same = consents.record(member.member_id, {"service": True, "marketing": False}, "v2", "app")
    assert len(consents.history(member.member_id)) == 2
    assert (same.policy_version, same.t) == ("v1", START)  # nothing changed: the state is as it was
    clock.advance(10)
    state = consents.record(member.member_id, {"marketing": True, "proximity": False, "service": True}, "v2", "app")
    history = consents.history(member.member_id)
    assert [(c.purpose, c.granted, c.policy_version, c.source, c.t) for c in history[2:]] == [
        ("marketing", True, "v2", "app", START + 20),
        ("proximity", False, "v2", "app", START + 20),
    ]
    assert (state.service, state.marketing, state.profiling, state.proximity) == (True, True, False, False)
    assert (state.policy_version, state.t) == ("v2", START + 20)
    assert consents.current(member.member_id) == state


def test_unknown_purposes_and_bad_values_write_nothing(consents: Consents, make_member: Callable[..., Member]) -> None:
    member = make_member()
    before = consents.history(member.member_id)
    with pytest.raises(UnknownPurpose) as caught:
        consents.record(member.member_id, {"marketing": False, "newsletter": True}, "v2", "app")
    assert caught.value.purpose == "newsletter"
    with pytest.raises(InvalidRecord, match=r"consents\.marketing"):
        consents.record(member.member_id, {"marketing": 0}, "v2", "app")  # type: ignore[dict-item]
    with pytest.raises(InvalidRecord, match="policy_version"):
        consents.record(member.member_id, {"marketing": False}, "", "app")
    with pytest.raises(InvalidRecord, match="source"):
        consents.record(member.member_id, {"marketing": False}, "v2", "carrier pigeon")
    assert consents.history(member.member_id) == before


def test_an_unknown_member(consents: Consents) -> None:
    with pytest.raises(NotFound):
        consents.record("m_nobody", {"marketing": True}, "v1", "admin")
    assert consents.current("m_nobody").marketing is False
    assert consents.current("m_nobody").policy_version is None


def test_granted_and_members_with(consents: Consents, make_member: Callable[..., Member]) -> None:
    yes = make_member(consents={"service": True, "proximity": True})
    no = make_member(consents={"service": True, "proximity": False})
    withdrawn = make_member(consents={"service": True, "proximity": True})
    consents.record(withdrawn.member_id, {"proximity": False}, "v2", "app")
    assert consents.members_with("proximity") == {yes.member_id}
    assert consents.current(yes.member_id).granted("proximity")
    assert not consents.current(no.member_id).granted("proximity")
    with pytest.raises(UnknownPurpose):
        consents.current(yes.member_id).granted("newsletter")
