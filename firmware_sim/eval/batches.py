"""A scenario's adverts through one gateway `Pipeline` per gateway: the batches the gateways would publish.

The in-process fast path: the same decode, allow-list, filter and batching code as `corsia gateway`, without
BlueZ or MQTT. Gateways report every `interval` seconds with staggered phases, as real ones do.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass

from edge.protocol import Sighting
from firmware_sim.world import Scenario
from gateway.allowlist import AllowList
from gateway.filters import FilterSettings
from gateway.pipeline import Pipeline


@dataclass(frozen=True, slots=True)
class Batch:
    """One gateway's report: its `seq` (from 1), when it was made, and the sightings in it."""

    gateway: str
    seq: int
    t: float
    items: list[Sighting]


@dataclass(slots=True)
class Counts:
    """What went in: adverts fed to the gateways."""

    adverts: int = 0


def allow_list(scenario: Scenario) -> AllowList:
    """The gateways' allow-list for `scenario`: every EID, and the enrolled tags' iBeacon UUIDs."""
    return AllowList.build(eid=True, ibeacon_uuids=scenario.tag_uuids)


def gateway_batches(
    scenario: Scenario,
    filter_settings: FilterSettings,
    interval_s: float,
    until: float,
    counts: Counts | None = None,
) -> Iterator[Batch]:
    """Every gateway's batches, in time order, up to `until` (Unix s): each batch is collected once every advert
    heard before it was fed. `counts`, when given, is updated as adverts are fed."""
    allow = allow_list(scenario)
    gateways = [g.id for g in scenario.layout.gateways]
    pipelines = {gw: Pipeline(allow, filter_settings) for gw in gateways}
    reports = [(scenario.start_t + interval_s * (1 + i / len(gateways)), gw) for i, gw in enumerate(gateways)]
    heapq.heapify(reports)
    seqs = dict.fromkeys(gateways, 0)

    def due_until(t: float) -> Iterator[Batch]:
        while reports and reports[0][0] <= t:
            due, gw = heapq.heappop(reports)
            seqs[gw] += 1
            yield Batch(gw, seqs[gw], due, pipelines[gw].collect(due))
            heapq.heappush(reports, (due + interval_s, gw))

    for t, gw, advert in scenario.adverts():
        yield from due_until(t)
        pipelines[gw].feed(advert.manufacturer_data, advert.service_data, advert.rssi, t)
        if counts is not None:
            counts.adverts += 1
    yield from due_until(until)
