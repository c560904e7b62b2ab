"""The gateway's live settings: what the local config file sets and the hub may change over MQTT.

`from_section` builds them from ``[gateway]``; `apply_remote` applies a ``gw/{gw}/config`` message (partial:
absent fields keep their value) and raises `ValueError` naming the field when the result would be invalid,
in which case the gateway keeps its current settings and reports an error event.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from edge.config import GatewaySection
from edge.protocol import GatewayConfig
from gateway.allowlist import AllowList
from gateway.filters import FilterSettings


@dataclass(frozen=True, slots=True)
class LiveSettings:
    report_interval: float
    allow: AllowList
    filter: FilterSettings
    rssi_offset: float
    rev: int = 0  # the remote configuration revision applied last (0: the local file's)


def from_section(section: GatewaySection) -> LiveSettings:
    f = section.filter
    a = section.allow
    return LiveSettings(
        report_interval=section.report_interval,
        allow=AllowList.build(
            eid=a.eid,
            ibeacon_uuids=a.ibeacon_uuids,
            eddystone_namespaces=a.eddystone_namespaces,
            altbeacon_ids=a.altbeacon_ids,
        ),
        filter=FilterSettings(
            kind=f.kind,  # type: ignore[arg-type]  # checked by the config section's rule
            forget_after_s=f.forget_after_s,
            path_loss_exponent=f.path_loss_exponent,
            process_noise=f.process_noise,
            measurement_noise=f.measurement_noise,
            tau_s=f.tau_s,
            window_s=f.window_s,
        ),
        rssi_offset=section.rssi_offset,
    )


def apply_remote(current: LiveSettings, message: GatewayConfig) -> LiveSettings:
    """The settings after `message`; `ValueError` ("allow.ibeacon_uuids: ...") when it cannot apply."""
    changes: dict[str, object] = {"rev": message.rev}
    if message.report_interval is not None:
        changes["report_interval"] = message.report_interval
    if message.rssi_offset is not None:
        changes["rssi_offset"] = message.rssi_offset
    if message.allow is not None:
        try:
            changes["allow"] = AllowList.from_message(message.allow)
        except ValueError as exc:
            raise ValueError(f"allow.{exc}") from exc
    if message.filter is not None:
        try:
            changes["filter"] = current.filter.with_overrides(message.filter)
        except ValueError as exc:
            raise ValueError(f"filter.{exc}") from exc
    return replace(current, **changes)  # type: ignore[arg-type]
