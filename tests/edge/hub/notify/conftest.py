"""Fixtures for the Web Push tests: the hub's VAPID keys, a local push service and a sender."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.hub.notify import VapidKeys, WebPushSender, load_or_create_vapid
from firmware_sim.devices.push_service import PushService

SUBJECT = "mailto:it@corsia.example"


@pytest.fixture
def vapid_keys(tmp_path: Path) -> VapidKeys:
    return load_or_create_vapid(tmp_path / "state" / "vapid-private.pem")


@pytest.fixture
def push() -> Iterator[PushService]:
    with PushService() as service:
        yield service


@pytest.fixture
def sender(vapid_keys: VapidKeys) -> Iterator[WebPushSender]:
    with WebPushSender(vapid_keys, SUBJECT, timeout_s=2.0) as made:
        yield made
