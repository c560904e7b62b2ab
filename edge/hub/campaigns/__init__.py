"""Campaigns: what a store wants to say, and the pure rules that decide whether to say it now.

    config = PlannerConfig(secret=secret, base_url="https://hub.example.it")
    result = plan(StoreEnter(t, visit="v17", zone="entrance"), facts, config)
    result.planned   # notifications for the outbox, each with a deterministic idempotency key
    result.refused   # campaigns that applied but were not sent, each with its reason

No database, MQTT, HTTP or clock here: the hub's service fetches the facts, calls `plan` and writes the result
in one transaction. Triggers, rules, defaults, texts and co-purchase: docs/campaigns.md.
"""

from edge.hub.campaigns.copurchase import CoPurchase
from edge.hub.campaigns.decisions import CHANNELS, Channel, Plan, Planned, Refusal
from edge.hub.campaigns.errors import CampaignError, SettingsError, TemplateError
from edge.hub.campaigns.facts import (
    Consents,
    Event,
    Facts,
    History,
    Label,
    MemberFacts,
    PickupOrder,
    Policy,
    ProductHere,
    Purchase,
    StoreEnter,
    ZoneDwell,
)
from edge.hub.campaigns.model import (
    ENTRY_TRIGGERS,
    KINDS,
    LANGUAGES,
    TRIGGERS,
    Campaign,
    Kind,
    Language,
    Message,
    Schedule,
    Trigger,
)
from edge.hub.campaigns.planner import PlannerConfig, applicable, plan, triggers_of
from edge.hub.campaigns.rules import REASONS, Reason, local_day
from edge.hub.campaigns.texts import DEFAULT_TEXTS, PLACEHOLDERS, default_campaigns, render, validate_template
from edge.hub.campaigns.validation import validate_campaign

__all__ = [
    "CHANNELS",
    "DEFAULT_TEXTS",
    "ENTRY_TRIGGERS",
    "KINDS",
    "LANGUAGES",
    "PLACEHOLDERS",
    "REASONS",
    "TRIGGERS",
    "Campaign",
    "CampaignError",
    "Channel",
    "CoPurchase",
    "Consents",
    "Event",
    "Facts",
    "History",
    "Kind",
    "Label",
    "Language",
    "MemberFacts",
    "Message",
    "PickupOrder",
    "Plan",
    "Planned",
    "PlannerConfig",
    "Policy",
    "ProductHere",
    "Purchase",
    "Reason",
    "Refusal",
    "Schedule",
    "SettingsError",
    "StoreEnter",
    "TemplateError",
    "Trigger",
    "ZoneDwell",
    "applicable",
    "default_campaigns",
    "local_day",
    "plan",
    "render",
    "triggers_of",
    "validate_campaign",
    "validate_template",
]
