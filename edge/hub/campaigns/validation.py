"""Checks a campaign before it is stored, so the API can answer 422 with the fields at fault.

`validate_campaign` returns ``{field: reason}`` in the shape of the API's error ``fields``; an empty dict means
the campaign can run. The planner still copes with a campaign that skipped this (it refuses it with
``bad_template``), but a store should hear about a mistake when it makes it, not from a metric.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Final

from edge.hub.campaigns.model import KINDS, LANGUAGES, TRIGGERS, Campaign
from edge.hub.campaigns.texts import PLACEHOLDERS, validate_template

TITLE_MAX: Final = 100
"""Characters of a title template: a push title is read at a glance and cut short by the phone beyond ~50."""
BODY_MAX: Final = 500
MAX_DWELL_S: Final = 3600.0
_SLUG: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")


def validate_campaign(campaign: Campaign) -> dict[str, str]:
    """What is wrong with `campaign`, by field (``"texts.en.title"``, ``"schedule.ends"``, ...)."""
    problems: dict[str, list[str]] = {}

    def add(where: str, reason: str) -> None:
        problems.setdefault(where, []).append(reason)

    if not campaign.id.strip():
        add("id", "must not be empty")
    if campaign.trigger not in TRIGGERS:
        add("trigger", f"must be one of {', '.join(TRIGGERS)}")
        return _joined(problems)
    if campaign.kind not in KINDS:
        add("kind", f"must be one of {', '.join(KINDS)}")
    _check_texts(campaign, add)
    if campaign.trigger == "zone_dwell" and (campaign.zone is None or not _SLUG.fullmatch(campaign.zone)):
        add("zone", "a zone_dwell campaign needs the id of a zone of the store layout")
    dwell = campaign.dwell_s
    if not isinstance(dwell, int | float) or not math.isfinite(dwell) or not 0.0 <= dwell <= MAX_DWELL_S:
        add("dwell_s", f"must be from 0 to {MAX_DWELL_S:g} seconds")
    elif campaign.trigger == "purchase" and dwell != 0.0:
        add("dwell_s", "a purchase campaign fires on the receipt: only presence campaigns wait")
    if campaign.url is not None and not campaign.url.startswith(("https://", "http://", "/")):
        add("url", "must be an http(s) address or a path starting with /")
    schedule = campaign.schedule
    if schedule.starts is not None and schedule.ends is not None and schedule.ends <= schedule.starts:
        add("schedule.ends", "must be after schedule.starts")
    if not schedule.weekdays <= frozenset(range(1, 8)):
        add("schedule.weekdays", "ISO weekdays are 1 (Monday) to 7 (Sunday)")
    if schedule.daily_from is not None and schedule.daily_from == schedule.daily_until:
        add("schedule.daily_until", "equals daily_from: the daily window is empty")
    return _joined(problems)


def _check_texts(campaign: Campaign, add: Callable[[str, str], None]) -> None:
    allowed = PLACEHOLDERS[campaign.trigger]
    for language in LANGUAGES:
        if language not in campaign.texts:
            add(f"texts.{language}", "both Italian and English texts are required")
    for language, message in campaign.texts.items():
        if language not in LANGUAGES:
            add(f"texts.{language}", f"unknown language (known: {', '.join(LANGUAGES)})")
            continue
        for part, text, limit in (("title", message.title, TITLE_MAX), ("body", message.body, BODY_MAX)):
            where = f"texts.{language}.{part}"
            if not text.strip():
                add(where, "must not be empty")
            if len(text) > limit:
                add(where, f"at most {limit} characters")
            for problem in validate_template(text, allowed):
                add(where, problem)


def _joined(problems: dict[str, list[str]]) -> dict[str, str]:
    return {where: "; ".join(reasons) for where, reasons in problems.items()}
