"""One realistic example payload per topic: the examples in ``docs/mqtt.md`` and the tests' seeds.

A test checks that each example's JSON appears verbatim in the documentation, so the two cannot drift.
"""

from __future__ import annotations

from typing import Final

from edge.protocol import messages as m
from edge.protocol.topics import Topic

T: Final = 1795392000.25  # 2026-11-23 09:20 UTC
STARTED: Final = 1795370000.0

EXAMPLES: Final[dict[Topic, m.Message]] = {
    Topic.SIGHTINGS: m.Sightings(
        gw="gw-03",
        seq=1842,
        t=T,
        interval=1.0,
        items=[
            m.Sighting(id="eid:1a2b3c4d5e6f7a8b", rssi=-67.4, raw=-70, n=9, tx=-59, dist=2.1),
            m.Sighting(id="ib:f7826da6-4fa2-4e98-8024-bc5b71e0893e:100:7", rssi=-78.0, raw=-77, n=1, tx=-62, dist=5.6),
        ],
    ),
    Topic.GATEWAY_STATUS: m.Status(state="online", t=T, version="0.1.0", started=STARTED),
    Topic.GATEWAY_HEALTH: m.GatewayHealth(
        t=T,
        uptime_s=21992.0,
        adverts_per_s=412.5,
        beacons=17,
        spool=0,
        dropped=0,
        scanner="scanning",
        scanner_restarts=1,
        rss_mb=38.2,
        cpu_temp_c=51.3,
    ),
    Topic.GATEWAY_CONFIG: m.GatewayConfig(
        rev=7,
        report_interval=1.0,
        allow=m.AllowList(eid=True, ibeacon_uuids=["f7826da6-4fa2-4e98-8024-bc5b71e0893e"]),
        rssi_offset=-1.5,
        filter=m.FilterParams(kind="kalman", process_noise=0.008, measurement_noise=4.0),
    ),
    Topic.GATEWAY_CONFIG_APPLIED: m.ConfigApplied(t=T, rev=7),
    Topic.GATEWAY_CMD: m.Command(id="c-20261123-001", cmd="rescan"),
    Topic.GATEWAY_CMD_RESULT: m.CommandResult(id="c-20261123-001", cmd="rescan", t=T, ok=True, detail=""),
    Topic.HUB_STATUS: m.Status(state="online", t=T, version="0.1.0", started=STARTED),
    Topic.JOURNEY: m.Journey(
        t=T, visit="v-8f3c21", member="p-5b0e9d2a41", event="zone", zone="aisle-4", prev="entrance"
    ),
    Topic.OCCUPANCY: m.Occupancy(t=T, zones={"entrance": 2, "aisle-4": 3, "checkout": 1}, total=6),
    Topic.RECEIPT: m.Receipt(
        t=T,
        receipt="R-20261123-0042",
        card="2900001234567",
        items=[m.ReceiptItem(sku="RUN-PEG41-42", qty=1, price=89.9)],
        total=89.9,
    ),
    Topic.STAFF_ALERT: m.StaffAlert(
        t=T,
        kind="pickup_arrival",
        text=m.Localized(
            it="Cliente con ordine CC-1042 pronto al ritiro è in negozio",
            en="Customer with ready pickup order CC-1042 is in the store",
        ),
        order="CC-1042",
        zone="entrance",
    ),
    Topic.ALERT: m.Alert(
        t=T, kind="gateway_offline", source="gw-07", severity="critical", detail="no status or sightings for 60 s"
    ),
    Topic.ERRORS: m.ErrorEvent(
        source="hub",
        topic="corsia/v1/demo/gw/gw-03/sightings",
        reason="items[0].rssi: expected `float`, got `str`",
        t=T,
    ),
    Topic.KIOSK_STATUS: m.Status(state="online", t=T, version="0.1.0", started=STARTED),
    Topic.KIOSK_HEALTH: m.KioskHealth(
        t=T, uptime_s=3600.0, outbox=0, hub="reachable", card_reader="ok", camera="ok", rss_mb=96.4, cpu_temp_c=None
    ),
}
