"""Web Push subscriptions: where a member's browsers and apps can be reached.

One row per endpoint (the push service's URL for one browser install). Subscribing again from the same browser
(new keys after a reinstall, or another member signing in there) replaces the row: an endpoint is one device.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

import sqlite_utils

from edge.hub.db.database import fetch_all, fetch_one, fetch_value, transaction
from edge.hub.db.errors import InvalidRecord, NotFound

ENDPOINT_MAX: Final = 2048
KEY_MAX: Final = 256
_LOOPBACK: Final = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True, slots=True)
class PushSubscription:
    """A browser's PushSubscription: `endpoint` and its keys (``p256dh`` public key and ``auth`` secret, both
    base64url as the browser gives them)."""

    id: int
    member_id: str
    endpoint: str
    p256dh: str = field(repr=False)
    auth: str = field(repr=False)
    created: float
    updated: float

    def subscription_info(self) -> dict[str, object]:
        """The dict pywebpush's ``webpush(subscription_info=...)`` takes."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def _check(endpoint: str, p256dh: str, auth: str) -> None:
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname
    except ValueError:  # "http://0[" and the like: not a URL at all
        raise InvalidRecord("endpoint", "invalid", "an https URL") from None
    # Plain http only to this machine: a local push service in development and tests.
    local = parts.scheme == "http" and host in _LOOPBACK
    if len(endpoint) > ENDPOINT_MAX or not (parts.scheme == "https" or local) or not host:
        raise InvalidRecord("endpoint", "invalid", "an https URL")
    for name, value in (("keys.p256dh", p256dh), ("keys.auth", auth)):
        if not value or len(value) > KEY_MAX or not value.isascii():
            raise InvalidRecord(name, "invalid")


class PushSubscriptions:
    """Members' push subscriptions."""

    def __init__(self, db: sqlite_utils.Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def add(self, member_id: str, endpoint: str, p256dh: str, auth: str) -> int:
        """Store a subscription, replacing the one with the same endpoint; returns its id. `NotFound` for an
        unknown member, `InvalidRecord` for an endpoint that is not https or empty keys."""
        _check(endpoint, p256dh, auth)
        now = self.clock()
        with transaction(self.db):
            if fetch_value(self.db, "SELECT 1 FROM members WHERE member_id = ?", [member_id]) is None:
                raise NotFound("member", member_id)
            self.db.execute(
                "INSERT INTO push_subscriptions (member_id, endpoint, p256dh, auth, created, updated) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (endpoint) DO UPDATE SET "
                "member_id = excluded.member_id, p256dh = excluded.p256dh, auth = excluded.auth, "
                "updated = excluded.updated",
                (member_id, endpoint, p256dh, auth, now, now),
            )
            row = fetch_one(self.db, "SELECT id FROM push_subscriptions WHERE endpoint = ?", [endpoint])
        assert row is not None
        return int(row["id"])

    def for_member(self, member_id: str) -> list[PushSubscription]:
        """The member's subscriptions, oldest first."""
        rows = fetch_all(self.db, "SELECT * FROM push_subscriptions WHERE member_id = ? ORDER BY id", [member_id])
        return [
            PushSubscription(
                int(r["id"]), r["member_id"], r["endpoint"], r["p256dh"], r["auth"], float(r["created"]),
                float(r["updated"]),
            )
            for r in rows
        ]  # fmt: skip

    def remove(self, endpoint: str) -> bool:
        """Forget a subscription (the push service answered 404/410, or the member unsubscribed)."""
        with transaction(self.db):
            return self.db.execute("DELETE FROM push_subscriptions WHERE endpoint = ?", [endpoint]).rowcount > 0
