"""BeaconTags: key-fob tags with a fixed id, one member each, limited by consent, gone with an erasure."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from edge.hub.db import BeaconTags, Consents, DuplicateMember, HubDatabase, InvalidRecord, Member, Members, NotFound

TAG = "ib:f7826da6-4fa2-4e98-8024-bc5b71e0893e:1:42"


def test_a_tag_belongs_to_one_member(db: HubDatabase, make_member: Callable[..., Member]) -> None:
    tags = BeaconTags(db)
    giulia, marco = make_member(), make_member(email="marco@example.it", phone=None)
    tag = tags.register(giulia.member_id, TAG.upper().replace("IB:", "ib:"))
    assert tag.wire_id == TAG
    assert tags.register(giulia.member_id, TAG) == tag  # again: no change
    with pytest.raises(DuplicateMember) as caught:
        tags.register(marco.member_id, TAG)
    assert caught.value.fields == {"beacon_id": "taken"}
    assert [t.tag_id for t in tags.for_member(giulia.member_id)] == [tag.tag_id]
    with pytest.raises(NotFound):
        tags.register("m_0000000000000000", "ib:f7826da6-4fa2-4e98-8024-bc5b71e0893e:1:43")


@pytest.mark.parametrize("wire", ["eid:0011223344556677", "ib:nope", "", "uid:12"])
def test_rotating_or_malformed_ids_are_refused(db: HubDatabase, make_member: Callable[..., Member], wire: str) -> None:
    with pytest.raises(InvalidRecord):
        BeaconTags(db).register(make_member().member_id, wire)


def test_consent_limits_and_erasure_removes(db: HubDatabase, make_member: Callable[..., Member]) -> None:
    tags = BeaconTags(db)
    member = make_member()
    tags.register(member.member_id, TAG)
    Consents(db).record(member.member_id, {"proximity": False}, "2026-01", "kiosk")
    assert list(tags.all(consenting_only=True)) == []
    Consents(db).record(member.member_id, {"proximity": True}, "2026-01", "kiosk")
    assert [t.wire_id for t in tags.all(consenting_only=True)] == [TAG]
    assert Members(db).erase(member.member_id)
    assert list(tags.all()) == []
