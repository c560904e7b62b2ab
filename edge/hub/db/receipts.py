"""Receipts from the tills: loyalty purchases, and anonymous baskets for co-purchase statistics.

The POS publishes each receipt with QoS 1, so the same receipt may arrive twice: `add` is idempotent by the
receipt id. The card or member number scanned at the till is not stored: the link is the member id, which
erasure removes while the basket and its totals stay.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from edge.hub.db.database import fetch_all, transaction
from edge.protocol import Receipt


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    """One line of a stored receipt (unit price in euro)."""

    sku: str
    qty: int
    price: float


@dataclass(frozen=True, slots=True)
class StoredReceipt:
    """A receipt as the hub keeps it."""

    receipt_id: str
    member_id: str | None
    t: float
    total: float
    items: tuple[ReceiptLine, ...]


class Receipts:
    """Stored receipts."""

    def __init__(self, db: sqlite_utils.Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def add(self, receipt: Receipt, member_id: str | None) -> bool:
        """Store a receipt for `member_id` (None: a purchase without a loyalty card); False when a receipt with
        this id is already stored (a redelivery), in which case nothing changes."""
        with transaction(self.db):
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO receipts (receipt_id, member_id, t, total) VALUES (?, ?, ?, ?)",
                (receipt.receipt, member_id, receipt.t, receipt.total),
            )
            if cursor.rowcount == 0:
                return False
            for line, item in enumerate(receipt.items, start=1):
                self.db.execute(
                    "INSERT INTO receipt_items (receipt_id, line, sku, qty, price) VALUES (?, ?, ?, ?, ?)",
                    (receipt.receipt, line, item.sku, item.qty, item.price),
                )
        return True

    def baskets(self, since: float | None = None) -> Iterator[frozenset[str]]:
        """The set of skus of each receipt (from `since` on when given), for co-purchase statistics.

        Read in one go, so the caller may take its time iterating.
        """
        sql = "SELECT receipt_items.receipt_id AS rid, sku FROM receipt_items JOIN receipts USING (receipt_id)"
        params: list[Any] = []
        if since is not None:
            sql += " WHERE receipts.t >= ?"
            params.append(since)
        rows = fetch_all(self.db, sql + " ORDER BY receipts.t, rid", params)
        baskets: dict[str, set[str]] = {}
        for row in rows:
            baskets.setdefault(row["rid"], set()).add(row["sku"])
        return iter([frozenset(skus) for skus in baskets.values()])

    def for_member(self, member_id: str) -> list[StoredReceipt]:
        """The member's receipts, oldest first."""
        heads = fetch_all(
            self.db, "SELECT receipt_id, member_id, t, total FROM receipts WHERE member_id = ? ORDER BY t", [member_id]
        )
        lines = fetch_all(
            self.db,
            "SELECT receipt_id, sku, qty, price FROM receipt_items WHERE receipt_id IN "
            "(SELECT receipt_id FROM receipts WHERE member_id = ?) ORDER BY receipt_id, line",
            [member_id],
        )
        by_receipt: dict[str, list[ReceiptLine]] = {}
        for r in lines:
            by_receipt.setdefault(r["receipt_id"], []).append(ReceiptLine(r["sku"], int(r["qty"]), float(r["price"])))
        return [
            StoredReceipt(
                h["receipt_id"],
                h["member_id"],
                float(h["t"]),
                float(h["total"]),
                tuple(by_receipt.get(h["receipt_id"], [])),
            )
            for h in heads
        ]

    def bought_since(self, member_id: str, t: float) -> set[str]:
        """The skus the member bought at or after time `t` (a campaign does not promote what was just bought)."""
        rows = fetch_all(
            self.db,
            "SELECT DISTINCT sku FROM receipt_items JOIN receipts USING (receipt_id) WHERE member_id = ? AND t >= ?",
            [member_id, t],
        )
        return {r["sku"] for r in rows}
