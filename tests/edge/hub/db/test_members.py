"""Members: sign-up with normalized contacts and made-up identifiers, duplicates that reveal nothing, look-ups,
card links, updates and loyalty points."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest

from edge.hub.contact import InvalidContact
from edge.hub.db import (
    Consents,
    DuplicateMember,
    HubDatabase,
    InvalidRecord,
    Member,
    Members,
    NewMember,
    NotFound,
    ean13_check_digit,
    is_ean13,
)
from tests.edge.hub.db.conftest import START, FakeClock

MakeMember = Callable[..., Member]


@pytest.mark.parametrize(("first12", "check"), [("400638133393", 1), ("590123412345", 7), ("290000000000", 1)])
def test_ean13_check_digit(first12: str, check: int) -> None:
    assert ean13_check_digit(first12) == check
    assert is_ean13(first12 + str(check))
    assert not is_ean13(first12 + str((check + 1) % 10))


def test_create_normalizes_and_makes_up_identifiers(members: Members, new_member: Callable[..., NewMember]) -> None:
    member = members.create(new_member(
        first_name="  Giulia ", last_name="De  Rossi", email=" Giulia.DeRossi@Example.IT", phone="333 123 4567",
        card="0042-1234-5678", birth_date=date(1990, 5, 17), language="en", source="app"))  # fmt: skip
    assert (member.first_name, member.last_name) == ("Giulia", "De Rossi")
    assert (member.email, member.phone, member.cards) == (
        "giulia.derossi@example.it",
        "+393331234567",
        ("004212345678",),
    )
    assert (member.language, member.source, member.birth_date, member.points) == ("en", "app", date(1990, 5, 17), 0)
    assert re.fullmatch(r"m_[0-9a-f]{16}", member.member_id)
    assert is_ean13(member.member_number)
    assert member.member_number.startswith("29")
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}", member.ref)  # fits the MQTT contract's Ref
    assert member.ref != member.member_id
    assert "giulia" not in member.ref.lower()
    assert member.created == member.updated == START
    assert members.get(member.member_id) == member


def test_identifiers_differ_between_members(make_member: MakeMember) -> None:
    made = [make_member() for _ in range(20)]
    for attribute in ("member_id", "member_number", "ref"):
        assert len({getattr(m, attribute) for m in made}) == 20


def test_initial_consents_are_recorded_with_the_member(
    db: HubDatabase, members: Members, new_member: Callable[..., NewMember], clock: FakeClock
) -> None:
    member = members.create(new_member(consents={"service": True, "proximity": True}, policy_version="v7"))
    state = Consents(db, clock).current(member.member_id)
    assert (state.service, state.marketing, state.profiling, state.proximity) == (True, False, False, True)
    assert (state.policy_version, state.t) == ("v7", START)


@pytest.mark.parametrize("consents", [{}, {"service": False, "marketing": True}])
def test_the_service_consent_is_required(
    members: Members, new_member: Callable[..., NewMember], consents: dict[str, bool]
) -> None:
    with pytest.raises(InvalidRecord) as caught:
        members.create(new_member(consents=consents))
    assert caught.value.field == "consents.service"
    assert members.count() == 0


@pytest.mark.parametrize(
    ("overrides", "error", "field"),
    [
        ({"first_name": "  "}, InvalidRecord, "first_name"),
        ({"last_name": "x" * 101}, InvalidRecord, "last_name"),
        ({"language": "de"}, InvalidRecord, "language"),
        ({"source": "fax"}, InvalidRecord, "source"),
        ({"email": "not-an-address"}, InvalidContact, "email"),
        ({"phone": "12"}, InvalidContact, "phone"),
        ({"card": "12"}, InvalidContact, "card"),
        ({"consents": {"service": True, "telepathy": True}}, InvalidRecord, "consents.telepathy"),
        ({"policy_version": " "}, InvalidRecord, "policy_version"),
    ],
)
def test_bad_values_store_nothing(
    members: Members, new_member: Callable[..., NewMember], overrides: dict[str, object], error: type[Exception],
    field: str,
) -> None:  # fmt: skip
    with pytest.raises(error) as caught:
        members.create(new_member(**overrides))
    assert getattr(caught.value, "field") == field  # noqa: B009
    assert members.count() == 0


def test_a_duplicate_names_only_the_submitted_fields_that_clash(
    members: Members, make_member: MakeMember, new_member: Callable[..., NewMember]
) -> None:
    first = make_member(email="giulia@example.it", phone="333 123 4567", card="CARD-0001")
    with pytest.raises(DuplicateMember) as caught:
        members.create(new_member(email="GIULIA@example.it ", phone="+39 333 1234567", card="card 0001"))
    assert caught.value.fields == {"email": "taken", "phone": "taken", "card": "taken"}
    with pytest.raises(DuplicateMember) as caught:
        members.create(new_member(email="other@example.it", phone="0039 3331234567"))
    assert caught.value.fields == {"phone": "taken"}
    message = str(caught.value)
    for secret in (first.member_id, first.member_number, first.email, first.first_name, "+393331234567"):
        assert secret not in message
    assert members.count() == 1


def test_a_card_may_not_be_another_members_number(
    make_member: MakeMember, new_member: Callable[..., NewMember], members: Members
) -> None:
    first = make_member()
    with pytest.raises(DuplicateMember) as caught:
        members.create(new_member(card=first.member_number))
    assert caught.value.fields == {"card": "taken"}


def test_lookups_by_number_card_ref_and_what_a_till_scans(members: Members, make_member: MakeMember) -> None:
    member = make_member(card="0042 1234 5678")
    make_member(card="999999")
    assert members.by_number(member.member_number) == member
    assert members.by_card("0042-1234-5678") == member
    assert members.by_ref(member.ref) == member
    assert members.resolve_card(member.member_number) == member
    assert members.resolve_card("004212345678") == member
    assert members.by_card("no") is None
    assert members.by_number("2900000000001") is None
    assert members.resolve_card("2900000000001") is None
    assert members.get("m_0000000000000000") is None


def test_link_card(members: Members, make_member: MakeMember) -> None:
    giulia, marco = make_member(), make_member(card="777777")
    linked = members.link_card(giulia.member_id, "1234-5678")
    assert linked.cards == ("12345678",)
    assert members.link_card(giulia.member_id, "12345678") == linked  # again: no change
    with pytest.raises(DuplicateMember) as caught:
        members.link_card(giulia.member_id, "777777")
    assert caught.value.fields == {"card": "taken"}
    with pytest.raises(DuplicateMember):
        members.link_card(giulia.member_id, marco.member_number)
    with pytest.raises(NotFound):
        members.link_card("m_nobody", "55555555")
    assert members.resolve_card("12345678") == members.get(giulia.member_id)


def test_update(members: Members, make_member: MakeMember, clock: FakeClock) -> None:
    member = make_member(phone="333 123 4567")
    other = make_member(phone="333 765 4321")
    clock.advance(60)
    changed = members.update(member.member_id, first_name="Giulia Maria", email="NEW@example.it", language="en")
    assert (changed.first_name, changed.email, changed.language, changed.phone) == (
        "Giulia Maria", "new@example.it", "en", "+393331234567")  # fmt: skip
    assert changed.updated == START + 60
    assert changed.created == START
    assert members.update(member.member_id, phone="").phone is None
    with pytest.raises(DuplicateMember) as caught:
        members.update(member.member_id, email=other.email, phone="3337654321")
    assert caught.value.fields == {"email": "taken", "phone": "taken"}
    assert members.update(member.member_id, email="new@example.it").email == "new@example.it"  # its own: fine
    with pytest.raises(NotFound):
        members.update("m_nobody", first_name="X")


def test_points(members: Members, make_member: MakeMember) -> None:
    member = make_member()
    assert members.add_points(member.member_id, 120) == 120
    assert members.add_points(member.member_id, -20) == 100
    with pytest.raises(InvalidRecord) as caught:
        members.add_points(member.member_id, -101)
    assert caught.value.reason == "insufficient"
    assert members.points(member.member_id) == 100
    with pytest.raises(NotFound):
        members.points("m_nobody")


def test_count(members: Members, make_member: MakeMember) -> None:
    assert members.count() == 0
    make_member()
    make_member()
    assert members.count() == 2
