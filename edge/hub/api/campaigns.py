"""A store's campaigns: create, read, replace, delete, and the kill switch (enable / disable).

A campaign is checked before it is stored (`edge.hub.campaigns.validation`): both languages, placeholders the
trigger can fill, a zone of this store's layout for a dwell campaign. Mistakes answer 422 with the fields at
fault, so a store hears about them when it makes them.
"""

from __future__ import annotations

import re
import secrets
from datetime import time
from typing import Final

from flask import Response

from edge.hub.api import repos
from edge.hub.api.database import hub_context
from edge.hub.api.errors import Conflict, Invalid, NotFound
from edge.hub.api.routing import ADMIN, Answer, ApiBlueprint, no_content, reply
from edge.hub.api.store_schemas import (
    CampaignBody,
    CampaignList,
    CampaignView,
    MessageView,
    ScheduleView,
)
from edge.hub.campaigns.model import Campaign, Message, Schedule
from edge.hub.campaigns.validation import validate_campaign

api = ApiBlueprint("campaigns", __name__)

CAMPAIGN = Answer("The campaign", CampaignView)
_ID: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")


def _clock(text: str | None) -> time | None:
    return None if text is None else time.fromisoformat(text)


def _clock_text(value: time | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")


def to_campaign(campaign_id: str, body: CampaignBody) -> Campaign:
    """The campaign `body` describes, checked: `Invalid` names every field at fault."""
    s = body.schedule
    campaign = Campaign(
        id=campaign_id,
        name=body.name,
        trigger=body.trigger,
        texts={language: Message(m.title, m.body) for language, m in body.texts.items()},
        kind=body.kind,
        enabled=body.enabled,
        schedule=Schedule(
            starts=s.starts,
            ends=s.ends,
            weekdays=frozenset(s.weekdays),
            daily_from=_clock(s.daily_from),
            daily_until=_clock(s.daily_until),
        ),
        zone=body.zone,
        dwell_s=body.dwell_s,
        sku=body.sku,
        url=body.url,
        priority=body.priority,
    )
    problems = validate_campaign(campaign)
    zones = {z.id for z in hub_context().layout.zones}
    if campaign.zone is not None and campaign.zone not in zones:
        problems["zone"] = f"not a zone of this store (known: {', '.join(sorted(zones))})"
    if problems:
        raise Invalid("the campaign is not valid", problems)
    return campaign


def campaign_view(campaign: Campaign) -> CampaignView:
    """The answer for a stored campaign."""
    s = campaign.schedule
    return CampaignView(
        id=campaign.id,
        name=campaign.name,
        trigger=campaign.trigger,
        texts={language: MessageView(m.title, m.body) for language, m in sorted(campaign.texts.items())},
        kind=campaign.kind,
        enabled=campaign.enabled,
        schedule=ScheduleView(
            s.starts, s.ends, sorted(s.weekdays), _clock_text(s.daily_from), _clock_text(s.daily_until)
        ),
        zone=campaign.zone,
        dwell_s=campaign.dwell_s,
        sku=campaign.sku,
        url=campaign.url,
        priority=campaign.priority,
    )


def _found(store: str, campaign_id: str) -> Campaign:
    campaign = repos.campaigns().get(store, campaign_id)
    if campaign is None:
        raise NotFound("no such campaign", {"campaign": "unknown"})
    return campaign


@api.route(
    "GET", "/stores/<store>/campaigns",
    scopes=(ADMIN,), answers={200: Answer("The campaigns", CampaignList)},
)  # fmt: skip
def list_campaigns(store: str) -> Response:
    """The store's campaigns, highest priority first."""
    return reply(CampaignList([campaign_view(c) for c in repos.campaigns().list(store)]))


@api.route(
    "POST", "/stores/<store>/campaigns",
    scopes=(ADMIN,), body=CampaignBody, errors=(409,), answers={201: Answer("Created", CampaignView)},
)  # fmt: skip
def create_campaign(store: str, body: CampaignBody) -> Response:
    """Create a campaign."""
    campaign = to_campaign(body.id or "c-" + secrets.token_hex(4), body)
    campaigns = repos.campaigns()
    if campaigns.get(store, campaign.id) is not None:
        raise Conflict("a campaign with this id exists", {"id": "taken"}, code="duplicate")
    campaigns.put(store, campaign)
    return reply(campaign_view(campaign), 201)


@api.route(
    "GET", "/stores/<store>/campaigns/<campaign_id>",
    scopes=(ADMIN,), answers={200: CAMPAIGN},
)  # fmt: skip
def get_campaign(store: str, campaign_id: str) -> Response:
    """One campaign."""
    return reply(campaign_view(_found(store, campaign_id)))


@api.route(
    "PUT", "/stores/<store>/campaigns/<campaign_id>",
    scopes=(ADMIN,), body=CampaignBody, answers={200: CAMPAIGN},
)  # fmt: skip
def put_campaign(store: str, campaign_id: str, body: CampaignBody) -> Response:
    """Create or replace a campaign."""
    if not _ID.fullmatch(campaign_id):
        raise Invalid("a campaign id is lowercase letters, digits and dashes", {"campaign_id": "invalid"})
    if body.id is not None and body.id != campaign_id:
        raise Invalid("the body's id differs from the path's", {"id": "must match the path"})
    campaign = to_campaign(campaign_id, body)
    repos.campaigns().put(store, campaign)
    return reply(campaign_view(campaign))


@api.route(
    "DELETE", "/stores/<store>/campaigns/<campaign_id>",
    scopes=(ADMIN,), answers={204: Answer("Deleted")},
)  # fmt: skip
def delete_campaign(store: str, campaign_id: str) -> Response:
    """Delete a campaign (its sent notifications stay logged)."""
    if not repos.campaigns().delete(store, campaign_id):
        raise NotFound("no such campaign", {"campaign": "unknown"})
    return no_content()


@api.route(
    "POST", "/stores/<store>/campaigns/<campaign_id>/enable",
    scopes=(ADMIN,), answers={200: CAMPAIGN},
)  # fmt: skip
def enable_campaign(store: str, campaign_id: str) -> Response:
    """Switch a campaign on."""
    return _switch(store, campaign_id, enabled=True)


@api.route(
    "POST", "/stores/<store>/campaigns/<campaign_id>/disable",
    scopes=(ADMIN,), answers={200: CAMPAIGN},
)  # fmt: skip
def disable_campaign(store: str, campaign_id: str) -> Response:
    """The kill switch: no new decision from now on."""
    return _switch(store, campaign_id, enabled=False)


def _switch(store: str, campaign_id: str, *, enabled: bool) -> Response:
    campaigns = repos.campaigns()
    if not campaigns.set_enabled(store, campaign_id, enabled):
        raise NotFound("no such campaign", {"campaign": "unknown"})
    return reply(campaign_view(_found(store, campaign_id)))
