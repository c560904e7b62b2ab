"""Click & collect orders: creation, forward-only status changes, the ready orders of a member in a store."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from edge.hub.db import (
    DuplicateOrder,
    HubDatabase,
    InvalidRecord,
    InvalidTransition,
    Member,
    NotFound,
    OrderLine,
    PickupOrders,
)
from tests.edge.hub.db.conftest import START, FakeClock


@pytest.fixture
def orders(db: HubDatabase, clock: FakeClock) -> PickupOrders:
    return PickupOrders(db, clock)


def test_create_and_get(orders: PickupOrders, make_member: Callable[..., Member]) -> None:
    member = make_member()
    order = orders.create("W-1001", member.member_id, "demo", [OrderLine("RUN-001", 2), OrderLine("RUN-002")])
    assert (order.status, order.created, order.updated) == ("placed", START, START)
    assert order.items == (OrderLine("RUN-001", 2), OrderLine("RUN-002", 1))
    assert orders.get("W-1001") == order
    assert orders.get("W-9999") is None
    with pytest.raises(DuplicateOrder):
        orders.create("W-1001", member.member_id, "demo")
    with pytest.raises(NotFound):
        orders.create("W-1002", "m_nobody", "demo")
    with pytest.raises(InvalidRecord, match="order_id"):
        orders.create("has space", member.member_id, "demo")


def test_status_moves_forward_only(orders: PickupOrders, make_member: Callable[..., Member], clock: FakeClock) -> None:
    member = make_member()
    orders.create("W-1", member.member_id, "demo")
    clock.advance(30)
    ready = orders.set_status("W-1", "ready")
    assert (ready.status, ready.updated) == ("ready", START + 30)
    assert orders.set_status("W-1", "ready") == ready  # again: no change
    assert orders.set_status("W-1", "collected").status == "collected"
    with pytest.raises(InvalidTransition) as caught:
        orders.set_status("W-1", "ready")
    assert (caught.value.current, caught.value.requested) == ("collected", "ready")
    orders.create("W-2", member.member_id, "demo")
    assert orders.set_status("W-2", "cancelled").status == "cancelled"
    with pytest.raises(InvalidRecord):
        orders.set_status("W-2", "lost")
    with pytest.raises(NotFound):
        orders.set_status("W-404", "ready")


def test_ready_for_a_member_in_a_store(
    orders: PickupOrders, make_member: Callable[..., Member], clock: FakeClock
) -> None:
    giulia, marco = make_member(), make_member()
    for order_id, member, store, status in (
        ("W-1", giulia, "demo", "ready"), ("W-2", giulia, "demo", "placed"), ("W-3", giulia, "roma", "ready"),
        ("W-4", marco, "demo", "ready"), ("W-5", giulia, "demo", "ready"),
    ):  # fmt: skip
        orders.create(order_id, member.member_id, store, status=status)
        clock.advance(1)
    assert [o.order_id for o in orders.ready_for(giulia.member_id, "demo")] == ["W-1", "W-5"]
    orders.set_status("W-1", "collected")
    assert [o.order_id for o in orders.ready_for(giulia.member_id, "demo")] == ["W-5"]
