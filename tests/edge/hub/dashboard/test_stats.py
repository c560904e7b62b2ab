"""The dashboard's numbers, computed over a temporary hub database filled through the repositories."""

from __future__ import annotations

import doctest
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlite_utils

import edge.hub.dashboard.stats
from edge.hub.campaigns.texts import default_campaigns
from edge.hub.dashboard.stats import CampaignResult, campaign_results, day_bounds, dwell, funnel
from edge.hub.db import CampaignStore, Journeys, open_database
from edge.presence import JourneyEvent
from edge.store import StoreLayout
from tests.edge.hub.dashboard.seed import member, push, receipt, visit

ROME = ZoneInfo("Europe/Rome")
DAY = datetime(2026, 1, 1, tzinfo=ROME).timestamp()  # midnight in the store
H = 3600.0
SINCE, UNTIL = DAY, DAY + 24 * H


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    database = open_database(tmp_path / "hub.db")
    yield database
    database.close()


# --- today ------------------------------------------------------------------------------------------------


def test_today_starts_at_the_stores_midnight() -> None:
    now = datetime(2026, 7, 14, 18, 30, tzinfo=ROME).timestamp()
    assert day_bounds(now, ROME) == (datetime(2026, 7, 14, tzinfo=ROME).timestamp(), now)
    assert day_bounds(now, ROME)[0] == datetime(2026, 7, 13, 22, 0, tzinfo=ZoneInfo("UTC")).timestamp()


def test_today_is_23_hours_long_when_the_clocks_go_forward() -> None:
    now = datetime(2026, 3, 29, 23, 59, tzinfo=ROME).timestamp()
    since, until = day_bounds(now, ROME)
    assert since == datetime(2026, 3, 28, 23, 0, tzinfo=ZoneInfo("UTC")).timestamp()
    assert until - since == 22 * H + 59 * 60  # 23:59 on the wall, one hour less on the clock


# --- funnel -----------------------------------------------------------------------------------------------


def test_the_funnel_counts_visits_that_entered_went_beyond_the_entrance_and_bought(
    db: sqlite_utils.Database, layout: StoreLayout
) -> None:
    browsing, buying, doorway, direct = member(db), member(db), member(db), member(db)
    visit(db, browsing, [(DAY + 9 * H, "entrance"), (DAY + 9 * H + 60, "aisle-4")], left=DAY + 9.5 * H)
    visit(db, buying, [(DAY + 10 * H, "entrance"), (DAY + 10 * H + 30, "aisle-7"), (DAY + 10.2 * H, "checkout")])
    receipt(db, buying, DAY + 10.3 * H)
    visit(db, doorway, [(DAY + 11 * H, "entrance")], left=DAY + 11 * H + 20)  # looked in, walked on
    visit(db, direct, [(DAY + 12 * H, "aisle-2")])  # first heard in an aisle: beyond the entrance too

    result = funnel(db, layout, SINCE, UNTIL)
    assert (result.entered, result.engaged, result.bought) == (4, 3, 1)


def test_a_purchase_counts_for_the_visit_before_it_and_only_once(
    db: sqlite_utils.Database, layout: StoreLayout
) -> None:
    twice, later, early, stranger = member(db), member(db), member(db), member(db)
    visit(db, twice, [(DAY + 9 * H, "aisle-1")], left=DAY + 9.2 * H)
    visit(db, twice, [(DAY + 15 * H, "aisle-1")], left=DAY + 15.2 * H)
    receipt(db, twice, DAY + 15.1 * H)  # in the second visit: one bought visit, not two
    visit(db, later, [(DAY + 10 * H, "aisle-3")], left=DAY + 10.5 * H)
    receipt(db, later, DAY + 18 * H)  # went home, came back without the phone heard: still that visit's purchase
    visit(db, early, [(DAY + 16 * H, "aisle-5")], left=DAY + 16.5 * H)
    receipt(db, early, DAY + 8 * H)  # before the visit: not its purchase
    receipt(db, None, DAY + 12 * H)  # no loyalty card: no visit to link it to
    visit(db, stranger, [(DAY + 17 * H, "aisle-6")], left=DAY + 17.5 * H)

    result = funnel(db, layout, SINCE, UNTIL)
    assert (result.entered, result.bought) == (5, 2)


def test_the_funnel_keeps_to_its_period(db: sqlite_utils.Database, layout: StoreLayout) -> None:
    yesterday, today = member(db), member(db)
    visit(db, yesterday, [(DAY - 2 * H, "aisle-1")])  # still open after midnight: yesterday's entry
    receipt(db, yesterday, DAY + 1 * H)
    visit(db, today, [(DAY + 9 * H, "aisle-1")], left=DAY + 9.5 * H)
    receipt(db, today, UNTIL + 1 * H)  # tomorrow

    result = funnel(db, layout, SINCE, UNTIL)
    assert (result.entered, result.engaged, result.bought) == (1, 1, 0)
    assert funnel(db, layout, SINCE - 24 * H, SINCE).entered == 1


# --- dwell ------------------------------------------------------------------------------------------------


def test_dwell_sums_the_stays_that_ended_per_zone_in_layout_order(
    db: sqlite_utils.Database, layout: StoreLayout
) -> None:
    a, b = member(db), member(db)
    va = visit(db, a, [(DAY + 9 * H, "entrance"), (DAY + 9 * H + 30, "aisle-4"), (DAY + 9 * H + 330, "checkout")],
               left=DAY + 9 * H + 450)  # fmt: skip
    visit(db, b, [(DAY + 10 * H, "entrance"), (DAY + 10 * H + 50, "aisle-4")], left=DAY + 10 * H + 150)
    # A dwell event is a running total of a stay going on: it must not be added to the stay's own total.
    Journeys(db).record(JourneyEvent(DAY + 9 * H + 100, "dev-" + a, va, "dwell", "aisle-4", None, 70.0), a)

    zones = dwell(db, layout, SINCE, UNTIL)
    assert [z.zone for z in zones] == [z.id for z in layout.zones]
    found = {z.zone: z for z in zones}
    assert (found["entrance"].seconds, found["entrance"].stays, found["entrance"].average_s) == (80.0, 2, 40.0)
    assert (found["aisle-4"].seconds, found["aisle-4"].stays, found["aisle-4"].average_s) == (400.0, 2, 200.0)
    assert (found["checkout"].seconds, found["checkout"].stays) == (120.0, 1)
    assert (found["aisle-1"].seconds, found["aisle-1"].stays, found["aisle-1"].average_s) == (0.0, 0, 0.0)


def test_dwell_counts_a_stay_on_the_day_it_ended(db: sqlite_utils.Database, layout: StoreLayout) -> None:
    night = member(db)
    visit(db, night, [(DAY - 600, "walkway")], left=DAY + 300)
    assert {z.zone: z.seconds for z in dwell(db, layout, SINCE, UNTIL)}["walkway"] == 900.0
    assert {z.zone: z.stays for z in dwell(db, layout, SINCE - 24 * H, SINCE)}["walkway"] == 0


# --- campaigns --------------------------------------------------------------------------------------------


def results(db: sqlite_utils.Database, layout: StoreLayout) -> dict[str, CampaignResult]:
    return {r.campaign_id: r for r in campaign_results(db, layout, SINCE, UNTIL)}


def test_campaign_results_count_decided_sent_opened_and_converted(
    db: sqlite_utils.Database, layout: StoreLayout
) -> None:
    for campaign in default_campaigns():
        CampaignStore(db).put(layout.id, campaign)
    converts, opens_only, late, pending, before = member(db), member(db), member(db), member(db), member(db)
    t = DAY + 10 * H
    v = visit(db, converts, [(t, "entrance"), (t + 60, "aisle-4")], left=t + 1800)
    push(db, converts, "store-enter-wishlist", t + 1, visit_id=v, sent=t + 2, opened=t + 30)
    receipt(db, converts, t + 1500)  # in the same visit
    push(db, opens_only, "store-enter-wishlist", t, sent=t + 1, opened=t + 60)
    vl = visit(db, late, [(t, "aisle-2")], left=t + 600)
    push(db, late, "store-enter-wishlist", t, visit_id=vl, sent=t + 1)
    receipt(db, late, t + 25 * H)  # more than a day after the push, the visit long over
    push(db, pending, "store-enter-wishlist", t)  # never sent: nothing to convert
    receipt(db, pending, t + 600)
    push(db, before, "purchase-thank-you", t + 5, sent=t + 6)
    receipt(db, before, t)  # the purchase the thank-you answers is not a conversion of it
    push(db, converts, "pickup-arrival", t, sent=t + 1, channel="staff")  # the staff's alert is not a member's push
    push(db, opens_only, "store-enter-wishlist", DAY - H, sent=DAY - H)  # yesterday's

    found = campaign_results(db, layout, SINCE, UNTIL)
    assert [r.campaign_id for r in found] == ["pickup-arrival", "store-enter-wishlist", "purchase-thank-you"]
    entry = results(db, layout)["store-enter-wishlist"]
    assert entry.name == "Lista desideri all'ingresso"
    assert entry.trigger == "store_enter"
    assert (entry.decided, entry.sent, entry.opened, entry.converted) == (4, 3, 2, 1)
    assert (entry.open_rate, entry.conversion_rate) == (2 / 3, 1 / 3)
    thanks = results(db, layout)["purchase-thank-you"]
    assert (thanks.decided, thanks.sent, thanks.converted) == (1, 1, 0)
    pickup = results(db, layout)["pickup-arrival"]
    assert (pickup.decided, pickup.sent, pickup.open_rate) == (0, 0, 0.0)


def test_a_purchase_within_a_day_converts_and_a_long_visit_stretches_the_window(
    db: sqlite_utils.Database, layout: StoreLayout
) -> None:
    next_day, long_visit = member(db), member(db)
    t = DAY + 9 * H
    push(db, next_day, "promo", t, sent=t)
    receipt(db, next_day, t + 23 * H)
    v = visit(db, long_visit, [(t, "walkway")])  # still open (the hub never saw the exit)
    push(db, long_visit, "promo", t, visit_id=v, sent=t)
    receipt(db, long_visit, t + 30 * H)
    promo = results(db, layout)["promo"]
    assert (promo.sent, promo.converted) == (2, 2)


def test_a_store_entry_campaign_shows_how_long_it_waits_and_a_zone_campaign_shows_no_wait(
    db: sqlite_utils.Database, layout: StoreLayout
) -> None:
    entry = next(c for c in default_campaigns() if c.trigger == "store_enter")
    store = CampaignStore(db)
    store.put(layout.id, replace(entry, dwell_s=60.0))
    zone = replace(entry, id="running-week", trigger="zone_dwell", zone="aisle-4", dwell_s=45.0)
    store.put(layout.id, zone)
    found = results(db, layout)
    assert found["store-enter-wishlist"].wait_s == 60.0
    assert found["running-week"].wait_s == 0.0  # a dwell in a zone, not a wait into the visit


def test_a_deleted_campaign_still_shows_its_pushes_by_id(db: sqlite_utils.Database, layout: StoreLayout) -> None:
    shopper = member(db)
    push(db, shopper, "summer-sale", DAY + 9 * H, sent=DAY + 9 * H)
    [result] = campaign_results(db, layout, SINCE, UNTIL)
    assert (result.campaign_id, result.name, result.trigger, result.sent) == ("summer-sale", "summer-sale", "", 1)
    assert campaign_results(db, layout, SINCE + 24 * H, UNTIL + 24 * H) == []


def test_the_module_examples_hold() -> None:
    assert doctest.testmod(edge.hub.dashboard.stats).failed == 0
