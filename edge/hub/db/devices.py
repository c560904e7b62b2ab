"""Enrolled devices: one-time enrollment tokens, the identity keys that make a phone's EIDs resolvable, and the
app tokens a member's app authenticates with.

The kiosk (or the app, once signed in) gets an enrollment token for a member and shows it as a QR code; the
phone redeems it once, and receives a new device id, a 16-byte identity key and an app token. The hub keeps the
identity key sealed with its `SecretBox` (the device id as context) and only the SHA-256 of each token.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final, Literal, get_args

import sqlite_utils

from edge.hub.db.consents import grants_proximity
from edge.hub.db.database import fetch_all, fetch_one, fetch_value, transaction
from edge.hub.db.errors import InvalidRecord, NotFound, TokenGone, TokenUnknown
from edge.hub.db.ids import new_device_id, new_token, token_hash
from edge.hub.db.secretbox import SecretBox
from edge.identity import DEFAULT_K, KEY_BYTES, MAX_K

Platform = Literal["android", "ios", "tag", "web"]
PLATFORMS: Final[tuple[Platform, ...]] = get_args(Platform)
SILENT: Final = "web"
"""The wallet web app: it holds an app token but advertises nothing (a browser cannot), so its key is never in
the EID table."""
TOKEN_TTL_S: Final = 900.0  # a QR shown at the kiosk is scanned within minutes; an old photo of it is useless


@dataclass(frozen=True, slots=True)
class Enrollment:
    """What a redeemed token gives the phone. `identity_key` and `app_token` are shown once and never again."""

    device_id: str
    identity_key: bytes = field(repr=False)
    k: int
    app_token: str = field(repr=False)
    member_id: str


@dataclass(frozen=True, slots=True)
class Device:
    """An enrolled device, without its secrets."""

    device_id: str
    member_id: str
    platform: str
    k: int
    created: float


class Devices:
    """Enrollment tokens, devices and app tokens."""

    def __init__(self, db: sqlite_utils.Database, box: SecretBox, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.box = box
        self.clock = clock

    def issue_token(self, member_id: str, ttl_s: float = TOKEN_TTL_S) -> str:
        """A new one-time enrollment token for the member, valid for `ttl_s` seconds; `NotFound` for an unknown
        member. Only its hash is stored."""
        if not ttl_s > 0:
            raise InvalidRecord("ttl_s", "invalid", "a positive number of seconds")
        token = new_token()
        now = self.clock()
        with transaction(self.db):
            if fetch_value(self.db, "SELECT 1 FROM members WHERE member_id = ?", [member_id]) is None:
                raise NotFound("member", member_id)
            self.db.execute(
                "INSERT INTO enrollment_tokens (token_hash, member_id, created, expires) VALUES (?, ?, ?, ?)",
                (token_hash(token), member_id, now, now + ttl_s),
            )
        return token

    def redeem(self, token: str, platform: str, k: int = DEFAULT_K) -> Enrollment:
        """Use an enrollment token: a new device for its member, with a fresh identity key and app token.

        `TokenUnknown` for a token never issued, `TokenGone` (``used`` or ``expired``) for one that was; an
        unknown `platform` is `InvalidRecord` and does not use up the token.
        """
        if platform not in PLATFORMS:
            raise InvalidRecord("platform", "invalid", ", ".join(PLATFORMS))
        if not 0 <= k <= MAX_K:
            raise InvalidRecord("k", "invalid", f"0 to {MAX_K}")
        now = self.clock()
        with transaction(self.db):
            row = fetch_one(
                self.db,
                "SELECT member_id, expires, used FROM enrollment_tokens WHERE token_hash = ?",
                [token_hash(token)],
            )
            if row is None:
                raise TokenUnknown()
            if row["used"] is not None:
                raise TokenGone("used")
            if now >= float(row["expires"]):
                raise TokenGone("expired")
            self.db.execute("UPDATE enrollment_tokens SET used = ? WHERE token_hash = ?", (now, token_hash(token)))
            device_id, identity_key, app_token = new_device_id(), os.urandom(KEY_BYTES), new_token()
            self.db.execute(
                "INSERT INTO devices (device_id, member_id, platform, k, sealed_key, app_token_hash, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    device_id, row["member_id"], platform, k,
                    self.box.seal(identity_key, context=device_id.encode("ascii")), token_hash(app_token), now,
                ),
            )  # fmt: skip
        return Enrollment(device_id, identity_key, k, app_token, row["member_id"])

    def provision(self, member_id: str, identity_key: bytes, platform: str = "tag", k: int = DEFAULT_K) -> str:
        """Register a device whose identity key was set elsewhere: a key-fob tag programmed at the factory (its
        key comes on the delivery note), or a simulated phone. Returns the new device id; it has no app token.
        `NotFound` for an unknown member."""
        if platform not in PLATFORMS:
            raise InvalidRecord("platform", "invalid", ", ".join(PLATFORMS))
        if len(identity_key) != KEY_BYTES:
            raise InvalidRecord("identity_key", "invalid", f"{KEY_BYTES} bytes")
        if not 0 <= k <= MAX_K:
            raise InvalidRecord("k", "invalid", f"0 to {MAX_K}")
        device_id = new_device_id()
        with transaction(self.db):
            if fetch_one(self.db, "SELECT 1 FROM members WHERE member_id = ?", [member_id]) is None:
                raise NotFound("member", member_id)
            self.db.execute(
                "INSERT INTO devices (device_id, member_id, platform, k, sealed_key, app_token_hash, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                # A tag has no app: the hash of a token nobody is ever given, so no bearer matches it.
                (device_id, member_id, platform, k, self.box.seal(identity_key, context=device_id.encode("ascii")),
                 token_hash(new_token()), self.clock()),
            )  # fmt: skip
        return device_id

    def member_for_app_token(self, token: str) -> str | None:
        """The member whose app presents this bearer token, or None."""
        value = fetch_value(self.db, "SELECT member_id FROM devices WHERE app_token_hash = ?", [token_hash(token)])
        return None if value is None else str(value)

    def identities(self, *, consenting_only: bool = False) -> Iterator[tuple[str, bytes, int]]:
        """``(device_id, identity_key, k)`` of every enrolled device, for the EID resolver; with
        `consenting_only`, only the devices of members who currently grant the proximity consent. A key that
        does not open (a key file from another hub) raises `SealError`."""
        for device_id, _member_id, key, k in self.keyring(consenting_only=consenting_only):
            yield device_id, key, k

    def keyring(
        self, *, member_id: str | None = None, consenting_only: bool = False, page: int = 2000
    ) -> Iterator[tuple[str, str, bytes, int]]:
        """``(device_id, member_id, identity_key, k)`` of the enrolled devices (of one member, when given; of
        members who grant the proximity consent now, with `consenting_only`): what the hub's EID table is made of.

        Read `page` rows at a time, so loading 100,000 devices at start never holds them all as rows at once
        (the peak would stay in the process's memory long after)."""
        sql = f"SELECT device_id, member_id, sealed_key, k FROM devices WHERE device_id > ? AND platform != '{SILENT}'"
        params: list[object] = []
        if member_id is not None:
            sql += " AND member_id = ?"
            params.append(member_id)
        if consenting_only:
            sql += " AND " + grants_proximity("devices")
        sql += " ORDER BY device_id LIMIT ?"
        after = ""
        while True:
            rows = fetch_all(self.db, sql, [after, *params, page])
            for row in rows:
                device_id = row["device_id"]
                key = self.box.open(row["sealed_key"], context=device_id.encode("ascii"))
                yield device_id, row["member_id"], key, int(row["k"])
            if len(rows) < page:
                return
            after = rows[-1]["device_id"]

    def member_of(self, device_id: str) -> str | None:
        """The member a device belongs to, or None."""
        value = fetch_value(self.db, "SELECT member_id FROM devices WHERE device_id = ?", [device_id])
        return None if value is None else str(value)

    def for_member(self, member_id: str) -> list[Device]:
        """The member's devices, oldest first."""
        rows = fetch_all(
            self.db,
            "SELECT device_id, member_id, platform, k, created FROM devices WHERE member_id = ? ORDER BY created",
            [member_id],
        )
        return [Device(r["device_id"], r["member_id"], r["platform"], int(r["k"]), float(r["created"])) for r in rows]

    def remove(self, device_id: str) -> bool:
        """Forget a device (lost phone, app uninstalled): its EIDs stop resolving and its app token stops working."""
        with transaction(self.db):
            return self.db.execute("DELETE FROM devices WHERE device_id = ?", [device_id]).rowcount > 0
