"""The store's past receipts: valid for the contract, anonymous, of the last weeks, and with habits the hub's
co-purchase ranking finds (a product's partners come first)."""

from __future__ import annotations

from edge.hub.campaigns import CoPurchase
from edge.protocol import Receipt, decode, encode
from firmware_sim.demo.catalog import DemoCatalog
from firmware_sim.demo.history import NO_CARD, PAST_DAYS, partners, past_receipts, receipt, receipt_id

CATALOG = DemoCatalog.load()
NOW = 1_800_000_000.0


def test_past_receipts_are_contract_receipts_of_the_last_weeks_without_a_card() -> None:
    receipts = past_receipts(CATALOG, 1, NOW, count=200)
    assert len(receipts) == 200
    assert [r.t for r in receipts] == sorted(r.t for r in receipts)
    assert all(NOW - PAST_DAYS * 86400 <= r.t <= NOW - 86400 for r in receipts)
    assert len({r.receipt for r in receipts}) == 200
    for r in receipts:
        assert decode(Receipt, encode(r)) == r  # the contract's strict decoding takes it
        assert r.card == NO_CARD
        assert abs(r.total - sum(i.price * i.qty for i in r.items)) < 0.01
        assert all(i.sku in CATALOG.items for i in r.items)
    assert past_receipts(CATALOG, 1, NOW, count=200) == receipts


def test_the_hubs_co_purchase_ranking_finds_each_products_partners() -> None:
    receipts = past_receipts(CATALOG, 1, NOW)
    stats = CoPurchase.from_baskets(({i.sku for i in r.items} for r in receipts), categories={
        sku: item.category for sku, item in CATALOG.items.items()
    })  # fmt: skip
    pairs = partners(CATALOG, 1)
    hits = 0
    tried = 0
    for sku in ("RUN-001", "TEN-001", "BIC-001", "SCI-003", "NUO-001", "FIT-002", "TRK-001", "CAL-003"):
        suggested = stats.related([sku], n=2)
        tried += 1
        hits += bool(set(suggested) & set(pairs[sku]))
        assert all(CATALOG.items[s].zone == CATALOG.items[sku].zone for s in suggested[:1])
    assert hits >= tried - 2


def test_archive_and_till_receipt_ids_never_meet_and_fit_the_contract() -> None:
    assert receipt_id(NOW, 42) == "R-20270115-00042"
    assert receipt_id(NOW, 42, "till-2") == "R-20270115-till-2-0042"
    item = CATALOG.items["RUN-004"]
    sent = receipt(NOW, receipt_id(NOW, 9999, "till-4"), NO_CARD, [item])
    assert decode(Receipt, encode(sent)).receipt == "R-20270115-till-4-9999"
