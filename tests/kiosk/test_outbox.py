"""The offline outbox: sign-ups kept while the hub is away, synced exactly once when it is back, and merged into
the member who already exists instead of making a second one. Against the real hub API."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from msgspec.structs import replace

from kiosk.hub_client import HubClient, Registration
from kiosk.outbox import PROVISIONAL_PREFIX, Outbox, SyncReport, is_provisional, new_provisional_number, sync
from tests.kiosk.app.realhub import KIOSK_TOKEN, RealHub

GIULIA = Registration(
    first_name="Giulia",
    last_name="Rossi",
    email="giulia.rossi@example.it",
    phone="333 123 4567",
    marketing=True,
    profiling=False,
    proximity=True,
    policy_version="2025-01",
)


@pytest.fixture
def down_hub(tmp_path: Path) -> Iterator[RealHub]:
    """The hub, not started yet: its port is free until the test starts it."""
    hub = RealHub(tmp_path)
    yield hub
    hub.stop(wait=False)


@pytest.fixture
def client(down_hub: RealHub) -> HubClient:
    return HubClient(down_hub.url, KIOSK_TOKEN, timeout_s=2.0)


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "kiosk" / "outbox.db")
    yield box
    box.close()


def test_provisional_numbers_are_ean13_in_their_own_range() -> None:
    numbers = {new_provisional_number() for _ in range(200)}
    assert len(numbers) == 200
    assert all(is_provisional(n) and n.startswith(PROVISIONAL_PREFIX) for n in numbers)
    assert not is_provisional("2912345678906"), "member numbers start 29"
    assert not is_provisional(next(iter(numbers))[:-1] + "x")


def test_what_is_kept_survives_a_restart_and_only_its_owner_can_read_it(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    box = Outbox(path)
    number = box.add(replace(GIULIA, card="0012345678"))
    box.close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    reopened = Outbox(path)
    [item] = reopened.items()
    assert (item.provisional, item.state, item.registration.card) == (number, "pending", "0012345678")
    assert item.registration == replace(GIULIA, card="0012345678")
    reopened.close()


def test_with_the_hub_away_nothing_leaves_and_nothing_is_lost(outbox: Outbox, client: HubClient) -> None:
    outbox.add(GIULIA)
    outbox.add(replace(GIULIA, email="luca@example.it", phone=None, first_name="Luca"))
    assert sync(outbox, client) == SyncReport(waiting=2)
    assert outbox.count() == 2
    assert [item.attempts for item in outbox.items()] == [0, 0]


def test_when_the_hub_is_back_each_registration_is_synced_exactly_once(
    outbox: Outbox, client: HubClient, down_hub: RealHub
) -> None:
    number = outbox.add(replace(GIULIA, card="0012345678"))
    assert sync(outbox, client).waiting == 1
    down_hub.start()
    assert sync(outbox, client) == SyncReport(created=1)
    assert outbox.count() == 0, "nothing personal stays on the kiosk"
    assert sync(outbox, client) == SyncReport()
    assert down_hub.members() == 1
    holder = client.find(number)
    assert holder is not None
    assert holder.first_name == "Giulia"
    member = down_hub.member(holder.member_id)
    assert sorted(member["cards"]) == sorted(["0012345678", number]), "the provisional card keeps working"
    assert member["consents"]["proximity"] is True
    assert member["consents"]["profiling"] is False
    assert client.find("0012345678") == holder


def test_a_sync_whose_answer_was_lost_is_not_made_twice(outbox: Outbox, client: HubClient, down_hub: RealHub) -> None:
    number = outbox.add(replace(GIULIA, card="0012345678"))
    down_hub.start()
    # The first attempt reached the hub, but the kiosk never heard the answer.
    client.sign_up(GIULIA, card=number)
    assert sync(outbox, client) == SyncReport(created=1)
    assert down_hub.members() == 1
    holder = client.find("0012345678")
    assert holder is not None
    assert holder == client.find(number)


def test_a_registration_whose_old_card_has_a_member_is_merged_into_that_member(
    outbox: Outbox, client: HubClient, down_hub: RealHub
) -> None:
    down_hub.start()
    existing = down_hub.sign_up(card="0012345678")  # marketing granted, profiling not
    number = outbox.add(replace(GIULIA, card="0012345678", marketing=False, profiling=True))
    assert sync(outbox, client) == SyncReport(merged=1)
    assert down_hub.members() == 1, "never a second member"
    assert outbox.count() == 0
    member = down_hub.member(existing["member_id"])
    assert sorted(member["cards"]) == sorted(["0012345678", number])
    consents = member["consents"]
    assert (consents["marketing"], consents["profiling"], consents["proximity"]) == (False, True, True)
    [(source,)] = down_hub.query(
        "SELECT source FROM consents WHERE member_id = ? ORDER BY rowid DESC LIMIT 1", existing["member_id"]
    )
    assert source == "kiosk"


def test_someone_elses_email_is_held_not_merged_doubled_nor_lost(
    outbox: Outbox, client: HubClient, down_hub: RealHub
) -> None:
    down_hub.start()
    down_hub.sign_up()
    outbox.add(replace(GIULIA, first_name="Chiara", phone=None))  # Giulia's email, typed by someone else
    assert sync(outbox, client) == SyncReport(held=1)
    assert down_hub.members() == 1
    [item] = outbox.items()
    assert (item.state, item.note, item.attempts) == ("held", "duplicate", 1)
    assert outbox.due() == [], "retried later, not at every sync"
    assert [i.id for i in outbox.due(held_retry_s=0.0)] == [item.id]


def test_a_held_registration_goes_through_once_the_clash_is_gone(
    outbox: Outbox, client: HubClient, down_hub: RealHub
) -> None:
    down_hub.start()
    existing = down_hub.sign_up()
    outbox.add(replace(GIULIA, first_name="Chiara", phone=None))
    sync(outbox, client)
    status, _ = down_hub.call("DELETE", f"/api/v1/members/{existing['member_id']}")  # erased on request
    assert status == 204
    [item] = outbox.due(held_retry_s=0.0)
    assert sync(outbox, client, now=item.created + 3601.0) == SyncReport(created=1)
    assert outbox.count() == 0
    assert down_hub.members() == 1


def test_a_member_signing_up_again_offline_is_merged_into_their_record(
    outbox: Outbox, client: HubClient, down_hub: RealHub
) -> None:
    down_hub.start()
    existing = down_hub.sign_up()
    provisional = outbox.add(replace(GIULIA, first_name=" giulia ", phone=None, marketing=False))
    assert sync(outbox, client) == SyncReport(merged=1)
    assert outbox.count() == 0
    assert down_hub.members() == 1
    record = down_hub.member(existing["member_id"])
    assert provisional in record["cards"]  # the number the customer was shown keeps working
    assert record["consents"]["marketing"] is False  # the choice just made at the kiosk


def test_two_syncs_at_once_send_a_registration_once(outbox: Outbox, client: HubClient, down_hub: RealHub) -> None:
    down_hub.start()
    for i in range(5):
        outbox.add(replace(GIULIA, email=f"member{i}@example.it", phone=None, first_name=f"M{i}"))
    reports: list[SyncReport] = []
    threads = [threading.Thread(target=lambda: reports.append(sync(outbox, client))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10.0)
    assert sum(r.created for r in reports) == 5
    assert down_hub.members() == 5
    assert outbox.count() == 0
