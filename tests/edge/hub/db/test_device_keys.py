"""Devices.keys: every enrolled device's key for the EID table, page by page, limited by member or consent."""

from __future__ import annotations

from collections.abc import Callable

from edge.hub.db import Consents, Devices, HubDatabase, Member, SecretBox


def test_keys_come_page_by_page_without_loss_and_filter_by_member_and_consent(
    db: HubDatabase, box: SecretBox, make_member: Callable[..., Member]
) -> None:
    devices = Devices(db, box)
    members = [make_member(email=f"k{i}@example.it") for i in range(7)]
    enrolled = {}
    for member in members:
        for _ in range(2):
            e = devices.redeem(devices.issue_token(member.member_id), "android")
            enrolled[e.device_id] = (member.member_id, e.identity_key)
    every = list(devices.keyring(page=3))
    assert {d: (m, key) for d, m, key, _ in every} == enrolled
    assert len(every) == len(enrolled)
    one = members[2].member_id
    assert {d for d, m, _, _ in devices.keyring(member_id=one, page=1)} == {
        d for d, (m, _) in enrolled.items() if m == one
    }
    for n, member in enumerate(members):
        Consents(db).record(member.member_id, {"proximity": n % 2 == 0}, "2026-01", "kiosk")
    consenting = [m for _, m, _, _ in devices.keyring(consenting_only=True, page=2)]
    assert set(consenting) == {m.member_id for n, m in enumerate(members) if n % 2 == 0}
    assert len(consenting) == 8  # two phones each


def test_a_provisioned_tag_resolves_like_an_enrolled_phone_and_has_no_app_token(
    db: HubDatabase, box: SecretBox, make_member: Callable[..., Member]
) -> None:
    import pytest

    from edge.hub.db import InvalidRecord, NotFound

    devices = Devices(db, box)
    member = make_member()
    key = bytes(range(16))
    device_id = devices.provision(member.member_id, key)
    assert [(d, m, k) for d, m, k, _ in devices.keyring()] == [(device_id, member.member_id, key)]
    assert devices.member_of(device_id) == member.member_id
    assert [d.platform for d in devices.for_member(member.member_id)] == ["tag"]
    with pytest.raises(NotFound):
        devices.provision("m_0000000000000000", key)
    with pytest.raises(InvalidRecord):
        devices.provision(member.member_id, b"short")
