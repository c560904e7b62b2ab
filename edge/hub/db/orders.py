"""Click & collect orders waiting in a store, so that a member walking in with a ready order is noticed.

The e-commerce system owns orders; the hub keeps the part it needs (who, which store, the status, the lines)
under the e-commerce order id. Status goes ``placed`` → ``ready`` → ``collected``; ``placed`` or ``ready`` may
become ``cancelled``. Setting the status an order already has is a no-op, so a re-sent update is harmless.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

import sqlite_utils

from edge.hub.db.database import fetch_all, fetch_one, fetch_value, transaction
from edge.hub.db.errors import DuplicateOrder, InvalidRecord, InvalidTransition, NotFound

Status = Literal["placed", "ready", "collected", "cancelled"]
STATUSES: Final[tuple[Status, ...]] = get_args(Status)
NEXT: Final[dict[str, frozenset[str]]] = {
    "placed": frozenset({"ready", "cancelled"}),
    "ready": frozenset({"collected", "cancelled"}),
    "collected": frozenset(),
    "cancelled": frozenset(),
}
ORDER_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}\Z")  # fits the contract's Ref (staff alerts)


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line of an order."""

    sku: str
    qty: int = 1


@dataclass(frozen=True, slots=True)
class PickupOrder:
    """A click & collect order as the hub knows it."""

    order_id: str
    member_id: str
    store: str
    status: Status
    created: float
    updated: float
    items: tuple[OrderLine, ...] = ()


def _order(row: dict[str, Any]) -> PickupOrder:
    lines = tuple(OrderLine(str(x["sku"]), int(x["qty"])) for x in json.loads(row["items"] or "[]"))
    return PickupOrder(
        row["order_id"], row["member_id"], row["store"], row["status"], float(row["created"]), float(row["updated"]),
        lines,
    )  # fmt: skip


class PickupOrders:
    """Click & collect orders."""

    def __init__(self, db: sqlite_utils.Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def create(
        self, order_id: str, member_id: str, store: str, items: Iterable[OrderLine] = (), status: str = "placed"
    ) -> PickupOrder:
        """Store a new order; `DuplicateOrder` when the id exists, `NotFound` for an unknown member."""
        if not ORDER_ID.match(order_id):
            raise InvalidRecord("order_id", "invalid")
        if status not in STATUSES:
            raise InvalidRecord("status", "invalid", ", ".join(STATUSES))
        lines = list(items)
        for line in lines:
            if line.qty < 1:
                raise InvalidRecord("items.qty", "invalid", "1 or more")
        now = self.clock()
        with transaction(self.db):
            if fetch_value(self.db, "SELECT 1 FROM members WHERE member_id = ?", [member_id]) is None:
                raise NotFound("member", member_id)
            if self.get(order_id) is not None:
                raise DuplicateOrder(order_id)
            self.db.execute(
                "INSERT INTO pickup_orders (order_id, member_id, store, status, items, created, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    order_id,
                    member_id,
                    store,
                    status,
                    json.dumps([{"sku": x.sku, "qty": x.qty} for x in lines]),
                    now,
                    now,
                ),
            )
            order = self.get(order_id)
        assert order is not None
        return order

    def set_status(self, order_id: str, status: str) -> PickupOrder:
        """Move an order to `status`; `InvalidTransition` when that is not a step forward, `NotFound` when the
        order is unknown."""
        if status not in STATUSES:
            raise InvalidRecord("status", "invalid", ", ".join(STATUSES))
        with transaction(self.db):
            order = self.get(order_id)
            if order is None:
                raise NotFound("order", order_id)
            if order.status == status:
                return order
            if status not in NEXT[order.status]:
                raise InvalidTransition(order_id, order.status, status)
            self.db.execute(
                "UPDATE pickup_orders SET status = ?, updated = ? WHERE order_id = ?", (status, self.clock(), order_id)
            )
            changed = self.get(order_id)
        assert changed is not None
        return changed

    def get(self, order_id: str) -> PickupOrder | None:
        """The order, or None."""
        row = fetch_one(self.db, "SELECT * FROM pickup_orders WHERE order_id = ?", [order_id])
        return None if row is None else _order(row)

    def ready_for(self, member_id: str, store: str) -> list[PickupOrder]:
        """The member's orders ready for pickup in this store, oldest first."""
        rows = fetch_all(
            self.db,
            "SELECT * FROM pickup_orders WHERE member_id = ? AND store = ? AND status = 'ready' ORDER BY created",
            [member_id, store],
        )
        return [_order(r) for r in rows]
