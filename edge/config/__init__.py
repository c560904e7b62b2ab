"""Corsia's configuration: one TOML file per process, overridden by ``CORSIA_<SECTION>_<KEY>`` variables.

    from edge.config import load_hub_config
    config = load_hub_config("/etc/corsia/hub.toml")
    config.mqtt.port, config.hub.admin_token

Configs are frozen dataclasses, loaded once at start and never written back. Every problem is a
`edge.errors.ConfigError` naming the file or environment variable, the dotted key and the reason. The keys, their
types, defaults and rules are in docs/config.md.
"""

from edge.config.checks import InvalidValue, Section
from edge.config.loader import DEFAULTS_SOURCE, ENV_PREFIX, ConfigPath, load_config, read_toml
from edge.config.processes import (
    GatewayConfig,
    HubConfig,
    KioskConfig,
    MonitorConfig,
    load_gateway_config,
    load_hub_config,
    load_kiosk_config,
    load_monitor_config,
)
from edge.config.sections import (
    GatewaySection,
    HubSection,
    KioskSection,
    LogSection,
    MqttSection,
    StoreSection,
)
from edge.errors import ConfigError

__all__ = [
    "DEFAULTS_SOURCE",
    "ENV_PREFIX",
    "ConfigError",
    "ConfigPath",
    "GatewayConfig",
    "GatewaySection",
    "HubConfig",
    "HubSection",
    "InvalidValue",
    "KioskConfig",
    "KioskSection",
    "LogSection",
    "MonitorConfig",
    "MqttSection",
    "Section",
    "StoreSection",
    "load_config",
    "load_gateway_config",
    "load_hub_config",
    "load_kiosk_config",
    "load_monitor_config",
    "read_toml",
]
