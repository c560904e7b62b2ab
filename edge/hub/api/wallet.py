"""The loyalty wallet: a member's points, coupons and history, and the import of the old plastic cards' balances.

Reading a wallet first carries over the imported balance of any card linked to the member since the import
(once per card), so a card linked at the kiosk shows its old points the next time the app looks.
"""

from __future__ import annotations

from typing import Final, Literal

import msgspec
from flask import Response

from edge import barcodes
from edge.hub.api import repos
from edge.hub.api.database import hub_context
from edge.hub.api.routing import ADMIN, APP, CSV, KIOSK, MIB, Answer, ApiBlueprint, reply
from edge.hub.db import Coupon, LedgerEntry

api = ApiBlueprint("wallet", __name__)

HISTORY_SHOWN: Final = 50
MAX_LEGACY_IMPORT: Final = 2 * MIB


class CouponView(msgspec.Struct):
    """A coupon: `value_eur` or `percent` off `skus` or `categories` (both empty: the whole basket)."""

    code: str
    state: Literal["active", "used", "expired"]
    value_eur: float | None
    percent: float | None
    valid_until: float
    skus: list[str]
    categories: list[str]
    issued: float
    redeemed: float | None
    receipt_id: str | None
    barcode_svg: str | None = None
    """An active coupon's code as a Code 128 barcode (an SVG document) for the till's scanner; None otherwise."""


class HistoryView(msgspec.Struct):
    """One event of the wallet's history (`points` is 0 for coupon events)."""

    t: float
    kind: str
    points: int
    receipt_id: str | None
    card: str | None
    code: str | None
    note: str


class WalletView(msgspec.Struct):
    """A member's wallet: the points balance, every coupon (newest first), the recent history (oldest first)."""

    member_id: str
    points: int
    coupons: list[CouponView]
    history: list[HistoryView]


class CardView(msgspec.Struct):
    """The digital loyalty card: the member number drawn for the kiosk's camera (QR) and the till (Code 128).

    The SVGs are whole documents, ready to be an image's source."""

    member_number: str
    qr_text: str
    qr_svg: str
    barcode_svg: str
    barcode_format: Literal["Code128"] = "Code128"


class LegacyBalances(msgspec.Struct):
    """``card,points`` rows of the old card system, as CSV with a header line."""


class LegacyImported(msgspec.Struct):
    """What an import of legacy balances did."""

    imported: int
    carried: int
    skipped: int


def _coupon(coupon: Coupon, now: float) -> CouponView:
    state = coupon.state(now)
    return CouponView(
        code=coupon.code, state=state, value_eur=coupon.value_eur, percent=coupon.percent,
        valid_until=coupon.valid_until, skus=list(coupon.skus), categories=list(coupon.categories),
        issued=coupon.issued, redeemed=coupon.redeemed, receipt_id=coupon.receipt_id,
        barcode_svg=barcodes.code128_svg(coupon.code, "Code 128") if state == "active" else None,
    )  # fmt: skip


def _entry(entry: LedgerEntry) -> HistoryView:
    return HistoryView(entry.t, entry.kind, entry.points, entry.receipt_id, entry.card, entry.code, entry.note)


@api.route(
    "GET", "/members/<member_id>/wallet",
    scopes=(ADMIN, APP, KIOSK), answers={200: Answer("The member's wallet", WalletView)},
)  # fmt: skip
def get_wallet(member_id: str) -> Response:
    """The member's points, coupons and recent history."""
    repos.member(member_id)
    ledger = repos.ledger()
    ledger.carry_over_linked(member_id)
    now = hub_context().clock()
    return reply(
        WalletView(
            member_id=member_id,
            points=repos.members().points(member_id),
            coupons=[_coupon(c, now) for c in ledger.coupons(member_id)],
            history=[_entry(e) for e in ledger.history(member_id, limit=HISTORY_SHOWN)],
        )
    )


@api.route(
    "GET", "/members/<member_id>/card",
    scopes=(ADMIN, APP), answers={200: Answer("The member's digital card", CardView)},
)  # fmt: skip
def get_card(member_id: str) -> Response:
    """The member's digital card as a QR code and a Code 128 barcode."""
    number = repos.member(member_id).member_number
    qr_text = barcodes.member_qr_text(number)
    return reply(
        CardView(
            member_number=number,
            qr_text=qr_text,
            qr_svg=barcodes.qr_svg(qr_text, "QR"),
            barcode_svg=barcodes.code128_svg(number, "Code 128"),
        )
    )


@api.route(
    "POST", "/wallet/legacy-balances",
    scopes=(ADMIN,), body=LegacyBalances, media=(CSV,), max_body=MAX_LEGACY_IMPORT,
    answers={200: Answer("Imported: rows stored, balances carried over, cards skipped", LegacyImported)},
)  # fmt: skip
def import_legacy_balances(body: LegacyBalances | str) -> Response:
    """Import the old plastic cards' balances (CSV ``card,points``), all or nothing."""
    assert isinstance(body, str)
    result = repos.ledger().import_legacy_csv(body)
    return reply(LegacyImported(imported=result.imported, carried=result.carried, skipped=result.skipped))
