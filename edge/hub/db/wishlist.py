"""Wishlists: the products a member saved online, in the order they saved them.

The app and the website send the whole list each time (``PUT``), so the only write is `replace`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Final

import sqlite_utils

from edge.hub.db.database import fetch_all, fetch_value, transaction
from edge.hub.db.errors import InvalidRecord, NotFound, UnknownProduct

WISHLIST_MAX: Final = 200


class Wishlists:
    """Members' wishlists."""

    def __init__(self, db: sqlite_utils.Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def replace(self, member_id: str, skus: Iterable[str]) -> list[str]:
        """Make `skus` the member's wishlist (repeats dropped, first position kept) and return it.

        `UnknownProduct` names the first sku the catalog does not have, `NotFound` an unknown member; either
        way the old list stays. A sku already on the list keeps the time it was first added.
        """
        wanted = list(dict.fromkeys(skus))
        if len(wanted) > WISHLIST_MAX:
            raise InvalidRecord("skus", "too_long", f"at most {WISHLIST_MAX} products")
        now = self.clock()
        with transaction(self.db):
            if fetch_value(self.db, "SELECT 1 FROM members WHERE member_id = ?", [member_id]) is None:
                raise NotFound("member", member_id)
            for sku in wanted:
                if fetch_value(self.db, "SELECT 1 FROM products WHERE sku = ?", [sku]) is None:
                    raise UnknownProduct(sku)
            added = {
                r["sku"]: float(r["added"])
                for r in fetch_all(self.db, "SELECT sku, added FROM wishlist WHERE member_id = ?", [member_id])
            }
            self.db.execute("DELETE FROM wishlist WHERE member_id = ?", [member_id])
            for position, sku in enumerate(wanted):
                self.db.execute(
                    "INSERT INTO wishlist (member_id, sku, position, added) VALUES (?, ?, ?, ?)",
                    (member_id, sku, position, added.get(sku, now)),
                )
        return wanted

    def get(self, member_id: str) -> list[str]:
        """The member's wishlist in their order (empty for an unknown member)."""
        rows = fetch_all(self.db, "SELECT sku FROM wishlist WHERE member_id = ? ORDER BY position", [member_id])
        return [r["sku"] for r in rows]

    def members_wanting(self, sku: str) -> set[str]:
        """The members who have `sku` on their wishlist (for a restock campaign)."""
        return {r["member_id"] for r in fetch_all(self.db, "SELECT member_id FROM wishlist WHERE sku = ?", [sku])}
