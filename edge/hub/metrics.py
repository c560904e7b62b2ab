"""The hub's Prometheus metrics: one registry per hub (so tests can run several), served at ``/metrics``.

Names follow Prometheus conventions (``corsia_hub_`` prefix, ``_total`` counters, base units). Labels stay
low-cardinality: gateway ids and reasons, never a member or device.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Fine around the 50 ms target, so bench/hub_throughput.py can read p50 and p99 off the histogram.
LATENCY_BUCKETS_S = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 1.0)


class HubMetrics:
    """Counters, gauges and histograms the hub's parts update; `registry` is what ``/metrics`` exposes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.batches = Counter("corsia_hub_batches", "Sightings batches received", ["gateway"], registry=r)
        self.items = Counter("corsia_hub_sighting_items", "Sighting items received", ["outcome"], registry=r)
        """outcome: resolved (an enrolled, consenting device), unresolved (dropped), other (not an EID)."""
        self.rejected = Counter("corsia_hub_rejected_messages", "MQTT payloads dropped", ["topic"], registry=r)
        self.journey_events = Counter("corsia_hub_journey_events", "Visit events decided", ["event"], registry=r)
        self.receipts = Counter("corsia_hub_receipts", "POS receipts", ["outcome"], registry=r)
        self.decisions = Counter("corsia_hub_campaign_decisions", "Campaign decisions", ["outcome"], registry=r)
        """outcome: planned, or the refusal reason (daily_cap, no_marketing_consent, ...)."""
        self.notifications = Counter("corsia_hub_notifications", "Notification send attempts", ["outcome"], registry=r)
        self.outbox_pending = Gauge("corsia_hub_outbox_pending", "Notifications waiting to be sent", registry=r)
        self.decision_latency = Histogram(
            "corsia_hub_decision_latency_seconds", "From a batch's arrival to its notifications in the outbox",
            buckets=LATENCY_BUCKETS_S, registry=r,
        )  # fmt: skip
        self.devices_in_store = Gauge("corsia_hub_devices_in_store", "Devices in a visit", registry=r)
        self.enrolled_devices = Gauge("corsia_hub_enrolled_devices", "Devices the EID resolver knows", registry=r)
        self.alerts_active = Gauge("corsia_hub_alerts_active", "IT alerts currently raised", registry=r)
        # Fleet status from the gateways' own reports, so one Prometheus scrape of the hub covers the store.
        self.gateway_up = Gauge("corsia_gateway_up", "1 when the gateway reports, 0 when offline or silent",
                                ["gateway"], registry=r)  # fmt: skip
        self.gateway_adverts = Gauge("corsia_gateway_adverts_per_second", "Advertisements heard", ["gateway"],
                                     registry=r)  # fmt: skip
        self.gateway_spool = Gauge("corsia_gateway_spool_batches", "Batches waiting in the spool", ["gateway"],
                                   registry=r)  # fmt: skip
        self.gateway_restarts = Gauge("corsia_gateway_scanner_restarts", "Scanner restarts since start",
                                      ["gateway"], registry=r)  # fmt: skip
        self.gateway_rss = Gauge("corsia_gateway_rss_bytes", "Gateway process memory", ["gateway"], registry=r)
        self.gateway_temp = Gauge("corsia_gateway_cpu_temperature_celsius", "Gateway CPU temperature", ["gateway"],
                                  registry=r)  # fmt: skip
        # What the presence engine learned of each gateway's rssi_offset (dB to add), so IT sees a receiver drift.
        self.gateway_offset_correction = Gauge(
            "corsia_gateway_offset_correction_db", "Learned correction to the gateway's rssi_offset", ["gateway"],
            registry=r,
        )  # fmt: skip
        self.gateway_offset_recent = Gauge(
            "corsia_gateway_offset_recent_correction_db",
            "The same correction from the recent readings, which the offset_drift alert reads", ["gateway"],
            registry=r,
        )  # fmt: skip
        self.gateway_offset_samples = Gauge(
            "corsia_gateway_offset_samples", "Shoppers' readings the correction was learned from", ["gateway"],
            registry=r,
        )  # fmt: skip
        self.http_requests = Counter("corsia_hub_http_requests", "API requests", ["endpoint", "status"], registry=r)
