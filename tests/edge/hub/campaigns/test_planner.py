"""The planner end to end on hand-made facts: each trigger, the rules across several campaigns, idempotency."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, time
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.hub.campaigns import (
    Campaign,
    Consents,
    Facts,
    History,
    Label,
    Language,
    MemberFacts,
    Message,
    PickupOrder,
    Plan,
    PlannerConfig,
    Policy,
    ProductHere,
    Purchase,
    Schedule,
    SettingsError,
    StoreEnter,
    ZoneDwell,
    default_campaigns,
    plan,
)
from edge.protocol import StaffAlert

ROME = ZoneInfo("Europe/Rome")
T = datetime(2024, 3, 15, 10, 30, tzinfo=ROME).timestamp()
CONFIG = PlannerConfig(secret=b"0123456789abcdef-test", base_url="https://hub.example.it/")

GIULIA = MemberFacts("m-1", "r-1", "Giulia", "it", Consents(marketing=True, proximity=True, profiling=True))
JOHN = MemberFacts("m-2", "r-2", "John", "en", Consents(marketing=True, proximity=True, profiling=True))

RUNNING = Label("Corsia 4 — Running", "Aisle 4 — Running")
OUTDOOR = Label("Corsia 2 — Outdoor", "Aisle 2 — Outdoor")
SHOES = ProductHere("SHOE-1", "Pegasus 41", "aisle-4", RUNNING, "B", stock=3)
INSOLES = ProductHere("INS-1", "Solette gel", "aisle-4", RUNNING, "C", stock=12)
SOCKS = ProductHere("SOCK-1", "Calze tecniche", "aisle-4", RUNNING, "D", stock=40)
JACKET = ProductHere("JKT-1", "Giacca antivento", "aisle-2", OUTDOOR, "A", stock=0)
ELSEWHERE = ProductHere("TENT-1", "Tenda 2 posti", None, None, None, None)  # not carried by this store

ENTER = StoreEnter(T, visit="v-1", zone="entrance")
DESK = PickupOrder("ORD-77", desk_zone="pickup", desk_label=Label("Ritiro ordini", "Order pickup"))


def texts(it_title: str, it_body: str, en_title: str = "", en_body: str = "") -> dict[Language, Message]:
    return {"it": Message(it_title, it_body), "en": Message(en_title or it_title, en_body or it_body)}


def plain(cid: str, priority: int = 0, **kw: object) -> Campaign:
    """A store-entry campaign with no product: it always has something to say."""
    return Campaign(cid, cid, "store_enter", texts(f"{cid} {{first_name}}", "Benvenuti"), priority=priority, **kw)  # type: ignore[arg-type]


def facts(**kw: object) -> Facts:
    base: dict[str, object] = {
        "member": GIULIA,
        "campaigns": tuple(default_campaigns()),
        "wishlist": (SHOES,),
        "zones": {"entrance": Label("Ingresso", "Entrance"), "aisle-4": RUNNING},
        "store_name": "Corsia Sport Milano Centro",
    }
    return Facts(**(base | kw))  # type: ignore[arg-type]


def only(result: Plan, campaign_id: str) -> dict[str, object]:
    [planned] = [p for p in result.planned if p.campaign_id == campaign_id]
    return dict(planned.payload)


# --- store entry: the wishlist push --------------------------------------------------------------------------


def test_store_enter_says_where_the_wishlist_product_is_in_italian() -> None:
    result = plan(ENTER, facts(), CONFIG)
    assert result.refused == ()
    [push] = result.planned
    assert (push.channel, push.kind, push.campaign_id, push.visit, push.t) == (
        "webpush",
        "marketing",
        "store-enter-wishlist",
        "v-1",
        T,
    )
    assert push.payload["title"] == "Ecco dove trovare Pegasus 41"
    assert push.payload["body"] == "Ciao Giulia! Corsia 4 — Running, scaffale B. Disponibile in negozio."
    assert push.payload["url"] == "https://hub.example.it"
    assert push.payload["sku"] == "SHOE-1"
    assert push.payload["lang"] == "it"


def test_store_enter_in_english_for_an_english_member() -> None:
    payload = only(plan(ENTER, facts(member=JOHN), CONFIG), "store-enter-wishlist")
    assert payload["title"] == "Here is where to find Pegasus 41"
    assert payload["body"] == "Hi John! Aisle 4 — Running, shelf B. In stock here."


def test_in_stock_items_lead_and_the_others_are_counted() -> None:
    wishlist = (JACKET, ELSEWHERE, SHOES, INSOLES)
    payload = only(plan(ENTER, facts(wishlist=wishlist), CONFIG), "store-enter-wishlist")
    assert payload["sku"] == "SHOE-1"  # the first in stock, though the jacket was saved first
    assert payload["body"] == (
        "Ciao Giulia! Corsia 4 — Running, scaffale B. Disponibile in negozio. "
        "Qui trovi anche altri 2 prodotti della tua lista."  # the jacket and the insoles; the tent is not here
    )


def test_an_out_of_stock_wishlist_item_is_still_located() -> None:
    payload = only(plan(ENTER, facts(wishlist=(JACKET,), member=JOHN), CONFIG), "store-enter-wishlist")
    assert payload["body"] == "Hi John! Aisle 2 — Outdoor, shelf A. Out of stock in this store at the moment."


def test_nothing_to_say_when_no_saved_product_is_carried_here() -> None:
    result = plan(ENTER, facts(wishlist=(ELSEWHERE,)), CONFIG)
    assert result.planned == ()
    assert result.reasons() == {"store-enter-wishlist": "nothing_to_say"}
    assert plan(ENTER, facts(wishlist=()), CONFIG).reasons() == {"store-enter-wishlist": "nothing_to_say"}


def test_a_wishlist_item_just_bought_is_not_pushed() -> None:
    result = plan(ENTER, facts(wishlist=(SHOES,), recent=frozenset({"SHOE-1"})), CONFIG)
    assert result.reasons() == {"store-enter-wishlist": "just_bought"}
    # With another item left, that one is pushed instead.
    result = plan(ENTER, facts(wishlist=(SHOES, INSOLES), recent=frozenset({"SHOE-1"})), CONFIG)
    assert only(result, "store-enter-wishlist")["sku"] == "INS-1"


def test_a_store_enter_campaign_with_a_sku_promotes_that_product() -> None:
    promo = Campaign("spring", "Spring", "store_enter", texts("Novità: {product}", "{where}"), sku="INS-1")
    result = plan(ENTER, facts(campaigns=(promo,), promoted={"INS-1": INSOLES}), CONFIG)
    assert only(result, "spring")["body"] == "Corsia 4 — Running, scaffale C"
    gone = replace(INSOLES, stock=0)
    assert plan(ENTER, facts(campaigns=(promo,), promoted={"INS-1": gone}), CONFIG).reasons() == {
        "spring": "out_of_stock"
    }
    assert plan(ENTER, facts(campaigns=(promo,)), CONFIG).reasons() == {"spring": "out_of_stock"}


# --- consent, kill switch, schedule, quiet hours -------------------------------------------------------------


def test_withdrawn_marketing_consent_stops_the_push() -> None:
    withdrawn = replace(GIULIA, consents=Consents(marketing=False, proximity=True))
    result = plan(ENTER, facts(member=withdrawn), CONFIG)
    assert result.planned == ()
    assert result.reasons() == {"store-enter-wishlist": "no_marketing_consent"}


def test_without_proximity_consent_nothing_presence_triggered_goes() -> None:
    no_presence = replace(GIULIA, consents=Consents(marketing=True, proximity=False))
    result = plan(ENTER, facts(member=no_presence, pickups=(DESK,)), CONFIG)
    assert result.planned == ()
    assert result.reasons() == {
        "store-enter-wishlist": "no_proximity_consent",
        "pickup-arrival": "no_proximity_consent",
    }


def test_the_kill_switch_stops_a_campaign() -> None:
    campaigns = [replace(c, enabled=False) if c.trigger == "store_enter" else c for c in default_campaigns()]
    result = plan(ENTER, facts(campaigns=tuple(campaigns)), CONFIG)
    assert result.planned == ()
    assert result.reasons() == {"store-enter-wishlist": "disabled"}


def test_schedule_outside_its_window() -> None:
    evenings = plain("evenings", schedule=Schedule(daily_from=time(18), daily_until=time(21)))
    assert plan(ENTER, facts(campaigns=(evenings,)), CONFIG).reasons() == {"evenings": "outside_schedule"}
    evening = replace(ENTER, t=datetime(2024, 3, 15, 19, 0, tzinfo=ROME).timestamp())
    assert plan(evening, facts(campaigns=(evenings,)), CONFIG).keys != ()


def test_quiet_hours_hold_marketing_but_not_the_pickup_alert() -> None:
    config = replace(CONFIG, policy=Policy(quiet_hours=(time(10), time(11))))
    result = plan(ENTER, facts(pickups=(DESK,)), config)
    assert result.reasons() == {"store-enter-wishlist": "quiet_hours"}
    assert {p.channel for p in result.planned} == {"staff", "webpush"}
    assert all(p.campaign_id == "pickup-arrival" for p in result.planned)


# --- caps across campaigns -----------------------------------------------------------------------------------


def test_a_shopper_at_the_visit_cap_gets_no_marketing() -> None:
    at_cap = History(visit_marketing=3, day_marketing=3, last_marketing_t=T - 3600)
    result = plan(ENTER, facts(history=at_cap), CONFIG)
    assert result.planned == ()
    assert result.reasons() == {"store-enter-wishlist": "visit_cap"}


def test_daily_cap_and_min_gap_from_history() -> None:
    assert plan(ENTER, facts(history=History(day_marketing=5)), CONFIG).reasons() == {
        "store-enter-wishlist": "daily_cap"
    }
    recent = History(day_marketing=1, last_marketing_t=T - 60)
    assert plan(ENTER, facts(history=recent), CONFIG).reasons() == {"store-enter-wishlist": "min_gap"}


def test_campaigns_go_by_priority_and_the_caps_count_the_ones_just_planned() -> None:
    campaigns = (plain("low", 1), plain("high", 5), plain("mid", 3))
    result = plan(ENTER, facts(campaigns=campaigns), CONFIG)
    # Default policy: the first push starts the 10-minute gap for the others of the same event.
    assert [p.campaign_id for p in result.planned] == ["high"]
    assert result.reasons() == {"mid": "min_gap", "low": "min_gap"}
    # Without a gap, the visit cap (2 here, one already sent) is what stops them.
    config = replace(CONFIG, policy=Policy(max_per_visit=2, min_gap_s=0))
    result = plan(ENTER, facts(campaigns=campaigns, history=History(visit_marketing=1, day_marketing=1)), config)
    assert [p.campaign_id for p in result.planned] == ["high"]
    assert result.reasons() == {"mid": "visit_cap", "low": "visit_cap"}
    config = replace(CONFIG, policy=Policy(max_per_visit=3, max_per_day=2, min_gap_s=0))
    result = plan(ENTER, facts(campaigns=campaigns), config)
    assert [p.campaign_id for p in result.planned] == ["high", "mid"]
    assert result.reasons() == {"low": "daily_cap"}


def test_equal_priorities_are_ordered_by_id() -> None:
    config = replace(CONFIG, policy=Policy(min_gap_s=0))
    result = plan(ENTER, facts(campaigns=(plain("b"), plain("a"), plain("c"))), config)
    assert [p.campaign_id for p in result.planned] == ["a", "b", "c"]


def test_once_per_visit() -> None:
    seen = History(visit_marketing=1, day_marketing=1, visit_campaigns=frozenset({"store-enter-wishlist"}))
    assert plan(ENTER, facts(history=seen), CONFIG).reasons() == {"store-enter-wishlist": "already_in_visit"}


# --- idempotency ---------------------------------------------------------------------------------------------


def test_the_same_event_planned_twice_gives_identical_notifications() -> None:
    f = facts(pickups=(DESK,))
    first, second = plan(ENTER, f, CONFIG), plan(ENTER, f, CONFIG)
    assert first == second
    assert len(first.keys) == 3
    assert len(set(first.keys)) == 3
    assert all(re.fullmatch(r"(store_enter|pickup_arrival)-[0-9a-f]{32}", k) for k in first.keys)
    # Later redelivery (another hub time) of the same visit's entry: still the same keys.
    assert plan(replace(ENTER, t=T + 5), f, CONFIG).keys == first.keys


def test_keys_differ_by_visit_and_member() -> None:
    keys = plan(ENTER, facts(), CONFIG).keys
    assert plan(replace(ENTER, visit="v-2"), facts(), CONFIG).keys != keys
    other = replace(GIULIA, member_id="m-9")
    assert plan(ENTER, facts(member=other), CONFIG).keys != keys


def test_the_same_receipt_planned_twice_gives_the_same_key_and_coupon() -> None:
    buy = Purchase(T, receipt="R-1001", visit=None, skus=frozenset({"SHOE-1"}))
    f = facts(related=(INSOLES, SOCKS))
    first, second = plan(buy, f, CONFIG), plan(buy, f, CONFIG)
    assert first == second
    assert first.planned[0].payload["coupon"] == second.planned[0].payload["coupon"]
    other_receipt = plan(replace(buy, receipt="R-1002"), f, CONFIG)
    assert other_receipt.keys != first.keys
    assert other_receipt.planned[0].payload["coupon"] != first.planned[0].payload["coupon"]


# --- pickup arrival ------------------------------------------------------------------------------------------


def test_pickup_arrival_alerts_staff_and_sends_the_customer_to_the_desk() -> None:
    result = plan(ENTER, facts(pickups=(DESK,), wishlist=()), CONFIG)
    staff = [p for p in result.planned if p.channel == "staff"]
    pushes = [p for p in result.planned if p.channel == "webpush"]
    assert len(staff) == 1
    assert len(pushes) == 1
    alert = msgspec.convert(staff[0].payload, StaffAlert)
    assert (alert.kind, alert.order, alert.zone, alert.t) == ("pickup_arrival", "ORD-77", "entrance", T)
    assert alert.text.it == "Ritiro ordine ORD-77: cliente in negozio"
    assert alert.text.en == "Pickup order ORD-77: customer in the store"
    assert "Giulia" not in alert.text.it + alert.text.en  # no customer's name on MQTT
    assert staff[0].kind == "service"
    push = pushes[0]
    assert (push.kind, push.campaign_id) == ("service", "pickup-arrival")
    assert push.payload["title"] == "Il tuo ordine ORD-77 è pronto"
    assert push.payload["body"] == "Ciao Giulia, vieni a ritirarlo qui: Ritiro ordini."
    assert push.payload["order"] == "ORD-77"


def test_pickup_is_a_service_message_exempt_from_caps_and_marketing_consent() -> None:
    no_marketing = replace(GIULIA, consents=Consents(marketing=False, proximity=True))
    full = History(visit_marketing=3, day_marketing=5, last_marketing_t=T - 1)
    result = plan(ENTER, facts(member=no_marketing, history=full, pickups=(DESK,)), CONFIG)
    assert {p.campaign_id for p in result.planned} == {"pickup-arrival"}
    assert len(result.planned) == 2
    assert not any(p.counts_against_caps for p in result.planned)


def test_pickup_in_english_with_an_unknown_desk_and_two_orders() -> None:
    orders = (PickupOrder("ORD-1"), PickupOrder("ORD-2"))
    result = plan(ENTER, facts(member=JOHN, pickups=orders, wishlist=()), CONFIG)
    pushes = [p.payload for p in result.planned if p.channel == "webpush"]
    assert [p["body"] for p in pushes] == ["Hi John, you can collect it here: the pickup desk."] * 2
    assert [p["title"] for p in pushes] == ["Your order ORD-1 is ready", "Your order ORD-2 is ready"]
    assert len(set(result.keys)) == 4


def test_a_staff_alert_is_a_service_message_even_for_a_marketing_pickup_campaign() -> None:
    marketing = [replace(c, kind="marketing") if c.trigger == "pickup_arrival" else c for c in default_campaigns()]
    result = plan(ENTER, facts(campaigns=tuple(marketing), pickups=(DESK,), wishlist=()), CONFIG)
    assert {(p.channel, p.kind) for p in result.planned} == {("staff", "service"), ("webpush", "marketing")}
    assert [p.counts_against_caps for p in result.planned] == [False, True]


def test_no_ready_order_means_the_pickup_campaign_does_not_apply() -> None:
    result = plan(ENTER, facts(), CONFIG)
    assert "pickup-arrival" not in result.reasons()
    assert all(p.campaign_id != "pickup-arrival" for p in result.planned)


def test_pickup_and_wishlist_both_go_on_one_entry() -> None:
    result = plan(ENTER, facts(pickups=(DESK,)), CONFIG)
    # Higher priority first: the pickup's two, then the wishlist push (service messages leave the caps alone).
    assert [p.campaign_id for p in result.planned] == ["pickup-arrival", "pickup-arrival", "store-enter-wishlist"]


def test_a_store_entry_campaign_that_waits_fires_only_once_the_visit_has_gone_on_that_long() -> None:
    waiting = (plain("at-once"), plain("after-30", dwell_s=30.0), plain("after-60", dwell_s=60.0))
    at_start = plan(ENTER, facts(campaigns=waiting, wishlist=()), CONFIG)
    assert [p.campaign_id for p in at_start.planned] == ["at-once"]
    assert at_start.refused == ()  # the waiting ones are not about the start: skipped, not refused
    later = plan(replace(ENTER, t=T + 30.0, after_s=30.0), facts(campaigns=waiting, wishlist=()), CONFIG)
    assert [p.campaign_id for p in later.planned] == ["after-30"]
    assert later.refused == ()  # nor is the one that went at the start: it is not asked again


def test_a_pickup_campaign_that_waits_alerts_the_staff_only_once_the_visit_has_gone_on_that_long() -> None:
    waiting = tuple(replace(c, dwell_s=20.0) if c.trigger == "pickup_arrival" else c for c in default_campaigns())
    at_start = plan(ENTER, facts(campaigns=waiting, pickups=(DESK,), wishlist=()), CONFIG)
    assert all(p.campaign_id != "pickup-arrival" for p in at_start.planned)
    early = plan(replace(ENTER, after_s=10.0), facts(campaigns=waiting, pickups=(DESK,), wishlist=()), CONFIG)
    assert early.planned == ()
    later = plan(replace(ENTER, after_s=20.0), facts(campaigns=waiting, pickups=(DESK,), wishlist=()), CONFIG)
    assert sorted(p.channel for p in later.planned) == ["staff", "webpush"]


# --- zone dwell ----------------------------------------------------------------------------------------------


PROMO = Campaign(
    "insoles-promo",
    "Solette",
    "zone_dwell",
    texts("In offerta qui: {product}", "{first_name}, {where}.", "On offer here: {product}", "{first_name}, {where}."),
    zone="aisle-4",
    dwell_s=30.0,
    sku="INS-1",
)


def dwell(seconds: float, zone: str = "aisle-4") -> ZoneDwell:
    return ZoneDwell(T, visit="v-1", zone=zone, dwell_s=seconds)


def test_zone_dwell_fires_once_the_campaign_dwell_is_reached() -> None:
    f = facts(campaigns=(PROMO,), promoted={"INS-1": INSOLES})
    assert plan(dwell(29.9), f, CONFIG) == Plan()  # not yet: not a refusal either
    assert plan(dwell(45.0, zone="aisle-2"), f, CONFIG) == Plan()  # another zone's dwell
    payload = only(plan(dwell(30.0), f, CONFIG), "insoles-promo")
    assert payload["title"] == "In offerta qui: Solette gel"
    assert payload["body"] == "Giulia, Corsia 4 — Running, scaffale C."


def test_zone_dwell_never_promotes_what_was_just_bought_nor_what_is_out_of_stock() -> None:
    bought = facts(campaigns=(PROMO,), promoted={"INS-1": INSOLES}, recent=frozenset({"INS-1"}))
    assert plan(dwell(40), bought, CONFIG).reasons() == {"insoles-promo": "just_bought"}
    empty = facts(campaigns=(PROMO,), promoted={"INS-1": replace(INSOLES, stock=0)})
    assert plan(dwell(40), empty, CONFIG).reasons() == {"insoles-promo": "out_of_stock"}


def test_zone_dwell_without_a_sku_speaks_of_saved_products_in_that_zone_in_stock() -> None:
    saved = Campaign("saved-here", "Saved", "zone_dwell", texts("{product}", "{where}"), zone="aisle-4")
    f = facts(campaigns=(saved,), wishlist=(JACKET, replace(SHOES, stock=0), INSOLES))
    assert only(plan(dwell(25), f, CONFIG), "saved-here")["sku"] == "INS-1"
    f = facts(campaigns=(saved,), wishlist=(JACKET, replace(SHOES, stock=0)))
    assert plan(dwell(25), f, CONFIG).reasons() == {"saved-here": "out_of_stock"}


# --- purchase ------------------------------------------------------------------------------------------------


BUY = Purchase(T, receipt="R-1001", visit="v-1", skus=frozenset({"SHOE-1"}))


def test_purchase_thank_you_with_a_coupon_for_related_products_and_a_feedback_link() -> None:
    result = plan(BUY, facts(related=(SHOES, INSOLES, SOCKS)), CONFIG)
    [push] = result.planned
    coupon = push.payload["coupon"]
    assert isinstance(coupon, dict)
    assert coupon["skus"] == ["INS-1", "SOCK-1"]  # never the shoes just bought
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", coupon["code"])
    assert push.payload["title"] == "Grazie per il tuo acquisto!"
    assert push.payload["body"] == (
        f"Ciao Giulia, per te uno sconto su Solette gel e Calze tecniche con il codice {coupon['code']}. "
        "Tocca qui per dirci com'è andata."
    )
    feedback = push.payload["feedback_url"]
    assert isinstance(feedback, str)
    assert re.fullmatch(r"https://hub\.example\.it/feedback/[0-9a-f]{32}", feedback)
    assert push.payload["url"] == feedback
    assert push.idempotency_key.startswith("purchase-")


def test_purchase_in_english() -> None:
    result = plan(BUY, facts(member=JOHN, related=(INSOLES, SOCKS, JACKET)), CONFIG)
    body = result.planned[0].payload["body"]
    assert isinstance(body, str)
    assert body.startswith("Hi John, here is a discount on Solette gel and Calze tecniche with the code ")


def test_coupon_skips_recent_and_out_of_stock_and_stops_at_the_configured_count() -> None:
    related = (JACKET, INSOLES, SOCKS, ProductHere("BOTTLE-1", "Borraccia", "aisle-4", RUNNING, "E", 9))
    config = replace(CONFIG, coupon_products=2)
    f = facts(related=related, recent=frozenset({"SOCK-1"}))
    coupon = plan(BUY, f, config).planned[0].payload["coupon"]
    assert isinstance(coupon, dict)
    assert coupon["skus"] == ["INS-1", "BOTTLE-1"]


def test_without_profiling_consent_the_coupon_uses_the_bestsellers() -> None:
    no_profiling = replace(GIULIA, consents=Consents(marketing=True, proximity=True, profiling=False))
    f = facts(member=no_profiling, related=(INSOLES,), popular=(SOCKS,))
    coupon = plan(BUY, f, CONFIG).planned[0].payload["coupon"]
    assert isinstance(coupon, dict)
    assert coupon["skus"] == ["SOCK-1"]


def test_purchase_with_nothing_to_offer_is_refused_with_the_reason() -> None:
    assert plan(BUY, facts(related=(SHOES,)), CONFIG).reasons() == {"purchase-thank-you": "just_bought"}
    assert plan(BUY, facts(related=(JACKET,)), CONFIG).reasons() == {"purchase-thank-you": "out_of_stock"}
    assert plan(BUY, facts(), CONFIG).reasons() == {"purchase-thank-you": "nothing_to_say"}


def test_a_thank_you_without_coupon_placeholders_needs_no_products() -> None:
    thanks = Campaign("thanks", "Thanks", "purchase", texts("Grazie {first_name}", "Com'è andata? {feedback_url}"))
    [push] = plan(BUY, facts(campaigns=(thanks,)), CONFIG).planned
    assert "coupon" not in push.payload
    assert push.payload["body"] == f"Com'è andata? {push.payload['feedback_url']}"


def test_a_purchase_needs_marketing_consent_but_not_proximity() -> None:
    till_only = replace(GIULIA, consents=Consents(marketing=True, proximity=False, profiling=True))
    no_visit = replace(BUY, visit=None)
    assert len(plan(no_visit, facts(member=till_only, related=(INSOLES,)), CONFIG).planned) == 1
    no_marketing = replace(GIULIA, consents=Consents(marketing=False, proximity=True, profiling=True))
    assert plan(no_visit, facts(member=no_marketing, related=(INSOLES,)), CONFIG).reasons() == {
        "purchase-thank-you": "no_marketing_consent"
    }


@given(
    related=st.lists(st.sampled_from(["A", "B", "C", "D", "E", "F"]), max_size=8),
    bought=st.frozensets(st.sampled_from(["A", "B", "C", "D", "E", "F"]), min_size=1),
)
def test_the_just_bought_product_is_never_the_coupon(related: list[str], bought: frozenset[str]) -> None:
    pool = tuple(ProductHere(s, f"Prodotto {s}", "aisle-4", RUNNING, "A", 5) for s in related)
    result = plan(replace(BUY, skus=bought), facts(related=pool), CONFIG)
    for push in result.planned:
        coupon = push.payload["coupon"]
        assert isinstance(coupon, dict)
        assert not set(coupon["skus"]) & bought
        assert len(coupon["skus"]) == len(set(coupon["skus"])) <= CONFIG.coupon_products
    if not set(related) - bought:
        assert result.planned == ()


# --- texts that cannot render --------------------------------------------------------------------------------


def test_a_broken_text_refuses_its_campaign_and_not_the_others() -> None:
    broken = Campaign("broken", "Broken", "store_enter", texts("{coupon_code}", "x"), priority=50)
    result = plan(ENTER, facts(campaigns=(broken, *default_campaigns())), CONFIG)
    assert result.reasons() == {"broken": "bad_template"}
    assert [p.campaign_id for p in result.planned] == ["store-enter-wishlist"]


def test_a_missing_language_falls_back_to_italian() -> None:
    italian_only = Campaign("it-only", "Solo IT", "store_enter", {"it": Message("Ciao {first_name}", "Benvenuti")})
    payload = only(plan(ENTER, facts(member=JOHN, campaigns=(italian_only,)), CONFIG), "it-only")
    assert payload["title"] == "Ciao John"


def test_member_values_are_not_parsed_as_templates() -> None:
    odd = replace(GIULIA, first_name="{store}\nAnna")
    payload = only(plan(ENTER, facts(member=odd), CONFIG), "store-enter-wishlist")
    assert payload["body"] == "Ciao {store} Anna! Corsia 4 — Running, scaffale B. Disponibile in negozio."


# --- configuration -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"secret": b"short", "base_url": "https://h"}, "secret"),
        ({"secret": "a string, not bytes", "base_url": "https://h"}, "secret"),
        ({"secret": b"x" * 16, "base_url": "hub.example.it"}, "base_url"),
        ({"secret": b"x" * 16, "base_url": "https://h", "coupon_products": 0}, "coupon_products"),
    ],
)
def test_planner_config_rejects_bad_values(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(SettingsError) as caught:
        PlannerConfig(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
