"""Versioned, forward-only schema migrations.

The ``schema_version`` table has one row per migration applied (version, name, time). `migrate` applies, in
order and each in its own transaction, the migrations above the stored version; running it again does nothing.
A database whose version is above the newest this code knows is refused (`SchemaTooNew`): an older hub must not
write into tables it does not understand. A migration is never edited once released: a change is a new one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import sqlite_utils

from edge.hub.db.database import fetch_all, fetch_value, reading, transaction
from edge.hub.db.errors import NotCorsiaDatabase, SchemaTooNew, StorageError


@dataclass(frozen=True, slots=True)
class Migration:
    """One step of the schema: `apply` runs inside a transaction that also records `version`."""

    version: int
    name: str
    apply: Callable[[sqlite_utils.Database], None]


def _statements(sql: str) -> Callable[[sqlite_utils.Database], None]:
    """A migration made of plain SQL statements separated by ``;`` (no ``;`` inside a statement)."""

    def apply(db: sqlite_utils.Database) -> None:
        for statement in sql.split(";"):
            if statement.strip():
                db.execute(statement)

    return apply


SCHEMA_V1: Final = """
CREATE TABLE members (
    member_id     TEXT PRIMARY KEY,
    member_number TEXT NOT NULL UNIQUE,
    ref           TEXT NOT NULL UNIQUE,
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    phone         TEXT UNIQUE,
    language      TEXT NOT NULL CHECK (language IN ('it', 'en')),
    birth_date    TEXT,
    source        TEXT NOT NULL,
    points        INTEGER NOT NULL DEFAULT 0 CHECK (points >= 0),
    created       REAL NOT NULL,
    updated       REAL NOT NULL
);
CREATE TABLE cards (
    card      TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members (member_id) ON DELETE CASCADE,
    linked    REAL NOT NULL
);
CREATE INDEX cards_member ON cards (member_id);
CREATE TABLE consents (
    id             INTEGER PRIMARY KEY,
    member_id      TEXT NOT NULL REFERENCES members (member_id) ON DELETE CASCADE,
    purpose        TEXT NOT NULL CHECK (purpose IN ('service', 'marketing', 'profiling', 'proximity')),
    granted        INTEGER NOT NULL CHECK (granted IN (0, 1)),
    t              REAL NOT NULL,
    policy_version TEXT NOT NULL,
    source         TEXT NOT NULL
);
CREATE INDEX consents_member ON consents (member_id, purpose, id);
CREATE TABLE enrollment_tokens (
    token_hash TEXT PRIMARY KEY,
    member_id  TEXT NOT NULL REFERENCES members (member_id) ON DELETE CASCADE,
    created    REAL NOT NULL,
    expires    REAL NOT NULL,
    used       REAL
);
CREATE INDEX enrollment_tokens_member ON enrollment_tokens (member_id);
CREATE TABLE devices (
    device_id      TEXT PRIMARY KEY,
    member_id      TEXT NOT NULL REFERENCES members (member_id) ON DELETE CASCADE,
    platform       TEXT NOT NULL CHECK (platform IN ('android', 'ios', 'tag')),
    k              INTEGER NOT NULL,
    sealed_key     BLOB NOT NULL,
    app_token_hash TEXT NOT NULL UNIQUE,
    created        REAL NOT NULL
);
CREATE INDEX devices_member ON devices (member_id);
CREATE TABLE push_subscriptions (
    id        INTEGER PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members (member_id) ON DELETE CASCADE,
    endpoint  TEXT NOT NULL UNIQUE,
    p256dh    TEXT NOT NULL,
    auth      TEXT NOT NULL,
    created   REAL NOT NULL,
    updated   REAL NOT NULL
);
CREATE INDEX push_subscriptions_member ON push_subscriptions (member_id);
CREATE TABLE products (
    sku      TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    category TEXT NOT NULL,
    price    REAL NOT NULL CHECK (price >= 0),
    updated  REAL NOT NULL
);
CREATE TABLE locations (
    store   TEXT NOT NULL,
    sku     TEXT NOT NULL REFERENCES products (sku) ON DELETE CASCADE,
    zone    TEXT NOT NULL,
    shelf   TEXT NOT NULL,
    stock   INTEGER NOT NULL CHECK (stock >= 0),
    updated REAL NOT NULL,
    PRIMARY KEY (store, sku)
);
CREATE TABLE wishlist (
    member_id TEXT NOT NULL REFERENCES members (member_id) ON DELETE CASCADE,
    sku       TEXT NOT NULL REFERENCES products (sku) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    added     REAL NOT NULL,
    PRIMARY KEY (member_id, sku)
);
CREATE TABLE pickup_orders (
    order_id  TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members (member_id) ON DELETE CASCADE,
    store     TEXT NOT NULL,
    status    TEXT NOT NULL CHECK (status IN ('placed', 'ready', 'collected', 'cancelled')),
    items     TEXT,
    created   REAL NOT NULL,
    updated   REAL NOT NULL
);
CREATE INDEX pickup_orders_member ON pickup_orders (member_id, store, status);
CREATE TABLE campaigns (
    store       TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    trigger     TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('marketing', 'service')),
    enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    priority    INTEGER NOT NULL,
    zone        TEXT,
    dwell_s     REAL NOT NULL,
    sku         TEXT,
    url         TEXT,
    texts       TEXT NOT NULL,
    schedule    TEXT NOT NULL,
    updated     REAL NOT NULL,
    PRIMARY KEY (store, campaign_id)
);
CREATE TABLE visits (
    visit_id  TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members (member_id) ON DELETE CASCADE,
    device_id TEXT NOT NULL,
    started   REAL NOT NULL,
    ended     REAL,
    last_t    REAL NOT NULL,
    last_zone TEXT,
    zones     TEXT NOT NULL
);
CREATE INDEX visits_member ON visits (member_id, started);
CREATE INDEX visits_last ON visits (last_t);
CREATE TABLE journey_events (
    id       INTEGER PRIMARY KEY,
    visit_id TEXT NOT NULL REFERENCES visits (visit_id) ON DELETE CASCADE,
    t        REAL NOT NULL,
    event    TEXT NOT NULL CHECK (event IN ('enter', 'zone', 'dwell', 'exit')),
    zone     TEXT,
    prev     TEXT,
    dwell_s  REAL
);
CREATE INDEX journey_events_visit ON journey_events (visit_id, id);
CREATE INDEX journey_events_t ON journey_events (t);
CREATE TABLE receipts (
    receipt_id TEXT PRIMARY KEY,
    member_id  TEXT REFERENCES members (member_id) ON DELETE SET NULL,
    t          REAL NOT NULL,
    total      REAL NOT NULL
);
CREATE INDEX receipts_member ON receipts (member_id, t);
CREATE INDEX receipts_t ON receipts (t);
CREATE TABLE receipt_items (
    receipt_id TEXT NOT NULL REFERENCES receipts (receipt_id) ON DELETE CASCADE,
    line       INTEGER NOT NULL,
    sku        TEXT NOT NULL,
    qty        INTEGER NOT NULL,
    price      REAL NOT NULL,
    PRIMARY KEY (receipt_id, line)
);
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    member_id       TEXT REFERENCES members (member_id) ON DELETE CASCADE,
    campaign_id     TEXT,
    visit           TEXT,
    channel         TEXT NOT NULL CHECK (channel IN ('webpush', 'staff')),
    kind            TEXT NOT NULL CHECK (kind IN ('marketing', 'service')),
    payload         TEXT NOT NULL,
    created         REAL NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt    REAL NOT NULL,
    last_error      TEXT,
    sent            REAL,
    opened          REAL
);
CREATE INDEX outbox_due ON outbox (state, next_attempt);
CREATE INDEX outbox_member ON outbox (member_id, kind, created);
CREATE INDEX outbox_visit ON outbox (visit);
CREATE INDEX outbox_created ON outbox (created)
"""

# A purchase push's feedback link: one answer per link (the latest counts), keyed by the link's opaque token only.
SCHEMA_V2: Final = """
CREATE TABLE feedback (
    token    TEXT PRIMARY KEY,
    rating   INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment  TEXT NOT NULL DEFAULT '',
    t        REAL NOT NULL
);
CREATE INDEX feedback_t ON feedback (t)
"""

# Website pre-registrations waiting for the kiosk: only the token's hash; deleted when used or expired.
SCHEMA_V3: Final = """
CREATE TABLE preregistrations (
    token_hash TEXT PRIMARY KEY,
    email      TEXT NOT NULL,
    data       TEXT NOT NULL,
    created    REAL NOT NULL,
    expires    REAL NOT NULL
);
CREATE INDEX preregistrations_email ON preregistrations (email);
CREATE INDEX preregistrations_expires ON preregistrations (expires)
"""

# Key-fob tags with a fixed beacon id (iBeacon, Eddystone-UID, AltBeacon), registered to members.
SCHEMA_V4: Final = """
CREATE TABLE beacon_tags (
    tag_id    TEXT PRIMARY KEY,
    member_id TEXT NOT NULL REFERENCES members (member_id) ON DELETE CASCADE,
    wire_id   TEXT NOT NULL UNIQUE,
    created   REAL NOT NULL
);
CREATE INDEX beacon_tags_member ON beacon_tags (member_id)
"""

# The wallet: an append-only points and coupons history, legacy card balances, coupons. Balances held in
# members.points before the ledger existed become one "opening" entry each, so the ledger's sum is the balance.
SCHEMA_V5: Final = """
CREATE TABLE ledger (
    id         INTEGER PRIMARY KEY,
    member_id  TEXT NOT NULL REFERENCES members (member_id) ON DELETE CASCADE,
    t          REAL NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('opening', 'earn', 'carry_over', 'redeem', 'adjust', 'coupon_issued',
                                             'coupon_redeemed')),
    points     INTEGER NOT NULL,
    receipt_id TEXT,
    card       TEXT,
    code       TEXT,
    note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ledger_member ON ledger (member_id, t, id);
CREATE UNIQUE INDEX ledger_earn ON ledger (receipt_id) WHERE kind = 'earn';
CREATE TABLE legacy_balances (
    card      TEXT PRIMARY KEY,
    points    INTEGER NOT NULL CHECK (points >= 0),
    imported  REAL NOT NULL,
    carried   REAL,
    member_id TEXT REFERENCES members (member_id) ON DELETE SET NULL
);
CREATE TABLE coupons (
    code        TEXT PRIMARY KEY,
    member_id   TEXT NOT NULL REFERENCES members (member_id) ON DELETE CASCADE,
    value_eur   REAL,
    percent     REAL,
    valid_until REAL NOT NULL,
    skus        TEXT NOT NULL,
    categories  TEXT NOT NULL,
    source      TEXT NOT NULL,
    issued      REAL NOT NULL,
    redeemed    REAL,
    receipt_id  TEXT,
    CHECK ((value_eur IS NULL) != (percent IS NULL))
);
CREATE INDEX coupons_member ON coupons (member_id, issued);
INSERT INTO ledger (member_id, t, kind, points, note)
    SELECT member_id, updated, 'opening', points, 'balance before the ledger' FROM members WHERE points > 0
"""

# The wallet web app enrolls as a device of its own ("web"). SQLite cannot change a CHECK in place: the table is
# rebuilt (nothing references devices, so the copy keeps every row as it was).
SCHEMA_V6: Final = """
CREATE TABLE devices_v6 (
    device_id      TEXT PRIMARY KEY,
    member_id      TEXT NOT NULL REFERENCES members (member_id) ON DELETE CASCADE,
    platform       TEXT NOT NULL CHECK (platform IN ('android', 'ios', 'tag', 'web')),
    k              INTEGER NOT NULL,
    sealed_key     BLOB NOT NULL,
    app_token_hash TEXT NOT NULL UNIQUE,
    created        REAL NOT NULL
);
INSERT INTO devices_v6 SELECT device_id, member_id, platform, k, sealed_key, app_token_hash, created FROM devices;
DROP TABLE devices;
ALTER TABLE devices_v6 RENAME TO devices;
CREATE INDEX devices_member ON devices (member_id)
"""

# What the presence engine learned of each gateway's rssi_offset, kept across restarts: sums over the shoppers'
# readings (nothing of any device), each against the offset that was in effect.
SCHEMA_V7: Final = """
CREATE TABLE offset_learning (
    gateway     TEXT PRIMARY KEY,
    offset_db   REAL NOT NULL,
    total_db    REAL NOT NULL,
    squares_db2 REAL NOT NULL CHECK (squares_db2 >= 0),
    samples     INTEGER NOT NULL CHECK (samples >= 0),
    since       REAL NOT NULL,
    saved       REAL NOT NULL
)
"""

MIGRATIONS: Final[tuple[Migration, ...]] = (
    Migration(1, "initial schema", _statements(SCHEMA_V1)),
    Migration(2, "feedback from purchase pushes", _statements(SCHEMA_V2)),
    Migration(3, "website pre-registrations", _statements(SCHEMA_V3)),
    Migration(4, "key-fob tags with a fixed id", _statements(SCHEMA_V4)),
    Migration(5, "wallet: points ledger, legacy card balances, coupons", _statements(SCHEMA_V5)),
    Migration(6, "devices: the wallet web app", _statements(SCHEMA_V6)),
    Migration(7, "gateway offsets learned from the shoppers", _statements(SCHEMA_V7)),
)

_VERSION_TABLE: Final = """
CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at REAL NOT NULL
)"""


def latest_version(migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """The schema version this code writes."""
    return migrations[-1].version if migrations else 0


def schema_version(db: sqlite_utils.Database) -> int:
    """The version stored in `db` (0 for a database without a ``schema_version`` table, or an empty one)."""
    with reading(db):
        if not db["schema_version"].exists():
            return 0
        return int(fetch_value(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version"))


def migrate(db: sqlite_utils.Database, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring `db` up to the newest of `migrations` and return its version; a no-op when it is already there."""
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise ValueError(f"migration versions must be 1, 2, 3, ... in order, not {versions}")
    supported = latest_version(migrations)
    current = schema_version(db)
    if current > supported:
        raise SchemaTooNew(current, supported)
    if current == supported and current > 0:  # the common case, every open: no write lock taken
        return current
    with transaction(db):
        if not db["schema_version"].exists():
            others = fetch_all(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            if others:
                raise NotCorsiaDatabase(
                    f"the database has tables ({', '.join(sorted(r['name'] for r in others))}) but no "
                    "schema_version: it is not a Corsia hub database"
                )
            db.execute(_VERSION_TABLE)
        current = schema_version(db)
    if current > supported:
        raise SchemaTooNew(current, supported)
    for migration in migrations[current:]:
        try:
            with transaction(db):
                if schema_version(db) >= migration.version:  # another process got there first
                    continue
                migration.apply(db)
                db.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, time.time()),
                )
        except Exception as exc:
            raise StorageError(f"schema migration {migration.version} ({migration.name}) failed: {exc}") from exc
    return max(current, supported)
