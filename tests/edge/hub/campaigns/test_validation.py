"""validate_campaign: the fields an API 422 would name, and the reasons."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from edge.hub.campaigns import Campaign, Language, Message, Schedule, validate_campaign

ROME = ZoneInfo("Europe/Rome")
TEXTS: dict[Language, Message] = {
    "it": Message("Ciao {first_name}", "In offerta: {product}"),
    "en": Message("Hi {first_name}", "{product}"),
}


def test_a_good_zone_campaign() -> None:
    c = Campaign("c1", "Solette", "zone_dwell", TEXTS, zone="aisle-4", dwell_s=30.0, sku="INS-1", url="/p/INS-1")
    assert validate_campaign(c) == {}


def test_unknown_placeholder_for_the_trigger_names_the_field() -> None:
    texts: dict[Language, Message] = {
        "it": Message("Ciao {first_name}", "Codice {coupon}"),
        "en": Message("Hi", "Code {coupon}"),
    }
    problems = validate_campaign(Campaign("c1", "x", "store_enter", texts))
    assert set(problems) == {"texts.it.body", "texts.en.body"}
    assert problems["texts.it.body"].startswith("{coupon}: unknown placeholder")
    assert validate_campaign(Campaign("c1", "x", "purchase", texts)) == {}


def test_both_languages_are_required_and_texts_not_empty_nor_too_long() -> None:
    problems = validate_campaign(Campaign("c1", "x", "store_enter", {"it": Message(" ", "x" * 501)}))
    assert problems["texts.en"] == "both Italian and English texts are required"
    assert problems["texts.it.title"] == "must not be empty"
    assert problems["texts.it.body"] == "at most 500 characters"
    problems = validate_campaign(Campaign("c1", "x", "store_enter", TEXTS | {"de": Message("Hallo", "x")}))  # type: ignore[arg-type]
    assert problems == {"texts.de": "unknown language (known: it, en)"}


def test_a_dwell_campaign_needs_a_zone_and_a_sane_dwell() -> None:
    problems = validate_campaign(Campaign("c1", "x", "zone_dwell", TEXTS, dwell_s=-5.0))
    assert set(problems) == {"zone", "dwell_s"}
    problems = validate_campaign(Campaign("c1", "x", "zone_dwell", TEXTS, zone="Aisle 4", dwell_s=float("inf")))
    assert set(problems) == {"zone", "dwell_s"}


def test_a_store_entry_campaign_may_wait_into_the_visit_and_a_purchase_campaign_may_not() -> None:
    assert validate_campaign(Campaign("c1", "x", "store_enter", TEXTS, dwell_s=60.0)) == {}
    plain: dict[Language, Message] = {"it": Message("Ciao {first_name}", "Ordine {order}"), "en": Message("Hi", "x")}
    assert validate_campaign(Campaign("c1", "x", "pickup_arrival", plain, dwell_s=30.0)) == {}
    assert set(validate_campaign(Campaign("c1", "x", "store_enter", TEXTS, dwell_s=-1.0))) == {"dwell_s"}
    thanks: dict[Language, Message] = {"it": Message("Grazie {first_name}", "x"), "en": Message("Thanks", "x")}
    problems = validate_campaign(Campaign("c1", "x", "purchase", thanks, dwell_s=60.0))
    assert problems == {"dwell_s": "a purchase campaign fires on the receipt: only presence campaigns wait"}


def test_schedule_problems() -> None:
    schedule = Schedule(
        starts=datetime(2024, 5, 1, tzinfo=ROME),
        ends=datetime(2024, 4, 1, tzinfo=ROME),
        weekdays=frozenset({0, 8}),
        daily_from=time(9),
        daily_until=time(9),
    )
    problems = validate_campaign(Campaign("c1", "x", "store_enter", TEXTS, schedule=schedule))
    assert set(problems) == {"schedule.ends", "schedule.weekdays", "schedule.daily_until"}
    # A window across midnight is fine.
    night = Schedule(daily_from=time(22), daily_until=time(2))
    assert validate_campaign(Campaign("c1", "x", "store_enter", TEXTS, schedule=night)) == {}


def test_bad_trigger_kind_id_and_url() -> None:
    problems = validate_campaign(Campaign(" ", "x", "store_enter", TEXTS, kind="spam", url="javascript:alert(1)"))  # type: ignore[arg-type]
    assert set(problems) == {"id", "kind", "url"}
    problems = validate_campaign(Campaign("c1", "x", "birthday", TEXTS))  # type: ignore[arg-type]
    assert set(problems) == {"trigger"}
