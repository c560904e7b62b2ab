"""Every payload of the MQTT contract (version 1) as a typed, immutable message.

Messages are msgspec structs: frozen, keyword-only, and strict on the way in. Each top-level message carries
``"v": 1`` as msgspec's tag, so it is written first on encode and checked on decode; unknown fields are
rejected, which also keeps a misbehaving publisher from smuggling extra (possibly personal) data through the
hub. Field constraints (ranges, id formats) are part of the type, so a decoded message is a valid one.
See ``docs/mqtt.md`` for each payload with examples and ``docs/protocol-codec.md`` for why msgspec.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

import msgspec

from edge.protocol.ids import ID_PATTERN

PROTOCOL_VERSION: Final = 1

# Shared field types. Times are Unix seconds (UTC); the upper bound keeps garbage out without a 2038 problem.
Time = Annotated[float, msgspec.Meta(ge=0.0, le=2.0**33, description="Unix time in seconds, UTC")]
Seconds = Annotated[float, msgspec.Meta(ge=0.0, le=1e9)]
Count = Annotated[int, msgspec.Meta(ge=0, le=2**53)]
Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]{0,31}\Z", description="store, gateway or kiosk id")]
BeaconIdText = Annotated[str, msgspec.Meta(pattern=ID_PATTERN, description="wire beacon id, see edge.protocol.ids")]
Dbm = Annotated[float, msgspec.Meta(ge=-127.0, le=20.0)]
DbmInt = Annotated[int, msgspec.Meta(ge=-127, le=20)]
ShortText = Annotated[str, msgspec.Meta(max_length=200)]
LongText = Annotated[str, msgspec.Meta(max_length=2000)]
Ref = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}\Z")]
MAX_BATCH_ITEMS: Final = 10_000


class Message(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field="v", tag=1):
    """Base of every top-level payload: ``"v": 1`` is written and checked by msgspec's tag machinery."""


class Part(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of nested objects inside a payload (no version of their own)."""


# --- gateway -> hub ------------------------------------------------------------------------------------------


class Sighting(Part, frozen=True, gc=False):
    """One beacon heard by a gateway during one report interval."""

    id: BeaconIdText
    rssi: Dbm  # filtered RSSI in dBm, after the gateway's rssi_offset
    raw: DbmInt  # the last raw RSSI heard
    n: Annotated[int, msgspec.Meta(ge=1, le=100_000)]  # advertisements heard in the interval
    tx: DbmInt  # calibrated transmit power at 1 m
    dist: Annotated[float, msgspec.Meta(ge=0.0, le=1000.0)]  # distance estimate in metres


class Sightings(Message, frozen=True):
    """``gw/{gw}/sightings``: one batch per report interval; `seq` +1 per batch, persisted across restarts."""

    gw: Slug
    seq: Count
    t: Time
    interval: Annotated[float, msgspec.Meta(gt=0.0, le=3600.0)]
    items: Annotated[list[Sighting], msgspec.Meta(max_length=MAX_BATCH_ITEMS)]


# --- status, health (gateways, hub, kiosks) -----------------------------------------------------------------


class Status(Message, frozen=True):
    """``gw/{gw}/status``, ``hub/status``, ``kiosk/{k}/status``: retained birth; the LWT says ``offline``."""

    state: Literal["online", "offline"]
    t: Time
    version: ShortText
    started: Time


ScannerState = Literal["scanning", "restarting", "down"]


class GatewayHealth(Message, frozen=True):
    """``gw/{gw}/health``: every 15 s, for IT."""

    t: Time
    uptime_s: Seconds
    adverts_per_s: Annotated[float, msgspec.Meta(ge=0.0)]
    beacons: Count  # allowed beacons currently tracked
    spool: Count  # batches waiting in the spool
    dropped: Count  # batches dropped since start (spool full or too old)
    scanner: ScannerState
    scanner_restarts: Count
    rss_mb: Annotated[float, msgspec.Meta(ge=0.0)]
    cpu_temp_c: Annotated[float, msgspec.Meta(ge=-60.0, le=150.0)] | None


DeviceState = Literal["ok", "down", "none"]


class KioskHealth(Message, frozen=True):
    """``kiosk/{k}/health``: every 15 s, for IT."""

    t: Time
    uptime_s: Seconds
    outbox: Count  # registrations waiting to reach the hub
    hub: Literal["reachable", "unreachable"]
    card_reader: DeviceState
    camera: DeviceState
    rss_mb: Annotated[float, msgspec.Meta(ge=0.0)]
    cpu_temp_c: Annotated[float, msgspec.Meta(ge=-60.0, le=150.0)] | None


# --- remote configuration and commands (hub/IT -> gateway) -------------------------------------------------


class AllowList(Part, frozen=True):
    """Which frames a gateway forwards. Everything else stays in its memory for at most one interval."""

    eid: bool = False  # forward Eddystone-EID frames (the hub resolves them; unknown ones are dropped there)
    ibeacon_uuids: Annotated[list[str], msgspec.Meta(max_length=1000)] = []
    eddystone_namespaces: Annotated[list[str], msgspec.Meta(max_length=1000)] = []
    altbeacon_ids: Annotated[list[str], msgspec.Meta(max_length=1000)] = []


class FilterParams(Part, frozen=True):
    """RSSI filter choice and parameters; omitted parameters keep the gateway's defaults."""

    kind: Literal["kalman", "ewma", "window"]
    process_noise: Annotated[float, msgspec.Meta(gt=0.0)] | None = None
    measurement_noise: Annotated[float, msgspec.Meta(gt=0.0)] | None = None
    alpha: Annotated[float, msgspec.Meta(gt=0.0, le=1.0)] | None = None
    window_s: Annotated[float, msgspec.Meta(gt=0.0, le=60.0)] | None = None
    forget_after_s: Annotated[float, msgspec.Meta(gt=0.0, le=3600.0)] | None = None
    path_loss_exponent: Annotated[float, msgspec.Meta(ge=1.0, le=6.0)] | None = None


class GatewayConfig(Message, frozen=True):
    """``gw/{gw}/config`` (retained): a partial configuration; absent fields keep their current value."""

    rev: Count = 0  # echoed in the acknowledgement so the sender knows which revision was applied
    report_interval: Annotated[float, msgspec.Meta(ge=0.1, le=60.0)] | None = None
    allow: AllowList | None = None
    rssi_offset: Annotated[float, msgspec.Meta(ge=-30.0, le=30.0)] | None = None
    filter: FilterParams | None = None


class ConfigApplied(Message, frozen=True):
    """``gw/{gw}/config/applied``: the gateway took revision `rev` of its configuration."""

    t: Time
    rev: Count


class Command(Message, frozen=True):
    """``gw/{gw}/cmd``: an operator's command; answered on ``gw/{gw}/cmd/result`` with the same `id`."""

    id: Ref
    cmd: Literal["rescan", "identify", "reload"]


class CommandResult(Message, frozen=True):
    """``gw/{gw}/cmd/result``."""

    id: Ref
    cmd: Literal["rescan", "identify", "reload"]
    t: Time
    ok: bool
    detail: LongText = ""


# --- hub -> analytics, dashboards, staff, IT ----------------------------------------------------------------


JourneyEvent = Literal["enter", "zone", "dwell", "exit", "purchase"]


class Journey(Message, frozen=True):
    """``journey``: a step of a visit, with a pseudonymous member reference (never a name or a device id)."""

    t: Time
    visit: Ref
    member: Ref
    event: JourneyEvent
    zone: Slug | None = None
    prev: Slug | None = None
    dwell_s: Seconds | None = None


class Occupancy(Message, frozen=True):
    """``occupancy`` (retained): anonymous head counts per zone, every 5 s."""

    t: Time
    zones: dict[Slug, Count]
    total: Count


class Localized(Part, frozen=True):
    """A text in Italian and English."""

    it: LongText
    en: LongText


class StaffAlert(Message, frozen=True):
    """``staff/alerts``: for the staff tablets, e.g. a click-and-collect customer has arrived."""

    t: Time
    kind: Literal["pickup_arrival", "assistance"]
    text: Localized
    order: Ref | None = None
    zone: Slug | None = None


AlertKind = Literal[
    "gateway_offline", "scanner_down", "spool_backlog", "clock_skew", "offset_drift", "kiosk_offline", "hub_error"
]


class Alert(Message, frozen=True):
    """``alerts``: for IT. `active` false clears an alert raised earlier for the same kind and source."""

    t: Time
    kind: AlertKind
    source: Slug
    severity: Literal["warning", "critical"]
    active: bool = True
    detail: LongText = ""


class ErrorEvent(Message, frozen=True):
    """``errors``: a payload that did not fit the contract, reported by the consumer that dropped it."""

    source: ShortText  # the client that dropped it, e.g. "hub" or "gw-03"
    topic: Annotated[str, msgspec.Meta(max_length=512)]
    reason: LongText
    t: Time | None = None


# --- POS -> hub ----------------------------------------------------------------------------------------------


class ReceiptItem(Part, frozen=True):
    sku: Ref
    qty: Annotated[int, msgspec.Meta(ge=1, le=10_000)]
    price: Annotated[float, msgspec.Meta(ge=0.0, le=1_000_000.0)]  # unit price, euro


class Receipt(Message, frozen=True):
    """``pos/{till}/receipt``: a purchase; `card` is the fidelity card or member number scanned at the till, or
    None for a sale without one."""

    t: Time
    receipt: Ref
    items: Annotated[list[ReceiptItem], msgspec.Meta(min_length=1, max_length=1000)]
    total: Annotated[float, msgspec.Meta(ge=0.0, le=10_000_000.0)]
    card: Ref | None = None
    coupons: Annotated[list[Ref], msgspec.Meta(max_length=20)] = []
