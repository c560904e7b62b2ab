"""The loyalty wallet's ledger: an append-only history of each member's points and coupons.

Every change of a member's points is one row of ``ledger`` (earned on a receipt, carried over from an old
plastic card, spent or adjusted by an admin); the balance is their sum, and ``members.points`` is kept equal to
it in the same transaction, since other code reads it there. Coupon events (issued, redeemed) are rows too, with
zero points, so `history` is one ordered, auditable list.

Replays are harmless: a receipt earns once (a unique index on the receipt id of ``earn`` rows), a legacy card's
balance is carried over once, and a coupon is redeemed once; the same receipt presenting the same coupon again
gets the same answer without a second redemption.
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

import sqlite_utils

from edge.hub.contact import InvalidContact, normalize_card
from edge.hub.db.database import fetch_all, fetch_one, fetch_value, transaction
from edge.hub.db.errors import CatalogImportError, InvalidRecord, NotFound, StorageError
from edge.hub.db.members import Members
from edge.protocol import Receipt

EntryKind = Literal["opening", "earn", "carry_over", "redeem", "adjust", "coupon_issued", "coupon_redeemed"]
CouponState = Literal["active", "used", "expired"]
RefusalReason = Literal["unknown", "expired", "used", "not_yours"]

POINTS_MAX: Final = 10_000_000
NOTE_MAX: Final = 200
_EPSILON: Final = 1e-9  # 19.99 * 3 is 59.969999...: floor the amount, not the float's error


class CouponRefused(StorageError):
    """A coupon presented at the till that cannot be redeemed: `reason` is one of `RefusalReason`."""

    def __init__(self, code: str, reason: RefusalReason) -> None:
        super().__init__(f"coupon {code!r} refused: {reason}")
        self.code = code
        self.reason: RefusalReason = reason


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One event of a member's history; `points` is 0 for coupon events."""

    id: int
    member_id: str
    t: float
    kind: EntryKind
    points: int
    receipt_id: str | None
    card: str | None
    code: str | None
    note: str


@dataclass(frozen=True, slots=True)
class Coupon:
    """A coupon issued to a member: either `value_eur` off or `percent` off, on `skus` or `categories` (both
    empty: the whole basket)."""

    code: str
    member_id: str
    value_eur: float | None
    percent: float | None
    valid_until: float
    skus: tuple[str, ...]
    categories: tuple[str, ...]
    source: str
    issued: float
    redeemed: float | None
    receipt_id: str | None

    def state(self, now: float) -> CouponState:
        if self.redeemed is not None:
            return "used"
        return "active" if now <= self.valid_until else "expired"


@dataclass(frozen=True, slots=True)
class Redemption:
    """A coupon redeemed on a receipt (`replayed`: this receipt had already redeemed it)."""

    coupon: Coupon
    receipt_id: str
    replayed: bool


@dataclass(frozen=True, slots=True)
class LegacyImport:
    """What a legacy balance import did: rows stored, balances carried over to linked members now, and cards
    skipped because their balance was already carried over."""

    imported: int
    carried: int
    skipped: int


def normalize_code(code: str) -> str:
    """A coupon code as stored: trimmed, upper case (codes are read aloud and typed)."""
    return code.strip().upper()


class Ledger:
    """Points and coupons of the loyalty programme.

    `multipliers` maps a product category to a factor applied to the amount of that category's receipt lines;
    points are ``floor(amount × points_per_euro × factor)`` summed over the receipt.
    """

    def __init__(
        self,
        db: sqlite_utils.Database,
        clock: Callable[[], float] = time.time,
        *,
        points_per_euro: float = 1.0,
        multipliers: Mapping[str, float] | None = None,
    ) -> None:
        if points_per_euro < 0:
            raise ValueError(f"points_per_euro must not be negative, got {points_per_euro!r}")
        factors = dict(multipliers or {})
        for category, factor in factors.items():
            if factor < 0:
                raise ValueError(f"the multiplier of {category!r} must not be negative, got {factor!r}")
        self.db = db
        self.clock = clock
        self.points_per_euro = points_per_euro
        self.multipliers = factors
        self._members = Members(db, clock)

    # --- points ----------------------------------------------------------------------------------------------

    def points_for(self, receipt: Receipt) -> int:
        """The points `receipt` earns under the rule (no write). Lines are scaled down to the total when the
        receipt's total is below the sum of its lines (a discount), so points are earned on what was paid."""
        skus = sorted({item.sku for item in receipt.items})
        categories: dict[str, str] = {}
        if skus and self.multipliers:
            marks = ", ".join("?" for _ in skus)
            rows = fetch_all(self.db, f"SELECT sku, category FROM products WHERE sku IN ({marks})", skus)
            categories = {r["sku"]: r["category"] for r in rows}
        gross = sum(item.qty * item.price for item in receipt.items)
        scale = min(1.0, receipt.total / gross) if gross > 0 else 0.0
        amount = 0.0
        for item in receipt.items:
            factor = self.multipliers.get(categories.get(item.sku, ""), 1.0)
            amount += item.qty * item.price * scale * factor
        return max(0, math.floor(amount * self.points_per_euro + _EPSILON))

    def earn(self, member_id: str, receipt: Receipt) -> int:
        """Credit the points of `receipt` to the member and return them; 0 when this receipt already earned
        (a replay), with nothing written. `NotFound` for an unknown member."""
        with transaction(self.db):
            self._require_member(member_id)
            done = fetch_value(
                self.db, "SELECT 1 FROM ledger WHERE kind = 'earn' AND receipt_id = ?", [receipt.receipt]
            )
            if done is not None:
                return 0
            points = self.points_for(receipt)
            self._append(member_id, "earn", points, receipt_id=receipt.receipt)
            return points

    def adjust(self, member_id: str, points: int, note: str, *, kind: Literal["redeem", "adjust"] = "adjust") -> int:
        """Add `points` (negative to take away; ``kind="redeem"`` for points spent) and return the balance.
        `InvalidRecord` (``points``, ``insufficient``) when the balance would go below zero."""
        if kind == "redeem" and points >= 0:
            raise InvalidRecord("points", "not_negative", "a redemption takes points away")
        if not -POINTS_MAX <= points <= POINTS_MAX or points == 0:
            raise InvalidRecord("points", "out_of_range")
        if len(note) > NOTE_MAX:
            raise InvalidRecord("note", "too_long", f"at most {NOTE_MAX} characters")
        with transaction(self.db):
            self._require_member(member_id)
            self._append(member_id, kind, points, note=note)
            return self.balance(member_id)

    def balance(self, member_id: str) -> int:
        """The sum of the member's ledger (0 for a member without entries)."""
        return int(fetch_value(self.db, "SELECT COALESCE(SUM(points), 0) FROM ledger WHERE member_id = ?", [member_id]))

    # --- legacy plastic cards --------------------------------------------------------------------------------

    def import_legacy_csv(self, text: str) -> LegacyImport:
        """Import ``card,points`` rows (a header line first) of the old card system, all or nothing: the first
        bad row raises `CatalogImportError` naming its line and field, and nothing is stored. Balances of cards
        already linked to a member are carried over at once; a card whose balance was carried over is skipped."""
        rows = list(csv.reader(io.StringIO(text)))
        if not rows or [c.strip().lower() for c in rows[0]] != ["card", "points"]:
            raise CatalogImportError(1, "header", "expected 'card,points'")
        parsed: dict[str, int] = {}
        for line, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != 2:
                raise CatalogImportError(line, "row", "expected 2 columns")
            try:
                card = normalize_card(row[0])
            except InvalidContact as exc:
                raise CatalogImportError(line, "card", str(exc) or "invalid") from None
            if card in parsed:
                raise CatalogImportError(line, "card", "duplicate")
            try:
                points = int(row[1].strip())
            except ValueError:
                raise CatalogImportError(line, "points", "not an integer") from None
            if not 0 <= points <= POINTS_MAX:
                raise CatalogImportError(line, "points", "out of range")
            parsed[card] = points
        now = self.clock()
        imported = carried = skipped = 0
        with transaction(self.db):
            for card, points in parsed.items():
                if fetch_value(self.db, "SELECT carried FROM legacy_balances WHERE card = ?", [card]) is not None:
                    skipped += 1
                    continue
                self.db.execute(
                    "INSERT INTO legacy_balances (card, points, imported) VALUES (?, ?, ?) "
                    "ON CONFLICT (card) DO UPDATE SET points = excluded.points, imported = excluded.imported",
                    (card, points, now),
                )
                imported += 1
                owner = fetch_value(self.db, "SELECT member_id FROM cards WHERE card = ?", [card])
                if owner is not None and self.carry_over(owner, card):
                    carried += 1
        return LegacyImport(imported=imported, carried=carried, skipped=skipped)

    def carry_over(self, member_id: str, card: str) -> int:
        """Carry the legacy balance of `card`, which must be linked to the member, over to them once; the points
        carried (0 when the card has no imported balance, or it was carried over already). `InvalidRecord`
        (``card``, ``not_linked``) when the card is not the member's."""
        try:
            normalized = normalize_card(card)
        except InvalidContact:
            raise InvalidRecord("card", "invalid") from None
        with transaction(self.db):
            self._require_member(member_id)
            owner = fetch_value(self.db, "SELECT member_id FROM cards WHERE card = ?", [normalized])
            if owner != member_id:
                raise InvalidRecord("card", "not_linked")
            row = fetch_one(self.db, "SELECT points, carried FROM legacy_balances WHERE card = ?", [normalized])
            if row is None or row["carried"] is not None:
                return 0
            points = int(row["points"])
            self.db.execute(
                "UPDATE legacy_balances SET carried = ?, member_id = ? WHERE card = ?",
                (self.clock(), member_id, normalized),
            )
            self._append(member_id, "carry_over", points, card=normalized)
            return points

    def carry_over_linked(self, member_id: str) -> int:
        """Carry over the pending legacy balances of every card linked to the member; the points carried."""
        cards = fetch_all(
            self.db,
            "SELECT cards.card FROM cards JOIN legacy_balances USING (card) "
            "WHERE cards.member_id = ? AND legacy_balances.carried IS NULL ORDER BY cards.card",
            [member_id],
        )
        return sum(self.carry_over(member_id, r["card"]) for r in cards)

    # --- coupons ---------------------------------------------------------------------------------------------

    def issue(
        self,
        member_id: str,
        code: str,
        *,
        value_eur: float | None = None,
        percent: float | None = None,
        valid_until: float,
        skus: Iterable[str] = (),
        categories: Iterable[str] = (),
        source: str,
    ) -> Coupon:
        """Issue a coupon (exactly one of `value_eur` and `percent`); issuing the same code to the same member
        again returns the coupon as it is. `InvalidRecord` (``code``, ``taken``) when it is another member's."""
        normalized = normalize_code(code)
        if not normalized or len(normalized) > 64:
            raise InvalidRecord("code", "invalid")
        if (value_eur is None) == (percent is None):
            raise InvalidRecord("value", "one_of", "give either value_eur or percent")
        if value_eur is not None and not 0 < value_eur <= 10_000:
            raise InvalidRecord("value_eur", "out_of_range")
        if percent is not None and not 0 < percent <= 100:
            raise InvalidRecord("percent", "out_of_range")
        with transaction(self.db):
            self._require_member(member_id)
            existing = self.coupon(normalized)
            if existing is not None:
                if existing.member_id != member_id:
                    raise InvalidRecord("code", "taken")
                return existing
            now = self.clock()
            self.db.execute(
                "INSERT INTO coupons (code, member_id, value_eur, percent, valid_until, skus, categories, source, "
                "issued) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (normalized, member_id, value_eur, percent, valid_until, json.dumps(sorted(set(skus))),
                 json.dumps(sorted(set(categories))), source, now),
            )  # fmt: skip
            self._append(member_id, "coupon_issued", 0, code=normalized, note=source)
            coupon = self.coupon(normalized)
        assert coupon is not None
        return coupon

    def redeem(self, code: str, receipt_id: str, member_id: str, at: float | None = None) -> Redemption:
        """Redeem the member's coupon on a receipt, once. The same receipt presenting it again gets the same
        answer (``replayed``), nothing written; otherwise `CouponRefused` when it is unknown, another member's,
        already used, or expired at `at` (default: now)."""
        normalized = normalize_code(code)
        when = self.clock() if at is None else at
        with transaction(self.db):
            coupon = self.coupon(normalized)
            if coupon is None:
                raise CouponRefused(normalized, "unknown")
            if coupon.member_id != member_id:
                raise CouponRefused(normalized, "not_yours")
            if coupon.redeemed is not None:
                if coupon.receipt_id == receipt_id:
                    return Redemption(coupon, receipt_id, replayed=True)
                raise CouponRefused(normalized, "used")
            if when > coupon.valid_until:
                raise CouponRefused(normalized, "expired")
            self.db.execute(
                "UPDATE coupons SET redeemed = ?, receipt_id = ? WHERE code = ? AND redeemed IS NULL",
                (self.clock(), receipt_id, normalized),
            )
            self._append(member_id, "coupon_redeemed", 0, receipt_id=receipt_id, code=normalized)
            used = self.coupon(normalized)
        assert used is not None
        return Redemption(used, receipt_id, replayed=False)

    def coupon(self, code: str) -> Coupon | None:
        row = fetch_one(self.db, "SELECT * FROM coupons WHERE code = ?", [normalize_code(code)])
        return None if row is None else _coupon(row)

    def coupons(self, member_id: str) -> list[Coupon]:
        """The member's coupons, newest first."""
        rows = fetch_all(self.db, "SELECT * FROM coupons WHERE member_id = ? ORDER BY issued DESC, code", [member_id])
        return [_coupon(r) for r in rows]

    # --- history ---------------------------------------------------------------------------------------------

    def history(self, member_id: str, limit: int | None = None) -> list[LedgerEntry]:
        """The member's points and coupon events, oldest first (the newest `limit` of them when given)."""
        sql = "SELECT * FROM ledger WHERE member_id = ? ORDER BY t DESC, id DESC"
        params: list[object] = [member_id]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        rows = fetch_all(self.db, sql, params)
        return [
            LedgerEntry(
                id=int(r["id"]),
                member_id=r["member_id"],
                t=float(r["t"]),
                kind=r["kind"],
                points=int(r["points"]),
                receipt_id=r["receipt_id"],
                card=r["card"],
                code=r["code"],
                note=r["note"],
            )
            for r in reversed(rows)
        ]

    # --- internals -------------------------------------------------------------------------------------------

    def _require_member(self, member_id: str) -> None:
        if fetch_value(self.db, "SELECT 1 FROM members WHERE member_id = ?", [member_id]) is None:
            raise NotFound("member", member_id)

    def _append(
        self,
        member_id: str,
        kind: EntryKind,
        points: int,
        *,
        receipt_id: str | None = None,
        card: str | None = None,
        code: str | None = None,
        note: str = "",
    ) -> None:
        """One ledger row, and ``members.points`` moved by the same amount (inside the caller's transaction)."""
        self.db.execute(
            "INSERT INTO ledger (member_id, t, kind, points, receipt_id, card, code, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (member_id, self.clock(), kind, points, receipt_id, card, code, note),
        )
        if points:
            self._members.add_points(member_id, points)


def _coupon(row: Mapping[str, object]) -> Coupon:
    def floats(key: str) -> float | None:
        value = row[key]
        return None if value is None else float(str(value))

    valid_until = floats("valid_until")
    issued = floats("issued")
    assert valid_until is not None
    assert issued is not None
    return Coupon(
        code=str(row["code"]), member_id=str(row["member_id"]), value_eur=floats("value_eur"),
        percent=floats("percent"), valid_until=valid_until, skus=tuple(json.loads(str(row["skus"]))),
        categories=tuple(json.loads(str(row["categories"]))), source=str(row["source"]), issued=issued,
        redeemed=floats("redeemed"), receipt_id=None if row["receipt_id"] is None else str(row["receipt_id"]),
    )  # fmt: skip
