"""Receipts: idempotent by id (QoS 1 redelivers), baskets for co-purchase, a member's purchases."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from edge.hub.db import HubDatabase, Member, ReceiptLine, Receipts
from edge.protocol import Receipt, ReceiptItem
from tests.edge.hub.db.conftest import START, FakeClock


@pytest.fixture
def receipts(db: HubDatabase, clock: FakeClock) -> Receipts:
    return Receipts(db, clock)


def receipt(receipt_id: str, t: float, *skus: str) -> Receipt:
    items = [ReceiptItem(sku=sku, qty=1, price=10.0) for sku in skus]
    return Receipt(t=t, receipt=receipt_id, card="2900000000001", items=items, total=10.0 * len(items))


def test_add_is_idempotent(db: HubDatabase, receipts: Receipts, make_member: Callable[..., Member]) -> None:
    member = make_member()
    assert receipts.add(receipt("R-1", START, "A", "B"), member.member_id)
    assert not receipts.add(receipt("R-1", START, "A", "B"), member.member_id)
    assert not receipts.add(receipt("R-1", START + 5, "C"), None)  # same id, different body: the first stays
    assert db.execute("SELECT COUNT(*) FROM receipt_items").fetchone()[0] == 2
    [stored] = receipts.for_member(member.member_id)
    assert (stored.receipt_id, stored.t, stored.total) == ("R-1", START, 20.0)
    assert stored.items == (ReceiptLine("A", 1, 10.0), ReceiptLine("B", 1, 10.0))


def test_baskets_include_anonymous_purchases(receipts: Receipts, make_member: Callable[..., Member]) -> None:
    member = make_member()
    receipts.add(receipt("R-1", START, "A", "B", "A"), member.member_id)
    receipts.add(receipt("R-2", START + 100, "B", "C"), None)
    receipts.add(receipt("R-3", START + 200, "D"), None)
    assert list(receipts.baskets()) == [frozenset({"A", "B"}), frozenset({"B", "C"}), frozenset({"D"})]
    assert list(receipts.baskets(since=START + 100)) == [frozenset({"B", "C"}), frozenset({"D"})]


def test_bought_since(receipts: Receipts, make_member: Callable[..., Member]) -> None:
    giulia, marco = make_member(), make_member()
    receipts.add(receipt("R-1", START, "A"), giulia.member_id)
    receipts.add(receipt("R-2", START + 100, "B", "C"), giulia.member_id)
    receipts.add(receipt("R-3", START + 100, "D"), marco.member_id)
    assert receipts.bought_since(giulia.member_id, START + 50) == {"B", "C"}
    assert receipts.bought_since(giulia.member_id, START) == {"A", "B", "C"}
    assert [r.receipt_id for r in receipts.for_member(giulia.member_id)] == ["R-1", "R-2"]
