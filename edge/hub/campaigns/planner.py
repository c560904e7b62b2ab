"""The planner: from one event and the facts about the member, the notifications to send and the refusals.

    plan(StoreEnter(t, visit, zone), facts, config) -> Plan(planned=(...), refused=(...))

Pure: no database, no MQTT, no clock. The campaigns that apply to the event (by trigger, and for a dwell by zone
and `Campaign.dwell_s`) are taken by priority, highest first, then by id. Each goes through the rules of
`edge.hub.campaigns.rules` in order; what one campaign plans counts in the caps of the next ones in the same
call, as it will in the outbox. What each trigger says:

``store_enter``
    At the visit's start, or `Campaign.dwell_s` into it (``StoreEnter.after_s``). With a `Campaign.sku`: that
    product, where it is, if it is in stock (else ``out_of_stock``). Without one, if its texts name a product:
    the member's first wishlist item carried here (in stock ones first), where it is, whether it is in stock, and
    how many other saved items are here. Otherwise a plain message.
``zone_dwell``
    The same, with wishlist items limited to the dwell zone and in stock.
``pickup_arrival`` (on a store entry, or `Campaign.dwell_s` into the visit, when the member has ready orders)
    Per order, a ``staff`` alert and a push to the member pointing at the pickup desk.
``purchase``
    A thank-you with a coupon for up to `PlannerConfig.coupon_products` related products (co-purchase with
    profiling consent, the store's bestsellers without), never one just bought, and a feedback link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from edge.hub.campaigns.decisions import Channel, Plan, Planned, Refusal
from edge.hub.campaigns.errors import SettingsError, TemplateError
from edge.hub.campaigns.facts import (
    Event,
    Facts,
    History,
    PickupOrder,
    Policy,
    ProductHere,
    Purchase,
    StoreEnter,
    ZoneDwell,
)
from edge.hub.campaigns.keys import MIN_SECRET_BYTES, coupon_code, feedback_token, notification_key
from edge.hub.campaigns.model import ENTRY_TRIGGERS, Campaign, Kind, Language, Message, Trigger
from edge.hub.campaigns.rules import Reason, check_campaign, check_just_bought, check_pacing, check_stock
from edge.hub.campaigns.texts import (
    COUPON,
    PRODUCT,
    STAFF_PICKUP,
    availability,
    desk,
    join_names,
    message_placeholders,
    others,
    render,
    render_message,
    where,
)

MAX_COUPON_PRODUCTS: Final = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class PlannerConfig:
    """The hub's settings for the planner."""

    secret: bytes
    """Keys the coupon codes and feedback tokens (at least 16 bytes; keep it across restarts, or replays of old
    events make different codes)."""
    base_url: str
    """The hub's public address (``https://hub.example.it``): feedback links and the default push link."""
    policy: Policy = field(default_factory=Policy)
    coupon_products: int = 3

    def __post_init__(self) -> None:
        if not isinstance(self.secret, bytes) or len(self.secret) < MIN_SECRET_BYTES:
            raise SettingsError("secret", f"must be at least {MIN_SECRET_BYTES} bytes")
        if not self.base_url.startswith(("https://", "http://")):
            raise SettingsError("base_url", f"must be an http(s) address, got {self.base_url!r}")
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        n = self.coupon_products
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_COUPON_PRODUCTS:
            raise SettingsError("coupon_products", f"must be from 1 to {MAX_COUPON_PRODUCTS}, got {n!r}")


def plan(event: Event, facts: Facts, config: PlannerConfig) -> Plan:
    """The notifications `event` calls for, given `facts`, and the campaigns refused with their reasons."""
    run = _Run(event, facts, config)
    for campaign in applicable(event, facts):
        run.consider(campaign)
    return Plan(tuple(run.planned), tuple(run.refused))


def triggers_of(event: Event) -> tuple[Trigger, ...]:
    """The triggers an event can fire."""
    if isinstance(event, ZoneDwell):
        return ("zone_dwell",)
    if isinstance(event, Purchase):
        return ("purchase",)
    return ENTRY_TRIGGERS


def applicable(event: Event, facts: Facts) -> list[Campaign]:
    """The campaigns that apply to `event`, highest priority first (ties by id, so the order is stable).
    A campaign that does not apply (another zone, a dwell not reached yet, a store-entry campaign that waits
    longer into the visit, a pickup campaign for a member with no ready order) is not a refusal: it is simply not
    about this event."""
    triggers = triggers_of(event)
    chosen = []
    for c in facts.campaigns:
        if c.trigger not in triggers:
            continue
        if isinstance(event, ZoneDwell) and (c.zone != event.zone or event.dwell_s < c.dwell_s):
            continue
        if isinstance(event, StoreEnter) and not _waited(c.dwell_s, event.after_s):
            continue
        if c.trigger == "pickup_arrival" and not facts.pickups:
            continue
        chosen.append(c)
    return sorted(chosen, key=lambda c: (-c.priority, c.id))


def _waited(dwell_s: float, after_s: float) -> bool:
    """Whether a store-entry campaign waiting `dwell_s` into the visit fires `after_s` into it: at the start
    those that do not wait, later those whose wait has passed (each only once: see `check_once_per_visit`)."""
    return dwell_s <= 0.0 if after_s <= 0.0 else 0.0 < dwell_s <= after_s


@dataclass(slots=True)
class _Draft:
    """What a campaign will say, before the caps decide whether it goes."""

    values: dict[str, str]
    extra: dict[str, object] = field(default_factory=dict)
    url: str | None = None


class _Run:
    """One call of `plan`: the facts, and the history as it grows with each campaign planned."""

    def __init__(self, event: Event, facts: Facts, config: PlannerConfig) -> None:
        self.event = event
        self.facts = facts
        self.config = config
        self.member = facts.member
        self.language: Language = facts.member.language
        self.history = facts.history
        self.planned: list[Planned] = []
        self.refused: list[Refusal] = []

    def consider(self, campaign: Campaign) -> None:
        """Plan `campaign`, or record why not."""
        event = self.event
        reason = check_campaign(campaign, event.t, event.visit, self.member.consents, self.history, self.config.policy)
        outcome = reason if reason is not None else self._decide(campaign)
        if isinstance(outcome, str):
            self.refused.append(Refusal(campaign.id, campaign.trigger, outcome, self.member.member_id))
            return
        self.planned.extend(outcome)
        self._record(campaign)

    def _decide(self, campaign: Campaign) -> list[Planned] | Reason:
        try:
            outcome = self._pickup(campaign) if campaign.trigger == "pickup_arrival" else self._push(campaign)
        except TemplateError:
            return "bad_template"
        if isinstance(outcome, str):
            return outcome
        event = self.event
        return check_pacing(campaign.kind, event.t, event.visit, self.history, self.config.policy) or outcome

    def _record(self, campaign: Campaign) -> None:
        # Later campaigns of this call see this one as the outbox will show it to the next event.
        h = self.history
        visit = self.event.visit
        campaigns = h.visit_campaigns | {campaign.id} if visit is not None else h.visit_campaigns
        if any(p.counts_against_caps for p in self.planned if p.campaign_id == campaign.id):
            self.history = History(
                visit_marketing=h.visit_marketing + (1 if visit is not None else 0),
                day_marketing=h.day_marketing + 1,
                last_marketing_t=self.event.t,
                visit_campaigns=campaigns,
            )
        else:
            self.history = History(h.visit_marketing, h.day_marketing, h.last_marketing_t, campaigns)

    # --- what each trigger says ------------------------------------------------------------------------------

    def _base_values(self) -> dict[str, str]:
        zone = getattr(self.event, "zone", None)
        label = self.facts.zones.get(zone) if zone is not None else None
        return {
            "first_name": self.member.first_name,
            "store": self.facts.store_name,
            "zone": label.text(self.language) if label is not None else (zone or ""),
        }

    def _message(self, campaign: Campaign) -> Message:
        message = campaign.texts.get(self.language) or campaign.texts.get("it")
        if message is None:
            raise TemplateError("", [f"campaign {campaign.id!r} has no text in {self.language!r} nor Italian"])
        return message

    def _push(self, campaign: Campaign) -> list[Planned] | Reason:
        draft = self._purchase(campaign) if isinstance(self.event, Purchase) else self._product(campaign)
        if isinstance(draft, str):
            return draft
        text = render_message(self._message(campaign), draft.values)
        payload: dict[str, object] = {
            "title": text.title,
            "body": text.body,
            "url": campaign.url or draft.url or self.config.base_url,
            "lang": self.language,
            "kind": campaign.kind,
            "campaign": campaign.id,
            "trigger": campaign.trigger,
            **draft.extra,
        }
        return [self._planned(campaign, self._key(campaign, "webpush"), "webpush", payload)]

    def _product(self, campaign: Campaign) -> _Draft | Reason:
        values = self._base_values()
        recent = self.facts.recent
        if campaign.sku is not None:
            product = self.facts.promoted.get(campaign.sku)
            reason = check_just_bought(campaign.sku, recent) or check_stock(product)
            if reason is not None or product is None:
                return reason or "out_of_stock"
            return _Draft(values | self._product_values(product, 0), {"sku": product.sku})
        if not message_placeholders(campaign.texts) & PRODUCT:
            return _Draft(values)
        dwell_zone = self.event.zone if isinstance(self.event, ZoneDwell) else None
        here = [p for p in self.facts.wishlist if p.located and (dwell_zone is None or p.zone == dwell_zone)]
        if not here:
            return "nothing_to_say"
        fresh = [p for p in here if p.sku not in recent]
        if not fresh:
            return "just_bought"
        if dwell_zone is not None:  # standing in the aisle, only what can be taken off the shelf is worth a push
            fresh = [p for p in fresh if p.in_stock]
            if not fresh:
                return "out_of_stock"
        lead = next((p for p in fresh if p.in_stock), fresh[0])
        return _Draft(values | self._product_values(lead, len(fresh) - 1), {"sku": lead.sku})

    def _product_values(self, product: ProductHere, more: int) -> dict[str, str]:
        lang = self.language
        return {
            "product": product.name,
            "zone": product.zone_label.text(lang) if product.zone_label is not None else (product.zone or ""),
            "shelf": product.shelf or "",
            "where": where(lang, product),
            "availability": availability(lang, product),
            "others": others(lang, more),
        }

    def _purchase(self, campaign: Campaign) -> _Draft | Reason:
        assert isinstance(self.event, Purchase)
        bought = self.facts.recent | self.event.skus
        products: list[ProductHere] = []
        if campaign.sku is not None:
            product = self.facts.promoted.get(campaign.sku)
            reason = check_just_bought(campaign.sku, bought) or check_stock(product)
            if reason is not None or product is None:
                return reason or "out_of_stock"
            products = [product]
        elif message_placeholders(campaign.texts) & COUPON:
            consents = self.member.consents
            pool = self.facts.related if consents.profiling else self.facts.popular
            first_reason: Reason | None = None
            for p in pool:
                why = check_just_bought(p.sku, bought) or check_stock(p)
                if why is not None:
                    first_reason = first_reason or why
                elif all(q.sku != p.sku for q in products):
                    products.append(p)
                if len(products) == self.config.coupon_products:
                    break
            if not products:
                return first_reason or "nothing_to_say"
        key = self._key(campaign, "webpush")
        feedback = f"{self.config.base_url}/feedback/{feedback_token(self.config.secret, key)}"
        values = self._base_values() | {"feedback_url": feedback, "coupon": "", "products": ""}
        extra: dict[str, object] = {"feedback_url": feedback}
        if products:
            code = coupon_code(self.config.secret, key)
            values |= {"coupon": code, "products": join_names(self.language, [p.name for p in products])}
            extra["coupon"] = {"code": code, "skus": [p.sku for p in products]}
        return _Draft(values, extra, url=feedback)

    def _pickup(self, campaign: Campaign) -> list[Planned] | Reason:
        message = self._message(campaign)
        planned: list[Planned] = []
        for order in self.facts.pickups:
            planned.append(self._staff_alert(campaign, order))
            values = self._base_values() | {"order": order.order_id, "desk": desk(self.language, order)}
            text = render_message(message, values)
            payload: dict[str, object] = {
                "title": text.title,
                "body": text.body,
                "url": campaign.url or self.config.base_url,
                "lang": self.language,
                "kind": campaign.kind,
                "campaign": campaign.id,
                "trigger": campaign.trigger,
                "order": order.order_id,
            }
            key = self._key(campaign, "webpush", order.order_id)
            planned.append(self._planned(campaign, key, "webpush", payload))
        return planned

    def _staff_alert(self, campaign: Campaign, order: PickupOrder) -> Planned:
        values = {"order": order.order_id}
        payload: dict[str, object] = {
            "t": self.event.t,
            "kind": "pickup_arrival",
            "text": {lang: render(text, values) for lang, text in STAFF_PICKUP.items()},
            "order": order.order_id,
            "zone": getattr(self.event, "zone", None),
        }
        # Always a service message: it tells the staff, it markets nothing to the member, so no cap counts it.
        key = self._key(campaign, "staff", order.order_id)
        return self._planned(campaign, key, "staff", payload, kind="service")

    # --- identities ------------------------------------------------------------------------------------------

    def _key(self, campaign: Campaign, channel: Channel, part: str = "") -> str:
        event = self.event
        scope = f"receipt:{event.receipt}" if isinstance(event, Purchase) else f"visit:{event.visit}"
        return notification_key(campaign.trigger, campaign.id, scope, self.member.member_id, channel, part)

    def _planned(
        self, campaign: Campaign, key: str, channel: Channel, payload: dict[str, object], kind: Kind | None = None
    ) -> Planned:
        return Planned(
            idempotency_key=key,
            member_id=self.member.member_id,
            campaign_id=campaign.id,
            trigger=campaign.trigger,
            visit=self.event.visit,
            channel=channel,
            kind=kind or campaign.kind,
            t=self.event.t,
            payload=payload,
        )
