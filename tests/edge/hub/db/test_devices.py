"""Enrollment: one-time tokens (single use, expiry), identity keys sealed at rest, app tokens stored as hashes."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from edge.hub.db import (
    Consents,
    Devices,
    HubDatabase,
    InvalidRecord,
    Member,
    NotFound,
    SealError,
    SecretBox,
    TokenGone,
    TokenUnknown,
)
from edge.identity import eid
from tests.edge.hub.db.conftest import START, FakeClock


@pytest.fixture
def devices(db: HubDatabase, box: SecretBox, clock: FakeClock) -> Devices:
    return Devices(db, box, clock)


def test_a_token_enrolls_one_device(devices: Devices, make_member: Callable[..., Member]) -> None:
    member = make_member()
    token = devices.issue_token(member.member_id)
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", token)
    enrollment = devices.redeem(token, "android")
    assert enrollment.member_id == member.member_id
    assert re.fullmatch(r"d_[0-9a-f]{16}", enrollment.device_id)
    assert len(enrollment.identity_key) == 16
    assert enrollment.k == 10
    assert enrollment.identity_key.hex() not in repr(enrollment)
    assert enrollment.app_token not in repr(enrollment)
    assert devices.member_of(enrollment.device_id) == member.member_id
    assert devices.member_for_app_token(enrollment.app_token) == member.member_id
    assert devices.member_for_app_token(token) is None
    assert [(d.device_id, d.platform, d.k, d.created) for d in devices.for_member(member.member_id)] == [
        (enrollment.device_id, "android", 10, START)
    ]


def test_a_token_is_single_use(devices: Devices, make_member: Callable[..., Member]) -> None:
    token = devices.issue_token(make_member().member_id)
    devices.redeem(token, "ios")
    with pytest.raises(TokenGone) as caught:
        devices.redeem(token, "ios")
    assert caught.value.reason == "used"


def test_a_token_expires(devices: Devices, make_member: Callable[..., Member], clock: FakeClock) -> None:
    member = make_member()
    token = devices.issue_token(member.member_id, ttl_s=60)
    clock.advance(59.9)
    fresh = devices.issue_token(member.member_id, ttl_s=60)
    clock.advance(0.1)
    with pytest.raises(TokenGone) as caught:
        devices.redeem(token, "android")
    assert caught.value.reason == "expired"
    assert devices.redeem(fresh, "tag").member_id == member.member_id


def test_unknown_tokens_members_and_platforms(devices: Devices, make_member: Callable[..., Member]) -> None:
    with pytest.raises(TokenUnknown):
        devices.redeem("never-issued", "android")
    with pytest.raises(NotFound):
        devices.issue_token("m_nobody")
    token = devices.issue_token(make_member().member_id)
    with pytest.raises(InvalidRecord, match="platform"):
        devices.redeem(token, "windows-phone")
    devices.redeem(token, "android")  # the bad platform did not use the token up


def test_only_hashes_and_sealed_keys_are_stored(
    db: HubDatabase, devices: Devices, make_member: Callable[..., Member]
) -> None:
    token = devices.issue_token(make_member().member_id)
    enrollment = devices.redeem(token, "android")
    dump = "\n".join(db.conn.iterdump())
    assert token not in dump
    assert enrollment.app_token not in dump
    row = db.execute("SELECT sealed_key FROM devices").fetchone()
    assert enrollment.identity_key not in row[0]


def test_identities_open_the_sealed_keys(
    devices: Devices, make_member: Callable[..., Member], clock: FakeClock
) -> None:
    enrollments = [devices.redeem(devices.issue_token(make_member().member_id), "android") for _ in range(3)]
    identities = sorted(devices.identities())
    assert identities == sorted((e.device_id, e.identity_key, e.k) for e in enrollments)
    _, key, k = identities[0]
    assert len(eid(key, k, int(clock()))) == 8  # usable by the resolver as it is


def test_a_key_copied_to_another_device_row_does_not_open(
    db: HubDatabase, devices: Devices, make_member: Callable[..., Member]
) -> None:
    first = devices.redeem(devices.issue_token(make_member().member_id), "android")
    second = devices.redeem(devices.issue_token(make_member().member_id), "android")
    db.execute(
        "UPDATE devices SET sealed_key = (SELECT sealed_key FROM devices WHERE device_id = ?) WHERE device_id = ?",
        [first.device_id, second.device_id],
    )
    with pytest.raises(SealError):
        list(devices.identities())


def test_another_hubs_key_does_not_open(db: HubDatabase, devices: Devices, make_member: Callable[..., Member]) -> None:
    devices.redeem(devices.issue_token(make_member().member_id), "android")
    with pytest.raises(SealError):
        list(Devices(db, SecretBox(bytes(32))).identities())


def test_identities_of_consenting_members_only(
    db: HubDatabase, devices: Devices, make_member: Callable[..., Member], clock: FakeClock
) -> None:
    yes = devices.redeem(
        devices.issue_token(make_member(consents={"service": True, "proximity": True}).member_id), "android"
    )
    devices.redeem(devices.issue_token(make_member(consents={"service": True}).member_id), "android")
    withdrawn = make_member(consents={"service": True, "proximity": True})
    devices.redeem(devices.issue_token(withdrawn.member_id), "ios")
    Consents(db, clock).record(withdrawn.member_id, {"proximity": False}, "v2", "app")
    assert [d for d, _, _ in devices.identities(consenting_only=True)] == [yes.device_id]
    assert len(list(devices.identities())) == 3


def test_remove(devices: Devices, make_member: Callable[..., Member]) -> None:
    enrollment = devices.redeem(devices.issue_token(make_member().member_id), "android")
    assert devices.remove(enrollment.device_id)
    assert not devices.remove(enrollment.device_id)
    assert devices.member_of(enrollment.device_id) is None
    assert devices.member_for_app_token(enrollment.app_token) is None
    assert list(devices.identities()) == []
