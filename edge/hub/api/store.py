"""The store floor for its managers: who is where now (anonymous counts) and how visits went."""

from __future__ import annotations

from flask import Response

from edge.hub.api import repos
from edge.hub.api.database import hub_context
from edge.hub.api.errors import Invalid
from edge.hub.api.routing import ADMIN, Answer, ApiBlueprint, reply
from edge.hub.api.store_schemas import (
    GatewayOffset,
    GatewayOffsets,
    Occupancy,
    VisitsAnswer,
    VisitsQuery,
    VisitView,
)
from edge.presence.offset_learning import MIN_SAMPLES

api = ApiBlueprint("store", __name__)


@api.route(
    "GET", "/stores/<store>/occupancy",
    scopes=(ADMIN,), answers={200: Answer("The counts", Occupancy)},
)  # fmt: skip
def occupancy(store: str) -> Response:
    """Members' devices per zone now (every zone of the layout, anonymous)."""
    ctx = hub_context()
    live = ctx.occupancy() if ctx.occupancy is not None else {}
    # Every zone of the layout, so a dashboard draws empty aisles too; nothing outside the layout.
    zones = {zone.id: int(live.get(zone.id, 0)) for zone in ctx.layout.zones}
    return reply(Occupancy(zones=zones, total=sum(zones.values())))


@api.route(
    "GET", "/stores/<store>/gateways/offsets",
    scopes=(ADMIN,), answers={200: Answer("The offsets and their learned corrections", GatewayOffsets)},
)  # fmt: skip
def gateway_offsets(store: str) -> Response:
    """Each gateway's `rssi_offset`, and the correction learned from the shoppers' readings against it. Nothing
    changes by itself: a store accepts the suggestions by writing them into the layout and restarting the hub."""
    ctx = hub_context()
    now = ctx.clock()
    since, learned = ctx.offsets() if ctx.offsets is not None else ({}, [])
    found = {e.gateway: e for e in learned}
    rows = []
    for g in ctx.layout.gateways:
        e = found.get(g.id)
        correction = e.correction_db if e is not None else None
        suggested = round(g.rssi_offset + correction, 1) if correction is not None else None
        rows.append(GatewayOffset(
            g.id, g.rssi_offset, correction, suggested, e.samples if e is not None else 0,
            e.rms_db if e is not None else None, since.get(g.id, now), e.recent_db if e is not None else None,
        ))  # fmt: skip
    return reply(GatewayOffsets(min((r.since for r in rows), default=now), MIN_SAMPLES, rows))


@api.route(
    "GET", "/stores/<store>/visits",
    scopes=(ADMIN,), query=VisitsQuery, answers={200: Answer("The visits", VisitsAnswer)},
)  # fmt: skip
def visits(store: str, query: VisitsQuery) -> Response:
    """Visits overlapping a time range, and the seconds spent in each zone."""
    until = query.until if query.until is not None else hub_context().clock()
    if until < query.since:
        raise Invalid("until is before since", {"until": "before since"})
    journeys = repos.journeys()
    found = [
        VisitView(v.visit_id, v.started, v.ended, v.last_zone, list(v.zones))
        for v in journeys.visits(query.since, until, query.member_id)
    ]
    # Dwell is for the whole store: a per-member filter narrows the list of visits only.
    return reply(VisitsAnswer(query.since, until, found, journeys.dwell_by_zone(query.since, until)))
