"""The terminal view of a `FleetSnapshot` with rich: a header, the gateways, the kiosks and the active alerts.

Rendering only: every number comes from the snapshot, every decision about state from `edge.monitor.model`.
"""

from __future__ import annotations

from typing import Final

from rich.console import Group, JustifyMethod, RenderableType
from rich.table import Table
from rich.text import Text

from edge.monitor.model import DeviceState, DeviceView, FleetSnapshot
from edge.protocol import GatewayHealth, KioskHealth

STATE_STYLE: Final[dict[DeviceState, str]] = {
    "online": "green",
    "offline": "bold red",
    "silent": "yellow",
    "never seen": "dim",
}
# Device and reader states from the contract, with the ones IT must act on in red.
LEVEL_STYLE: Final[dict[str, str]] = {
    "scanning": "green",
    "restarting": "yellow",
    "down": "bold red",
    "ok": "green",
    "none": "dim",
    "reachable": "green",
    "unreachable": "bold red",
}
SEVERITY_STYLE: Final = {"critical": "bold red", "warning": "yellow"}
NONE: Final = "—"


def format_age(seconds: float | None) -> str:
    """A short age for a table cell: ``4 s``, ``12 min``, ``3 h``, ``2 d``; a dash when unknown."""
    if seconds is None:
        return NONE
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"


def render(snapshot: FleetSnapshot, *, broker: str, connected: bool) -> RenderableType:
    """The whole screen for one refresh."""
    parts: list[RenderableType] = [_header(snapshot, broker, connected), _gateways(snapshot)]
    if snapshot.kiosks:
        parts.append(_kiosks(snapshot))
    parts.append(_alerts(snapshot))
    if snapshot.rejected:
        n = snapshot.rejected
        parts.append(Text(f"{n} payload{'s' if n != 1 else ''} did not fit the contract (dropped)", style="yellow"))
    parts.append(Text("Ctrl-C to quit", style="dim"))
    return Group(*parts)


def _header(snapshot: FleetSnapshot, broker: str, connected: bool) -> Text:
    text = Text.assemble(("Corsia monitor", "bold"), f" · store {snapshot.store} · broker {broker} ")
    text.append("connected" if connected else "reconnecting…", style="green" if connected else "bold red")
    hub = snapshot.hub
    text.append(" · hub ")
    text.append(hub.state, style=STATE_STYLE[hub.state])
    if hub.version:
        text.append(f" {hub.version}")
    if hub.uptime_s is not None:
        text.append(f", up {format_age(hub.uptime_s)}")
    return text


def _state(device: DeviceView[GatewayHealth] | DeviceView[KioskHealth]) -> Text:
    return Text(device.state, style=STATE_STYLE[device.state])


def _level(value: str) -> Text:
    return Text(value, style=LEVEL_STYLE.get(value, ""))


def _count(value: int) -> Text:
    """A counter that should stay at 0 (spool, dropped, restarts, outbox): yellow when it is not."""
    return Text(str(value), style="yellow" if value else "")


def _temp(value: float | None) -> str:
    return NONE if value is None else f"{value:.0f}"


def _row_style(device: DeviceView[GatewayHealth] | DeviceView[KioskHealth]) -> str | None:
    """Dim the figures of a device that is not reporting: they are its last known ones."""
    return "dim" if device.health is not None and device.state != "online" else None


def _gateway_health(h: GatewayHealth | None) -> list[Text | str]:
    if h is None:
        return [NONE] * 8
    return [
        f"{h.adverts_per_s:.1f}", str(h.beacons), _count(h.spool), _count(h.dropped),
        _level(h.scanner), _count(h.scanner_restarts), f"{h.rss_mb:.0f}", _temp(h.cpu_temp_c),
    ]  # fmt: skip


def _kiosk_health(h: KioskHealth | None) -> list[Text | str]:
    if h is None:
        return [NONE] * 6
    return [
        _count(h.outbox), _level(h.hub), _level(h.card_reader), _level(h.camera),
        f"{h.rss_mb:.0f}", _temp(h.cpu_temp_c),
    ]  # fmt: skip


def _gateways(snapshot: FleetSnapshot) -> Table:
    table = Table(title="Gateways", title_justify="left", expand=False)
    columns: list[tuple[str, JustifyMethod]] = [
        ("gateway", "left"), ("zone", "left"), ("state", "left"), ("last seen", "right"),
        ("adverts/s", "right"), ("beacons", "right"), ("spool", "right"), ("dropped", "right"),
        ("scanner", "left"), ("restarts", "right"), ("RSS MB", "right"), ("CPU °C", "right"),
    ]  # fmt: skip
    for name, justify in columns:
        table.add_column(name, justify=justify)
    for gw in snapshot.gateways:
        zone = gw.zone or ("" if gw.in_layout else Text("not in layout", style="yellow"))
        table.add_row(gw.id, zone, _state(gw), format_age(gw.age_s), *_gateway_health(gw.health), style=_row_style(gw))
    if not snapshot.gateways:
        table.add_row(Text("no gateway known yet", style="dim"), *[""] * 11)
    return table


def _kiosks(snapshot: FleetSnapshot) -> Table:
    table = Table(title="Kiosks", title_justify="left", expand=False)
    columns: list[tuple[str, JustifyMethod]] = [
        ("kiosk", "left"), ("state", "left"), ("last seen", "right"), ("outbox", "right"), ("hub", "left"),
        ("card reader", "left"), ("camera", "left"), ("RSS MB", "right"), ("CPU °C", "right"),
    ]  # fmt: skip
    for name, justify in columns:
        table.add_column(name, justify=justify)
    for k in snapshot.kiosks:
        table.add_row(k.id, _state(k), format_age(k.age_s), *_kiosk_health(k.health), style=_row_style(k))
    return table


def _alerts(snapshot: FleetSnapshot) -> RenderableType:
    if not snapshot.alerts:
        return Text("No active alerts (alerts raised before the monitor started are not retained)", style="dim")
    table = Table(title="Active alerts", title_justify="left", expand=False)
    for name in ("severity", "kind", "source", "since", "detail"):
        table.add_column(name)
    for alert in snapshot.alerts:
        table.add_row(
            Text(alert.severity, style=SEVERITY_STYLE[alert.severity]),
            alert.kind,
            alert.source,
            format_age(max(0.0, snapshot.t - alert.t)),
            alert.detail,
        )
    return table
