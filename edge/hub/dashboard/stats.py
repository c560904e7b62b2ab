"""The store dashboard's numbers: the visit funnel, dwell per zone and campaign results over a period.

Plain read-only functions over the hub's database, each ``(db, store, since, until)`` with Unix times and the
period ``[since, until)``; `day_bounds` gives today's period in the store's time zone. They count what the hub
stores, so only members who consent to proximity are in the visits: the funnel is the loyalty members' funnel,
not a door counter's.

    >>> from zoneinfo import ZoneInfo
    >>> since, until = day_bounds(1_767_258_000.0, ZoneInfo("Europe/Rome"))  # 1 January 2026, 10:00 in Rome
    >>> (until - since) / 3600
    10.0
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

import sqlite_utils

from edge.hub.campaigns.model import ENTRY_TRIGGERS
from edge.hub.db import CampaignStore
from edge.hub.db.database import fetch_all, fetch_value, reading
from edge.store import StoreLayout, ZoneKind

CONVERSION_WINDOW_S: Final = 86_400.0
"""A purchase up to a day after a push counts for it, as does one later in the same visit."""


def day_bounds(now: float, tz: ZoneInfo) -> tuple[float, float]:
    """``(midnight, now)``: today so far in the store's time zone (midnight as the zone's clocks show it)."""
    local = datetime.fromtimestamp(now, tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp(), now


def share(part: int, whole: int) -> float:
    """`part` as a fraction of `whole`; 0.0 for an empty whole (a quiet morning is not a division error)."""
    return part / whole if whole else 0.0


@dataclass(frozen=True, slots=True)
class Funnel:
    """Visits that started in the period, and how far they got. Each stage is a subset of the one before,
    except that a purchase counts without a zone beyond the entrance (a phone can go unheard in the aisles)."""

    entered: int
    engaged: int
    """Visits that reached a zone beyond the entrance (an aisle, the walkway, the tills, the pickup desk)."""
    bought: int
    """Visits followed by a receipt of the member: during the visit or later the same period, each receipt
    going to the member's latest visit that started before it."""


@dataclass(frozen=True, slots=True)
class ZoneDwell:
    """Time members spent in one zone: stays that ended in the period (a zone change or the visit's exit)."""

    zone: str
    seconds: float
    stays: int

    @property
    def average_s(self) -> float:
        return self.seconds / self.stays if self.stays else 0.0


@dataclass(frozen=True, slots=True)
class CampaignResult:
    """One campaign's pushes decided in the period and what came of them."""

    campaign_id: str
    name: str
    trigger: str
    decided: int
    sent: int
    opened: int
    converted: int
    """Sent pushes after which the member bought: in the same visit, or within a day of the push."""
    wait_s: float = 0.0
    """How long a store-entry campaign waits into the visit (its `dwell_s`); 0 for at once, and for the others."""

    @property
    def open_rate(self) -> float:
        return share(self.opened, self.sent)

    @property
    def conversion_rate(self) -> float:
        return share(self.converted, self.sent)


def funnel(db: sqlite_utils.Database, store: StoreLayout, since: float, until: float) -> Funnel:
    """The period's visits: entered, went beyond the entrance, bought."""
    entrances = [z.id for z in store.zones_of_kind(ZoneKind.ENTRANCE)]
    marks = ", ".join("?" for _ in entrances)  # SQLite takes an empty list: then every zone is beyond
    with reading(db):
        entered = fetch_value(db, "SELECT COUNT(*) FROM visits WHERE started >= ? AND started < ?", [since, until])
        engaged = fetch_value(
            db,
            "SELECT COUNT(*) FROM visits AS v WHERE v.started >= ? AND v.started < ? "
            f"AND EXISTS (SELECT 1 FROM json_each(v.zones) WHERE json_each.value NOT IN ({marks}))",
            [since, until, *entrances],
        )
        # Each receipt goes to one visit (the member's latest that started before it), so two visits and one
        # purchase make one bought visit, not two.
        bought = fetch_value(
            db,
            "SELECT COUNT(DISTINCT (SELECT v.visit_id FROM visits AS v WHERE v.member_id = r.member_id "
            "AND v.started <= r.t AND v.started >= ? AND v.started < ? ORDER BY v.started DESC LIMIT 1)) "
            "FROM receipts AS r WHERE r.member_id IS NOT NULL AND r.t >= ? AND r.t < ?",
            [since, until, since, until],
        )
    return Funnel(int(entered), int(engaged), int(bought))


def dwell(db: sqlite_utils.Database, store: StoreLayout, since: float, until: float) -> list[ZoneDwell]:
    """Every zone of the store in layout order, with the time spent in it by stays that ended in the period.

    A ``zone`` event carries the time in the zone it left and an ``exit`` the time in the last zone; ``dwell``
    events are running totals of a stay still going on and are not added (as `Journeys.dwell_by_zone`).
    """
    rows = fetch_all(
        db,
        "SELECT prev AS zone, SUM(dwell_s) AS seconds, COUNT(*) AS stays FROM journey_events "
        "WHERE event IN ('zone', 'exit') AND prev IS NOT NULL AND dwell_s IS NOT NULL AND t >= ? AND t < ? "
        "GROUP BY prev",
        [since, until],
    )
    found = {r["zone"]: (float(r["seconds"]), int(r["stays"])) for r in rows}
    return [ZoneDwell(z.id, *found.get(z.id, (0.0, 0))) for z in store.zones]


def campaign_results(db: sqlite_utils.Database, store: StoreLayout, since: float, until: float) -> list[CampaignResult]:
    """Each campaign of the store (in the store's priority order), then any campaign since deleted that still
    has pushes in the period: the members' pushes decided in the period, sent, opened and converted.

    Staff alerts are not counted (they go to the staff, not to a member). A purchase converts a push when it
    comes after the push was sent, within `CONVERSION_WINDOW_S` or before the visit it was sent in ended.
    """
    rows = fetch_all(
        db,
        "SELECT o.campaign_id AS campaign_id, COUNT(*) AS decided, SUM(o.sent IS NOT NULL) AS sent, "
        "SUM(o.opened IS NOT NULL) AS opened, "
        "SUM(o.sent IS NOT NULL AND EXISTS (SELECT 1 FROM receipts AS r WHERE r.member_id = o.member_id "
        "  AND r.t > o.sent AND (r.t <= o.sent + ? OR EXISTS (SELECT 1 FROM visits AS v "
        "    WHERE v.visit_id = o.visit AND v.member_id = o.member_id AND (v.ended IS NULL OR r.t <= v.ended))))"
        ") AS converted "
        "FROM outbox AS o WHERE o.channel = 'webpush' AND o.campaign_id IS NOT NULL AND o.created >= ? "
        "AND o.created < ? GROUP BY o.campaign_id",
        [CONVERSION_WINDOW_S, since, until],
    )
    counts = {r["campaign_id"]: r for r in rows}
    results: list[CampaignResult] = []
    for campaign in CampaignStore(db).list(store.id):
        r = counts.pop(campaign.id, None)
        wait_s = campaign.dwell_s if campaign.trigger in ENTRY_TRIGGERS else 0.0
        results.append(_result(campaign.id, campaign.name, campaign.trigger, r, wait_s))
    for campaign_id in sorted(counts):
        results.append(_result(campaign_id, campaign_id, "", counts[campaign_id]))
    return results


def _result(
    campaign_id: str, name: str, trigger: str, row: dict[str, object] | None, wait_s: float = 0.0
) -> CampaignResult:
    def count(key: str) -> int:
        value = None if row is None else row[key]
        return int(value) if isinstance(value, int | float) else 0

    return CampaignResult(
        campaign_id, name, trigger, count("decided"), count("sent"), count("opened"), count("converted"), wait_s
    )
