"""The ledger: points earned once per receipt, legacy balances carried over once per card, coupons redeemed once,
and an ordered history whose points always add up to the member's balance."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from edge.hub.db import (
    CatalogImportError,
    CouponRefused,
    HubDatabase,
    InvalidRecord,
    Ledger,
    Member,
    Members,
    NotFound,
    transaction,
)
from edge.protocol import Receipt, ReceiptItem
from tests.edge.hub.db.conftest import FakeClock

DAY = 86400.0


def receipt(rid: str, *lines: tuple[str, int, float], total: float | None = None) -> Receipt:
    items = [ReceiptItem(sku=sku, qty=qty, price=price) for sku, qty, price in lines]
    paid = sum(q * p for _, q, p in lines) if total is None else total
    return Receipt(t=1_700_000_000.0, receipt=rid, items=items, total=paid)


@pytest.fixture
def ledger(db: HubDatabase, clock: FakeClock) -> Ledger:
    with transaction(db):
        for sku, category in (("RUN-42", "running"), ("TENT-2", "camping"), ("SOCK-1", "running")):
            db.execute(
                "INSERT INTO products (sku, name, category, price, updated) VALUES (?, ?, ?, 1, 0)",
                (sku, sku, category),
            )
    return Ledger(db, clock, multipliers={"camping": 2.0})


@pytest.fixture
def giulia(make_member: Callable[..., Member]) -> Member:
    return make_member()


def assert_in_step(ledger: Ledger, members: Members, member_id: str) -> None:
    assert ledger.balance(member_id) == members.points(member_id)


def test_earn_floors_and_applies_category_multipliers(ledger: Ledger, members: Members, giulia: Member) -> None:
    assert ledger.points_for(receipt("r0", ("RUN-42", 1, 19.99))) == 19
    assert ledger.points_for(receipt("r0", ("SOCK-1", 3, 19.99))) == 59  # 59.97, not 59.96999...
    assert ledger.points_for(receipt("r0", ("TENT-2", 1, 10.75), ("RUN-42", 1, 5.5))) == 27  # 21.5 + 5.5
    assert ledger.points_for(receipt("r0", ("UNKNOWN", 2, 4.0))) == 8
    # A discount on the receipt: points on what was paid.
    assert ledger.points_for(receipt("r0", ("RUN-42", 1, 100.0), total=80.0)) == 80
    assert ledger.earn(giulia.member_id, receipt("r1", ("TENT-2", 1, 10.75), ("RUN-42", 1, 5.5))) == 27
    assert members.points(giulia.member_id) == 27
    assert_in_step(ledger, members, giulia.member_id)
    plain = Ledger(ledger.db, ledger.clock, points_per_euro=2)
    assert plain.points_for(receipt("r0", ("TENT-2", 1, 10.75))) == 21


def test_a_replayed_receipt_earns_once(ledger: Ledger, members: Members, giulia: Member) -> None:
    r = receipt("r1", ("RUN-42", 2, 10.0))
    assert ledger.earn(giulia.member_id, r) == 20
    assert ledger.earn(giulia.member_id, r) == 0
    assert members.points(giulia.member_id) == 20
    assert [e.kind for e in ledger.history(giulia.member_id)] == ["earn"]
    with pytest.raises(NotFound):
        ledger.earn("m_nobody", receipt("r2", ("RUN-42", 1, 1.0)))


def test_adjust_and_redeem_points_never_below_zero(ledger: Ledger, members: Members, giulia: Member) -> None:
    ledger.earn(giulia.member_id, receipt("r1", ("RUN-42", 1, 30.0)))
    assert ledger.adjust(giulia.member_id, -10, "gift", kind="redeem") == 20
    assert ledger.adjust(giulia.member_id, 5, "goodwill") == 25
    with pytest.raises(InvalidRecord) as refused:
        ledger.adjust(giulia.member_id, -26, "too much", kind="redeem")
    assert refused.value.reason == "insufficient"
    with pytest.raises(InvalidRecord):
        ledger.adjust(giulia.member_id, 5, "not a redemption", kind="redeem")
    assert members.points(giulia.member_id) == 25
    assert [e.kind for e in ledger.history(giulia.member_id)] == ["earn", "redeem", "adjust"]
    assert_in_step(ledger, members, giulia.member_id)


def test_legacy_balances_are_carried_over_once_per_card(
    ledger: Ledger, members: Members, giulia: Member, make_member: Callable[..., Member]
) -> None:
    members.link_card(giulia.member_id, "0042-1111")
    result = ledger.import_legacy_csv("card,points\n0042-1111,120\n0042 2222,30\n")
    assert (result.imported, result.carried, result.skipped) == (2, 1, 0)
    assert members.points(giulia.member_id) == 120
    # A later link: carried over then, and once only.
    marco = make_member(first_name="Marco")
    members.link_card(marco.member_id, "00422222")
    assert ledger.carry_over(marco.member_id, "00422222") == 30
    assert ledger.carry_over(marco.member_id, "00422222") == 0
    assert ledger.carry_over_linked(marco.member_id) == 0
    assert members.points(marco.member_id) == 30
    # Importing again never carries twice.
    again = ledger.import_legacy_csv("card,points\n00421111,500\n00422222,500\n")
    assert (again.imported, again.carried, again.skipped) == (0, 0, 2)
    assert (members.points(giulia.member_id), members.points(marco.member_id)) == (120, 30)
    with pytest.raises(InvalidRecord) as refused:
        ledger.carry_over(giulia.member_id, "00422222")
    assert refused.value.reason == "not_linked"
    assert [(e.kind, e.card) for e in ledger.history(marco.member_id)] == [("carry_over", "00422222")]
    assert_in_step(ledger, members, giulia.member_id)


def test_carry_over_linked_picks_up_cards_linked_after_the_import(
    ledger: Ledger, members: Members, giulia: Member
) -> None:
    ledger.import_legacy_csv("card,points\n00423333,40\n")
    assert members.points(giulia.member_id) == 0
    members.link_card(giulia.member_id, "00423333")
    assert ledger.carry_over_linked(giulia.member_id) == 40
    assert ledger.carry_over_linked(giulia.member_id) == 0
    assert members.points(giulia.member_id) == 40


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("cards,points\n00421111,1\n", 1, "header"),
        ("card,points\n00421111,1\n00422222,x\n", 3, "points"),
        ("card,points\n00421111,1\n00422222,-5\n", 3, "points"),
        ("card,points\n00421111,1\n!!,5\n", 3, "card"),
        ("card,points\n00421111,1\n0042-1111,5\n", 3, "card"),
        ("card,points\n00421111,1\n00422222\n", 3, "row"),
    ],
)
def test_a_bad_legacy_row_imports_nothing(
    ledger: Ledger, members: Members, giulia: Member, text: str, line: int, field: str
) -> None:
    members.link_card(giulia.member_id, "00421111")
    with pytest.raises(CatalogImportError) as error:
        ledger.import_legacy_csv(text)
    assert (error.value.row, error.value.field) == (line, field)
    assert ledger.carry_over(giulia.member_id, "00421111") == 0  # nothing stored
    assert members.points(giulia.member_id) == 0


def test_a_coupon_is_redeemed_once(ledger: Ledger, giulia: Member, clock: FakeClock) -> None:
    coupon = ledger.issue(
        giulia.member_id, "abcd-1234", percent=10, valid_until=clock.t + 30 * DAY, skus=["RUN-42"], source="test"
    )
    assert (coupon.code, coupon.state(clock.t), coupon.skus) == ("ABCD-1234", "active", ("RUN-42",))
    assert ledger.issue(giulia.member_id, "ABCD-1234", percent=50, valid_until=0, source="again") == coupon
    first = ledger.redeem("ABCD-1234", "r1", giulia.member_id)
    assert (first.replayed, first.coupon.receipt_id) == (False, "r1")
    # The same receipt replayed: the same answer, no second redemption.
    clock.advance(60)
    replay = ledger.redeem("abcd-1234", "r1", giulia.member_id)
    assert (replay.replayed, replay.coupon) == (True, first.coupon)
    with pytest.raises(CouponRefused) as refused:
        ledger.redeem("ABCD-1234", "r2", giulia.member_id)
    assert refused.value.reason == "used"
    kinds = [e.kind for e in ledger.history(giulia.member_id)]
    assert kinds == ["coupon_issued", "coupon_redeemed"]
    assert ledger.coupons(giulia.member_id)[0].state(clock.t) == "used"


def test_expired_unknown_and_other_members_coupons_are_refused(
    ledger: Ledger, giulia: Member, make_member: Callable[..., Member], clock: FakeClock
) -> None:
    marco = make_member(first_name="Marco")
    ledger.issue(giulia.member_id, "GIUL-0001", value_eur=5.0, valid_until=clock.t + DAY, source="test")
    ledger.issue(giulia.member_id, "GIUL-0002", value_eur=5.0, valid_until=clock.t + DAY, source="test")
    for code, member_id, at, reason in (
        ("NOPE-0000", giulia.member_id, None, "unknown"),
        ("GIUL-0001", marco.member_id, None, "not_yours"),
        ("GIUL-0001", giulia.member_id, clock.t + DAY + 1, "expired"),
    ):
        with pytest.raises(CouponRefused) as refused:
            ledger.redeem(code, "r1", member_id, at=at)
        assert refused.value.reason == reason
    clock.advance(2 * DAY)
    with pytest.raises(CouponRefused) as refused:
        ledger.redeem("GIUL-0002", "r1", giulia.member_id)
    assert refused.value.reason == "expired"
    assert ledger.coupon("GIUL-0002") is not None
    assert [c.state(clock.t) for c in ledger.coupons(giulia.member_id)] == ["expired", "expired"]
    with pytest.raises(InvalidRecord):
        ledger.issue(marco.member_id, "GIUL-0001", value_eur=5.0, valid_until=clock.t, source="test")
    with pytest.raises(InvalidRecord):
        ledger.issue(marco.member_id, "BOTH-0001", value_eur=5.0, percent=5, valid_until=clock.t, source="test")


def test_history_is_in_time_order_and_adds_up(
    ledger: Ledger, members: Members, giulia: Member, clock: FakeClock
) -> None:
    ledger.earn(giulia.member_id, receipt("r1", ("RUN-42", 1, 12.0)))
    clock.advance(10)
    ledger.issue(giulia.member_id, "HIST-0001", percent=10, valid_until=clock.t + DAY, source="campaign:thanks")
    clock.advance(10)
    ledger.redeem("HIST-0001", "r2", giulia.member_id)
    ledger.earn(giulia.member_id, receipt("r2", ("TENT-2", 1, 3.0)))
    history = ledger.history(giulia.member_id)
    assert [(e.kind, e.points) for e in history] == [
        ("earn", 12), ("coupon_issued", 0), ("coupon_redeemed", 0), ("earn", 6),
    ]  # fmt: skip
    assert [e.t for e in history] == sorted(e.t for e in history)
    assert sum(e.points for e in history) == members.points(giulia.member_id) == 18
    assert [e.kind for e in ledger.history(giulia.member_id, limit=2)] == ["coupon_redeemed", "earn"]
    assert members.erase(giulia.member_id)
    assert ledger.history(giulia.member_id) == []
    assert ledger.coupons(giulia.member_id) == []
