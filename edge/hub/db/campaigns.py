"""Campaigns of each store, stored as `edge.hub.campaigns.model.Campaign` and given back equal to what was put.

Scalar fields have their own columns (so a store's campaigns can be listed by trigger); the texts and the
schedule are JSON: ``{"it": {"title", "body"}, "en": {...}}`` and ``{"starts", "ends", "weekdays",
"daily_from", "daily_until"}`` with ISO 8601 dates and times.
"""

from __future__ import annotations

import builtins
import json
import time
from collections.abc import Callable
from datetime import datetime
from datetime import time as daytime
from typing import Any

import sqlite_utils

from edge.hub.campaigns.model import KINDS, LANGUAGES, TRIGGERS, Campaign, Message, Schedule
from edge.hub.db.database import fetch_all, fetch_one, transaction
from edge.hub.db.errors import InvalidRecord


def schedule_to_json(schedule: Schedule) -> str:
    """A schedule as its JSON column."""
    return json.dumps(
        {
            "starts": None if schedule.starts is None else schedule.starts.isoformat(),
            "ends": None if schedule.ends is None else schedule.ends.isoformat(),
            "weekdays": sorted(schedule.weekdays),
            "daily_from": None if schedule.daily_from is None else schedule.daily_from.isoformat(),
            "daily_until": None if schedule.daily_until is None else schedule.daily_until.isoformat(),
        }
    )


def schedule_from_json(text: str) -> Schedule:
    """A schedule from its JSON column."""
    raw: dict[str, Any] = json.loads(text)

    def moment(key: str) -> datetime | None:
        return None if raw.get(key) is None else datetime.fromisoformat(raw[key])

    def clock(key: str) -> daytime | None:
        return None if raw.get(key) is None else daytime.fromisoformat(raw[key])

    return Schedule(
        starts=moment("starts"),
        ends=moment("ends"),
        weekdays=frozenset(int(d) for d in raw.get("weekdays", [])),
        daily_from=clock("daily_from"),
        daily_until=clock("daily_until"),
    )


def _check(campaign: Campaign) -> None:
    if not campaign.id.strip():
        raise InvalidRecord("id", "empty")
    if campaign.trigger not in TRIGGERS:
        raise InvalidRecord("trigger", "invalid", ", ".join(TRIGGERS))
    if campaign.kind not in KINDS:
        raise InvalidRecord("kind", "invalid", ", ".join(KINDS))
    for language in LANGUAGES:
        if language not in campaign.texts:
            raise InvalidRecord(f"texts.{language}", "required")
    for language in campaign.texts:
        if language not in LANGUAGES:
            raise InvalidRecord(f"texts.{language}", "invalid", ", ".join(LANGUAGES))
    if campaign.schedule.weekdays - set(range(1, 8)):
        raise InvalidRecord("schedule.weekdays", "invalid", "ISO weekdays 1 to 7")


def _campaign(row: dict[str, Any]) -> Campaign:
    texts = {lang: Message(m["title"], m["body"]) for lang, m in json.loads(row["texts"]).items()}
    return Campaign(
        id=row["campaign_id"],
        name=row["name"],
        trigger=row["trigger"],
        texts=texts,
        kind=row["kind"],
        enabled=bool(row["enabled"]),
        schedule=schedule_from_json(row["schedule"]),
        zone=row["zone"],
        dwell_s=float(row["dwell_s"]),
        sku=row["sku"],
        url=row["url"],
        priority=int(row["priority"]),
    )


class CampaignStore:
    """The campaigns of every store."""

    def __init__(self, db: sqlite_utils.Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def put(self, store: str, campaign: Campaign) -> None:
        """Create the campaign, or replace the store's campaign with the same id."""
        _check(campaign)
        texts = {lang: {"title": m.title, "body": m.body} for lang, m in campaign.texts.items()}
        with transaction(self.db):
            self.db.execute(
                "INSERT OR REPLACE INTO campaigns (store, campaign_id, name, trigger, kind, enabled, priority, zone, "
                "dwell_s, sku, url, texts, schedule, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    store, campaign.id, campaign.name, campaign.trigger, campaign.kind, int(campaign.enabled),
                    campaign.priority, campaign.zone, float(campaign.dwell_s), campaign.sku, campaign.url,
                    json.dumps(texts, ensure_ascii=False), schedule_to_json(campaign.schedule), self.clock(),
                ),
            )  # fmt: skip

    def get(self, store: str, campaign_id: str) -> Campaign | None:
        """The store's campaign with this id, or None."""
        row = fetch_one(self.db, "SELECT * FROM campaigns WHERE store = ? AND campaign_id = ?", [store, campaign_id])
        return None if row is None else _campaign(row)

    def list(self, store: str, trigger: str | None = None, enabled_only: bool = False) -> builtins.list[Campaign]:
        """The store's campaigns, highest priority first (then by id); only those of `trigger` when given, only
        the enabled ones with `enabled_only`."""
        sql = "SELECT * FROM campaigns WHERE store = ?"
        params: builtins.list[Any] = [store]
        if trigger is not None:
            sql += " AND trigger = ?"
            params.append(trigger)
        if enabled_only:
            sql += " AND enabled = 1"
        return [_campaign(r) for r in fetch_all(self.db, sql + " ORDER BY priority DESC, campaign_id", params)]

    def set_enabled(self, store: str, campaign_id: str, enabled: bool) -> bool:
        """Switch a campaign on or off; False when the store has no such campaign."""
        with transaction(self.db):
            cursor = self.db.execute(
                "UPDATE campaigns SET enabled = ?, updated = ? WHERE store = ? AND campaign_id = ?",
                (int(enabled), self.clock(), store, campaign_id),
            )
            return cursor.rowcount > 0

    def delete(self, store: str, campaign_id: str) -> bool:
        """Delete a campaign (its notifications stay in the outbox log); False when there was none."""
        with transaction(self.db):
            cursor = self.db.execute("DELETE FROM campaigns WHERE store = ? AND campaign_id = ?", [store, campaign_id])
            return cursor.rowcount > 0
