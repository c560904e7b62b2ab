"""Identities: only consenting members' devices resolve; a withdrawal or an erasure takes them out at once."""

from __future__ import annotations

from edge.hub.identities import DeviceIdentity, Identities
from edge.identity import eid

T = 1_795_392_000.0
KEY_A, KEY_B = bytes(range(16)), bytes(range(1, 17))


def wire(key: bytes, t: float = T) -> str:
    return "eid:" + eid(key, 10, int(t)).hex()


def test_only_consenting_members_resolve() -> None:
    ids = Identities()
    loaded = ids.load([DeviceIdentity("d-a", "m-a", KEY_A), DeviceIdentity("d-b", "m-b", KEY_B)], consenting={"m-a"})
    assert loaded == 1
    assert ids.resolve(wire(KEY_A), T) == "d-a"
    assert ids.member_of("d-a") == "m-a"
    assert ids.resolve(wire(KEY_B), T) is None
    assert ids.member_of("d-b") is None


def test_withdrawal_removes_and_granting_adds_back() -> None:
    ids = Identities()
    ids.load([DeviceIdentity("d-a", "m-a", KEY_A)], consenting={"m-a"})
    ids.set_member("m-a", [DeviceIdentity("d-a", "m-a", KEY_A)], proximity=False)
    assert ids.resolve(wire(KEY_A), T) is None
    assert len(ids) == 0
    ids.set_member("m-a", [DeviceIdentity("d-a", "m-a", KEY_A), DeviceIdentity("d-a2", "m-a", KEY_B)], proximity=True)
    assert ids.resolve(wire(KEY_B), T + 5) == "d-a2"
    assert len(ids) == 2


def test_other_id_kinds_and_garbage_resolve_to_nothing() -> None:
    ids = Identities()
    ids.load([DeviceIdentity("d-a", "m-a", KEY_A)], consenting={"m-a"})
    assert ids.resolve("ib:74278bda-b644-4520-8f0c-720eaf059935:1:2", T) is None
    assert ids.resolve("eid:0000000000000000", T) is None


def test_a_fixed_tag_resolves_while_its_member_consents() -> None:
    from edge.hub.identities import TagIdentity

    tag = TagIdentity("d_tag", "m-a", "ib:f7826da6-4fa2-4e98-8024-bc5b71e0893e:1:42")
    ids = Identities()
    ids.load([DeviceIdentity("d-a", "m-a", KEY_A)], tags=[tag])
    assert ids.resolve(tag.wire_id, T) == "d_tag"
    assert ids.member_of("d_tag") == "m-a"
    ids.set_member("m-a", [DeviceIdentity("d-a", "m-a", KEY_A)], proximity=False, tags=[tag])
    assert ids.resolve(tag.wire_id, T) is None
    assert ids.member_of("d_tag") is None
