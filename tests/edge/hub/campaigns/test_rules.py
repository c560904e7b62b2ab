"""Each rule on its own: consent, caps, quiet hours, schedules (with windows across midnight), the kill switch,
once per visit, just bought, stock, and the store's local day."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from edge.hub.campaigns import Campaign, Consents, History, Message, Policy, ProductHere, Schedule, SettingsError
from edge.hub.campaigns.rules import (
    check_campaign,
    check_caps,
    check_consent,
    check_enabled,
    check_just_bought,
    check_once_per_visit,
    check_pacing,
    check_quiet_hours,
    check_schedule,
    check_stock,
    in_window,
    local_day,
)

ROME = ZoneInfo("Europe/Rome")
POLICY = Policy()


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> float:
    """Unix time of a wall-clock time in Milan."""
    return datetime(year, month, day, hour, minute, tzinfo=ROME).timestamp()


FRIDAY_1030 = at(2024, 3, 15, 10, 30)  # 15 March 2024 was a Friday


def campaign(**kw: object) -> Campaign:
    texts = {"it": Message("Ciao", "Ciao {first_name}"), "en": Message("Hi", "Hi {first_name}")}
    return Campaign(id="c1", name="Test", trigger="store_enter", texts=texts, **kw)  # type: ignore[arg-type]


# --- consent -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trigger", "kind", "consents", "expected"),
    [
        ("store_enter", "marketing", Consents(marketing=True, proximity=True), None),
        ("store_enter", "marketing", Consents(marketing=True, proximity=False), "no_proximity_consent"),
        ("store_enter", "marketing", Consents(marketing=False, proximity=True), "no_marketing_consent"),
        ("zone_dwell", "marketing", Consents(marketing=True, proximity=False), "no_proximity_consent"),
        # A pickup arrival is a service message: no marketing consent needed, but presence needs proximity.
        ("pickup_arrival", "service", Consents(marketing=False, proximity=True), None),
        ("pickup_arrival", "service", Consents(marketing=True, proximity=False), "no_proximity_consent"),
        # A purchase comes from the till, not from presence: proximity is not needed, marketing is.
        ("purchase", "marketing", Consents(marketing=True, proximity=False), None),
        ("purchase", "marketing", Consents(marketing=False, proximity=True), "no_marketing_consent"),
    ],
)
def test_consent(trigger: str, kind: str, consents: Consents, expected: str | None) -> None:
    assert check_consent(trigger, kind, consents) == expected  # type: ignore[arg-type]


# --- kill switch and once per visit --------------------------------------------------------------------------


def test_kill_switch_refuses_whatever_the_schedule() -> None:
    assert check_enabled(campaign()) is None
    off = campaign(enabled=False)
    assert check_enabled(off) == "disabled"
    consents = Consents(marketing=True, proximity=True)
    assert check_campaign(off, FRIDAY_1030, "v1", consents, History(), POLICY) == "disabled"


def test_once_per_visit() -> None:
    seen = History(visit_campaigns=frozenset({"c1"}))
    assert check_once_per_visit("c1", "v1", seen) == "already_in_visit"
    assert check_once_per_visit("c2", "v1", seen) is None
    # Without a visit (a purchase the hub saw no presence for) the receipt's key does the job instead.
    assert check_once_per_visit("c1", None, seen) is None


def test_check_campaign_reports_the_first_rule_in_order() -> None:
    no_consent = Consents(marketing=False, proximity=False)
    outside = campaign(schedule=Schedule(weekdays=frozenset({1})))  # Mondays only
    assert check_campaign(outside, FRIDAY_1030, "v1", no_consent, History(), POLICY) == "outside_schedule"
    assert check_campaign(campaign(), FRIDAY_1030, "v1", no_consent, History(), POLICY) == "no_proximity_consent"
    ok = Consents(marketing=True, proximity=True)
    seen = History(visit_campaigns=frozenset({"c1"}))
    assert check_campaign(campaign(), FRIDAY_1030, "v1", ok, seen, POLICY) == "already_in_visit"
    assert check_campaign(campaign(), FRIDAY_1030, "v1", ok, History(), POLICY) is None


# --- caps ----------------------------------------------------------------------------------------------------


def test_a_shopper_at_the_visit_cap_gets_nothing() -> None:
    at_cap = History(visit_marketing=3, day_marketing=3, last_marketing_t=FRIDAY_1030 - 3600)
    assert check_caps("marketing", FRIDAY_1030, "v1", at_cap, POLICY) == "visit_cap"
    below = History(visit_marketing=2, day_marketing=2, last_marketing_t=FRIDAY_1030 - 3600)
    assert check_caps("marketing", FRIDAY_1030, "v1", below, POLICY) is None


def test_daily_cap_counts_across_visits() -> None:
    new_visit_full_day = History(visit_marketing=0, day_marketing=5, last_marketing_t=FRIDAY_1030 - 3600)
    assert check_caps("marketing", FRIDAY_1030, "v2", new_visit_full_day, POLICY) == "daily_cap"
    # A purchase without a visit is still held by the daily cap.
    assert check_caps("marketing", FRIDAY_1030, None, new_visit_full_day, POLICY) == "daily_cap"


def test_min_gap() -> None:
    recent = History(visit_marketing=1, day_marketing=1, last_marketing_t=FRIDAY_1030 - 599)
    assert check_caps("marketing", FRIDAY_1030, "v1", recent, POLICY) == "min_gap"
    old_enough = History(visit_marketing=1, day_marketing=1, last_marketing_t=FRIDAY_1030 - 600)
    assert check_caps("marketing", FRIDAY_1030, "v1", old_enough, POLICY) is None
    # A late, redelivered event older than the last push does not slip under the gap.
    later = History(visit_marketing=1, day_marketing=1, last_marketing_t=FRIDAY_1030 + 5)
    assert check_caps("marketing", FRIDAY_1030, "v1", later, POLICY) == "min_gap"


def test_service_messages_are_exempt_from_caps_and_quiet_hours() -> None:
    full = History(visit_marketing=9, day_marketing=9, last_marketing_t=FRIDAY_1030)
    quiet = Policy(quiet_hours=(time(0), time(23, 59)))
    assert check_pacing("service", FRIDAY_1030, "v1", full, quiet) is None
    assert check_pacing("marketing", FRIDAY_1030, "v1", full, quiet) == "quiet_hours"


def test_caps_follow_the_policy() -> None:
    strict = Policy(max_per_visit=1, max_per_day=1, min_gap_s=0)
    one = History(visit_marketing=1, day_marketing=1, last_marketing_t=FRIDAY_1030 - 1)
    assert check_caps("marketing", FRIDAY_1030, "v1", one, strict) == "visit_cap"
    zero = Policy(max_per_visit=0)
    assert check_caps("marketing", FRIDAY_1030, "v1", History(), zero) == "visit_cap"


# --- quiet hours ---------------------------------------------------------------------------------------------


def test_no_quiet_hours_by_default() -> None:
    assert POLICY.quiet_hours is None
    assert check_quiet_hours("marketing", at(2024, 3, 15, 3, 0), POLICY) is None


def test_quiet_hours_wrapping_midnight() -> None:
    night = Policy(quiet_hours=(time(21, 0), time(8, 30)))
    assert check_quiet_hours("marketing", at(2024, 3, 15, 21, 0), night) == "quiet_hours"
    assert check_quiet_hours("marketing", at(2024, 3, 15, 23, 59), night) == "quiet_hours"
    assert check_quiet_hours("marketing", at(2024, 3, 16, 8, 29), night) == "quiet_hours"
    assert check_quiet_hours("marketing", at(2024, 3, 16, 8, 30), night) is None
    assert check_quiet_hours("marketing", at(2024, 3, 15, 20, 59), night) is None


def test_quiet_hours_use_the_store_time_zone() -> None:
    lunch = Policy(quiet_hours=(time(13, 0), time(14, 0)))
    t = at(2024, 7, 1, 13, 30)  # 11:30 UTC in summer
    assert check_quiet_hours("marketing", t, lunch) == "quiet_hours"
    in_london = Policy(quiet_hours=(time(13, 0), time(14, 0)), tz=ZoneInfo("Europe/London"))
    assert check_quiet_hours("marketing", t, in_london) is None  # 12:30 in London


# --- schedule ------------------------------------------------------------------------------------------------


def test_empty_schedule_is_always() -> None:
    assert check_schedule(Schedule(), FRIDAY_1030, ROME) is None


def test_schedule_start_and_end() -> None:
    spring = Schedule(starts=datetime(2024, 3, 15, 9, 0, tzinfo=ROME), ends=datetime(2024, 3, 15, 10, 30, tzinfo=ROME))
    assert check_schedule(spring, at(2024, 3, 15, 8, 59), ROME) == "outside_schedule"
    assert check_schedule(spring, at(2024, 3, 15, 9, 0), ROME) is None
    assert check_schedule(spring, FRIDAY_1030, ROME) == "outside_schedule"  # `ends` is exclusive


def test_naive_schedule_bounds_are_store_local_time() -> None:
    naive = Schedule(starts=datetime(2024, 3, 15, 10, 31))
    assert check_schedule(naive, FRIDAY_1030, ROME) == "outside_schedule"
    assert check_schedule(naive, FRIDAY_1030 + 60, ROME) is None


def test_schedule_weekdays() -> None:
    weekend = Schedule(weekdays=frozenset({6, 7}))
    assert check_schedule(weekend, FRIDAY_1030, ROME) == "outside_schedule"
    assert check_schedule(weekend, at(2024, 3, 16, 10, 30), ROME) is None
    assert check_schedule(weekend, at(2024, 3, 17, 10, 30), ROME) is None


def test_schedule_daily_window() -> None:
    mornings = Schedule(daily_from=time(9), daily_until=time(12))
    assert check_schedule(mornings, FRIDAY_1030, ROME) is None
    assert check_schedule(mornings, at(2024, 3, 15, 12, 0), ROME) == "outside_schedule"
    assert check_schedule(mornings, at(2024, 3, 15, 8, 59), ROME) == "outside_schedule"


def test_schedule_that_wraps_midnight_belongs_to_the_day_it_starts() -> None:
    friday_night = Schedule(weekdays=frozenset({5}), daily_from=time(22), daily_until=time(2))
    assert check_schedule(friday_night, at(2024, 3, 15, 22, 0), ROME) is None  # Friday 22:00
    assert check_schedule(friday_night, at(2024, 3, 16, 1, 59), ROME) is None  # Saturday 01:59, Friday's night
    assert check_schedule(friday_night, at(2024, 3, 16, 2, 0), ROME) == "outside_schedule"
    assert check_schedule(friday_night, at(2024, 3, 15, 1, 0), ROME) == "outside_schedule"  # Thursday's night
    assert check_schedule(friday_night, at(2024, 3, 15, 21, 59), ROME) == "outside_schedule"
    # Monday 01:00 belongs to Sunday night: ISO weekday 7, wrapping back from 1.
    sunday_night = Schedule(weekdays=frozenset({7}), daily_from=time(23), daily_until=time(3))
    assert check_schedule(sunday_night, at(2024, 3, 18, 1, 0), ROME) is None


@pytest.mark.parametrize(
    ("start", "end", "inside", "outside"),
    [
        (None, None, [time(0), time(23, 59)], []),
        (time(9), None, [time(9), time(23, 59)], [time(8, 59)]),
        (None, time(9), [time(0), time(8, 59)], [time(9)]),
        (time(22), time(6), [time(22), time(0), time(5, 59)], [time(6), time(21, 59), time(12)]),
        (time(9), time(9), [], [time(9), time(0), time(12)]),
    ],
)
def test_in_window(start: time | None, end: time | None, inside: list[time], outside: list[time]) -> None:
    assert all(in_window(t, start, end) for t in inside)
    assert not any(in_window(t, start, end) for t in outside)


# --- products ------------------------------------------------------------------------------------------------


def test_never_promote_what_was_just_bought() -> None:
    assert check_just_bought("SHOE-1", frozenset({"SHOE-1"})) == "just_bought"
    assert check_just_bought("SHOE-1", frozenset({"SOCK-1"})) is None


def test_out_of_stock() -> None:
    here = ProductHere("SHOE-1", "Pegasus", zone="aisle-4", shelf="B", stock=3)
    assert check_stock(here) is None
    assert check_stock(ProductHere("SHOE-1", "Pegasus", zone="aisle-4", stock=0)) == "out_of_stock"
    assert check_stock(ProductHere("SHOE-1", "Pegasus", zone="aisle-4", stock=None)) == "out_of_stock"
    assert check_stock(ProductHere("SHOE-1", "Pegasus", zone=None, stock=5)) == "out_of_stock"  # not carried
    assert check_stock(None) == "out_of_stock"


# --- the local day and the policy ---------------------------------------------------------------------------


def test_local_day_bounds() -> None:
    start, end = local_day(FRIDAY_1030, ROME)
    assert start == at(2024, 3, 15, 0, 0)
    assert end == at(2024, 3, 16, 0, 0)
    assert end - start == 86_400
    # The last Sunday of March has 23 hours in Italy.
    start, end = local_day(at(2024, 3, 31, 12, 0), ROME)
    assert end - start == 23 * 3600


def test_policy_defaults_match_the_design() -> None:
    assert (POLICY.max_per_visit, POLICY.max_per_day, POLICY.min_gap_s) == (3, 5, 600.0)
    assert POLICY.tz == ROME


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_per_visit": -1}, "max_per_visit"),
        ({"max_per_day": 2.5}, "max_per_day"),
        ({"max_per_day": True}, "max_per_day"),
        ({"min_gap_s": float("nan")}, "min_gap_s"),
        ({"min_gap_s": -1}, "min_gap_s"),
        ({"quiet_hours": (time(8), time(8))}, "quiet_hours"),
        ({"quiet_hours": ("21:00", "08:00")}, "quiet_hours"),
        ({"tz": "Europe/Rome"}, "tz"),
    ],
)
def test_policy_rejects_bad_values(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Policy(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)
