"""Runs a scenario through the production code and scores the hub's decisions against the ground truth.

    world adverts ──▶ one gateway Pipeline per gateway (the in-process fast path: the same decode, allow-list,
    filter and batching code as `corsia gateway`) ──▶ a batch per gateway per report interval ──▶ the hub's EID
    resolver and tag table ──▶ the presence engine ──▶ journey events ──▶ decided zone per device over time

Gateways report with staggered phases, as real ones do, and each batch reaches the hub `latency_s` later.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from edge.identity import EidResolver
from edge.presence import JourneyEvent, PresenceEngine, PresenceSettings
from edge.presence.offset_learning import GatewaySums, OffsetEstimate
from edge.store import StoreLayout
from firmware_sim.eval.batches import Counts, gateway_batches
from firmware_sim.eval.metrics import Scores, Timeline, score_device, score_phases
from firmware_sim.world import Scenario
from firmware_sim.world.receivers import receiver_changes
from gateway.filters import FilterSettings

TRUTH_STEP_S: Final = 0.1
"""The ground truth's sampling interval: each sample is 100 ms of in-store time in the scores."""
OFFSET_HISTORY_S: Final = 60.0
"""How often the run notes the offset corrections learned so far (`EvalResult.offset_history`)."""


@dataclass(frozen=True, slots=True)
class EvalSettings:
    filter: FilterSettings = field(default_factory=FilterSettings)
    presence: PresenceSettings = field(default_factory=PresenceSettings)
    report_interval_s: float = 1.0
    latency_s: float = 0.05  # gateway → broker → hub
    offset_sums: tuple[GatewaySums, ...] = ()
    """Offset learning the hub kept from before (`PresenceEngine.restore_offset_sums`): a hub that has learned."""


@dataclass(slots=True)
class EvalResult:
    scenario: str
    seed: int
    noise_db: float | None
    settings: EvalSettings
    layout: StoreLayout
    scores: Scores
    truth: dict[str, list[tuple[float, float, float, str | None]]]  # device -> (t, x, y, zone)
    decided: dict[str, Timeline]
    events: list[JourneyEvent]
    adverts: int = 0
    batches: int = 0
    items: int = 0
    unresolved_items: int = 0
    wall_s: float = 0.0
    offset_corrections: list[OffsetEstimate] = field(default_factory=list)
    """What the hub learned of its gateways' offsets over the run (`PresenceEngine.offset_corrections`)."""
    offset_sums: list[GatewaySums] = field(default_factory=list)
    """The same as the hub would keep them across a restart (`PresenceEngine.offset_sums`)."""
    offset_history: list[tuple[float, list[OffsetEstimate]]] = field(default_factory=list)
    """The same as it stood every `OFFSET_HISTORY_S` of the run: when a correction grew large enough to alert."""
    receiver_changes: dict[str, float] = field(default_factory=dict)
    """The world's receivers that read otherwise than the hub's offsets cancel (`firmware_sim.world.receivers`)."""


BatchObserver = Callable[[str, float, list[tuple[str, float]], list[JourneyEvent]], None]
"""Sees each batch once the engine has taken it: the gateway, the hub's time, the resolved ``(device, rssi)`` items
and the events the batch caused."""


def run(scenario: Scenario, settings: EvalSettings | None = None, *, name: str = "", seed: int = 0,
        noise_db: float | None = None, on_batch: BatchObserver | None = None) -> EvalResult:  # fmt: skip
    """Run `scenario` through the gateways' pipeline and the presence engine, and score the decisions; `on_batch`,
    when given, sees every batch and its events (for analyses of the readings themselves)."""
    settings = settings or EvalSettings()
    started = time.perf_counter()
    layout = scenario.layout
    resolver = EidResolver()
    for device, key, k in scenario.members:
        resolver.enroll(device, key, k)
    tags = {wire: device for device, wire in scenario.tags}
    tracked = {device for device, _key, _k in scenario.members} | set(tags.values())
    engine = PresenceEngine(layout, settings.presence)
    engine.restore_offset_sums(settings.offset_sums)

    next_tick = scenario.start_t + 1.0
    next_offsets = scenario.start_t + OFFSET_HISTORY_S
    decided: dict[str, Timeline] = defaultdict(Timeline)
    visit_starts: dict[str, list[float]] = defaultdict(list)
    events: list[JourneyEvent] = []
    result = EvalResult(name, seed, noise_db, settings, layout, Scores(), {}, decided, events)
    result.receiver_changes = receiver_changes(scenario)

    def take(new: list[JourneyEvent]) -> None:
        for ev in new:
            events.append(ev)
            if ev.event == "enter":
                visit_starts[ev.device].append(ev.t)
                decided[ev.device].set(ev.t, ev.zone)
            elif ev.event == "zone":
                decided[ev.device].set(ev.t, ev.zone)
            elif ev.event == "exit":
                decided[ev.device].set(ev.t, None)

    counts = Counts()
    until = scenario.start_t + scenario.duration_s + settings.presence.exit_timeout_s + 5.0
    for batch in gateway_batches(scenario, settings.filter, settings.report_interval_s, until, counts):
        due = batch.t
        while next_tick <= due:
            take(engine.tick(next_tick))
            if next_tick >= next_offsets:
                result.offset_history.append((next_tick, engine.offset_corrections()))
                next_offsets += OFFSET_HISTORY_S
            next_tick += 1.0
        resolved = []
        for item in batch.items:
            who = tags.get(item.id) if item.id.startswith("ib:") else resolver.resolve(item.id, due)
            if who is None:
                result.unresolved_items += 1  # a stranger: dropped here, never stored
            else:
                resolved.append((who, item.rssi))
        result.batches += 1
        result.items += len(batch.items)
        caused = engine.ingest(batch.gateway, batch.seq, due, resolved, now=due + settings.latency_s)
        if on_batch is not None:
            on_batch(batch.gateway, due + settings.latency_s, resolved, caused)
        take(caused)
    result.adverts = counts.adverts
    result.offset_corrections = engine.offset_corrections()
    result.offset_sums = engine.offset_sums()

    truth: dict[str, list[tuple[float, float, float, str | None]]] = defaultdict(list)
    for sample in scenario.truth(step_s=TRUTH_STEP_S):
        if sample.device_id in tracked:
            zone = sample.zone if sample.in_store else None
            truth[sample.device_id].append((sample.t, sample.x, sample.y, zone))
    result.truth = dict(truth)
    for device in tracked:
        series = [(t, zone) for t, _x, _y, zone in truth.get(device, [])]
        score_device(series, decided[device], visit_starts.get(device, []), result.scores)
        score_phases(truth.get(device, []), decided[device], result.scores)
    for device, starts in visit_starts.items():
        if device not in tracked:
            result.scores.false_visits += len(starts)
    enters = [ev.visit for ev in events if ev.event == "enter"]
    result.scores.resumed = len(enters) - len(set(enters))  # an enter whose visit had begun before continues it
    result.wall_s = time.perf_counter() - started
    return result
