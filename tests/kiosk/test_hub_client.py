"""The kiosk's hub client against the real hub API on a loopback port: every call, its errors, and a hub that
is not there."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from msgspec.structs import replace

from edge.broker import free_port
from kiosk.hub_client import (
    Duplicate,
    Holder,
    HubClient,
    HubRefused,
    HubUnavailable,
    Registration,
)
from tests.kiosk.app.realhub import KIOSK_TOKEN, RealHub

GIULIA = Registration(
    first_name="Giulia",
    last_name="Rossi",
    email="Giulia.Rossi@example.it",
    phone="333 123 4567",
    marketing=True,
    proximity=True,
    policy_version="2025-01",
    card="0012345678",
)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[RealHub]:
    running = RealHub(tmp_path).start()
    yield running
    running.stop(wait=False)


@pytest.fixture
def client(hub: RealHub) -> HubClient:
    return HubClient(hub.url, KIOSK_TOKEN, timeout_s=2.0)


def test_a_sign_up_creates_the_member_with_card_and_consents(client: HubClient, hub: RealHub) -> None:
    assert client.reachable is None
    signed = client.sign_up(GIULIA)
    assert client.reachable is True
    assert signed.member_number.startswith("29")
    assert len(signed.member_number) == 13
    assert len(signed.enrollment_token) >= 22
    member = hub.member(signed.member_id)
    assert member["email"] == "giulia.rossi@example.it"
    assert member["phone"] == "+393331234567"
    assert member["cards"] == ["0012345678"]
    consents = member["consents"]
    assert [consents[p] for p in ("service", "marketing", "profiling", "proximity")] == [True, True, False, True]
    assert consents["policy_version"] == "2025-01"


def test_the_card_to_link_can_be_given_apart(client: HubClient, hub: RealHub) -> None:
    signed = client.sign_up(GIULIA, card="2800000000006")
    assert hub.member(signed.member_id)["cards"] == ["2800000000006"]


def test_a_duplicate_names_only_the_fields_that_clash(client: HubClient) -> None:
    client.sign_up(GIULIA)
    with pytest.raises(Duplicate) as caught:
        client.sign_up(replace(GIULIA, email="other@example.it", card=None))
    assert caught.value.fields == {"phone": "taken"}


def test_a_card_or_member_number_finds_the_holder_and_nothing_more(client: HubClient, hub: RealHub) -> None:
    signed = client.sign_up(GIULIA)
    hub.set_points(signed.member_id, 75)
    expected = Holder(signed.member_id, signed.member_number, "Giulia", 75)
    assert client.find("0012345678") == expected
    assert client.find(signed.member_number) == expected
    assert client.find("0099999999") is None
    assert client.find("../../members") is None, "a path in a card number stays a card number"
    assert client.find("   ") is None


def test_consents_are_read_and_changed(client: HubClient) -> None:
    signed = client.sign_up(GIULIA)
    changed = client.set_consents(signed.member_id, {"marketing": False, "profiling": True}, "2025-02")
    assert (changed.marketing, changed.profiling, changed.proximity) == (False, True, True)
    read = client.consents(signed.member_id)
    assert read.policy_version == "2025-02"
    assert read.profiling is True


def test_a_card_is_linked_and_a_taken_one_is_a_duplicate(client: HubClient, hub: RealHub) -> None:
    first = client.sign_up(GIULIA)
    other = hub.sign_up(first_name="Marta", email="marta@example.it", phone=None)
    client.link_card(first.member_id, "ABC123456")
    client.link_card(first.member_id, "ABC123456")  # again: no change
    assert sorted(hub.member(first.member_id)["cards"]) == ["0012345678", "ABC123456"]
    with pytest.raises(Duplicate) as caught:
        client.link_card(other["member_id"], "0012345678")
    assert caught.value.fields == {"card": "taken"}


def test_an_enrollment_token_is_issued_for_a_new_phone(client: HubClient, hub: RealHub) -> None:
    signed = client.sign_up(GIULIA)
    issued = client.new_enrollment(signed.member_id)
    status, enrolled = hub.call(
        "POST", "/api/v1/enroll", {"enrollment_token": issued.enrollment_token, "platform": "android"}
    )
    assert status == 201
    assert len(enrolled["identity_key"]) == 32


def test_the_birth_date_goes_with_the_sign_up_when_given() -> None:
    body = replace(GIULIA, birth_date=date(1990, 2, 28)).body(None)
    assert body["birth_date"] == "1990-02-28"
    assert "birth_date" not in GIULIA.body(None)
    assert "card" not in GIULIA.body(None)
    assert GIULIA.body(None)["consents"]["service"] is True


def test_a_pre_registration_the_hub_does_not_know_is_none(client: HubClient) -> None:
    assert client.preregistration("A" * 43) is None


def test_a_wrong_token_is_refused(hub: RealHub) -> None:
    client = HubClient(hub.url, "not-the-kiosk-token")
    with pytest.raises(HubRefused) as caught:
        client.sign_up(GIULIA)
    assert caught.value.status == 401
    assert client.reachable is True, "the hub answered"


def test_a_rule_the_kiosk_did_not_check_is_refused_with_its_field(client: HubClient) -> None:
    with pytest.raises(HubRefused) as caught:
        client.sign_up(replace(GIULIA, first_name="x" * 101))
    assert caught.value.status == 422
    assert "first_name" in caught.value.fields


def test_a_hub_that_is_not_there_is_unavailable_at_once() -> None:
    client = HubClient(f"http://127.0.0.1:{free_port()}", KIOSK_TOKEN, timeout_s=2.0)
    with pytest.raises(HubUnavailable):
        client.sign_up(GIULIA)
    with pytest.raises(HubUnavailable):
        client.find("0012345678")
    assert client.reachable is False
    assert client.healthy() is False


def test_the_hub_coming_back_is_seen(tmp_path: Path) -> None:
    hub = RealHub(tmp_path)
    client = HubClient(hub.url, KIOSK_TOKEN, timeout_s=2.0)
    assert client.healthy() is False
    hub.start()
    try:
        assert client.healthy() is True
        assert client.reachable is True
    finally:
        hub.stop()
