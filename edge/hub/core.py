"""The hub's core: sightings → identities → presence → journeys and campaign decisions → outbox, receipts →
thank-you, and IT's alerts. No MQTT and no HTTP here: the service feeds it messages and publishes what it returns.

One lock serialises everything the core owns (the presence engine, the EID table, the dwell and fleet watches,
its database connection). Each journey event is handled in one database transaction: the visit step, the
planner's decisions and their outbox rows are committed together or not at all.

Visits survive a hub restart: the presence engine starts empty and opens a new visit for a shopper who is still in
the store; if the member's last visit in the database was active within `exit_timeout_s` + `RESUME_GRACE_S`, the
new one is taken as that visit going on (same visit id), so "once per visit" campaigns are not sent again. A
visit that ended within `rejoin_s` before the start is recalled to the engine, which continues it if its device
comes back in time, as it does for the exits it saw itself.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from edge.config import HubConfig, HubSection
from edge.config.checks import parse_time_window
from edge.hub.campaigns import ENTRY_TRIGGERS, Event, PlannerConfig, Policy, Purchase, StoreEnter, ZoneDwell, plan
from edge.hub.db import (
    BeaconTags,
    CampaignStore,
    CouponRefused,
    Devices,
    Journeys,
    Ledger,
    Members,
    Notification,
    Outbox,
    Receipts,
    SecretBox,
    enforce_retention,
    transaction,
)
from edge.hub.db.offset_learning import OffsetLearning
from edge.hub.dwell import DwellWatch
from edge.hub.facts import FactsLoader
from edge.hub.feed import LiveFeed
from edge.hub.fleet import FleetWatch
from edge.hub.identities import DeviceIdentity, Identities, TagIdentity
from edge.hub.metrics import HubMetrics
from edge.presence import JourneyEvent, PresenceEngine, PresenceSettings, RadioModel
from edge.protocol import Alert, GatewayHealth, Journey, Receipt, Sightings
from edge.store import StoreLayout

if TYPE_CHECKING:
    from sqlite_utils import Database

    from edge.presence.offset_learning import OffsetEstimate

log = logging.getLogger("corsia.hub.core")

RESUME_GRACE_S = 60.0
VISIT: Final = "(visit)"
"""The one place `HubCore.visit_age` watches: the visit itself (not a zone id: those are slugs)."""
REFRESH_S = 2.0  # campaigns' dwell thresholds: a campaign added through the API applies within this
COPURCHASE_REFRESH_S = 3600.0
RETENTION_EVERY_S = 86400.0
OFFSETS_SAVE_S = 60.0  # the learned offsets' sums are kept this often: a power cut loses at most this much of them
COUPON_PERCENT = 10.0  # a purchase thank-you's coupon: 10% off the suggested products for 30 days
COUPON_VALID_S = 30 * 86400.0


def presence_settings(hub: HubSection) -> PresenceSettings:
    """The presence engine's settings from ``[hub]`` and ``[hub.presence]`` (the rest are the engine's defaults)."""
    p = hub.presence
    radio = RadioModel(
        path_loss_exponent=p.path_loss_exponent,
        shelf_loss_db=p.shelf_loss_db,
        gateway_height_m=p.gateway_height_m,
        body_loss_db=p.body_loss_db,
    )
    return PresenceSettings(
        exit_timeout_s=hub.exit_timeout_s,
        entrance_exit_s=hub.entrance_exit_s,
        rejoin_s=hub.rejoin_s,
        enter_min_dbm=hub.enter_min_dbm,
        enter_inside_min_dbm=hub.enter_inside_min_dbm,
        rejoin_inside_min_dbm=hub.rejoin_inside_min_dbm,
        door_exit_dbm=hub.door_exit_dbm,
        door_confirm_s=hub.door_confirm_s,
        rule=p.rule,  # type: ignore[arg-type]  # one of ZONE_RULES: the config checked it
        hmm_evidence=p.hmm_evidence,
        hmm_switch_p=p.hmm_switch_p,
        points_evidence=p.points_evidence,
        points_switch_p=p.points_switch_p,
        points_kind_motion=p.points_kind_motion,
        points_facing_redraw_p=p.points_facing_redraw_p,
        radio=radio,
    )


@dataclass(slots=True)
class Output:
    """What the service publishes after a call: journey steps and IT alerts."""

    journeys: list[Journey] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    planned: int = 0
    """Notifications written to the outbox by this call."""
    returns: set[str] = field(default_factory=set)
    """Visits whose ``enter`` in `journeys` continues them: the shopper came back within `rejoin_s`."""


class _Listener:
    """The API's `ChangeListener`: enqueue, so an HTTP thread never waits for the core's lock."""

    def __init__(self, changes: queue.SimpleQueue[tuple[str, str]]) -> None:
        self._changes = changes

    def device_enrolled(self, device_id: str, identity_key: bytes, k: int) -> None:
        del identity_key, k  # the core reads the sealed key from the database with its member
        self._changes.put(("device", device_id))

    def member_changed(self, member_id: str) -> None:
        self._changes.put(("member", member_id))


class HubCore:
    """See the module docstring. Every public method may be called from any thread."""

    def __init__(
        self,
        config: HubConfig,
        layout: StoreLayout,
        connect: Callable[[], Database],
        secret_key: bytes,
        *,
        metrics: HubMetrics | None = None,
        feed: LiveFeed | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        hub = config.hub
        self.config = config
        self.layout = layout
        self.metrics = metrics if metrics is not None else HubMetrics()
        self.feed = feed if feed is not None else LiveFeed(clock)
        self._clock = clock
        self._db = connect()
        self._lock = threading.RLock()
        started = clock()
        self.started = started
        """When this run began: the presence engine learns the gateways' offsets from then on."""
        settings = presence_settings(hub)
        # Visit ids must never repeat across runs: the run's start time in the prefix sees to it.
        self.engine = PresenceEngine(layout, settings, visit_prefix=f"v{int(started * 1000):x}-")
        self.identities = Identities()
        self.fleet = FleetWatch(
            [g.id for g in layout.gateways], silence_s=hub.gateway_silence_s, backlog=hub.spool_backlog_alert,
            started=started, offset_alert_db=hub.offset_alert_db,
        )  # fmt: skip
        self.policy = Policy(
            max_per_visit=hub.max_pushes_per_visit, max_per_day=hub.max_pushes_per_day,
            min_gap_s=hub.min_push_gap_s, quiet_hours=parse_time_window(hub.quiet_hours), tz=ZoneInfo(hub.timezone),
        )  # fmt: skip
        # Coupon codes and feedback links are keyed: derived from the hub's secret, never the secret itself.
        secret = hmac.new(secret_key, b"corsia campaigns v1", hashlib.sha256).digest()
        self.planner = PlannerConfig(secret=secret, base_url=hub.public_url, policy=self.policy)
        self.facts = FactsLoader(self._db, layout, self.policy, clock=clock)
        self._members = Members(self._db, clock)
        self._devices = Devices(self._db, SecretBox(secret_key), clock)
        self._tags = BeaconTags(self._db, clock)
        self._journeys = Journeys(self._db, clock)
        self._receipts = Receipts(self._db, clock)
        self._ledger = Ledger(self._db, clock, points_per_euro=hub.points_per_euro, multipliers=hub.multipliers)
        self._outbox = Outbox(self._db, clock)
        self._campaigns = CampaignStore(self._db, clock)
        self.dwell = DwellWatch({})
        # The store-entry campaigns that wait into the visit (`Campaign.dwell_s`): the same watch over one place,
        # the visit itself, entered at its start and left at its exit.
        self.visit_age = DwellWatch({})
        self._changes: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
        self.listener = _Listener(self._changes)
        self.on_outbox: Callable[[], None] = lambda: None
        """Called after notifications were written (the service wakes its dispatcher)."""
        self._refs: dict[str, str] = {}  # member id → pseudonymous ref for MQTT
        self._aliases: dict[str, str] = {}  # engine visit id → the database visit it continues
        self._occupancy: dict[str, int] = self.engine.occupancy()
        self._next_refresh = 0.0
        self._next_copurchase = 0.0
        self._next_retention = 0.0
        self._offset_learning = OffsetLearning(self._db, clock)
        self._offsets_since: dict[str, float] = {}  # per gateway, since when its offset is being learned
        self._next_offsets_save = 0.0
        self._loaded = False  # `start` has run: what is learned from here on is the hub's to keep

    # --- lifecycle -------------------------------------------------------------------------------------------

    def start(self, now: float) -> int:
        """Load the enrolled, consenting devices and the campaigns; close visits the hub missed the end of.
        Returns how many devices can be recognised."""
        with self._lock:
            rows = self._devices.keyring(consenting_only=True)
            tags = [TagIdentity(t.tag_id, t.member_id, t.wire_id) for t in self._tags.all(consenting_only=True)]
            count = self.identities.load((DeviceIdentity(d, m, key, k) for d, m, key, k in rows), tags=tags)
            self._journeys.close_stale(now - self.config.hub.exit_timeout_s - RESUME_GRACE_S)
            if self.config.hub.rejoin_s > 0:
                for device_id, visit_id, ended, zone in self._journeys.ended_since(now - self.config.hub.rejoin_s):
                    self.engine.recall(device_id, visit_id, ended, zone)
            offsets = self.engine.gateway_offsets()
            kept = self._offset_learning.load(offsets)
            self.engine.restore_offset_sums([k.sums for k in kept])
            self._offsets_since = dict.fromkeys(offsets, now) | {k.sums.gateway: k.since for k in kept}
            self._next_offsets_save = now + OFFSETS_SAVE_S
            self._loaded = True
            self._housekeeping(now)
            self.metrics.enrolled_devices.set(len(self.identities))
            return count

    def close(self) -> None:
        with self._lock:
            if self._loaded:  # keep what was learned since the last save
                self._save_offsets()
            self._db.close()

    # --- inputs ----------------------------------------------------------------------------------------------

    def on_sightings(self, batch: Sightings, now: float) -> Output:
        """One gateway batch: resolve, update presence, and decide on the visit steps it caused."""
        arrived = time.perf_counter()
        out = Output()
        with self._lock:
            self._apply_changes()
            self.fleet.sightings(batch.gw, now)
            items: list[tuple[str, float]] = []
            resolve = self.identities.resolve
            # Resolved at the hub's time, not the gateway's: a gateway whose clock is hours off would otherwise
            # make the EID table rebuild at every batch (its batches are then dropped as skewed anyway). The
            # table's tolerance of a window either side covers batches that arrive a little late.
            for item in batch.items:
                device = resolve(item.id, now)
                if device is not None:
                    items.append((device, item.rssi))
            m = self.metrics
            m.batches.labels(gateway=batch.gw).inc()
            m.items.labels(outcome="resolved").inc(len(items))
            m.items.labels(outcome="unresolved").inc(len(batch.items) - len(items))
            events = self.engine.ingest(batch.gw, batch.seq, batch.t, items, now)
            if events:
                self._handle(events, now, out)
                self._occupancy = self.engine.occupancy()
                self._to_feed(out)
        if out.planned:
            self.on_outbox()
            self.metrics.decision_latency.observe(time.perf_counter() - arrived)
        return out

    def on_receipt(self, receipt: Receipt, now: float) -> Output:
        """A POS receipt: stored once (QoS 1 redelivers), points, and the thank-you for a member."""
        out = Output()
        with self._lock, transaction(self._db):
            member = self._members.resolve_card(receipt.card) if receipt.card else None
            member_id = member.member_id if member is not None else None
            if not self._receipts.add(receipt, member_id):
                self.metrics.receipts.labels(outcome="duplicate").inc()
                return out
            self.metrics.receipts.labels(outcome="member" if member_id else "anonymous").inc()
            if member_id is None:
                return out
            self._ledger.earn(member_id, receipt)
            for code in receipt.coupons:
                try:
                    self._ledger.redeem(code, receipt.receipt, member_id, at=receipt.t)
                except CouponRefused as refused:
                    log.info("receipt %s: %s", receipt.receipt, refused)
            # The visit the purchase belongs to: going on, or just ended (a receipt can arrive after its shopper
            # walked out: the tills are by the doors, and the POS may publish late after an outage).
            visit = self._journeys.visit_at(member_id, receipt.t, self.config.hub.rejoin_s)
            visit = visit or self._journeys.open_visit(member_id)
            skus = frozenset(i.sku for i in receipt.items)
            event = Purchase(t=receipt.t, receipt=receipt.receipt, visit=visit.visit_id if visit else None, skus=skus)
            out.planned += self._decide(event, member_id)
            if visit is not None:
                out.journeys.append(
                    Journey(t=receipt.t, visit=visit.visit_id, member=self._ref(member_id), event="purchase",
                            zone=visit.last_zone)
                )  # fmt: skip
        self._to_feed(out)
        if out.planned:
            self.on_outbox()
        return out

    def on_gateway_status(self, gateway: str, online: bool, now: float) -> None:
        with self._lock:
            self.fleet.status(gateway, online, now)

    def on_gateway_health(self, gateway: str, health: GatewayHealth, now: float) -> None:
        with self._lock:
            self.fleet.health(gateway, health, now)

    def on_kiosk_status(self, kiosk: str, online: bool, now: float) -> None:
        with self._lock:
            self.fleet.kiosk_seen(kiosk, online, now)

    def tick(self, now: float) -> Output:
        """Exits and dwell thresholds that came due, IT alerts, and the periodic refreshes."""
        out = Output()
        with self._lock:
            self._apply_changes()
            events = self.engine.tick(now)
            if events:
                self._handle(events, now, out)
            for device, event in self._watched(now):
                member_id = self.identities.member_of(device)
                if member_id is None:
                    continue
                with transaction(self._db):
                    out.planned += self._decide(event, member_id)
            learned = self.engine.offset_corrections()
            # The alert reads the recent readings: the whole average since learning started dilutes a change.
            corrections = {e.gateway: e.recent_db for e in learned if e.recent_db is not None}
            out.alerts.extend(self.fleet.tick(now, self.engine.skewed_gateways(), corrections))
            self._occupancy = self.engine.occupancy()
            self._to_feed(out)
            self.metrics.devices_in_store.set(sum(self._occupancy.values()))
            self.metrics.alerts_active.set(len(self.fleet.active()))
            self._fleet_metrics(now, learned)
            self._housekeeping(now)
        if out.planned:
            self.on_outbox()
        return out

    def fleet_states(self) -> dict[str, str]:
        """Each gateway ``online`` or ``offline`` as of now (thread-safe)."""
        with self._lock:
            return self.fleet.states(self._clock())

    def _fleet_metrics(self, now: float, learned: list[OffsetEstimate]) -> None:
        m = self.metrics
        for gw, state in self.fleet.states(now).items():
            m.gateway_up.labels(gateway=gw).set(1 if state == "online" else 0)
        for gw, health in self.fleet.healths().items():
            m.gateway_adverts.labels(gateway=gw).set(health.adverts_per_s)
            m.gateway_spool.labels(gateway=gw).set(health.spool)
            m.gateway_restarts.labels(gateway=gw).set(health.scanner_restarts)
            m.gateway_rss.labels(gateway=gw).set(health.rss_mb * 1024 * 1024)
            if health.cpu_temp_c is not None:
                m.gateway_temp.labels(gateway=gw).set(health.cpu_temp_c)
        for estimate in learned:
            m.gateway_offset_samples.labels(gateway=estimate.gateway).set(estimate.samples)
            if estimate.correction_db is not None:
                m.gateway_offset_correction.labels(gateway=estimate.gateway).set(estimate.correction_db)
            if estimate.recent_db is not None:
                m.gateway_offset_recent.labels(gateway=estimate.gateway).set(estimate.recent_db)

    def _to_feed(self, out: Output) -> None:
        for journey in out.journeys:
            self.feed.publish("journey", {
                "t": journey.t, "event": journey.event, "zone": journey.zone, "prev": journey.prev,
                "member": journey.member, "visit": journey.visit, "dwell_s": journey.dwell_s,
                "again": journey.event == "enter" and journey.visit in out.returns,
            })  # fmt: skip
        for alert in out.alerts:
            self.feed.publish("alert", {"kind": alert.kind, "source": alert.source, "active": alert.active,
                                        "severity": alert.severity, "detail": alert.detail})  # fmt: skip

    def offset_corrections(self) -> tuple[dict[str, float], list[OffsetEstimate]]:
        """Since when each gateway's offset has been learned (kept across restarts while its offset stays the
        same), and its `rssi_offset` correction (thread-safe; empty unless the zone rule is ``hmm-points``)."""
        with self._lock:
            since = {g: self._offsets_since.get(g, self.started) for g in self.engine.gateway_offsets()}
            return since, self.engine.offset_corrections()

    def _save_offsets(self) -> None:
        sums = self.engine.offset_sums()
        if sums:
            self._offset_learning.save(sums, self.engine.gateway_offsets(), self._offsets_since)

    def occupancy_snapshot(self) -> dict[str, int]:
        """Devices per zone as of the last tick or batch (a copy: safe from any thread)."""
        return dict(self._occupancy)

    # --- decisions -------------------------------------------------------------------------------------------

    def _handle(self, events: Iterable[JourneyEvent], now: float, out: Output) -> None:
        # One transaction for all the events of a batch: one disk sync, and a batch is taken whole or not at all.
        with transaction(self._db):
            for event in events:
                member_id = self.identities.member_of(event.device)
                if member_id is None:
                    continue  # the device was removed (consent withdrawn) while its visit was open
                self.metrics.journey_events.labels(event=event.event).inc()
                step = self._continue_visit(event, member_id, now)
                again = step is not None and step.event == "enter" and self._journeys.exists(step.visit)
                if step is None or not self._journeys.record(step, member_id):
                    continue  # resumed after a restart, or no proximity consent any more: nothing is kept
                if again:
                    out.returns.add(step.visit)
                if step.event == "enter":
                    self.dwell.on_zone(step.device, step.visit, step.zone or "", step.t)
                    self.visit_age.on_zone(step.device, step.visit, VISIT, step.t)
                    out.planned += self._decide(StoreEnter(t=step.t, visit=step.visit, zone=step.zone), member_id)
                elif step.event == "zone":
                    self.dwell.on_zone(step.device, step.visit, step.zone or "", step.t)
                elif step.event == "exit":
                    self.dwell.on_exit(step.device)
                    self.visit_age.on_exit(step.device)
                    self._aliases.pop(event.visit, None)
                out.journeys.append(step.to_journey(self._ref(member_id)))

    def _continue_visit(self, event: JourneyEvent, member_id: str, now: float) -> JourneyEvent | None:
        """The event with the visit id the database knows it by; None for an ``enter`` that only resumes a
        visit the hub was following before it restarted."""
        alias = self._aliases.get(event.visit)
        if alias is not None:
            return replace(event, visit=alias)
        if event.event != "enter":
            return event
        last = self._journeys.open_visit(member_id)
        if last is None or last.visit_id == event.visit:
            return event
        if now - last.last_t <= self.config.hub.exit_timeout_s + RESUME_GRACE_S:
            self._aliases[event.visit] = last.visit_id
            self.dwell.on_zone(event.device, last.visit_id, event.zone or "", event.t)
            # The visit's age runs from its real start: a wait that passed while the hub was away is due now.
            self.visit_age.on_zone(event.device, last.visit_id, VISIT, last.started)
            if event.zone != last.last_zone:
                return replace(event, visit=last.visit_id, event="zone", prev=last.last_zone, dwell_s=None)
            return None
        # The visit ended while the hub was away: close it where it was last seen.
        self._journeys.record(
            JourneyEvent(t=last.last_t, device=last.device_id, visit=last.visit_id, event="exit", zone=None,
                         prev=last.last_zone, dwell_s=None),
            member_id,
        )  # fmt: skip
        return event

    def _decide(self, event: Event, member_id: str) -> int:
        """Plan `event` for the member and write the notifications (inside the caller's transaction)."""
        member = self.facts.member(member_id)
        if member is None:
            return 0
        decision = plan(event, self.facts.for_event(event, member), self.planner)
        written = 0
        ref = self._ref(member_id)
        for p in decision.planned:
            row = Notification(
                idempotency_key=p.idempotency_key, channel=p.channel, kind=p.kind, payload=p.payload,
                member_id=p.member_id, campaign_id=p.campaign_id, visit=p.visit, created=p.t,
            )  # fmt: skip
            if self._outbox.enqueue(row) is not None:
                written += 1
                coupon = p.payload.get("coupon")
                if isinstance(coupon, dict) and coupon.get("code"):
                    self._ledger.issue(
                        member_id, str(coupon["code"]), percent=COUPON_PERCENT, valid_until=p.t + COUPON_VALID_S,
                        skus=[str(s) for s in coupon.get("skus") or ()], source=f"campaign:{p.campaign_id}",
                    )  # fmt: skip
                self.feed.publish("notification", {
                    "state": "decided", "campaign": p.campaign_id, "trigger": p.trigger, "channel": p.channel,
                    "kind": p.kind, "member": ref, "visit": p.visit,
                })  # fmt: skip
        decisions = self.metrics.decisions
        decisions.labels(outcome="planned").inc(len(decision.planned))
        for refusal in decision.refused:
            decisions.labels(outcome=refusal.reason).inc()
        return written

    # --- changes and housekeeping ----------------------------------------------------------------------------

    def _apply_changes(self) -> None:
        """Follow what the API changed: new devices, consents, erasures."""
        members: set[str] = set()
        while True:
            try:
                kind, ident = self._changes.get_nowait()
            except queue.Empty:
                break
            if kind == "device":
                member_id = self._devices.member_of(ident)
                if member_id is not None:
                    members.add(member_id)
            else:
                members.add(ident)
        for member_id in members:
            self._refs.pop(member_id, None)
            consents = self.facts.member(member_id)
            proximity = consents is not None and consents.consents.proximity
            devices = [DeviceIdentity(d, m, key, k) for d, m, key, k in self._devices.keyring(member_id=member_id)]
            tags = [TagIdentity(t.tag_id, t.member_id, t.wire_id) for t in self._tags.all(member_id=member_id)]
            self.identities.set_member(member_id, devices, proximity, tags)
        if members:
            self.metrics.enrolled_devices.set(len(self.identities))

    def _watched(self, now: float) -> Iterator[tuple[str, Event]]:
        """The campaign events the watches have due, with their devices: zone dwells, then waits into the visit."""
        for crossed in self.dwell.due(now):
            yield crossed.device, ZoneDwell(t=now, visit=crossed.visit, zone=crossed.zone, dwell_s=crossed.dwell_s)
        for crossed in self.visit_age.due(now):
            zone = self.dwell.zone_of(crossed.device)
            yield crossed.device, StoreEnter(t=now, visit=crossed.visit, zone=zone, after_s=crossed.threshold_s)

    def _housekeeping(self, now: float) -> None:
        if now >= self._next_refresh:
            # One read of the enabled campaigns for both watches: the zones' dwells and the waits into the visit.
            thresholds: dict[str, list[float]] = {}
            waits: list[float] = []
            for campaign in self._campaigns.list(self.layout.id, enabled_only=True):
                if campaign.trigger == "zone_dwell" and campaign.zone is not None:
                    thresholds.setdefault(campaign.zone, []).append(campaign.dwell_s)
                elif campaign.trigger in ENTRY_TRIGGERS and campaign.dwell_s > 0:
                    waits.append(campaign.dwell_s)
            self.dwell.set_thresholds(thresholds)
            self.visit_age.set_thresholds({VISIT: waits})
            self._next_refresh = now + REFRESH_S
        if now >= self._next_copurchase:
            self.facts.refresh_copurchase()
            self._next_copurchase = now + COPURCHASE_REFRESH_S
        if now >= self._next_retention:
            hub = self.config.hub
            removed = enforce_retention(
                self._db, now, presence_days=hub.presence_retention_days,
                profiling_days=hub.profiling_retention_days, marketing_days=hub.marketing_retention_days,
            )  # fmt: skip
            if any(removed.values()):
                log.info("retention: removed %s", removed)
            self._next_retention = now + RETENTION_EVERY_S
        if self._loaded and now >= self._next_offsets_save:
            self._save_offsets()
            self._next_offsets_save = now + OFFSETS_SAVE_S

    def _ref(self, member_id: str) -> str:
        ref = self._refs.get(member_id)
        if ref is None:
            member = self._members.get(member_id)
            ref = member.ref if member is not None else "erased"
            self._refs[member_id] = ref
        return ref
