"""The rules: each check is a small pure function that returns ``None`` (go on) or the `Reason` it refuses.

The planner runs them in a fixed order, so a refusal always names the first rule that stopped a campaign:

1. `check_enabled` (the kill switch), `check_schedule`, `check_consent`, `check_once_per_visit`:
   together `check_campaign`;
2. what the campaign would say: `check_just_bought`, `check_stock` (and ``nothing_to_say`` when there is no
   product to talk about), in the planner;
3. `check_quiet_hours` and `check_caps`: together `check_pacing`, last, so a campaign that had nothing to say
   is counted as such and not as capped.

Consent is read at decision time from the facts, never remembered. Caps and quiet hours govern marketing only:
a service message (a pickup order's arrival) is exempt from them, but not from consent.
"""

from __future__ import annotations

from collections.abc import Set
from datetime import datetime, time, timedelta
from typing import Final, Literal, get_args
from zoneinfo import ZoneInfo

from edge.hub.campaigns.facts import Consents, History, Policy, ProductHere
from edge.hub.campaigns.model import Campaign, Kind, Schedule, Trigger

Reason = Literal[
    "disabled",
    "outside_schedule",
    "no_proximity_consent",
    "no_marketing_consent",
    "already_in_visit",
    "just_bought",
    "out_of_stock",
    "nothing_to_say",
    "bad_template",
    "quiet_hours",
    "visit_cap",
    "daily_cap",
    "min_gap",
]
"""Why a campaign was not sent. ``bad_template`` is a text that slipped past validation and cannot render."""
REASONS: Final[tuple[Reason, ...]] = get_args(Reason)

PRESENCE_TRIGGERS: Final[frozenset[Trigger]] = frozenset({"store_enter", "zone_dwell", "pickup_arrival"})
"""Triggers that come from the member's presence in the store, so they need the proximity consent."""


# --- time ----------------------------------------------------------------------------------------------------


def local_time(t: float, tz: ZoneInfo) -> datetime:
    """Unix time `t` as an aware datetime in the store's time zone."""
    return datetime.fromtimestamp(t, tz)


def local_day(t: float, tz: ZoneInfo) -> tuple[float, float]:
    """The bounds ``[start, end)`` (Unix seconds) of the store's local day containing `t`, for counting
    `History.day_marketing`. Days around a daylight-saving change last 23 or 25 hours."""
    day = local_time(t, tz).date()
    start = datetime.combine(day, time(0), tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tz)
    return start.timestamp(), end.timestamp()


def in_window(at: time, start: time | None, end: time | None) -> bool:
    """Whether the local time of day `at` is in ``[start, end)``. ``start > end`` wraps midnight
    (22:00–06:00); a missing bound is the start or the end of the day; ``start == end`` is an empty window."""
    if start is None and end is None:
        return True
    lo = time(0) if start is None else start
    if end is None:
        return at >= lo
    if lo <= end:
        return lo <= at < end
    return at >= lo or at < end


def _aware(moment: datetime, tz: ZoneInfo) -> datetime:
    # A naive datetime from a hand-written schedule means the store's local time.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


# --- the checks ----------------------------------------------------------------------------------------------


def check_enabled(campaign: Campaign) -> Reason | None:
    """The store's kill switch."""
    return None if campaign.enabled else "disabled"


def check_schedule(schedule: Schedule, t: float, tz: ZoneInfo) -> Reason | None:
    """Whether the campaign may run at `t`: between `starts` and `ends`, on one of its `weekdays`, inside its
    daily window. A window that wraps midnight belongs to the day it starts on: a Friday 22:00–02:00 window
    still runs at 01:00 on Saturday, and not at 01:00 on Friday."""
    now = local_time(t, tz)
    if schedule.starts is not None and now < _aware(schedule.starts, tz):
        return "outside_schedule"
    if schedule.ends is not None and now >= _aware(schedule.ends, tz):
        return "outside_schedule"
    at = now.time()
    start, end = schedule.daily_from, schedule.daily_until
    weekday = now.isoweekday()
    if start is not None and end is not None and start > end and at < end:
        weekday = 7 if weekday == 1 else weekday - 1  # the small hours belong to yesterday's window
    if schedule.weekdays and weekday not in schedule.weekdays:
        return "outside_schedule"
    return None if in_window(at, start, end) else "outside_schedule"


def check_consent(trigger: Trigger, kind: Kind, consents: Consents) -> Reason | None:
    """Proximity consent for anything presence triggered; marketing consent for marketing."""
    if trigger in PRESENCE_TRIGGERS and not consents.proximity:
        return "no_proximity_consent"
    if kind == "marketing" and not consents.marketing:
        return "no_marketing_consent"
    return None


def check_once_per_visit(campaign_id: str, visit: str | None, history: History) -> Reason | None:
    """Each campaign at most once per visit. Without a visit (a purchase with no presence) the outbox's
    idempotency key, made from the receipt, keeps it to once per receipt instead."""
    if visit is not None and campaign_id in history.visit_campaigns:
        return "already_in_visit"
    return None


def check_campaign(
    campaign: Campaign, t: float, visit: str | None, consents: Consents, history: History, policy: Policy
) -> Reason | None:
    """The checks about the campaign itself, in order: kill switch, schedule, consent, once per visit."""
    return (
        check_enabled(campaign)
        or check_schedule(campaign.schedule, t, policy.tz)
        or check_consent(campaign.trigger, campaign.kind, consents)
        or check_once_per_visit(campaign.id, visit, history)
    )


def check_just_bought(sku: str, recent: Set[str]) -> Reason | None:
    """Never promote what the member has just bought."""
    return "just_bought" if sku in recent else None


def check_stock(product: ProductHere | None) -> Reason | None:
    """No promotion of a product that is not in stock here (unknown stock, or not carried, counts as out)."""
    return None if product is not None and product.located and product.in_stock else "out_of_stock"


def check_quiet_hours(kind: Kind, t: float, policy: Policy) -> Reason | None:
    """No marketing inside the store's quiet hours (none unless configured)."""
    if kind != "marketing" or policy.quiet_hours is None:
        return None
    start, end = policy.quiet_hours
    return "quiet_hours" if in_window(local_time(t, policy.tz).time(), start, end) else None


def check_caps(kind: Kind, t: float, visit: str | None, history: History, policy: Policy) -> Reason | None:
    """At most `max_per_visit` marketing pushes per visit and `max_per_day` per local day, at least `min_gap_s`
    apart. A last push dated after `t` (a late, redelivered event) counts as too recent."""
    if kind != "marketing":
        return None
    if visit is not None and history.visit_marketing >= policy.max_per_visit:
        return "visit_cap"
    if history.day_marketing >= policy.max_per_day:
        return "daily_cap"
    if history.last_marketing_t is not None and t - history.last_marketing_t < policy.min_gap_s:
        return "min_gap"
    return None


def check_pacing(kind: Kind, t: float, visit: str | None, history: History, policy: Policy) -> Reason | None:
    """Quiet hours, then the caps."""
    return check_quiet_hours(kind, t, policy) or check_caps(kind, t, visit, history, policy)
