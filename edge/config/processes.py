"""What each Corsia process reads: its sections, and the function that loads them.

One file per process: a section the process does not read (``[hub]`` in a gateway's file) is an error, so a
misplaced setting is found at start and not silently ignored. The environment is shared: a ``CORSIA_HUB_*``
variable is ignored by the gateway and the kiosk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from edge.config.loader import ConfigPath, load_config
from edge.config.sections import (
    GatewaySection,
    HubSection,
    KioskSection,
    LogSection,
    MqttSection,
    StoreSection,
)


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """``corsia gateway``."""

    store: StoreSection = field(default_factory=StoreSection)
    mqtt: MqttSection = field(default_factory=MqttSection)
    gateway: GatewaySection = field(default_factory=GatewaySection)
    log: LogSection = field(default_factory=LogSection)


@dataclass(frozen=True, slots=True)
class HubConfig:
    """``corsia hub``."""

    store: StoreSection = field(default_factory=StoreSection)
    mqtt: MqttSection = field(default_factory=MqttSection)
    hub: HubSection = field(default_factory=HubSection)
    log: LogSection = field(default_factory=LogSection)


@dataclass(frozen=True, slots=True)
class KioskConfig:
    """``corsia kiosk``."""

    store: StoreSection = field(default_factory=StoreSection)
    mqtt: MqttSection = field(default_factory=MqttSection)
    kiosk: KioskSection = field(default_factory=KioskSection)
    log: LogSection = field(default_factory=LogSection)


@dataclass(frozen=True, slots=True)
class MonitorConfig:
    """``corsia monitor``: which store, and the broker with IT's credentials."""

    store: StoreSection = field(default_factory=StoreSection)
    mqtt: MqttSection = field(default_factory=MqttSection)
    log: LogSection = field(default_factory=LogSection)


def load_gateway_config(path: ConfigPath | None, env: Mapping[str, str] | None = None) -> GatewayConfig:
    """The gateway's config from `path` (None: defaults) and `env` (None: ``os.environ``)."""
    return load_config(GatewayConfig, path, env)


def load_hub_config(path: ConfigPath | None, env: Mapping[str, str] | None = None) -> HubConfig:
    """The hub's config from `path` (None: defaults) and `env` (None: ``os.environ``)."""
    return load_config(HubConfig, path, env)


def load_kiosk_config(path: ConfigPath | None, env: Mapping[str, str] | None = None) -> KioskConfig:
    """The kiosk's config from `path` (None: defaults) and `env` (None: ``os.environ``)."""
    return load_config(KioskConfig, path, env)


def load_monitor_config(path: ConfigPath | None, env: Mapping[str, str] | None = None) -> MonitorConfig:
    """IT's monitor's config from `path` (None: defaults) and `env` (None: ``os.environ``)."""
    return load_config(MonitorConfig, path, env)
