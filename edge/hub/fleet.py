"""IT's alerts about the store's devices, decided from what they publish: a gateway silent or offline, a scanner
down, a spool backlog, a clock off, a receiver that reads louder or weaker than its calibration says. Pure
logic: the hub's MQTT service feeds it and publishes what it returns.

An alert is raised once when its condition starts (``active=True``) and cleared once when it ends
(``active=False``), so IT's tools see edges, not a message every tick.

    >>> watch = FleetWatch(["gw-01"], silence_s=60.0, backlog=30, started=0.0)
    >>> [(a.kind, a.source, a.active) for a in watch.tick(61.0)]
    [('gateway_offline', 'gw-01', True)]
    >>> watch.sightings("gw-01", 62.0)
    >>> [(a.kind, a.active) for a in watch.tick(62.0)]
    [('gateway_offline', False)]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from edge.protocol import Alert, GatewayHealth
from edge.protocol.messages import AlertKind

_SEVERITY: Final[dict[AlertKind, Literal["warning", "critical"]]] = {
    "gateway_offline": "critical",
    "scanner_down": "critical",
    "spool_backlog": "warning",
    "clock_skew": "warning",
    "offset_drift": "warning",
    "kiosk_offline": "warning",
    "hub_error": "critical",
}


@dataclass(slots=True)
class _Device:
    last_heard: float
    """Last sightings batch (gateways) or status/health message (kiosks), hub time."""
    offline: bool = False
    """It said so (a clean stop or its last will)."""
    scanner: str = "scanning"
    spool: int = 0
    health: GatewayHealth | None = None
    """The last health report (gateways)."""
    active: dict[AlertKind, str] = field(default_factory=dict)
    """Alerts currently raised, with the detail they were raised with."""


class FleetWatch:
    """The state of every gateway and kiosk as far as alerts go. Call the feeding methods as messages arrive and
    `tick` every few seconds; each returns the alerts to publish."""

    def __init__(
        self,
        gateways: Iterable[str],
        *,
        silence_s: float,
        backlog: int,
        started: float,
        kiosks: Iterable[str] = (),
        offset_alert_db: float = 0.0,
    ) -> None:
        # Counting silence from the hub's start gives a gateway that was already running time for its first batch.
        self._gateways = {g: _Device(last_heard=started) for g in gateways}
        self._kiosks = {k: _Device(last_heard=started) for k in kiosks}
        self._silence_s = silence_s
        self._backlog = backlog
        self._offset_alert_db = offset_alert_db

    # --- input ---------------------------------------------------------------------------------------------

    def sightings(self, gateway: str, now: float) -> None:
        """A sightings batch arrived from `gateway` (an empty one counts: the gateway is alive)."""
        device = self._gateways.get(gateway)
        if device is not None:
            device.last_heard = now
            device.offline = False

    def status(self, gateway: str, online: bool, now: float) -> None:
        """A gateway's retained status: ``offline`` is its clean stop or its last will."""
        device = self._gateways.get(gateway)
        if device is not None:
            device.offline = not online
            if online:
                device.last_heard = max(device.last_heard, now)

    def health(self, gateway: str, health: GatewayHealth, now: float) -> None:
        """A gateway's periodic health report."""
        device = self._gateways.get(gateway)
        if device is not None:
            device.scanner = health.scanner
            device.spool = health.spool
            device.health = health

    def kiosk_seen(self, kiosk: str, online: bool, now: float) -> None:
        """A kiosk's status or health message. Kiosks unknown at start are added (they are not in the layout)."""
        device = self._kiosks.setdefault(kiosk, _Device(last_heard=now))
        device.offline = not online
        if online:
            device.last_heard = now

    # --- decisions -----------------------------------------------------------------------------------------

    def tick(
        self, now: float, skewed: Iterable[str] = (), corrections: Mapping[str, float] | None = None
    ) -> list[Alert]:
        """The alerts that start or end at `now`. `skewed` are the gateways whose clock the presence engine
        found off (their batches are ignored, so IT must know); `corrections` are the `rssi_offset` corrections
        learned from the shoppers' recent readings (`OffsetEstimate.recent_db`), for the gateways that have one."""
        alerts: list[Alert] = []
        skewed_set = set(skewed)
        learned = corrections or {}
        for gw, device in self._gateways.items():
            silent = now - device.last_heard
            offline = device.offline or silent >= self._silence_s
            why = "said offline" if device.offline else f"no sightings for {silent:.0f} s"
            self._edge(alerts, gw, device, "gateway_offline", offline, why, now)
            # A gateway that is offline cannot vouch for its scanner or spool: report the cause, not its echoes.
            self._edge(alerts, gw, device, "scanner_down", not offline and device.scanner == "down",
                       "the BLE scanner is down", now)  # fmt: skip
            self._edge(alerts, gw, device, "spool_backlog", not offline and device.spool >= self._backlog,
                       f"{device.spool} batches waiting in the spool", now)  # fmt: skip
            self._edge(alerts, gw, device, "clock_skew", gw in skewed_set, "clock off: its batches are ignored", now)
            drift = self._drifted(device, learned.get(gw))
            detail = "" if drift is None else _drift_detail(drift)  # only a raised alert carries one
            self._edge(alerts, gw, device, "offset_drift", drift is not None, detail, now)
        for kiosk, device in self._kiosks.items():
            # Kiosks publish health every 15 s; four missed reports is a real absence, not a slow network.
            gone = device.offline or now - device.last_heard >= max(self._silence_s, 60.0)
            self._edge(alerts, kiosk, device, "kiosk_offline", gone, "the kiosk is not reporting", now)
        return alerts

    def states(self, now: float) -> dict[str, str]:
        """Each gateway's state as IT sees it: ``online``, or ``offline`` (said so, or silent too long)."""
        return {
            gw: "offline" if d.offline or now - d.last_heard >= self._silence_s else "online"
            for gw, d in self._gateways.items()
        }

    def healths(self) -> dict[str, GatewayHealth]:
        """The last health report of each gateway that sent one."""
        return {gw: d.health for gw, d in self._gateways.items() if d.health is not None}

    def active(self) -> list[tuple[str, AlertKind]]:
        """The alerts raised and not yet cleared, as (device, kind)."""
        every = list(self._gateways.items()) + list(self._kiosks.items())
        return [(name, kind) for name, device in every for kind in device.active]

    def _drifted(self, device: _Device, correction: float | None) -> float | None:
        """The correction if it is large enough to raise (or keep) the alert, else None.

        Raised at `offset_alert_db`, cleared only 0.5 dB below it: a correction is an average over thousands of
        readings that moves slowly, and would otherwise raise and clear around the threshold."""
        if self._offset_alert_db <= 0 or correction is None:
            return None
        limit = self._offset_alert_db - (0.5 if "offset_drift" in device.active else 0.0)
        return correction if abs(correction) >= limit else None

    @staticmethod
    def _edge(
        alerts: list[Alert], source: str, device: _Device, kind: AlertKind, on: bool, detail: str, now: float
    ) -> None:
        if on and kind not in device.active:
            device.active[kind] = detail
            alerts.append(Alert(t=now, kind=kind, source=source, severity=_SEVERITY[kind], active=True, detail=detail))
        elif not on and kind in device.active:
            del device.active[kind]
            alerts.append(Alert(t=now, kind=kind, source=source, severity=_SEVERITY[kind], active=False,
                                detail="back to normal"))  # fmt: skip


def _drift_detail(correction_db: float) -> str:
    # The correction is what the shoppers' readings say the offset lacks; a receiver that changed alone has
    # changed by more (the positions it is learned at absorb part of it: docs/accuracy.md).
    way = "weaker" if correction_db > 0 else "louder"
    return (
        f"reads {way} than when calibrated (moved, knocked or swapped?): its recent readings ask for a correction "
        f"of {correction_db:+.1f} dB to its rssi_offset; corsia offsets shows and writes the whole day's"
    )
