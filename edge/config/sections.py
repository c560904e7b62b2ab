"""The config sections: one frozen dataclass per TOML table, its defaults and its rules.

Adding a key is adding a field (a one-liner), with ``metadata=checked(...)`` when the value has a rule. A field
typed as another `Section` is a sub-table (``[gateway.allow]``). Secrets are ``repr=False`` so they never reach
a log line, and each has a ``*_file`` twin that the loader reads at load time. docs/config.md documents every key;
a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edge.config.checks import (
    SLUG,
    InvalidValue,
    Section,
    above,
    at_least,
    between,
    checked,
    each,
    empty_or,
    host_port,
    http_url,
    mailto_or_https,
    matches,
    not_empty,
    one_of,
    reads_into,
    time_window,
    time_zone,
)
from edge.presence.settings import RADIO_LIMITS, ZONE_RULES, PresenceSettings

# The hub's presence keys default to the engine's own defaults, so the two cannot drift apart.
_PRESENCE = PresenceSettings()


def _radio_key(name: str) -> Any:
    """A ``[hub.presence]`` key of the propagation model: the engine's default, and the model's own range
    (`edge.presence.settings.RADIO_LIMITS`)."""
    return field(default=getattr(_PRESENCE.radio, name), metadata=checked(between(*RADIO_LIMITS[name])))


@dataclass(frozen=True, slots=True)
class StoreSection(Section):
    """``[store]``: which store this process serves."""

    id: str = field(default="demo", metadata=checked(SLUG))
    layout: str = field(default="examples/stores/demo.toml", metadata=checked(not_empty))


@dataclass(frozen=True, slots=True)
class MqttSection(Section):
    """``[mqtt]``: the store's broker."""

    host: str = field(default="127.0.0.1", metadata=checked(not_empty))
    port: int = field(default=1883, metadata=checked(between(1, 65535)))
    username: str = ""
    password: str = field(default="", repr=False)
    password_file: str = field(default="", metadata=reads_into("password"))
    tls: bool = False
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""
    keepalive_s: int = field(default=10, metadata=checked(between(2, 600)))
    # paho stalls past 65,535 messages in flight; the cap keeps publishers well below it.
    max_inflight: int = field(default=1000, metadata=checked(between(1, 60000)))
    reconnect_min_s: float = field(default=0.5, metadata=checked(above(0)))
    reconnect_max_s: float = field(default=30.0, metadata=checked(above(0)))

    def check_together(self) -> None:
        self.require_at_most("reconnect_min_s", "reconnect_max_s")
        # A client certificate is useless without its key and vice versa; say so now, not at connect time.
        # Blame the key that is set: that is the one whose file (or variable) the reader must open.
        if bool(self.cert_file) != bool(self.key_file):
            given, missing = ("cert_file", "key_file") if self.cert_file else ("key_file", "cert_file")
            reason = f"is set but {missing} is not; a client certificate needs both"
            raise InvalidValue(type(self).__name__, given, reason)


UUID_RE = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


@dataclass(frozen=True, slots=True)
class GatewayAllowSection(Section):
    """``[gateway.allow]``: the frames a gateway forwards; nothing else leaves it. The hub may replace it."""

    eid: bool = True
    ibeacon_uuids: tuple[str, ...] = field(
        default=(), metadata=checked(each(matches(UUID_RE, "an iBeacon proximity UUID (8-4-4-4-12 hex)")))
    )
    eddystone_namespaces: tuple[str, ...] = field(
        default=(), metadata=checked(each(matches(r"[0-9a-fA-F]{20}", "a 10-byte Eddystone namespace (20 hex)")))
    )
    altbeacon_ids: tuple[str, ...] = field(
        default=(),
        metadata=checked(
            each(matches(r"[0-9a-fA-F]{4}:[0-9a-fA-F]{40}", "<manufacturer id 4 hex>:<beacon id 40 hex>"))
        ),
    )


@dataclass(frozen=True, slots=True)
class GatewayFilterSection(Section):
    """``[gateway.filter]``: the per-beacon RSSI filter (docs/filters.md). The hub may change it at run time."""

    kind: str = field(default="kalman", metadata=checked(one_of("kalman", "ewma", "window")))
    forget_after_s: float = field(default=10.0, metadata=checked(above(0, at_most=3600)))
    path_loss_exponent: float = field(default=2.0, metadata=checked(between(1.0, 6.0)))
    process_noise: float = field(default=12.0, metadata=checked(above(0)))
    measurement_noise: float = field(default=6.25, metadata=checked(above(0)))
    tau_s: float = field(default=1.0, metadata=checked(above(0, at_most=3600)))
    window_s: float = field(default=3.0, metadata=checked(above(0, at_most=60)))


@dataclass(frozen=True, slots=True)
class GatewaySection(Section):
    """``[gateway]``: one Raspberry Pi's scanner."""

    id: str = field(default="gw-01", metadata=checked(SLUG))
    adapter: str = field(default="hci0", metadata=checked(matches(r"hci[0-9]{1,3}", "a BlueZ adapter name (hci0)")))
    report_interval: float = field(default=1.0, metadata=checked(above(0, at_most=60)))
    spool: str = field(default="var/gateway-spool.db", metadata=checked(not_empty))
    health_interval_s: float = field(default=15.0, metadata=checked(above(0, at_most=3600)))
    rssi_offset: float = field(default=0.0, metadata=checked(between(-30.0, 30.0)))
    spool_max_mb: float = field(default=50.0, metadata=checked(above(0, at_most=100_000)))
    spool_max_age_s: float = field(default=86400.0, metadata=checked(above(0, at_most=30 * 86400)))
    scanner_silence_s: float = field(default=60.0, metadata=checked(above(1, at_most=86400)))
    allow: GatewayAllowSection = field(default_factory=GatewayAllowSection)
    filter: GatewayFilterSection = field(default_factory=GatewayFilterSection)


@dataclass(frozen=True, slots=True)
class HubPresenceSection(Section):
    """``[hub.presence]``: how the hub turns readings into zones (docs/presence.md). The defaults are the presence
    engine's, measured in the simulator; a store whose shelving or gateway mounting differs much from them can
    tune the ``hmm`` rule's propagation model here."""

    rule: str = field(default=_PRESENCE.rule, metadata=checked(one_of(*ZONE_RULES)))
    hmm_evidence: float = field(default=_PRESENCE.hmm_evidence, metadata=checked(above(0, at_most=100)))
    hmm_switch_p: float = field(default=_PRESENCE.hmm_switch_p, metadata=checked(between(0.5, 0.99)))
    points_evidence: float = field(default=_PRESENCE.points_evidence, metadata=checked(above(0, at_most=100)))
    points_switch_p: float = field(default=_PRESENCE.points_switch_p, metadata=checked(between(0.5, 0.99)))
    points_kind_motion: bool = _PRESENCE.points_kind_motion
    points_facing_redraw_p: float = field(default=_PRESENCE.points_facing_redraw_p, metadata=checked(between(0, 1)))
    path_loss_exponent: float = _radio_key("path_loss_exponent")
    shelf_loss_db: float = _radio_key("shelf_loss_db")
    gateway_height_m: float = _radio_key("gateway_height_m")
    body_loss_db: float = _radio_key("body_loss_db")


@dataclass(frozen=True, slots=True)
class HubSection(Section):
    """``[hub]``: the store hub's database, HTTP API, tokens and Web Push identity."""

    db: str = field(default="var/hub.db", metadata=checked(not_empty))
    http: str = field(default="127.0.0.1:8000", metadata=checked(host_port))
    admin_token: str = field(default="", repr=False)
    admin_token_file: str = field(default="", metadata=reads_into("admin_token"))
    kiosk_token: str = field(default="", repr=False)
    kiosk_token_file: str = field(default="", metadata=reads_into("kiosk_token"))
    vapid_private_key_file: str = field(default="var/vapid-private.pem", metadata=checked(not_empty))
    vapid_subject: str = field(default="mailto:it@example.com", metadata=checked(mailto_or_https))
    exit_timeout_s: float = field(default=_PRESENCE.exit_timeout_s, metadata=checked(between(4, 3600)))
    entrance_exit_s: float = field(default=_PRESENCE.entrance_exit_s, metadata=checked(between(1, 3600)))
    """The shorter timeout for a device last placed at the doors or elsewhere on the shop front (the tills, a
    pickup desk by the doors): most likely gone out. Raise it for tags that advertise less than once a second."""
    rejoin_s: float = field(default=_PRESENCE.rejoin_s, metadata=checked(between(0, 3600)))
    """A member heard again within this long of their visit's end continues that visit: one visit in the figures,
    no second store-entry push or pickup alert. 0: every return is a new visit."""
    enter_min_dbm: float = field(default=_PRESENCE.enter_min_dbm, metadata=checked(between(-127, 0)))
    """The reading a visit starts with at the shop front's gateways: lower detects entries sooner, and lets more
    passers-by in (accuracy.md)."""
    enter_inside_min_dbm: float = field(default=_PRESENCE.enter_inside_min_dbm, metadata=checked(between(-127, 0)))
    """The same for the gateways away from the front, which hear the pavement only faintly."""
    rejoin_inside_min_dbm: float = field(default=_PRESENCE.rejoin_inside_min_dbm, metadata=checked(between(-127, 0)))
    """A visit that ended on the shop front resumes from a gateway away from the front only with a reading this
    strong (0: only the front's gateways take it back, at `enter_min_dbm`): who has just walked out is heard
    inside only through the window."""
    door_exit_dbm: float = field(default=_PRESENCE.door_exit_dbm, metadata=checked(between(-127, 0)))
    """Placed at the doors and every reading below this for `door_confirm_s`: gone out, walking off along the
    pavement. -127 turns it off."""
    door_confirm_s: float = field(default=_PRESENCE.door_confirm_s, metadata=checked(between(0, 60)))
    """How long the readings must stay below `door_exit_dbm`: a shopper turning back at the doors keeps the visit."""
    secret_key_file: str = field(default="var/hub-secret.key", metadata=checked(not_empty))
    public_url: str = field(default="http://127.0.0.1:8000", metadata=checked(http_url))
    timezone: str = field(default="Europe/Rome", metadata=checked(time_zone))
    enrollment_ttl_s: int = field(default=900, metadata=checked(between(60, 7 * 86400)))
    max_pushes_per_visit: int = field(default=3, metadata=checked(between(0, 100)))
    max_pushes_per_day: int = field(default=5, metadata=checked(between(0, 1000)))
    min_push_gap_s: float = field(default=600.0, metadata=checked(between(0, 86400)))
    quiet_hours: str = field(default="", metadata=checked(time_window))
    gateway_silence_s: float = field(default=60.0, metadata=checked(above(1, at_most=86400)))
    spool_backlog_alert: int = field(default=30, metadata=checked(at_least(1)))
    offset_alert_db: float = field(default=1.5, metadata=checked(between(0, 40)))
    """An alert is raised when the correction to a gateway's `rssi_offset` learned from the shoppers' recent readings
    (`OffsetEstimate.recent_db`) reaches this: a receiver moved, knocked or swapped since it was calibrated. A
    correction is about half of one receiver's change, so 1.5 dB flags a change of about 3 dB (docs/accuracy.md);
    0 turns it off."""
    presence_retention_days: int = field(default=30, metadata=checked(between(1, 3650)))
    profiling_retention_days: int = field(default=365, metadata=checked(between(1, 3650)))
    marketing_retention_days: int = field(default=730, metadata=checked(between(1, 3650)))
    points_per_euro: float = field(default=1.0, metadata=checked(between(0, 100)))
    points_multipliers: tuple[str, ...] = field(
        default=(),
        metadata=checked(
            each(matches(r"[A-Za-z0-9_-]{1,64}=[0-9]{1,3}(\.[0-9]{1,3})?", "category=factor, such as 'running=2'"))
        ),
    )
    """Per product category, the factor on its receipt lines' points (``"outlet=0"`` earns nothing there)."""
    # Only `corsia demo` sets it: the simulated phones' push service, for the dashboard's phones view.
    phones_url: str = field(default="", metadata=checked(empty_or(http_url)))
    presence: HubPresenceSection = field(default_factory=HubPresenceSection)

    def check_together(self) -> None:
        self.require_at_most("entrance_exit_s", "exit_timeout_s")

    @property
    def multipliers(self) -> dict[str, float]:
        """`points_multipliers` as a mapping (a category named twice: the last one counts)."""
        return {category: float(factor) for category, _, factor in (m.partition("=") for m in self.points_multipliers)}


@dataclass(frozen=True, slots=True)
class KioskSection(Section):
    """``[kiosk]``: one sign-up kiosk."""

    id: str = field(default="kiosk-01", metadata=checked(SLUG))
    http: str = field(default="127.0.0.1:8080", metadata=checked(host_port))
    hub_url: str = field(default="http://127.0.0.1:8000", metadata=checked(http_url))
    app_url: str = field(default="", metadata=checked(empty_or(http_url)))
    """The wallet app as the shoppers' phones reach it (the hub's ``public_url`` + ``/app``); "" means
    `hub_url` + ``/app``, right when the kiosk reaches the hub at its public address."""
    hub_token: str = field(default="", repr=False)
    hub_token_file: str = field(default="", metadata=reads_into("hub_token"))
    card_reader: str = "/dev/ttyUSB0"
    card_protocol: str = field(default="barcode", metadata=checked(one_of("barcode", "rdm6300")))
    camera: str = "0"
    idle_timeout_s: int = field(default=90, metadata=checked(at_least(30)))
    outbox: str = field(default="var/kiosk-outbox.db", metadata=checked(not_empty))
    card_terminator: str = field(default="any", metadata=checked(one_of("any", "CR", "LF", "CRLF")))
    card_prefix: str = ""
    card_suffix: str = ""
    preregistration_hosts: tuple[str, ...] = field(
        default=(), metadata=checked(each(matches(r"[a-z0-9.-]{1,253}", "a host name such as 'shop.example.it'")))
    )

    @property
    def wallet_url(self) -> str:
        """Where the shoppers' phones open the wallet app: `app_url`, or `hub_url` + ``/app``."""
        return self.app_url or self.hub_url.rstrip("/") + "/app"


@dataclass(frozen=True, slots=True)
class LogSection(Section):
    """``[log]``: how much the process tells the journal."""

    level: str = field(default="info", metadata=checked(one_of("debug", "info", "warning", "error")))
