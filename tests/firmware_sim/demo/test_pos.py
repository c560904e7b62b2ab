"""The tills: a receipt for each buying shopper when they leave the checkout, with the card they carry and the
items of the zones they stopped at; published on the wall clock, none early, none from before the demo."""

from __future__ import annotations

import threading
import time

import pytest

from edge.protocol import Receipt, decode, encode
from firmware_sim.demo.catalog import DemoCatalog, wishlist_sku
from firmware_sim.demo.history import NO_CARD
from firmware_sim.demo.pos import TILLS, Cardholder, PlannedReceipt, Pos, plan_receipts
from firmware_sim.demo.world import build_world
from firmware_sim.realtime import SimClock
from firmware_sim.world import Scenario

NOW = 1_800_000_000.0
CATALOG = DemoCatalog.load()


@pytest.fixture(scope="module")
def world() -> Scenario:
    return build_world(5, 30, 120.0, NOW)


def cardholders(world: Scenario) -> dict[str, Cardholder]:
    """Every third shopper a member; every other member also has a linked old card."""
    holders: dict[str, Cardholder] = {}
    for n, shopper in enumerate(world.shoppers):
        if n % 3 == 0:
            old = f"04{n:011d}" if n % 2 == 0 else None
            holders[shopper.id] = Cardholder(f"29{n:011d}", old)
    return holders


def test_each_buying_shopper_gets_a_receipt_when_leaving_the_checkout(world: Scenario) -> None:
    plan = plan_receipts(world, CATALOG, cardholders(world))
    buyers = {s.id: s for s in world.shoppers if s.buys}
    assert {p.shopper_id for p in plan} == set(buyers)
    assert [p.at_t for p in plan] == sorted(p.at_t for p in plan)
    for planned in plan:
        shopper = buyers[planned.shopper_id]
        [till_stop] = [s for s in shopper.stops if s.purpose == "checkout"]
        assert planned.at_t == world.start_t + till_stop.leave_s
        assert shopper.enter_s < till_stop.leave_s < shopper.exit_s
        assert planned.till in TILLS
        visited = {s.zone_id for s in shopper.stops}
        assert {i.zone for i in planned.items} <= visited
        for zone in {s.zone_id for s in shopper.stops if s.purpose == "wishlist"}:
            saved = wishlist_sku(CATALOG, world.seed, shopper.id, zone)
            if saved is not None and CATALOG.items[saved].stock > 0:
                assert saved in {i.sku for i in planned.items}
    assert plan == plan_receipts(world, CATALOG, cardholders(world))


def test_members_pay_with_their_number_or_linked_card_others_never_with_a_member_number(world: Scenario) -> None:
    holders = cardholders(world)
    plan = plan_receipts(world, CATALOG, holders)
    members = [p for p in plan if p.member]
    others = [p for p in plan if not p.member]
    assert members
    assert others
    for p in members:
        holder = holders[p.shopper_id]
        assert p.card in {holder.member_number, holder.old_card}
    used_old = [p for p in members if p.card == holders[p.shopper_id].old_card]
    assert used_old  # the old plastic card links to the member too
    assert len(used_old) < len(members)
    assert all(p.card is None or not p.card.startswith("29") for p in others)
    assert {p.card == NO_CARD for p in others} == {True, False}  # some show an old card, some none


def test_a_planned_receipt_is_a_valid_contract_receipt_stamped_when_published(world: Scenario) -> None:
    planned = plan_receipts(world, CATALOG, {})[0]
    receipt = planned.build(NOW + 30.0, 7)
    assert decode(Receipt, encode(receipt)) == receipt
    assert receipt.t == NOW + 30.0
    assert receipt.receipt.endswith(f"{planned.till}-0007")
    assert receipt.total == pytest.approx(sum(i.price for i in planned.items))


def test_the_pos_publishes_on_the_clock_skips_the_past_and_stops_when_told() -> None:
    item = CATALOG.items["RUN-004"]
    t0 = NOW + 100.0

    def planned(at: float, who: str) -> PlannedReceipt:
        return PlannedReceipt(at, who, "till-1", NO_CARD, (item,), False)

    plan = [planned(t0 - 5, "before"), planned(t0 + 10, "a"), planned(t0 + 30, "b"), planned(t0 + 5000, "late")]
    got: list[tuple[float, Receipt, str]] = []

    def publish(receipt: Receipt, till: str) -> None:
        got.append((time.monotonic(), receipt, till))

    clock = SimClock(t0, time.time(), time.monotonic(), speed=50.0)  # 10 s of the world in 0.2 s
    stop = threading.Event()
    pos = Pos(plan, publish)
    pos.start(clock, stop)
    deadline = time.monotonic() + 5.0
    while len(pos.sent) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    pos.join()
    assert [p.shopper_id for p in pos.sent] == ["a", "b"]
    assert [r.receipt.rsplit("-", 1)[1] for _at, r, _till in got] == ["0001", "0002"]
    for (at, receipt, till), p in zip(got, pos.sent, strict=True):
        assert at >= clock.due(p.at_t) - 0.001  # never early
        assert at - clock.due(p.at_t) < 0.5
        assert receipt.t == pytest.approx(time.time(), abs=5.0)
        assert till == "till-1"
