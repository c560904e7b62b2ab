"""The sign-up's outcomes against the real hub: made, welcomed back, refused field by field, kept offline."""

from __future__ import annotations

from pathlib import Path

from msgspec.structs import replace

from edge.broker import free_port
from kiosk.app.registrar import Provisional, Registered, Rejected, WelcomeBack, register
from kiosk.hub_client import HubClient, Registration
from kiosk.outbox import Outbox, is_provisional
from tests.kiosk.app.realhub import KIOSK_TOKEN, RealHub

SIGNUP = Registration(first_name="Giulia", last_name="Rossi", email="giulia@example.it", policy_version="2025-01")


def test_each_outcome(hub: RealHub, tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    client = HubClient(hub.url, KIOSK_TOKEN)
    made = register(client, outbox, SIGNUP)
    assert isinstance(made, Registered)
    assert made.member_number.startswith("29")
    assert made.enrollment_token not in repr(made), "a one-time secret stays out of logs"
    assert register(client, outbox, SIGNUP) == WelcomeBack()
    # A rule the hub enforces on a field the customer typed comes back as that field's error.
    refused = register(client, outbox, replace(SIGNUP, email="x@example.it", last_name="R" * 101))
    assert isinstance(refused, Rejected)
    assert set(refused.fields) == {"last_name"}
    assert outbox.count() == 0


def test_a_kiosk_the_hub_does_not_accept_keeps_the_sign_up(hub: RealHub, tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    kept = register(HubClient(hub.url, "a-wrong-token"), outbox, SIGNUP)
    assert isinstance(kept, Provisional)
    assert is_provisional(kept.number)
    assert outbox.count() == 1


def test_an_unreachable_hub_keeps_the_sign_up(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    kept = register(HubClient(f"http://127.0.0.1:{free_port()}", KIOSK_TOKEN), outbox, SIGNUP)
    assert isinstance(kept, Provisional)
    assert [item.provisional for item in outbox.items()] == [kept.number]
