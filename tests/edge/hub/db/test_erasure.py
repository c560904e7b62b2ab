"""GDPR erasure: everything personal about a member goes, in one transaction; receipts stay without the link;
other members are untouched; the deleted bytes do not linger in the database file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from edge.hub.db import (
    Catalog,
    Devices,
    HubDatabase,
    Journeys,
    Member,
    Members,
    Notification,
    OrderLine,
    Outbox,
    PickupOrders,
    Product,
    PushSubscriptions,
    Receipts,
    SecretBox,
    Wishlists,
)
from edge.presence import JourneyEvent
from edge.protocol import Receipt, ReceiptItem
from tests.edge.hub.db.conftest import START, FakeClock

PERSONAL_TABLES = (
    "members", "cards", "consents", "enrollment_tokens", "devices", "push_subscriptions", "wishlist",
    "pickup_orders", "visits", "journey_events", "outbox",
)  # fmt: skip


def give_them_everything(db: HubDatabase, box: SecretBox, clock: FakeClock, member: Member, n: int) -> None:
    """A card, a device, a push subscription, a wishlist, an order, a visit, a notification and a receipt."""
    Members(db, clock).link_card(member.member_id, f"CARD{n:06d}")
    devices = Devices(db, box, clock)
    devices.redeem(devices.issue_token(member.member_id), "android")
    devices.issue_token(member.member_id)
    PushSubscriptions(db, clock).add(member.member_id, f"https://push.example.com/{n}", "k", "a")
    Wishlists(db, clock).replace(member.member_id, ["A-1"])
    PickupOrders(db, clock).create(f"W-{n}", member.member_id, "demo", [OrderLine("A-1")])
    journeys = Journeys(db, clock)
    journeys.record(JourneyEvent(START, f"d_{n}", f"v{n}", "enter", "entrance", None, None), member.member_id)
    journeys.record(JourneyEvent(START + 9, f"d_{n}", f"v{n}", "zone", "aisle-4", "entrance", 9.0), member.member_id)
    Outbox(db, clock).enqueue(Notification(
        idempotency_key=f"k{n}", channel="webpush", kind="marketing", payload={"title": f"Ciao {member.first_name}"},
        member_id=member.member_id, visit=f"v{n}"))  # fmt: skip
    Receipts(db, clock).add(
        Receipt(t=START, receipt=f"R-{n}", card=member.member_number, items=[ReceiptItem(sku="A-1", qty=2, price=5.0)],
                total=10.0),
        member.member_id,
    )  # fmt: skip


def rows_of(db: HubDatabase, member_id: str) -> dict[str, int]:
    counts = {}
    for table in PERSONAL_TABLES:
        if table == "journey_events":
            sql = "SELECT COUNT(*) FROM journey_events JOIN visits USING (visit_id) WHERE member_id = ?"
        else:
            sql = f"SELECT COUNT(*) FROM {table} WHERE member_id = ?"
        counts[table] = db.execute(sql, [member_id]).fetchone()[0]
    return counts


def test_erase_removes_everything_personal(
    db: HubDatabase, box: SecretBox, clock: FakeClock, make_member: Callable[..., Member]
) -> None:
    Catalog(db, clock).upsert_products([Product("A-1", "Borraccia", "bottles", 5.0)])
    giulia = make_member(first_name="Giulia", consents={"service": True, "proximity": True}, phone="333 123 4567")
    marco = make_member(first_name="Marco", consents={"service": True, "proximity": True})
    give_them_everything(db, box, clock, giulia, 1)
    give_them_everything(db, box, clock, marco, 2)
    assert all(rows_of(db, giulia.member_id).values())
    marco_before = rows_of(db, marco.member_id)

    members = Members(db, clock)
    assert members.erase(giulia.member_id)
    assert rows_of(db, giulia.member_id) == dict.fromkeys(PERSONAL_TABLES, 0)
    assert members.get(giulia.member_id) is None
    assert members.by_card("CARD000001") is None
    assert db.execute("SELECT COUNT(*) FROM journey_events").fetchone()[0] == 2  # Marco's
    assert rows_of(db, marco.member_id) == marco_before
    # The sale stays in the store's figures, no longer linked to anyone.
    assert db.execute("SELECT member_id, total FROM receipts WHERE receipt_id = 'R-1'").fetchone() == (None, 10.0)
    assert db.execute("SELECT COUNT(*) FROM receipt_items WHERE receipt_id = 'R-1'").fetchone()[0] == 1
    assert not members.erase(giulia.member_id)


def test_erased_data_is_not_left_in_the_file(
    db: HubDatabase, db_path: Path, clock: FakeClock, make_member: Callable[..., Member]
) -> None:
    marker = "unmistakable.marker.address"
    member = make_member(email=f"{marker}@example.it", last_name="Zzyzxwvut")
    for _ in range(3):
        make_member()
    Members(db, clock).erase(member.member_id)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = db_path.read_bytes() + Path(f"{db_path}-wal").read_bytes()
    assert marker.encode() not in data
    assert b"Zzyzxwvut" not in data
