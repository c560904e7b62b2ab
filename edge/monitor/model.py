"""The fleet as IT sees it: every gateway, kiosk and the hub of one store, and the active alerts.

Pure state: fed with decoded contract messages and the monitor's clock, read back as an immutable
`FleetSnapshot`. No MQTT, no terminal, no threads here, so every rule is tested with plain numbers.

    >>> fleet = Fleet("demo", gateways=[("gw-01", "aisle-1")], started=100.0)
    >>> fleet.snapshot(100.0).gateways[0].state
    'never seen'
    >>> fleet.status(Topic.GATEWAY_STATUS, "gw-01", Status(state="offline", t=90.0, version="1", started=80.0),
    ...              now=101.0, retained=True)
    >>> fleet.snapshot(101.0).gateways[0].state
    'offline'

A device's state:

* ``never seen``: nothing heard from it yet (a gateway of the store layout, listed before it reports);
* ``offline``: its retained status says so (a clean stop, or its last will sent by the broker);
* ``silent``: online as far as its status goes, but no health report for more than two health periods;
* ``online``: otherwise.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Generic, Literal, TypeVar

import msgspec

from edge.protocol import Alert, GatewayHealth, KioskHealth, Message, Status, Topic

DeviceState = Literal["online", "offline", "silent", "never seen"]

DEFAULT_HEALTH_PERIOD_S: Final = 15.0
"""Gateways and kiosks report health every 15 s unless configured otherwise."""
SILENT_AFTER_PERIODS: Final = 2.0
HEALTH_GAPS_KEPT: Final = 5
SEVERITY_ORDER: Final = {"critical": 0, "warning": 1}

H = TypeVar("H", GatewayHealth, KioskHealth)


@dataclass(slots=True)
class _Device(Generic[H]):
    zone: str | None = None
    in_layout: bool = False
    status: Status | None = None
    status_at: float | None = None
    """When the monitor received the status (its own clock)."""
    health: H | None = None
    health_at: float | None = None
    last_seen: float | None = None
    """The last live message from the device, monitor's clock. Retained statuses do not count: they say the
    device's state, not when it last spoke."""
    health_gaps: deque[float] = field(default_factory=lambda: deque(maxlen=HEALTH_GAPS_KEPT))


@dataclass(frozen=True, slots=True)
class DeviceView(Generic[H]):
    """One device in a snapshot. `health` is its last health report, however old (see `health_age_s`)."""

    id: str
    state: DeviceState
    last_seen: float | None
    age_s: float | None
    """Seconds since `last_seen`."""
    version: str | None
    started: float | None
    zone: str | None
    in_layout: bool
    health: H | None
    health_age_s: float | None
    health_period_s: float
    """The health period the silence rule uses: measured from the device's own reports, else the default."""
    uptime_s: float | None
    """The process's uptime now, while it is online or silent (from its last health report, else its status)."""

    def to_json(self, *, placement: bool = False) -> dict[str, object]:
        """The JSON form for ``corsia monitor --json``; `placement` adds the layout's zone (gateways)."""
        out: dict[str, object] = {"id": self.id, **_status_json(self)}
        if placement:
            out["zone"] = self.zone
            out["in_layout"] = self.in_layout
        out["health"] = msgspec.structs.asdict(self.health) if self.health is not None else None
        out["health_age_s"] = _round(self.health_age_s)
        return out


@dataclass(frozen=True, slots=True)
class HubView:
    """The hub's state: it publishes a status and no health."""

    state: DeviceState
    last_seen: float | None
    age_s: float | None
    version: str | None
    started: float | None
    uptime_s: float | None

    def to_json(self) -> dict[str, object]:
        return _status_json(self)


def _status_json(view: DeviceView[Any] | HubView) -> dict[str, object]:
    """What every process's JSON says of its state and age, the hub's and each device's alike."""
    return {
        "state": view.state,
        "last_seen": view.last_seen,
        "age_s": _round(view.age_s),
        "version": view.version,
        "started": view.started,
        "uptime_s": _round(view.uptime_s),
    }


@dataclass(frozen=True, slots=True)
class FleetSnapshot:
    """Everything the monitor knows at time `t`, sorted for display: devices by id, alerts critical first."""

    store: str
    t: float
    gateways: tuple[DeviceView[GatewayHealth], ...]
    kiosks: tuple[DeviceView[KioskHealth], ...]
    hub: HubView
    alerts: tuple[Alert, ...]
    rejected: int
    """Payloads on the watched topics that did not fit the contract (dropped, counted here)."""

    def to_json(self) -> dict[str, object]:
        """The document ``corsia monitor --json`` prints (docs/monitor.md)."""
        return {
            "store": self.store,
            "t": self.t,
            "gateways": [g.to_json(placement=True) for g in self.gateways],
            "kiosks": [k.to_json() for k in self.kiosks],
            "hub": self.hub.to_json(),
            "alerts": [msgspec.structs.asdict(a) for a in self.alerts],
            "rejected": self.rejected,
        }


class Fleet:
    """The state of one store's devices, from what they publish.

    `gateways` are (id, zone) pairs from the store layout, listed before they are heard; devices heard and not
    listed are added as they appear. `started` is when the monitor began to watch: silence is counted from
    then for devices whose health it has never received.
    """

    def __init__(
        self,
        store: str,
        *,
        gateways: Iterable[tuple[str, str | None]] = (),
        started: float,
        health_period_s: float = DEFAULT_HEALTH_PERIOD_S,
    ) -> None:
        self.store = store
        self._started = started
        self._default_period = health_period_s
        self._gateways: dict[str, _Device[GatewayHealth]] = {
            gw: _Device(zone=zone, in_layout=True) for gw, zone in gateways
        }
        self._kiosks: dict[str, _Device[KioskHealth]] = {}
        self._hub: _Device[GatewayHealth] = _Device()  # the hub sends no health; the type argument is unused
        self._alerts: dict[tuple[str, str], Alert] = {}
        self._rejected = 0

    # --- input ---------------------------------------------------------------------------------------------

    def receive(self, topic: Topic, device: str | None, message: Message, *, now: float, retained: bool) -> None:
        """Route one decoded message of a watched topic; other topics are ignored."""
        if isinstance(message, Status) and topic in (Topic.GATEWAY_STATUS, Topic.KIOSK_STATUS, Topic.HUB_STATUS):
            self.status(topic, device, message, now=now, retained=retained)
        elif isinstance(message, GatewayHealth) and device is not None:
            self.gateway_health(device, message, now=now)
        elif isinstance(message, KioskHealth) and device is not None:
            self.kiosk_health(device, message, now=now)
        elif isinstance(message, Alert):
            self.alert(message)

    def status(self, topic: Topic, device: str | None, status: Status, *, now: float, retained: bool) -> None:
        """A retained status (birth, clean stop or last will) of a gateway, a kiosk or the hub."""
        if topic is Topic.HUB_STATUS:
            target: _Device[GatewayHealth] | _Device[KioskHealth] = self._hub
        elif topic is Topic.GATEWAY_STATUS and device is not None:
            target = self._gateways.setdefault(device, _Device())
        elif topic is Topic.KIOSK_STATUS and device is not None:
            target = self._kiosks.setdefault(device, _Device())
        else:
            return
        target.status = status
        target.status_at = now
        # A live birth is the device speaking; an offline status may be its last will, sent by the broker.
        if not retained and status.state == "online":
            target.last_seen = now

    def gateway_health(self, gateway: str, health: GatewayHealth, *, now: float) -> None:
        """A gateway's periodic health report."""
        _health(self._gateways.setdefault(gateway, _Device()), health, now)

    def kiosk_health(self, kiosk: str, health: KioskHealth, *, now: float) -> None:
        """A kiosk's periodic health report."""
        _health(self._kiosks.setdefault(kiosk, _Device()), health, now)

    def alert(self, alert: Alert) -> None:
        """An alert raised (``active``) or cleared for its kind and source."""
        key = (alert.kind, alert.source)
        if alert.active:
            earlier = self._alerts.get(key)
            # Raised again while active: the newer detail, but "since" stays when it was first raised.
            self._alerts[key] = alert if earlier is None else msgspec.structs.replace(alert, t=min(earlier.t, alert.t))
        else:
            self._alerts.pop(key, None)

    def rejected(self) -> None:
        """A payload on a watched topic did not fit the contract."""
        self._rejected += 1

    # --- output --------------------------------------------------------------------------------------------

    def snapshot(self, now: float) -> FleetSnapshot:
        """The fleet at `now` (the monitor's clock)."""
        hub = self._hub
        hub_state = _status_state(hub)
        hub_up = hub_state == "online" and hub.status is not None
        alerts = sorted(self._alerts.values(), key=lambda a: (SEVERITY_ORDER[a.severity], a.t, a.source, a.kind))
        return FleetSnapshot(
            store=self.store,
            t=now,
            gateways=tuple(self._view(name, d, now) for name, d in sorted(self._gateways.items())),
            kiosks=tuple(self._view(name, d, now) for name, d in sorted(self._kiosks.items())),
            hub=HubView(
                state=hub_state,
                last_seen=hub.last_seen,
                age_s=_age(hub.last_seen, now),
                version=hub.status.version if hub.status else None,
                started=hub.status.started if hub.status else None,
                uptime_s=max(0.0, now - hub.status.started) if hub_up and hub.status else None,
            ),
            alerts=tuple(alerts),
            rejected=self._rejected,
        )

    def _view(self, name: str, device: _Device[H], now: float) -> DeviceView[H]:
        period = statistics.median(device.health_gaps) if device.health_gaps else self._default_period
        state = _status_state(device)
        if state == "online":
            # Counted from the last report, or from when the monitor could first have expected one.
            since = device.health_at
            if since is None:
                since = max(self._started, device.status_at or self._started)
            if now - since > SILENT_AFTER_PERIODS * period:
                state = "silent"
        uptime: float | None = None
        if state in ("online", "silent"):
            if device.health is not None and device.health_at is not None:
                uptime = device.health.uptime_s + (now - device.health_at)
            elif device.status is not None:
                uptime = max(0.0, now - device.status.started)
        return DeviceView(
            id=name,
            state=state,
            last_seen=device.last_seen,
            age_s=_age(device.last_seen, now),
            version=device.status.version if device.status else None,
            started=device.status.started if device.status else None,
            zone=device.zone,
            in_layout=device.in_layout,
            health=device.health,
            health_age_s=_age(device.health_at, now),
            health_period_s=period,
            uptime_s=uptime,
        )


def _health(device: _Device[H], health: H, now: float) -> None:
    previous = device.health
    if previous is not None and health.t > previous.t:
        # The device's own timestamps measure its period; network delays do not blur them.
        device.health_gaps.append(health.t - previous.t)
    device.health = health
    device.health_at = now
    device.last_seen = now


def _status_state(device: _Device[H]) -> DeviceState:
    if device.status is None:
        return "never seen" if device.health is None else "online"
    if device.status.state == "offline":
        # A report after the offline status means the device is back before its birth reached us.
        back = device.health_at is not None and device.status_at is not None and device.health_at > device.status_at
        return "online" if back else "offline"
    return "online"


def _age(then: float | None, now: float) -> float | None:
    return None if then is None else max(0.0, now - then)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
